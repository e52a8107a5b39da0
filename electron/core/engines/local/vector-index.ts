import { AttrColumns, type SlotPredicate } from './attr-columns'
import type { FilterAst, FilterRecord } from './filter'
import { createSimdKernel, type SimdKernel } from './simd-kernel'

/** What the index keeps beside each vector: enough to filter, restrict by category, dedupe. */
export interface IndexEntry extends FilterRecord {
  rowId: number
  productId: string
  categoryId: number
}

export interface Hit {
  rowId: number
  /** Raw similarity (dot product of L2-normalised vectors, -1..1). */
  sim: number
}

export interface SearchParams {
  query: Float32Array
  /** Number of ranked hits wanted (start + num). */
  k: number
  /** Only images matching this filter are ranked (applied before ranking, exactly). */
  filter?: FilterAst | null
  /** Only images of this category are ranked. */
  categoryId?: number
  /** Keep only the best hit of each productId. */
  distinctProduct?: boolean
  /** Drop hits whose similarity is below this. */
  minSim?: number
}

export interface SearchOutcome {
  hits: Hit[]
  /** Images passing filter/category/minSim (products, with distinctProduct): the total hit count. */
  matched: number
}

/** Candidate lists (slots passing a filter + category) kept for repeated queries, e.g. paging. */
const CANDIDATE_CACHE = 8

/**
 * Exact nearest-neighbour index over L2-normalised vectors kept in one contiguous float32 buffer.
 * The scan runs in a WebAssembly SIMD kernel when the runtime has one (vectors then live in the
 * kernel's memory, padded to a multiple of 16 floats), else in unrolled JavaScript. Attributes are
 * kept in typed columns so filters run before ranking at typed-array speed. Ranking is by
 * similarity, ties broken by row id (ascending), so the top-k lists for different k are prefixes
 * of one another and paging is exact.
 */
export class VectorIndex {
  readonly dim: number
  /** Floats per stored vector (dim, padded to 16 for the SIMD kernel). */
  readonly stride: number
  private cap: number
  private n = 0
  private readonly slotOf = new Map<number, number>()
  private readonly kernel: SimdKernel | null
  // Per-slot data.
  private rowIds: Float64Array
  private category: Int32Array
  private product: Int32Array
  private readonly attrs: AttrColumns
  private readonly productCodes = new Map<string, number>()
  private productNames: string[] = []
  // Views; with the kernel they point into its memory and are rebuilt when it grows.
  private vecs!: Float32Array
  private cand!: Int32Array
  private scratch!: Float32Array
  private query!: Float32Array
  private candOff = 0
  private outOff = 0
  // Distinct-product scratch.
  private stamp = new Int32Array(0)
  private best = new Int32Array(0)
  private queryNo = 0
  // Mutation counter and candidate cache.
  private generation = 0
  private cache = new Map<string, { generation: number; slots: Int32Array }>()

  constructor(dim: number, initialCapacity = 1024, opts: { simd?: boolean } = {}) {
    if (!Number.isInteger(dim) || dim <= 0) throw new RangeError(`Bad vector dimension ${dim}`)
    this.dim = dim
    this.cap = Math.max(16, initialCapacity)
    this.kernel = opts.simd === false ? null : createSimdKernel()
    this.stride = this.kernel ? Math.ceil(dim / 16) * 16 : dim
    this.rowIds = new Float64Array(this.cap)
    this.category = new Int32Array(this.cap)
    this.product = new Int32Array(this.cap)
    this.attrs = new AttrColumns(this.cap)
    this.layout(this.cap, false)
  }

  /** True when searches run in the WebAssembly SIMD kernel. */
  get simd(): boolean {
    return this.kernel !== null
  }

  get size(): number {
    return this.n
  }

  /** Bytes held by the vectors (for diagnostics). */
  get bytes(): number {
    return this.cap * this.stride * 4
  }

  private static readonly Q_OFF = 0

  private get vecOff(): number {
    return Math.ceil((this.stride * 4) / 64) * 64
  }

  /** (Re)creates the vector buffers for `cap` vectors, keeping the first n. */
  private layout(cap: number, keep: boolean): void {
    if (!this.kernel) {
      const next = new Float32Array(cap * this.stride)
      if (keep) next.set(this.vecs.subarray(0, this.n * this.stride))
      this.vecs = next
      this.cand = new Int32Array(cap)
      this.scratch = new Float32Array(cap)
      this.query = new Float32Array(this.stride)
      return
    }
    const vecOff = this.vecOff
    this.candOff = vecOff + cap * this.stride * 4
    this.outOff = this.candOff + cap * 4
    const need = this.outOff + cap * 4
    const mem = this.kernel.memory
    if (mem.buffer.byteLength < need) mem.grow(Math.ceil((need - mem.buffer.byteLength) / 65536))
    const buf = mem.buffer
    this.vecs = new Float32Array(buf, vecOff, cap * this.stride)
    this.cand = new Int32Array(buf, this.candOff, cap)
    this.scratch = new Float32Array(buf, this.outOff, cap)
    this.query = new Float32Array(buf, VectorIndex.Q_OFF, this.stride)
  }

