import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LocalEngine } from '../../../../../electron/core/engines/local/index'
import { catalogue, harness, productPhoto, rejection, type Harness } from './helpers'

// A catalogue added without categories (30 real store photos: 6 products × 5 views, plus 4
// fashion catalogue pictures unlike any of them). The user labels views 0 and 1 of each product
// with a category of its own; "predict the rest" must give views 2..4 their product's category,
// and leave the fashion pictures "Other, no labelled neighbours".
const PRODUCTS = [0, 3, 6, 9, 12, 15]
const CATEGORY: Record<number, number> = { 0: 8, 3: 6, 6: 7, 9: 3, 12: 22, 15: 20 }
const LABELLED_VIEWS = [0, 1]
const REST_VIEWS = [2, 3, 4]
const FAR = [0, 1, 2, 3]
const OTHER = 88888888

async function addAll(e: LocalEngine) {
  const notes: (string | undefined)[] = []
  for (const p of PRODUCTS) {
    for (let v = 0; v < 5; v++) {
      const r = await e.addImage({
        productId: `p${p}`,
        picName: `${v}.jpg`,
        picContent: productPhoto(p, v),
        crop: false,
      })
      notes.push(r.picInfo.categoryNote)
      expect(r.picInfo.categoryId).toBe(OTHER)
    }
  }
  for (const i of FAR) {
    await e.addImage({
      productId: `far${i}`,
      picName: 'a.jpg',
      picContent: catalogue(i),
      crop: false,
    })
  }
  return notes
}

describe('local engine: labelled categories and predicting the rest', () => {
  let h: Harness
  beforeAll(async () => {
    h = await harness()
    const notes = await addAll(h.engine)
    // Nothing labelled yet: every picture says why it is Other.
    expect(notes.every((n) => n === 'noLabelledNeighbours')).toBe(true)
  }, 240_000)
  afterAll(async () => {
    await h.cleanup()
  })

  it('setCategory labels a picture without describing it again; refuses unknown ones', async () => {
    const before = await h.engine.searchImageByName({ productId: 'p0', picName: '0.jpg', num: 3 })
    for (const p of PRODUCTS) {
      for (const v of LABELLED_VIEWS) {
        const r = await h.engine.setCategory({
          productId: `p${p}`,
          picName: `${v}.jpg`,
          categoryId: CATEGORY[p],
        })
        expect(r.categoryId).toBe(CATEGORY[p])
      }
    }
    // Same neighbours, same scores: the vector was kept.
    const after = await h.engine.searchImageByName({ productId: 'p0', picName: '0.jpg', num: 3 })
    expect(after.auctions.map((a) => [a.productId, a.picName, a.score])).toEqual(
      before.auctions.map((a) => [a.productId, a.picName, a.score]),
    )
    expect(after.auctions[0].categoryId).toBe(CATEGORY[0])
    // The category restricts searches at once (the index follows).
    const only = await h.engine.searchImageByName({
      productId: 'p0',
      picName: '2.jpg',
      categoryId: CATEGORY[0],
      num: 10,
    })
    expect(only.auctions.map((a) => a.picName).sort()).toEqual(['0.jpg', '1.jpg'])
    const e = await rejection(
      h.engine.setCategory({ productId: 'nope', picName: 'x', categoryId: 3 }),
    )
    expect(e.code).toBe('BadRequest')
    const bad = await rejection(
      h.engine.setCategory({ productId: 'p0', picName: '0.jpg', categoryId: 12345 }),
    )
    expect(bad.code).toBe('InvalidCategory')
  })

  it('predicts the rest from the labelled pictures only, and says which had none near', async () => {
    const r = await h.engine.predictCategories({ sliceMs: 0 })
    expect(r.cancelled).toBe(false)
    expect(r.total).toBe(PRODUCTS.length * REST_VIEWS.length + FAR.length)
    expect(r.predicted + r.noLabelledNeighbours + r.undecided).toBe(r.total)
    let right = 0
    for (const p of PRODUCTS) {
      for (const v of REST_VIEWS) {
        const hit = r.changed.find((c) => c.productId === `p${p}` && c.picName === `${v}.jpg`)
        if (hit?.categoryId === CATEGORY[p]) right++
        // Never another product's category.
        if (hit && hit.categoryId !== OTHER) expect(hit.categoryId).toBe(CATEGORY[p])
      }
    }
    // Real phone photos of the same product: most views are near a labelled one.
    expect(right).toBeGreaterThanOrEqual(Math.ceil(PRODUCTS.length * REST_VIEWS.length * 0.75))
    expect(r.predicted).toBe(right)
    // The fashion pictures have no labelled picture anywhere near: Other, and said so.
    for (const i of FAR) {
      const row = await h.engine.searchImageByName({
        productId: `far${i}`,
        picName: 'a.jpg',
        num: 1,
      })
      expect(row.auctions[0].categoryId).toBe(OTHER)
    }
    const dump = await dumpLines(h.engine)
    for (const i of FAR) {
      expect(dump.get(`far${i}/a.jpg`)).toMatchObject({
        CategoryId: String(OTHER),
        CategoryNote: 'noLabelledNeighbours',
      })
    }
    expect(r.noLabelledNeighbours).toBeGreaterThanOrEqual(FAR.length)
    // Labelled pictures keep the user's category, with no note.
    for (const p of PRODUCTS) {
      expect(dump.get(`p${p}/0.jpg`)).toEqual(
        expect.objectContaining({ CategoryId: String(CATEGORY[p]) }),
      )
      expect(dump.get(`p${p}/0.jpg`)!.CategoryNote).toBeUndefined()
    }
    // Predicting again changes nothing.
    const again = await h.engine.predictCategories({ sliceMs: 0 })
    expect(again.changed).toEqual([])
    expect(again.predicted).toBe(r.predicted)
  })

  it('a category the user gives (UpdateImage) is labelled: predicting never overwrites it', async () => {
    await h.engine.updateImage({ productId: 'far0', picName: 'a.jpg', categoryId: 1 })
    const r = await h.engine.predictCategories({ sliceMs: 0 })
    expect(r.changed.find((c) => c.productId === 'far0')).toBeUndefined()
    const dump = await dumpLines(h.engine)
    expect(dump.get('far0/a.jpg')).toMatchObject({ CategoryId: '1' })
    expect(dump.get('far0/a.jpg')!.CategoryNote).toBeUndefined()
  })

  it('a stop keeps what was done', async () => {
    const ctl = new AbortController()
    ctl.abort()
    const r = await h.engine.predictCategories({ signal: ctl.signal, sliceMs: 0 })
    expect(r.cancelled).toBe(true)
    expect(r.changed).toEqual([])
  })
})

