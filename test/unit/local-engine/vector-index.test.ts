import { describe, expect, it } from 'vitest'
import { compileFilter, parseFilter } from '../../../electron/core/engines/local/filter'
import { createSimdKernel } from '../../../electron/core/engines/local/simd-kernel'
import { VectorIndex, type IndexEntry } from '../../../electron/core/engines/local/vector-index'

function rng(seed: number) {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function unit(r: () => number, dim: number): Float32Array {
  const v = new Float32Array(dim)
  let s = 0
  for (let i = 0; i < dim; i++) {
    v[i] = r() * 2 - 1
    s += v[i] * v[i]
  }
  for (let i = 0; i < dim; i++) v[i] /= Math.sqrt(s)
  return v
}

function brute(
  live: Map<number, { v: Float32Array; e: IndexEntry }>,
  q: Float32Array,
  k: number,
  accept?: (e: IndexEntry) => boolean,
) {
  const out: { rowId: number; sim: number }[] = []
  for (const [rowId, { v, e }] of live) {
    if (accept && !accept(e)) continue
    let s = 0
    for (let i = 0; i < v.length; i++) s += q[i] * v[i]
    out.push({ rowId, sim: s })
  }
  out.sort((a, b) => b.sim - a.sim || a.rowId - b.rowId)
  return out.slice(0, k)
}

describe('VectorIndex', () => {
  it('has a WebAssembly SIMD kernel on this runtime', () => {
    expect(createSimdKernel()).not.toBeNull()
    expect(new VectorIndex(10).simd).toBe(true)
    expect(new VectorIndex(10).stride).toBe(16)
    expect(new VectorIndex(10, 16, { simd: false }).simd).toBe(false)
  })

  for (const simd of [true, false]) {
    for (const dim of [7, 16, 128, 200]) {
      it(`matches brute force through inserts, overwrites, removals and growth (dim ${dim}, ${simd ? 'SIMD' : 'JS'})`, () => {
        const r = rng(dim * 7 + (simd ? 1 : 0))
        const index = new VectorIndex(dim, 16, { simd })
        const live = new Map<number, { v: Float32Array; e: IndexEntry }>()
        let next = 1
        for (let step = 0; step < 1500; step++) {
          const x = r()
          if (x < 0.7 || live.size < 5) {
            const rowId = next++
            const e: IndexEntry = {
              rowId,
              productId: `p${rowId % 37}`,
              categoryId: rowId % 3,
              intAttr: rowId % 11 === 0 ? null : rowId % 10,
              strAttr: rowId % 7 === 0 ? undefined : ['a', 'b', 'c'][rowId % 3],
            }
            const v = unit(r, dim)
            index.upsert(e, v)
            live.set(rowId, { v, e })
          } else if (x < 0.85) {
            const ids = [...live.keys()]
            const rowId = ids[Math.floor(r() * ids.length)]
            index.remove(rowId)
            live.delete(rowId)
          } else {
            const ids = [...live.keys()]
            const rowId = ids[Math.floor(r() * ids.length)]
            const v = unit(r, dim)
            const e = {
              ...live.get(rowId)!.e,
              intAttr: Math.floor(r() * 10),
              productId: `p${Math.floor(r() * 40)}`,
            }
            index.upsert(e, v)
            live.set(rowId, { v, e })
          }
        }
        expect(index.size).toBe(live.size)
        for (let qi = 0; qi < 20; qi++) {
          const q = unit(r, dim)
          const filter =
            qi % 2
              ? parseFilter(qi % 4 === 1 ? 'int_attr < 4' : 'int_attr in (1, 5) OR str_attr != "b"')
              : null
          const cat = qi % 3 === 0 ? 1 : undefined
          const pred = filter ? compileFilter(filter) : null
          const accept =
            pred || cat !== undefined
              ? (e: IndexEntry) => (cat === undefined || e.categoryId === cat) && (!pred || pred(e))
              : undefined
          const got = index.search({ query: q, k: 50, filter, categoryId: cat })
          const want = brute(live, q, 50, accept)
          expect(got.hits.map((h) => h.rowId)).toEqual(want.map((h) => h.rowId))
          for (let i = 0; i < want.length; i++) expect(got.hits[i].sim).toBeCloseTo(want[i].sim, 5)
          expect(got.matched).toBe(
            accept ? [...live.values()].filter((x) => accept(x.e)).length : live.size,
          )
        }
        // Distinct products agree with brute force too.
        const q = unit(r, dim)
        const d = index.search({ query: q, k: 30, distinctProduct: true })
        const seen = new Set<string>()
        const want: number[] = []
        for (const h of brute(live, q, live.size)) {
          const p = live.get(h.rowId)!.e.productId
          if (!seen.has(p)) {
            seen.add(p)
            want.push(h.rowId)
          }
        }
        expect(d.matched).toBe(seen.size)
        expect(d.hits.map((h) => h.rowId)).toEqual(want.slice(0, 30))
        // Metadata round-trips.
        const anyId = [...live.keys()][3]
        expect(index.entry(anyId)).toEqual({
          intAttr2: null,
          intAttr3: null,
          intAttr4: null,
          strAttr2: null,
          strAttr3: null,
          strAttr4: null,
          ...live.get(anyId)!.e,
          intAttr: live.get(anyId)!.e.intAttr ?? null,
          strAttr: live.get(anyId)!.e.strAttr ?? null,
        })
        // Stored vectors come back as given.
        const [someId, some] = [...live.entries()][0]
        expect(Array.from(index.vector(someId)!)).toEqual(Array.from(some.v))
      })
    }
  }

  it('breaks ties by row id so top-k lists are prefixes of each other', () => {
    const index = new VectorIndex(4)
    const v = new Float32Array([1, 0, 0, 0])
    for (const rowId of [9, 3, 7, 1, 5]) index.upsert({ rowId, productId: 'p', categoryId: 0 }, v)
    const q = new Float32Array([1, 0, 0, 0])
    expect(index.search({ query: q, k: 5 }).hits.map((h) => h.rowId)).toEqual([1, 3, 5, 7, 9])
    expect(index.search({ query: q, k: 2 }).hits.map((h) => h.rowId)).toEqual([1, 3])
  })

  it('keeps the best hit per product with distinctProduct and counts products', () => {
    const r = rng(3)
    const index = new VectorIndex(32)
    const live = new Map<number, { v: Float32Array; e: IndexEntry }>()
    for (let rowId = 1; rowId <= 400; rowId++) {
      const e = { rowId, productId: `p${rowId % 50}`, categoryId: 0 }
      const v = unit(r, 32)
      index.upsert(e, v)
      live.set(rowId, { v, e })
    }
    const q = unit(r, 32)
    const got = index.search({ query: q, k: 60, distinctProduct: true })
    expect(got.matched).toBe(50)
    expect(got.hits).toHaveLength(50)
    const seen = new Set<string>()
    const want: number[] = []
    for (const h of brute(live, q, 400)) {
      const p = live.get(h.rowId)!.e.productId
      if (!seen.has(p)) {
        seen.add(p)
        want.push(h.rowId)
      }
    }
    expect(got.hits.map((h) => h.rowId)).toEqual(want)
  })

  it('drops hits below minSim and counts only the rest', () => {
    const r = rng(4)
    const index = new VectorIndex(8)
    for (let rowId = 1; rowId <= 100; rowId++)
      index.upsert({ rowId, productId: 'p', categoryId: 0 }, unit(r, 8))
    const q = unit(r, 8)
    const all = index.search({ query: q, k: 100 })
    const cut = all.hits[29].sim
    const got = index.search({ query: q, k: 100, minSim: cut })
    expect(got.hits.map((h) => h.rowId)).toEqual(
      all.hits.filter((h) => h.sim >= cut).map((h) => h.rowId),
    )
    expect(got.matched).toBe(got.hits.length)
  })
})
