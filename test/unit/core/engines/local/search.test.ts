import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Auction } from '../../../../../electron/core/engines/types'
import { harness, productPhoto, type Harness } from './helpers'

// Gallery: 30 real products (store photos shipped in test/fixtures/grocery), views 0..3 of each →
// 120 images; view 4 of each product is held out of the gallery. Products are numbered 2..33 less
// 15 and 22 (the filters below count on those numbers). Product = object, picName = view;
// attributes derived from the object number so filters split the gallery.
const OBJECTS = Array.from({ length: 32 }, (_, i) => i + 2).filter((o) => o !== 15 && o !== 22)
const VIEWS = [0, 1, 2, 3]
const HELD_OUT = 4
/** View `view` of object `obj`: a real photo of one product. */
const photo = (obj: number, view: number) => productPhoto(OBJECTS.indexOf(obj), view)

describe('local engine: ranking, paging and filters', () => {
  let h: Harness
  beforeAll(async () => {
    h = await harness()
    for (const obj of OBJECTS) {
      for (const view of VIEWS) {
        await h.engine.addImage({
          productId: `obj${obj}`,
          picName: `${view}.jpg`,
          picContent: photo(obj, view),
          categoryId: obj % 3 === 0 ? 20 : 88888888,
          intAttr: obj,
          intAttr2: view,
          strAttr: obj % 2 === 0 ? 'even' : 'odd',
          crop: false,
        })
      }
    }
    // ~120 pictures described one by one: on a busy 2-core machine more than the default minute.
  }, 180_000)
  afterAll(async () => {
    await h.cleanup()
  })

  const key = (a: Auction) => `${a.productId}/${a.picName}`

  it('finds an identical picture first with a score >= 0.99; scores are 0..1 and descending', async () => {
    const s = await h.engine.searchImageByPic({ picContent: photo(7, 1), num: 20, crop: false })
    expect(key(s.auctions[0])).toBe('obj7/1.jpg')
    expect(s.auctions[0].score).toBeGreaterThanOrEqual(0.99)
    for (let i = 1; i < s.auctions.length; i++) {
      expect(s.auctions[i].score).toBeLessThanOrEqual(s.auctions[i - 1].score)
      expect(s.auctions[i].score).toBeGreaterThanOrEqual(0)
    }
    expect(s.head).toMatchObject({ docsFound: 120, docsReturn: 20 })
    // A held-out view of the same object ranks its siblings near the top.
    const held = await h.engine.searchImageByPic({
      picContent: photo(7, HELD_OUT),
      num: 4,
      crop: false,
    })
    expect(held.auctions.filter((a) => a.productId === 'obj7').length).toBeGreaterThanOrEqual(2)
  })

  it('pages concatenate to exactly one big query', async () => {
    const q = photo(11, HELD_OUT)
    const big = await h.engine.searchImageByPic({ picContent: q, num: 100, start: 0 })
    const pages: Auction[] = []
    for (let start = 0; start < 100; start += 7) {
      const p = await h.engine.searchImageByPic({
        picContent: q,
        num: Math.min(7, 100 - start),
        start,
      })
      pages.push(...p.auctions)
    }
    expect(pages.map(key)).toEqual(big.auctions.map(key))
    expect(pages.map((a) => a.score)).toEqual(big.auctions.map((a) => a.score))
    const tail = await h.engine.searchImageByPic({ picContent: q, num: 10, start: 115 })
    expect(tail.auctions).toHaveLength(5)
    expect(tail.head).toMatchObject({ docsFound: 120, docsReturn: 5 })
  })

  it('pages by name with a filter concatenate exactly too', async () => {
    const o = { productId: 'obj5', picName: '0.jpg', filter: 'str_attr = "odd" OR int_attr2 >= 2' }
    const big = await h.engine.searchImageByName({ ...o, num: 80 })
    const pages: Auction[] = []
    for (let start = 0; start < 80; start += 13)
      pages.push(...(await h.engine.searchImageByName({ ...o, start, num: 13 })).auctions)
    expect(pages.slice(0, 80).map(key)).toEqual(big.auctions.map(key))
  })

  it('applies the filter before ranking: num results even when they rank low overall', async () => {
    // obj33 is one object; a filter keeping only it must return its 4 views, whatever the query.
    const s = await h.engine.searchImageByPic({
      picContent: photo(2, 0),
      num: 10,
      filter: 'int_attr = 33',
    })
    expect(s.auctions.map(key).sort()).toEqual(VIEWS.map((d) => `obj33/${d}.jpg`).sort())
    expect(s.head.docsFound).toBe(4)
    const f = await h.engine.searchImageByPic({
      picContent: photo(2, 0),
      num: 100,
      filter: '(int_attr in (3, 4, 5) OR str_attr != "even") AND int_attr2 not in (0, 1)',
    })
    const expected = new Set<string>()
    for (const obj of OBJECTS)
      for (const view of VIEWS) {
        if (([3, 4, 5].includes(obj) || obj % 2 === 1) && view !== 0 && view !== 1)
          expected.add(`obj${obj}/${view}.jpg`)
      }
    expect(new Set(f.auctions.map(key))).toEqual(expected)
    expect(f.head.docsFound).toBe(expected.size)
    for (const a of f.auctions) expect(a.intAttr2 === 2 || a.intAttr2 === 3).toBe(true)
  })

  it('restricts to a given category but not to a predicted one', async () => {
    const s = await h.engine.searchImageByPic({ picContent: photo(4, 0), num: 100, categoryId: 20 })
    expect(s.auctions.length).toBe(OBJECTS.filter((o) => o % 3 === 0).length * 4)
    for (const a of s.auctions) expect(a.categoryId).toBe(20)
    expect(s.picInfo!.categoryId).toBe(20)
    const free = await h.engine.searchImageByPic({ picContent: photo(4, 0), num: 100 })
    expect(free.auctions).toHaveLength(100)
    expect(
      free.auctions.some((a) => a.categoryId === 20) &&
        free.auctions.some((a) => a.categoryId !== 20),
    ).toBe(true)
  })

  it('predicts a category from the neighbours, Other when unsure', async () => {
    // obj12 (category 20) is in the gallery; its held-out view is nearest to its own views.
    const s = await h.engine.searchImageByPic({
      picContent: photo(12, HELD_OUT),
      num: 4,
      crop: false,
    })
    expect(s.auctions[0].productId).toBe('obj12')
    expect(s.picInfo!.categoryId).toBe(20)
    expect(s.picInfo!.categoryNote).toBeUndefined()
    const empty = await h.open({ dir: h.dir + '-empty' })
    const e = await empty.searchImageByPic({ picContent: photo(12, HELD_OUT) })
    expect(e.picInfo!.categoryId).toBe(88888888)
    // Nothing to learn from: said so, not a bare "Other".
    expect(e.picInfo!.categoryNote).toBe('noLabelledNeighbours')
    expect(e.auctions).toEqual([])
    expect(e.head).toMatchObject({ docsFound: 0, docsReturn: 0 })
  })

  it('says when a category was not predicted for want of labelled neighbours', async () => {
    // A catalogue added without categories: every picture is Other, and says why.
    const g = await h.open({ dir: h.dir + '-unlabelled' })
    for (const obj of [3, 4, 5]) {
      const r = await g.addImage({
        productId: `u${obj}`,
        picName: '0.jpg',
        picContent: photo(obj, 0),
        crop: false,
      })
      expect(r.picInfo).toMatchObject({
        categoryId: 88888888,
        categoryNote: 'noLabelledNeighbours',
      })
    }
    const q = await g.searchImageByPic({ picContent: photo(3, HELD_OUT), crop: false })
    expect(q.picInfo).toMatchObject({ categoryId: 88888888, categoryNote: 'noLabelledNeighbours' })
    // A category given is the user's: no note. Once a neighbour has a category, it is predicted.
    const given = await g.addImage({
      productId: 'u3',
      picName: '1.jpg',
      picContent: photo(3, 1),
      categoryId: 20,
      crop: false,
    })
    expect(given.picInfo.categoryNote).toBeUndefined()
    expect(
      (await g.searchImageByPic({ picContent: photo(3, HELD_OUT), crop: false, categoryId: 4 }))
        .picInfo!.categoryNote,
    ).toBeUndefined()
    const learnt = await g.searchImageByPic({ picContent: photo(3, 1), crop: false })
    expect(learnt.picInfo!.categoryNote).toBeUndefined()
    expect(learnt.picInfo!.categoryId).toBe(20)
  })

  it('distinctProductId keeps the best picture of each product', async () => {
    const q = photo(13, 1)
    const all = await h.engine.searchImageByPic({ picContent: q, num: 100 })
    const d = await h.engine.searchImageByPic({ picContent: q, num: 30, distinctProductId: true })
    expect(d.auctions).toHaveLength(30)
    expect(new Set(d.auctions.map((a) => a.productId)).size).toBe(30)
    expect(d.head.docsFound).toBe(30)
    // Each product's hit is its best-scoring picture, in score order.
    const best = new Map<string, Auction>()
    for (const a of all.auctions) if (!best.has(a.productId)) best.set(a.productId, a)
    for (const a of d.auctions) {
      const b = best.get(a.productId)
      if (b) expect(key(a)).toBe(key(b))
    }
    // Distinct paging is exact as well.
    const p1 = await h.engine.searchImageByPic({ picContent: q, num: 10, distinctProductId: true })
    const p2 = await h.engine.searchImageByPic({
      picContent: q,
      num: 10,
      start: 10,
      distinctProductId: true,
    })
    expect([...p1.auctions, ...p2.auctions].map(key)).toEqual(d.auctions.slice(0, 20).map(key))
  })

  it('scoreThreshold drops results below it', async () => {
    const q = photo(21, 2)
    const all = await h.engine.searchImageByPic({ picContent: q, num: 100 })
    const cut = all.auctions[9].score
    const s = await h.engine.searchImageByPic({ picContent: q, num: 100, scoreThreshold: cut })
    expect(s.auctions.length).toBeGreaterThanOrEqual(10)
    for (const a of s.auctions) expect(a.score).toBeGreaterThanOrEqual(cut)
    expect(s.auctions.length).toBe(all.auctions.filter((a) => a.score >= cut).length)
    expect(s.head.docsFound).toBe(s.auctions.length)
  })

  it('uses the given region, else the detected subject, and reports subjects', async () => {
    const r = await h.engine.searchImageByPic({ picContent: photo(2, 0), region: '0,64,0,64' })
    expect(r.picInfo!.region).toBe('0,64,0,64')
    const c = await h.engine.searchImageByPic({ picContent: photo(2, 0) })
    expect(c.picInfo!.region).toMatch(/^\d+,\d+,\d+,\d+$/)
    expect(c.picInfo!.multiRegion.length).toBeGreaterThanOrEqual(0)
    if (c.picInfo!.multiRegion.length) expect(c.picInfo!.multiRegion[0]).toBe(c.picInfo!.region)
    const n = await h.engine.searchImageByPic({ picContent: photo(2, 0), crop: false })
    expect(n.picInfo!.region).toBeNull()
  })

  it('searches by filter alone, paged in insertion order', async () => {
    const f = 'int_attr <= 4'
    const all = await h.engine.searchImageByFilter({ filter: f, num: 100 })
    expect(all.head.docsFound).toBe(12)
    expect(all.auctions.map(key)).toEqual(
      [2, 3, 4].flatMap((o) => VIEWS.map((d) => `obj${o}/${d}.jpg`)),
    )
    const p = await h.engine.searchImageByFilter({ filter: f, num: 5, start: 10 })
    expect(p.auctions.map(key)).toEqual(all.auctions.slice(10).map(key))
    expect(p.picInfo).toBeNull()
    expect((await h.engine.searchImageByFilter({ filter: '' }).catch((e) => e)).code).toBe(
      'BadRequest',
    )
  })
})