describe('local engine store: migration to labelled categories', () => {
  it('takes existing categories as labelled, Other as not, and keeps them across restarts', async () => {
    const h = await harness()
    try {
      await h.engine.addImage({
        productId: 'a',
        picName: '0.jpg',
        picContent: productPhoto(0, 0),
        categoryId: 8,
        crop: false,
      })
      await h.engine.addImage({
        productId: 'a',
        picName: '1.jpg',
        picContent: productPhoto(0, 1),
        crop: false,
      })
      await h.engine.close()
      // Back to the first schema: no labelled / category_note columns.
      const db = new Database(path.join(h.dir, 'engine.db'))
      db.exec(
        'ALTER TABLE images DROP COLUMN labelled; ALTER TABLE images DROP COLUMN category_note',
      )
      db.prepare("UPDATE meta SET value = '1' WHERE key = 'schema_version'").run()
      // The second picture was predicted from the first: Bottle, as an older Loupe stored it.
      expect(
        db.prepare("SELECT category_id FROM images WHERE pic_name = '1.jpg'").pluck().get(),
      ).toBe(8)
      db.prepare("UPDATE images SET category_id = 88888888 WHERE pic_name = '1.jpg'").run()
      db.close()
      const e = await h.open()
      const r = await e.predictCategories({ sliceMs: 0 })
      // 0.jpg (Bottle) was taken as labelled; 1.jpg (Other) as not, and predicted from it.
      expect(r.total).toBe(1)
      expect(r.changed).toEqual([
        { productId: 'a', picName: '1.jpg', categoryId: 8, categoryNote: null },
      ])
      const meta = new Database(path.join(h.dir, 'engine.db'), { readonly: true })
      expect(
        meta.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get(),
      ).toBe('2')
      meta.close()
      expect(fs.existsSync(path.join(h.dir, 'engine.db'))).toBe(true)
    } finally {
      await h.cleanup()
    }
  })
})

async function dumpLines(e: LocalEngine): Promise<Map<string, Record<string, string>>> {
  const { id } = await e.dumpMeta()
  await e.whenIdle()
  const list = await e.dumpMetaList({ id })
  const url = list.dumpMetaList[0].metaUrl!
  const file = new URL(url)
  const text = fs.readFileSync(file, 'utf8')
  const m = new Map<string, Record<string, string>>()
  for (const line of text.split('\n').filter(Boolean)) {
    const o = JSON.parse(line) as Record<string, string>
    m.set(`${o.ProductId}/${o.PicName}`, o)
  }
  return m
}
