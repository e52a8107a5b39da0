import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Auction, SearchResult } from '../../../../../electron/core/engines/types'
import type { LocalEngine } from '../../../../../electron/core/engines/local/index'
import { harness, productPhoto, type Harness } from './helpers'

// Re-ranking (query expansion whose strength follows how many pictures a product has) is on by
// default. Gallery: 16 real products × views 0..2 (48 pictures, product = object); view 3 and 4
// of each product are held out as queries. A second engine holds each picture as its own
// product: there, re-ranking must change nothing.
const PRODUCTS = 16
const VIEWS = [0, 1, 2]
const key = (a: Auction) => `${a.productId}/${a.picName}`

describe('local engine: re-ranking', () => {
  let h: Harness
  let plain: LocalEngine
  let single: Harness
  let singlePlain: LocalEngine
  beforeAll(async () => {
    h = await harness()
    single = await harness()
    for (let p = 0; p < PRODUCTS; p++) {
      for (const v of VIEWS) {
        const pic = { picName: `${v}.jpg`, picContent: productPhoto(p, v), crop: false }
        await h.engine.addImage({ ...pic, productId: `p${p}`, intAttr: p, intAttr2: v })
        await single.engine.addImage({ ...pic, productId: `p${p}-${v}`, intAttr: p })
      }
    }
    // The same stored vectors, ranked by the plain similarity (a second engine on a copy would
    // featurize again; instead reopen each folder without re-ranking after closing it).
    await h.engine.close()
    plain = await h.open({ rerank: false })
    await single.engine.close()
    singlePlain = await single.open({ rerank: false })
  }, 600_000)
  afterAll(async () => {
    await h?.cleanup()
    await single?.cleanup()
  })

  /** An engine on h's folder with re-ranking on (default); plain is closed meanwhile. */
  async function withRerank<T>(
    f: (e: LocalEngine) => Promise<T>,
    which: 'multi' | 'single' = 'multi',
  ): Promise<T> {
    const hh = which === 'multi' ? h : single
    const off = which === 'multi' ? plain : singlePlain
    await off.close()
    const e = await hh.open()
    try {
      return await f(e)
    } finally {
      await e.close()
      if (which === 'multi') plain = await h.open({ rerank: false })
      else singlePlain = await single.open({ rerank: false })
    }
  }

  it('changes the ranking where products have several pictures, never the top identical picture', async () => {
    const queries = Array.from({ length: PRODUCTS }, (_, p) => productPhoto(p, 3))
    const before: SearchResult[] = []
    for (const q of queries)
      before.push(await plain.searchImageByPic({ picContent: q, num: 12, crop: false }))
    const after = await withRerank(async (e) => {
      const out: SearchResult[] = []
      for (const q of queries)
        out.push(await e.searchImageByPic({ picContent: q, num: 12, crop: false }))
      // An identical picture is first and scores 1; scores stay similarities in 0..1, descending.
      const same = await e.searchImageByPic({
        picContent: productPhoto(5, 1),
        num: 48,
        crop: false,
      })
      expect(key(same.auctions[0])).toBe('p5/1.jpg')
      expect(same.auctions[0].score).toBeCloseTo(1, 5)
      for (let i = 0; i < same.auctions.length; i++) {
        const s = same.auctions[i].score
        expect(s).toBeGreaterThanOrEqual(0)
        expect(s).toBeLessThanOrEqual(1)
        if (i) expect(s).toBeLessThanOrEqual(same.auctions[i - 1].score)
      }
      const byName = await e.searchImageByName({ productId: 'p9', picName: '2.jpg', num: 5 })
      expect(key(byName.auctions[0])).toBe('p9/2.jpg')
      expect(byName.auctions[0].score).toBeCloseTo(1, 5)
      return out
    })
    // Re-ranking is live: some rankings differ, and no score is below the plain similarity.
    const differs = after.some(
      (a, i) => a.auctions.map(key).join() !== before[i].auctions.map(key).join(),
    )
    expect(differs).toBe(true)
    for (let i = 0; i < queries.length; i++) {
      const plainScore = new Map(before[i].auctions.map((a) => [key(a), a.score]))
      for (const a of after[i].auctions) {
        const s = plainScore.get(key(a))
        if (s !== undefined) expect(a.score).toBeGreaterThanOrEqual(s - 1e-6)
      }
    }
  })

  it('keeps paging exact: pages concatenate to one big query (filter, distinct, threshold)', async () => {
    await withRerank(async (e) => {
      const q = productPhoto(7, 4)
      const variants = [
        {},
        { filter: 'int_attr2 >= 1 OR int_attr < 4' },
        { distinctProductId: true },
        { scoreThreshold: 0.3 },
      ]
      for (const o of variants) {
        const big = await e.searchImageByPic({ picContent: q, num: 48, crop: false, ...o })
        const pages: Auction[] = []
        for (let start = 0; start < 48; start += 5) {
          const p = await e.searchImageByPic({ picContent: q, start, num: 5, crop: false, ...o })
          pages.push(...p.auctions)
          expect(p.head.docsFound).toBe(big.head.docsFound)
        }
        expect(pages.map(key)).toEqual(big.auctions.map(key))
        expect(pages.map((a) => a.score)).toEqual(big.auctions.map((a) => a.score))
        if ('scoreThreshold' in o) {
          for (const a of big.auctions) expect(a.score).toBeGreaterThanOrEqual(0.3)
          expect(big.head.docsFound).toBe(big.auctions.length)
        }
        if ('distinctProductId' in o) {
          expect(new Set(big.auctions.map((a) => a.productId)).size).toBe(big.auctions.length)
        }
      }
      const o = { productId: 'p3', picName: '0.jpg', filter: 'int_attr2 in (0, 2)' }
      const big = await e.searchImageByName({ ...o, num: 40 })
      const pages: Auction[] = []
      for (let start = 0; start < 40; start += 9)
        pages.push(...(await e.searchImageByName({ ...o, start, num: 9 })).auctions)
      expect(pages.slice(0, 40).map(key)).toEqual(big.auctions.map(key))
    })
  })

  it('leaves a one-picture-per-product gallery exactly as the plain similarity ranks it', async () => {
    const queries = [productPhoto(2, 3), productPhoto(11, 4), productPhoto(14, 3)]
    const before: SearchResult[] = []
    for (const q of queries)
      before.push(await singlePlain.searchImageByPic({ picContent: q, num: 48, crop: false }))
    const after = await withRerank(async (e) => {
      const out: SearchResult[] = []
      for (const q of queries)
        out.push(await e.searchImageByPic({ picContent: q, num: 48, crop: false }))
      return out
    }, 'single')
    for (let i = 0; i < queries.length; i++) {
      expect(after[i].auctions.map(key)).toEqual(before[i].auctions.map(key))
      expect(after[i].auctions.map((a) => a.score)).toEqual(before[i].auctions.map((a) => a.score))
    }
  })
})
