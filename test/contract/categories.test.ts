/**
 * Categories through the contract (real core, real featurizer, SQLite, imaging; real HTTP and the
 * official SDK for the cloud profile): a catalogue added without categories says why its pictures
 * are Other; "Set category…" on a selection labels them (local engine: without describing them
 * again); "predict the rest" gives the others their labelled neighbours' category; the gallery's
 * category filter finds them. On a cloud profile a category is changed by adding the picture again
 * from its source file, and where that cannot be done each picture says why.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { productPhotoPath } from '../helpers/photos'
import { catalogueItem } from '../helpers/images'
import { tempDir } from '../helpers/tmp'
import { call, callError, makeCore } from '../unit/core/gallery/service/helpers'
import { AK, SECRET, startStack, type Stack } from './fixtures'

type Img = {
  productId: string
  picName: string
  categoryId: number | null
  categoryNote?: string | null
}
type Page = { total: number; items: Img[] }
type Bulk = {
  mode: string
  done: number
  failed: number
  failures: { productId: string; picName: string; code: string; message: string }[]
}

const OTHER = 88888888
// 4 real products × 5 store photos; views 0 and 1 get labelled, 2..4 are predicted.
const PRODUCTS = [1, 4, 7, 10]
const CATEGORY: Record<number, number> = { 1: 8, 4: 6, 7: 7, 10: 9 }

describe('categories on the local engine and the cloud', () => {
  const t = tempDir('loupe-categories-')
  let core: ReturnType<typeof makeCore>
  let d: (name: string, input: unknown) => Promise<unknown>
  let stack: Stack

  const list = async (q: Record<string, unknown> = {}, profile?: string) =>
    call<Page>(d, 'gallery.list', { ...(profile ? { profile } : {}), limit: 1000, ...q })

  beforeAll(async () => {
    core = makeCore(t.dir, { cloudTimeouts: { connectTimeoutMs: 5000, readTimeoutMs: 60_000 } })
    d = core.dispatch
    stack = await startStack()
    // The stack's picture model loads on its first picture: not inside a cloud call's timeout.
    await stack.engine.compareSimilarByImage({
      primaryPicContent: fs.readFileSync(catalogueItem(1)),
      secondaryPicContent: fs.readFileSync(catalogueItem(2)),
    })
  })
  afterAll(async () => {
    await core?.close()
    await stack?.close()
    t.cleanup()
  })

  it('local: notes, set category on a selection, predict the rest, filter finds them', async () => {
    for (const p of PRODUCTS) {
      for (let v = 0; v < 5; v++) {
        await call(d, 'images.add', {
          image: { path: productPhotoPath(p, v) },
          productId: `p${p}`,
          picName: `${v}.jpg`,
          crop: false,
        })
      }
    }
    await call(d, 'images.add', {
      image: { path: catalogueItem(5) },
      productId: 'dress',
      picName: 'a.jpg',
      crop: false,
    })
    // Nothing labelled: every picture is Other and the cache says why.
    const before = await list()
    expect(before.total).toBe(21)
    expect(before.items.every((i) => i.categoryId === OTHER)).toBe(true)
    expect(before.items.every((i) => i.categoryNote === 'noLabelledNeighbours')).toBe(true)

    for (const p of PRODUCTS) {
      const r = await call<Bulk>(d, 'gallery.setCategory', {
        selection: {
          keys: [0, 1].map((v) => ({ productId: `p${p}`, picName: `${v}.jpg` })),
        },
        categoryId: CATEGORY[p],
      })
      expect(r).toMatchObject({ mode: 'job', done: 2, failed: 0 })
    }
    // The cache follows at once: labelled, no note.
    const bottles = await list({ categoryId: 8 })
    expect(bottles.items.map((i) => `${i.productId}/${i.picName}`).sort()).toEqual([
      'p1/0.jpg',
      'p1/1.jpg',
    ])
    expect(bottles.items.every((i) => i.categoryNote === null)).toBe(true)

    const pr = await call<{
      total: number
      predicted: number
      noLabelledNeighbours: number
      changed: number
    }>(d, 'gallery.predictCategories', {})
    expect(pr.total).toBe(13)
    expect(pr.predicted + pr.noLabelledNeighbours).toBeLessThanOrEqual(13)
    // Most views find their product's labelled views; never another product's category.
    let right = 0
    for (const p of PRODUCTS) {
      const page = await list({ categoryId: CATEGORY[p] })
      for (const i of page.items) expect(i.productId).toBe(`p${p}`)
      right += page.items.length - 2
    }
    expect(right).toBe(pr.predicted)
    expect(right).toBeGreaterThanOrEqual(9)
    // The dress is like none of them: Other, and still says why.
    const dress = await list({ productId: 'dress' })
    expect(dress.items[0]).toMatchObject({
      categoryId: OTHER,
      categoryNote: 'noLabelledNeighbours',
    })
    expect(pr.noLabelledNeighbours).toBeGreaterThanOrEqual(1)
  })

  it('cloud: re-adds from a known, unchanged source file; says per picture why not', async () => {
    await call(d, 'profiles.create', {
      kind: 'cloud',
      name: 'cloud',
      cloud: {
        instanceName: 'demo',
        endpoint: `127.0.0.1:${stack.server.port}`,
        protocol: 'http',
        accessKeyId: AK,
        accessKeySecret: SECRET,
      },
    })
    const edited = path.join(t.dir, 'edited.jpg')
    fs.copyFileSync(catalogueItem(7), edited)
    await call(d, 'images.add', {
      profile: 'cloud',
      image: { path: catalogueItem(6) },
      productId: 'c',
      picName: 'file.jpg',
      intAttr: 5,
      strAttr: 'kept',
    })
    await call(d, 'images.add', {
      profile: 'cloud',
      image: { base64: fs.readFileSync(catalogueItem(8)).toString('base64'), name: 'x.jpg' },
      productId: 'c',
      picName: 'upload.jpg',
    })
    await call(d, 'images.add', {
      profile: 'cloud',
      image: { path: edited },
      productId: 'c',
      picName: 'edited.jpg',
    })
    fs.copyFileSync(catalogueItem(9), edited)
    const r = await call<Bulk>(d, 'gallery.setCategory', {
      profile: 'cloud',
      selection: { query: { productId: 'c' } },
      categoryId: 1,
    })
    expect(r.done).toBe(1)
    expect(r.failed).toBe(2)
    const why = Object.fromEntries(r.failures.map((f) => [f.picName, f.code]))
    expect(why).toEqual({
      'upload.jpg': 'CategoryNeedsSourceFile',
      'edited.jpg': 'CategorySourceFileChanged',
    })
    // The engine has the new category, the other attributes kept; the cache follows.
    const found = await stack.engine.searchImageByName({ productId: 'c', picName: 'file.jpg' })
    const self = found.auctions.find((a) => a.picName === 'file.jpg')!
    expect(self).toMatchObject({ categoryId: 1, intAttr: 5, strAttr: 'kept' })
    const dresses = await list({ categoryId: 1 }, 'cloud')
    expect(dresses.items.map((i) => i.picName)).toEqual(['file.jpg'])
    // The cloud predicts by itself: nothing to predict again.
    const e = await callError(d, 'gallery.predictCategories', { profile: 'cloud' })
    expect(e.code).toBe('PredictNeedsLocalEngine')
  })
})