  private grow(): void {
    const keep = this.n
    this.cap *= 2
    this.layout(this.cap, true)
    const grown = <T extends Float64Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const b = make(this.cap)
      b.set(a.subarray(0, keep))
      return b
    }
    this.rowIds = grown(this.rowIds, (c) => new Float64Array(c))
    this.category = grown(this.category, (c) => new Int32Array(c))
    this.product = grown(this.product, (c) => new Int32Array(c))
    this.attrs.resize(this.cap, keep)
  }

  has(rowId: number): boolean {
    return this.slotOf.has(rowId)
  }

  categoryOf(rowId: number): number | undefined {
    const s = this.slotOf.get(rowId)
    return s === undefined ? undefined : this.category[s]
  }

  entry(rowId: number): IndexEntry | undefined {
    const s = this.slotOf.get(rowId)
    if (s === undefined) return undefined
    return {
      rowId,
      productId: this.productNames[this.product[s]],
      categoryId: this.category[s],
      ...this.attrs.get(s),
    }
  }

  /** A copy of the stored vector. */
  vector(rowId: number): Float32Array | undefined {
    const s = this.slotOf.get(rowId)
    if (s === undefined) return undefined
    return this.vecs.slice(s * this.stride, s * this.stride + this.dim)
  }

  /** Adds or replaces an entry with its vector (float32 values, `dim` of them). */
  upsert(entry: IndexEntry, vec: Float32Array): void {
    if (vec.length !== this.dim) {
      throw new RangeError(`Vector has ${vec.length} dimensions, the index ${this.dim}`)
    }
    const s = this.slotFor(entry.rowId)
    this.setMeta(s, entry)
    this.vecs.set(vec, s * this.stride)
  }

  /** Replaces an entry's metadata (attributes, category, product) keeping its vector. */
  updateEntry(entry: IndexEntry): void {
    const s = this.slotOf.get(entry.rowId)
    if (s !== undefined) this.setMeta(s, entry)
  }

  private slotFor(rowId: number): number {
    let s = this.slotOf.get(rowId)
    if (s === undefined) {
      if (this.n === this.cap) this.grow()
      s = this.n++
      this.slotOf.set(rowId, s)
    }
    return s
  }

  private setMeta(s: number, e: IndexEntry): void {
    this.generation++
    this.rowIds[s] = e.rowId
    this.category[s] = e.categoryId
    let pc = this.productCodes.get(e.productId)
    if (pc === undefined) {
      pc = this.productNames.length
      this.productCodes.set(e.productId, pc)
      this.productNames.push(e.productId)
    }
    this.product[s] = pc
    this.attrs.set(s, e)
  }

  remove(rowId: number): void {
    const s = this.slotOf.get(rowId)
    if (s === undefined) return
    this.generation++
    const last = this.n - 1
    if (s !== last) {
      this.vecs.copyWithin(s * this.stride, last * this.stride, (last + 1) * this.stride)
      this.rowIds[s] = this.rowIds[last]
      this.category[s] = this.category[last]
      this.product[s] = this.product[last]
      this.attrs.copy(last, s)
      this.slotOf.set(this.rowIds[s], s)
    }
    this.slotOf.delete(rowId)
    this.n = last
  }

  /** Slots passing filter + category, cached per (filter, category) until the next mutation. */
  private candidates(filter: FilterAst | null | undefined, categoryId: number | undefined): number {
    const n = this.n
    const cand = this.cand
    if (!filter && categoryId === undefined) {
      for (let s = 0; s < n; s++) cand[s] = s
      return n
    }
    const key = `${categoryId ?? ''}|${filter ? JSON.stringify(filter) : ''}`
    const hit = this.cache.get(key)
    if (hit && hit.generation === this.generation) {
      cand.set(hit.slots)
      this.cache.delete(key)
      this.cache.set(key, hit)
      return hit.slots.length
    }
    const pred: SlotPredicate | null = filter ? this.attrs.compile(filter) : null
    const cat = this.category
    let m = 0
    if (pred && categoryId !== undefined) {
      for (let s = 0; s < n; s++) if (cat[s] === categoryId && pred(s)) cand[m++] = s
    } else if (pred) {
      for (let s = 0; s < n; s++) if (pred(s)) cand[m++] = s
    } else {
      for (let s = 0; s < n; s++) if (cat[s] === categoryId) cand[m++] = s
    }
    this.cache.set(key, { generation: this.generation, slots: cand.slice(0, m) })
    if (this.cache.size > CANDIDATE_CACHE) this.cache.delete(this.cache.keys().next().value!)
    return m
  }

  search(p: SearchParams): SearchOutcome {
    const { query } = p
    if (query.length !== this.dim) {
      throw new RangeError(`Query has ${query.length} dimensions, the index ${this.dim}`)
    }
    let m = this.candidates(p.filter, p.categoryId)
    const cand = this.cand
    const sims = this.scratch
    if (this.kernel) {
      this.query.set(query)
      if (m > 0) {
        this.kernel.scan(VectorIndex.Q_OFF, this.vecOff, this.candOff, m, this.stride, this.outOff)
      }
    } else {
      scoreSlots(this.vecs, this.stride, query, cand, m, sims)
    }

    const minSim = p.minSim ?? -Infinity
    if (minSim > -Infinity) {
      let w = 0
      for (let i = 0; i < m; i++) {
        if (sims[i] >= minSim) {
          cand[w] = cand[i]
          sims[w] = sims[i]
          w++
        }
      }
      m = w
    }
    if (p.distinctProduct) m = this.bestPerProduct(m)
    const k = Math.max(0, Math.min(p.k, m))
    return { hits: this.topK(m, k), matched: m }
  }

  /** Keeps, in place, the best candidate of each product; returns how many remain. */
  private bestPerProduct(m: number): number {
    const products = this.productNames.length
    if (this.stamp.length < products) {
      this.stamp = new Int32Array(Math.max(products, 1024) * 2)
      this.best = new Int32Array(this.stamp.length)
      this.queryNo = 0
    }
    const stamp = this.stamp
    const best = this.best
    const no = ++this.queryNo
    const cand = this.cand
    const sims = this.scratch
    const rowIds = this.rowIds
    const product = this.product
    const order: number[] = []
    for (let i = 0; i < m; i++) {
      const pc = product[cand[i]]
      if (stamp[pc] !== no) {
        stamp[pc] = no
        best[pc] = i
        order.push(pc)
      } else {
        const b = best[pc]
        if (sims[i] > sims[b] || (sims[i] === sims[b] && rowIds[cand[i]] < rowIds[cand[b]])) {
          best[pc] = i
        }
      }
    }
    // Compact: entries are only moved to lower positions, so reads stay ahead of writes.
    const keep = order.map((pc) => best[pc]).sort((a, b) => a - b)
    for (let w = 0; w < keep.length; w++) {
      cand[w] = cand[keep[w]]
      sims[w] = sims[keep[w]]
    }
    return keep.length
  }

  /** Top k of the first m candidates by (sim desc, rowId asc), sorted. */
  private topK(m: number, k: number): Hit[] {
    if (k <= 0) return []
    const cand = this.cand
    const sims = this.scratch
    const rowIds = this.rowIds
    // Min-heap of the k best so far; the root is the worst kept.
    const hs = new Float64Array(k)
    const hr = new Float64Array(k)
    let size = 0
    for (let i = 0; i < m; i++) {
      const s = sims[i]
      if (size === k && s < hs[0]) continue
      const r = rowIds[cand[i]]
      if (size < k) {
        let j = size++
        while (j > 0) {
          const parent = (j - 1) >> 1
          if (!(s < hs[parent] || (s === hs[parent] && r > hr[parent]))) break
          hs[j] = hs[parent]
          hr[j] = hr[parent]
          j = parent
        }
        hs[j] = s
        hr[j] = r
      } else {
        if (!(hs[0] < s || (hs[0] === s && hr[0] > r))) continue
        let j = 0
        for (;;) {
          const l = 2 * j + 1
          if (l >= size) break
          let c = l
          if (l + 1 < size && (hs[l + 1] < hs[l] || (hs[l + 1] === hs[l] && hr[l + 1] > hr[l]))) {
            c = l + 1
          }
          if (!(hs[c] < s || (hs[c] === s && hr[c] > r))) break
          hs[j] = hs[c]
          hr[j] = hr[c]
          j = c
        }
        hs[j] = s
        hr[j] = r
      }
    }
    const out: Hit[] = []
    for (let i = 0; i < size; i++) out.push({ rowId: hr[i], sim: hs[i] })
    out.sort((a, b) => b.sim - a.sim || a.rowId - b.rowId)
    return out
  }
}

/** sims[i] = dot(query, vector of slot cand[i]) for i < m (vectors `dim` floats apart); unrolled by 8. */
export function scoreSlots(
  vecs: Float32Array,
  dim: number,
  q: Float32Array,
  cand: Int32Array,
  m: number,
  sims: Float32Array,
): void {
  const d8 = dim - (dim % 8)
  for (let i = 0; i < m; i++) {
    const base = cand[i] * dim
    let s0 = 0
    let s1 = 0
    let s2 = 0
    let s3 = 0
    let j = 0
    for (; j < d8; j += 8) {
      const o = base + j
      s0 += q[j] * vecs[o] + q[j + 4] * vecs[o + 4]
      s1 += q[j + 1] * vecs[o + 1] + q[j + 5] * vecs[o + 5]
      s2 += q[j + 2] * vecs[o + 2] + q[j + 6] * vecs[o + 6]
      s3 += q[j + 3] * vecs[o + 3] + q[j + 7] * vecs[o + 7]
    }
    for (; j < dim; j++) s0 += q[j] * vecs[base + j]
    sims[i] = s0 + s1 + s2 + s3
  }
}
