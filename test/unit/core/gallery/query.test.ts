import { describe, expect, it } from 'vitest'
import type {
  Gallery,
  GalleryImage,
  SortKey,
  SortOrder,
  GroupSortKey,
  QueryOptions,
} from '../../../../electron/core/gallery'
import { GalleryError } from '../../../../electron/core/gallery'
import path from 'node:path'
import { newGallery, writeLines } from './helpers'

const COLOURS = ['红色', '黑色', '白色', 'navy', 'Olive']
const CATS = [0, 3, 3, 4, 88888888]

/** 300 images over 60 products; timestamps tie in threes to exercise the tie-breakers. */
function fill(): { g: Gallery; all: GalleryImage[] } {
  let n = 0
  const { g } = newGallery({ now: () => 1_000_000 + Math.floor(n++ / 3) })
  let seed = 7
  const rnd = () => (seed = (seed * 48271) % 2147483647) / 2147483647
  g.batch(() => {
    for (let i = 0; i < 300; i++) {
      const p = i % 60
      g.recordAdded({
        productId: p % 7 === 0 ? `商品-${p}` : `SKU-${String((p * 37) % 100).padStart(3, '0')}`,
        picName: `${Math.floor(rnd() * 1000)}_${i}.jpg`,
        categoryId: i % 11 === 0 ? undefined : CATS[i % CATS.length],
        customContent: `${COLOURS[i % 5]} item ${i}`,
        intAttr: Math.floor(rnd() * 100),
        strAttr: COLOURS[(i * 3) % 5],
        syncState: i % 13 === 0 ? 'pending-add' : 'synced',
      })
    }
  })
  // Touch some rows later so added and updated orders differ.
  for (let i = 0; i < 300; i += 7) {
    const all = g.query({ limit: 1000, sort: 'added', order: 'asc' }).items
    g.recordUpdated(all[i], { intAttr2: i })
  }
  const all = allRows(g)
  return { g, all }
}

function allRows(g: Gallery): GalleryImage[] {
  const out: GalleryImage[] = []
  for (let off = 0; ; off += 1000) {
    const page = g.query({ limit: 1000, offset: off, sort: 'added', order: 'asc' })
    out.push(...page.items)
    if (page.items.length < 1000) return out
  }
}

/** SQLite's BINARY collation: UTF-8 bytes. */
const bin = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b))
/** NULL sorts first ascending, as in SQLite. */
const num = (a: number | null, b: number | null) =>
  a === b ? 0 : a === null ? -1 : b === null ? 1 : a - b

function reference(
  rows: GalleryImage[],
  sort: SortKey,
  order: SortOrder,
  insertion: Map<string, number>,
): GalleryImage[] {
  const id = (r: GalleryImage) => insertion.get(`${r.productId}\u0000${r.picName}`)!
  const cmp: Record<SortKey, (a: GalleryImage, b: GalleryImage) => number> = {
    updated: (a, b) => a.updatedAt - b.updatedAt || id(a) - id(b),
    added: (a, b) => a.addedAt - b.addedAt || id(a) - id(b),
    productId: (a, b) => bin(a.productId, b.productId) || bin(a.picName, b.picName),
    picName: (a, b) => bin(a.picName, b.picName) || bin(a.productId, b.productId),
    category: (a, b) =>
      num(a.categoryId, b.categoryId) || bin(a.productId, b.productId) || bin(a.picName, b.picName),
  }
  const sorted = [...rows].sort(cmp[sort])
  return order === 'asc' ? sorted : sorted.reverse()
}

function pages(g: Gallery, q: Omit<QueryOptions, 'limit'>, size: number): GalleryImage[] {
  const out: GalleryImage[] = []
  for (let off = 0; ; off += size) {
    const p = g.query({ ...q, limit: size, offset: off })
    out.push(...p.items)
    if (p.items.length < size) return out
  }
}

const key = (r: { productId: string; picName: string }) => `${r.productId}/${r.picName}`

