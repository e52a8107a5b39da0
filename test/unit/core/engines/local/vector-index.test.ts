import { describe, expect, it } from 'vitest'
import { compileFilter, parseFilter } from '../../../../../electron/core/engines/local/filter'
import { createSimdKernel } from '../../../../../electron/core/engines/local/simd-kernel'
import {
  VectorIndex,
  type IndexEntry,
} from '../../../../../electron/core/engines/local/vector-index'
import { seededRandom as rng } from '../../../../../electron/core/util/random'

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

  it('counts pictures per product through inserts, product changes and removals', () => {
    const index = new VectorIndex(4)
    const v = new Float32Array([1, 0, 0, 0])
    for (let rowId = 1; rowId <= 5; rowId++)
      index.upsert({ rowId, productId: rowId <= 3 ? 'a' : 'b', categoryId: 0 }, v)
    expect([1, 4].map((id) => index.productPicturesOf(id))).toEqual([3, 2])
    index.updateEntry({ rowId: 3, productId: 'b', categoryId: 0 })
    index.upsert({ rowId: 2, productId: 'a', categoryId: 0 }, v) // overwrite, same product
    expect([1, 3].map((id) => index.productPicturesOf(id))).toEqual([2, 3])
    index.remove(1)
    index.remove(4)
    expect([2, 3, 1].map((id) => index.productPicturesOf(id))).toEqual([1, 2, 0])
  })

  it('query expansion: max(plain, expanded) scores as a brute force, only through multi-picture products', () => {
    const r = rng(5)
    const dim = 16
    const index = new VectorIndex(dim)
    const live = new Map<number, { v: Float32Array; e: IndexEntry }>()
    // 30 products: the even ones have 3 pictures near a centre, the odd ones a single picture.
    let rowId = 0
    for (let p = 0; p < 30; p++) {
      const c = unit(r, dim)
      for (let k = 0; k < (p % 2 === 0 ? 3 : 1); k++) {
        const v = c.map((x) => x + 0.3 * (r() * 2 - 1))
        const n = Math.hypot(...v)
        const e = { rowId: ++rowId, productId: `p${p}`, categoryId: p % 3, intAttr: p }
        const u = v.map((x) => x / n)
        index.upsert(e, u)
        live.set(e.rowId, { v: u, e })
      }
    }
    const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0)
    for (let t = 0; t < 20; t++) {
      // A shortlist past the candidates (all re-scored), and a short one (only the best 6).
      const expand = { k: 4, alpha: 3, full: 2, minSim: 0, shortlist: t % 2 ? 6 : 1000 }
      const q = unit(r, dim)
      const got = index.search({ query: q, k: 15, expand, filter: parseFilter('int_attr < 25') })
      // Reference: the same expansion computed by hand over the filtered pictures.
      const cand = [...live.values()].filter(({ e }) => (e.intAttr ?? 0) < 25)
      const plain = cand
        .map(({ v, e }) => ({ v, e, s: dot(q, v) }))
        .sort((a, b) => b.s - a.s || a.e.rowId - b.e.rowId)
      const q2 = Float32Array.from(q)
      let used = 0
      for (const h of plain.slice(0, expand.k)) {
        const pictures = [...live.values()].filter((x) => x.e.productId === h.e.productId).length
        if (h.s <= 0 || pictures < 2) continue
        used++
        for (let i = 0; i < dim; i++) q2[i] += h.s ** 3 * h.v[i]
      }
      const n2 = Math.hypot(...q2)
      const want = plain
        .map(({ v, e, s }, i) => ({
          rowId: e.rowId,
          sim: used && i < expand.shortlist ? Math.max(s, dot(q2, v) / n2) : s,
        }))
        .sort((a, b) => b.sim - a.sim || a.rowId - b.rowId)
        .slice(0, 15)
      expect(got.expanded).toBe(used > 0)
      expect(got.hits.map((h) => h.rowId)).toEqual(want.map((h) => h.rowId))
      got.hits.forEach((h, i) => expect(h.sim).toBeCloseTo(want[i].sim, 5))
    }
  })
})