/** Reference text semantics: every whitespace-separated term is a case-insensitive substring of
 * one of the text fields. */
function textMatch(r: GalleryImage, text: string): boolean {
  const fields = [
    r.productId,
    r.picName,
    r.customContent,
    r.strAttr,
    r.strAttr2,
    r.strAttr3,
    r.strAttr4,
  ]
    .filter((f): f is string => f !== null)
    .map((f) => f.toLowerCase())
  return text
    .split(/\s+/)
    .filter(Boolean)
    .every((t) => fields.some((f) => f.includes(t.toLowerCase())))
}

describe('gallery queries', () => {
  it('pages every sort order exactly (no gaps, no duplicates, stable ties)', () => {
    const { g, all } = fill()
    expect(all).toHaveLength(300)
    // Insertion order = addedAt then rowid; addedAt ties in threes, in insertion order.
    const insertion = new Map(all.map((r, i) => [`${r.productId}\u0000${r.picName}`, i]))
    for (const sort of ['updated', 'added', 'productId', 'picName', 'category'] as SortKey[]) {
      for (const order of ['asc', 'desc'] as SortOrder[]) {
        const want = reference(all, sort, order, insertion).map(key)
        for (const size of [1, 37, 100, 300]) {
          if (size === 1 && sort !== 'category') continue
          const got = pages(g, { sort, order }, size).map(key)
          expect(got, `${sort} ${order} by ${size}`).toEqual(want)
        }
        const mid = g.query({ sort, order, limit: 25, offset: 140 })
        expect(mid.total).toBe(300)
        expect(mid.items.map(key)).toEqual(want.slice(140, 165))
      }
    }
    const beyond = g.query({ limit: 10, offset: 300 })
    expect(beyond).toEqual({ total: 300, items: [] })
    expect(g.query({ limit: 0 })).toEqual({ total: 300, items: [] })
  })

  it('filters by category, product and sync state, with exact totals', () => {
    const { g, all } = fill()
    const insertion = new Map(all.map((r, i) => [`${r.productId}\u0000${r.picName}`, i]))
    const check = (
      q: Omit<Parameters<Gallery['query']>[0], 'limit'>,
      pred: (r: GalleryImage) => boolean,
    ) => {
      const want = reference(
        all.filter(pred),
        q.sort ?? 'updated',
        q.order ?? (q.sort && q.sort !== 'updated' && q.sort !== 'added' ? 'asc' : 'desc'),
        insertion,
      ).map(key)
      expect(want.length).toBeGreaterThan(0)
      expect(g.query({ ...q, limit: 1 }).total, JSON.stringify(q)).toBe(want.length)
      expect(pages(g, q, 7).map(key), JSON.stringify(q)).toEqual(want)
    }
    check({ categoryId: 3 }, (r) => r.categoryId === 3)
    check({ categoryId: 3, sort: 'picName' }, (r) => r.categoryId === 3)
    check({ categoryId: 0, sort: 'added', order: 'asc' }, (r) => r.categoryId === 0)
    check({ categoryId: 4, sort: 'productId', order: 'desc' }, (r) => r.categoryId === 4)
    check({ productId: '商品-14' }, (r) => r.productId === '商品-14')
    check({ syncState: 'pending-add' }, (r) => r.syncState === 'pending-add')
    check({ syncState: ['synced'], sort: 'category' }, (r) => r.syncState === 'synced')
    check(
      { categoryId: 3, syncState: 'pending-add' },
      (r) => r.categoryId === 3 && r.syncState === 'pending-add',
    )
    expect(g.query({ categoryId: 999, limit: 10 })).toEqual({ total: 0, items: [] })
  })

  it('text and filter results page exactly whatever plan is chosen', () => {
    const { g, all } = fill()
    const insertion = new Map(all.map((r, i) => [`${r.productId}\u0000${r.picName}`, i]))
    const cases: [Omit<Parameters<Gallery['query']>[0], 'limit'>, (r: GalleryImage) => boolean][] =
      [
        // dense (about 1/5 … 4/5 of the rows) and sparse matches
        [{ text: 'item' }, () => true],
        [{ text: '红色' }, (r) => textMatch(r, '红色')],
        [{ text: 'NAVY', sort: 'picName' }, (r) => textMatch(r, 'navy')],
        [{ text: 'item 29' }, (r) => textMatch(r, 'item 29')],
        [{ text: 'sku-02 _2' }, (r) => textMatch(r, 'sku-02 _2')],
        [{ filter: 'int_attr>=10' }, (r) => r.intAttr! >= 10],
        [{ filter: 'int_attr<10', sort: 'productId' }, (r) => r.intAttr! < 10],
        [
          { text: 'item', filter: 'int_attr>=50', categoryId: 3 },
          (r) => r.intAttr! >= 50 && r.categoryId === 3,
        ],
        [{ text: '色', sort: 'added', order: 'asc' }, (r) => textMatch(r, '色')],
        [
          { text: 'o', filter: 'str_attr!="navy"' },
          (r) => textMatch(r, 'o') && r.strAttr !== 'navy',
        ],
      ]
    for (const [q, pred] of cases) {
      const want = reference(
        all.filter(pred),
        q.sort ?? 'updated',
        q.order ?? (q.sort && q.sort !== 'updated' && q.sort !== 'added' ? 'asc' : 'desc'),
        insertion,
      ).map(key)
      for (const size of [3, 50]) {
        expect(pages(g, q, size).map(key), `${JSON.stringify(q)} by ${size}`).toEqual(want)
      }
      expect(g.query({ ...q, limit: 5 }).total).toBe(want.length)
    }
  })

  it('large match sets page exactly too (walk and sort plans, probe and lookup counts)', async () => {
    const { g, dir } = newGallery()
    let seed = 11
    const rnd = () => (seed = (seed * 48271) % 2147483647) / 2147483647
    const lines = Array.from({ length: 9000 }, (_, i) => ({
      ProductId: `P${i % 1500}`,
      PicName: `${i}.jpg`,
      CategoryId: CATS[i % CATS.length],
      CustomContent: i % 3 === 0 ? `红色连衣裙 ${i}` : `蓝色衬衫 ${i}`,
      IntAttr: Math.floor(rnd() * 1000),
      StrAttr: COLOURS[i % 5],
    }))
    await g.importDump(writeLines(path.join(dir, 'dump.jsonl'), lines))
    // Spread the update times so 'updated' order is not just insertion order.
    g.batch(() => {
      for (let i = 0; i < 9000; i += 4) {
        g.recordUpdated(
          { productId: lines[i].ProductId, picName: lines[i].PicName },
          { intAttr2: i },
        )
      }
    })
    const all = allRows(g)
    const insertion = new Map(all.map((r, i) => [`${r.productId}\u0000${r.picName}`, i]))
    const cases: [Omit<QueryOptions, 'limit'>, (r: GalleryImage) => boolean][] = [
      [{ filter: 'int_attr>=100' }, (r) => r.intAttr! >= 100],
      [{ filter: 'int_attr<300', sort: 'picName', order: 'desc' }, (r) => r.intAttr! < 300],
      [
        { filter: 'str_attr!="navy" AND int_attr<900' },
        (r) => r.strAttr !== 'navy' && r.intAttr! < 900,
      ],
      [{ categoryId: 3, filter: 'int_attr<700' }, (r) => r.categoryId === 3 && r.intAttr! < 700],
      [{ text: '红色', filter: 'int_attr>=200' }, (r) => textMatch(r, '红色') && r.intAttr! >= 200],
      [{ text: '衬衫', categoryId: 3 }, (r) => textMatch(r, '衬衫') && r.categoryId === 3],
      [{ text: '衬衫', sort: 'productId' }, (r) => textMatch(r, '衬衫')],
    ]
    for (const [q, pred] of cases) {
      const sort = q.sort ?? 'updated'
      const want = reference(
        all.filter(pred),
        sort,
        q.order ?? (sort === 'updated' ? 'desc' : 'asc'),
        insertion,
      ).map(key)
      expect(want.length, JSON.stringify(q)).toBeGreaterThan(2000)
      for (const offset of [0, 50, 1000, want.length - 150, want.length - 10]) {
        const p = g.query({ ...q, limit: 100, offset })
        expect(p.total).toBe(want.length)
        expect(p.items.map(key), `${JSON.stringify(q)} at ${offset}`).toEqual(
          want.slice(offset, offset + 100),
        )
      }
    }
  })

  it('groups by product with counts, covers and paging', () => {
    const { g, all } = fill()
    const byProduct = new Map<string, GalleryImage[]>()
    for (const r of all) byProduct.set(r.productId, [...(byProduct.get(r.productId) ?? []), r])
    const groups = [...byProduct.entries()].map(([productId, rows]) => ({
      productId,
      count: rows.length,
      updatedAt: Math.max(...rows.map((r) => r.updatedAt)),
      cover: rows.map((r) => r.picName).sort(bin)[0],
    }))
    const refOrder = (sort: GroupSortKey, order: SortOrder) => {
      const f = {
        productId: (a: (typeof groups)[0], b: (typeof groups)[0]) => bin(a.productId, b.productId),
        count: (a: (typeof groups)[0], b: (typeof groups)[0]) =>
          a.count - b.count || bin(a.productId, b.productId),
        updated: (a: (typeof groups)[0], b: (typeof groups)[0]) =>
          a.updatedAt - b.updatedAt || bin(a.productId, b.productId),
      }[sort]
      const s = [...groups].sort(f)
      return order === 'asc' ? s : s.reverse()
    }
    for (const sort of ['productId', 'count', 'updated'] as GroupSortKey[]) {
      for (const order of ['asc', 'desc'] as SortOrder[]) {
        const got: { productId: string; count: number; updatedAt: number; cover: string }[] = []
        for (let off = 0; ; off += 9) {
          const p = g.groupByProduct({ sort, order, limit: 9, offset: off })
          expect(p.total).toBe(groups.length)
          got.push(...p.items.map((x) => ({ ...x, cover: x.cover.picName })))
          if (p.items.length < 9) break
        }
        expect(got, `${sort} ${order}`).toEqual(refOrder(sort, order))
      }
    }
    // Filtered grouping counts only the matching pictures.
    const cat3 = g.groupByProduct({ categoryId: 3, limit: 1000 })
    const want = new Map<string, number>()
    for (const r of all.filter((r) => r.categoryId === 3))
      want.set(r.productId, (want.get(r.productId) ?? 0) + 1)
    expect(cat3.total).toBe(want.size)
    expect(new Map(cat3.items.map((x) => [x.productId, x.count]))).toEqual(want)
    for (const x of cat3.items) expect(x.cover.categoryId).toBe(3)
    const text = g.groupByProduct({ text: '商品', limit: 1000, sort: 'count' })
    expect(text.items.every((x) => x.productId.startsWith('商品-'))).toBe(true)
    expect(text.items.reduce((s, x) => s + x.count, 0)).toBe(
      all.filter((r) => r.productId.startsWith('商品')).length,
    )
  })

  it('rejects bad paging and sort parameters', () => {
    const { g } = newGallery()
    expect(() => g.query({ limit: -1 })).toThrow(GalleryError)
    expect(() => g.query({ limit: 1001 })).toThrow(GalleryError)
    expect(() => g.query({ limit: 10, offset: 1.5 })).toThrow(GalleryError)
    expect(() => g.query({ limit: 10, sort: 'size' as SortKey })).toThrow(GalleryError)
    expect(() => g.query({ limit: 10, order: 'up' as SortOrder })).toThrow(GalleryError)
    expect(() => g.query({ limit: 10, syncState: 'nope' as never })).toThrow(GalleryError)
    expect(() => g.groupByProduct({ limit: 10, sort: 'picName' as GroupSortKey })).toThrow(
      GalleryError,
    )
  })
})