/** Vectors with a decaying spectrum and clusters, like real descriptors (for the coarse stage). */
function realistic(r: () => number, n: number, dim: number, latent = 24): Float32Array[] {
  const basis = Array.from({ length: latent }, () => unit(r, dim))
  const offset = unit(r, dim)
  const centres = Array.from({ length: Math.max(4, n >> 5) }, () =>
    Float32Array.from({ length: latent }, (_, k) => (r() * 2 - 1) / Math.sqrt(k + 1)),
  )
  return Array.from({ length: n }, () => {
    const c = centres[Math.floor(r() * centres.length)]
    const v = new Float32Array(dim)
    for (let i = 0; i < dim; i++) v[i] = 1.5 * offset[i] + 0.05 * (r() * 2 - 1)
    for (let k = 0; k < latent; k++) {
      const z = c[k] + (0.15 * (r() * 2 - 1)) / Math.sqrt(k + 1)
      const b = basis[k]
      for (let i = 0; i < dim; i++) v[i] += z * b[i] * 3
    }
    let s = 0
    for (let i = 0; i < dim; i++) s += v[i] * v[i]
    for (let i = 0; i < dim; i++) v[i] /= Math.sqrt(s)
    return v
  })
}

describe('VectorIndex: large dimensions', () => {
  for (const simd of [true, false]) {
    it(`stores vectors above 256 dimensions as int8 with small score error (${simd ? 'SIMD' : 'JS'})`, () => {
      const r = rng(11)
      const dim = 300
      const index = new VectorIndex(dim, 16, { simd, coarse: false })
      expect(index.quantized).toBe(true)
      const live = new Map<number, { v: Float32Array; e: IndexEntry }>()
      for (let rowId = 1; rowId <= 600; rowId++) {
        const e = { rowId, productId: `p${rowId}`, categoryId: 0 }
        const v = unit(r, dim)
        index.upsert(e, v)
        live.set(rowId, { v, e })
      }
      for (let rowId = 1; rowId <= 600; rowId += 3) {
        index.remove(rowId)
        live.delete(rowId)
      }
      let overlap = 0
      for (let qi = 0; qi < 10; qi++) {
        const [id, { v }] = [...live.entries()][qi * 17]
        const got = index.search({ query: v, k: 10 })
        expect(got.hits[0].rowId).toBe(id)
        expect(got.hits[0].sim).toBeGreaterThan(0.99)
        const want = brute(live, v, 10)
        const wanted = new Set(want.map((h) => h.rowId))
        overlap += got.hits.filter((h) => wanted.has(h.rowId)).length
        for (const h of got.hits) {
          const exact = brute(new Map([[h.rowId, live.get(h.rowId)!]]), v, 1)[0].sim
          expect(Math.abs(h.sim - exact)).toBeLessThan(0.01)
        }
      }
      expect(overlap / 100).toBeGreaterThanOrEqual(0.9)
      const back = index.vector([...live.keys()][5])!
      const orig = [...live.values()][5].v
      for (let i = 0; i < dim; i++) expect(Math.abs(back[i] - orig[i])).toBeLessThan(0.01)
    })
  }

  it('re-scores the best hits with exact vectors when stored as int8 (refine window)', () => {
    const r = rng(31)
    const dim = 300
    const vecs = realistic(r, 1500, dim)
    const asked: number[] = []
    const index = new VectorIndex(dim, 16, {
      coarse: false,
      refine: {
        window: 20,
        vectors: (ids) => {
          asked.push(ids.length)
          return ids.map((id) => vecs[id - 1])
        },
      },
    })
    const live = new Map<number, { v: Float32Array; e: IndexEntry }>()
    vecs.forEach((v, i) => {
      const e = { rowId: i + 1, productId: `p${i}`, categoryId: 0 }
      index.upsert(e, v)
      live.set(i + 1, { v, e })
    })
    for (let qi = 0; qi < 10; qi++) {
      const q = vecs[qi * 101]
      const want = brute(live, q, 10)
      const got = index.search({ query: q, k: 10 })
      expect(got.hits.map((h) => h.rowId)).toEqual(want.map((h) => h.rowId))
      for (let i = 0; i < 10; i++) expect(got.hits[i].sim).toBeCloseTo(want[i].sim, 5)
      // The same first window whatever k: pages concatenate.
      const k3 = index.search({ query: q, k: 3 }).hits.map((h) => h.rowId)
      expect(k3).toEqual(want.slice(0, 3).map((h) => h.rowId))
    }
    expect(asked.every((n) => n === 20)).toBe(true)
  })

  it('trains a coarse stage in the background and re-ranks its candidates (recall@10 >= 0.95)', async () => {
    const r = rng(21)
    const dim = 320
    const n = 3000
    // Re-rank only 150 of ~3000 candidates (5 %), so recall depends on the coarse stage.
    const index = new VectorIndex(dim, 64, {
      coarse: true,
      coarseMinSize: 1000,
      exactMaxCandidates: 500,
      rerankMin: 150,
    })
    const vecs = realistic(r, n, dim)
    const live = new Map<number, { v: Float32Array; e: IndexEntry }>()
    for (let i = 0; i < n; i++) {
      const e = { rowId: i + 1, productId: `p${i % 700}`, categoryId: i % 4, intAttr: i % 10 }
      index.upsert(e, vecs[i])
      live.set(i + 1, { v: vecs[i], e })
      // Mutations while training runs must leave the coarse stage consistent.
      if (i % 97 === 0 && i > 1200) {
        await new Promise((res) => setImmediate(res))
        const victim = 1 + Math.floor(r() * i)
        if (live.has(victim)) {
          index.remove(victim)
          live.delete(victim)
        }
      }
    }
    await index.idle()
    expect(index.coarseReady).toBe(true)
    let recall = 0
    let approximate = 0
    const queries = 30
    for (let qi = 0; qi < queries; qi++) {
      const base = vecs[Math.floor(r() * n)]
      const q = new Float32Array(dim)
      for (let i = 0; i < dim; i++) q[i] = base[i] + (r() * 2 - 1) * 0.02
      const filter = qi % 3 === 0 ? parseFilter('int_attr < 7') : null
      const got = index.search({ query: q, k: 10, filter })
      if (got.approximate) approximate++
      const pred = filter ? compileFilter(filter) : null
      const want = brute(live, q, 10, pred ? (e) => pred(e) : undefined)
      const ids = new Set(got.hits.map((h) => h.rowId))
      recall += want.filter((h) => ids.has(h.rowId)).length / want.length
      // The filter is exact even on the coarse path.
      if (pred) for (const h of got.hits) expect(pred(live.get(h.rowId)!.e)).toBe(true)
      expect(got.matched).toBe(
        pred ? [...live.values()].filter((x) => pred(x.e)).length : live.size,
      )
    }
    expect(approximate).toBe(queries)
    expect(recall / queries).toBeGreaterThanOrEqual(0.95)
    // Few candidates (a selective filter) stay on the exact path.
    const few = index.search({
      query: vecs[0],
      k: 10,
      filter: parseFilter('int_attr = 3'),
      categoryId: 1,
    })
    expect(few.approximate).toBe(false)
    // Pages from the coarse path still concatenate exactly.
    const q = vecs[42]
    const big = index.search({ query: q, k: 60 })
    const small = index.search({ query: q, k: 25 })
    expect(small.hits.map((h) => h.rowId)).toEqual(big.hits.slice(0, 25).map((h) => h.rowId))
    index.close()
  })
})
