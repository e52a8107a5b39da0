import type { FilterRecord } from './filter'

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
  /** Only entries for which this returns true are ranked (applied before ranking). */
  accept?: (e: IndexEntry) => boolean
  /** Keep only the best hit of each productId. */
  distinctProduct?: boolean
  /** Drop hits whose similarity is below this. */
  minSim?: number
}

export interface SearchOutcome {
  hits: Hit[]
  /** Entries that passed `accept` (and minSim, and distinct: products), i.e. the total hit count. */
  matched: number
}

/**
 * Exact nearest-neighbour index over L2-normalised vectors kept in one contiguous Float32Array.
 * Ranking is by similarity, ties broken by row id (ascending), so the top-k lists for different k
 * are prefixes of one another and paging is exact.
 */
export class VectorIndex {
  readonly dim: number
  private cap: number
  private n = 0
  private vecs: Float32Array
  private entries: IndexEntry[] = []
  private readonly slotOf = new Map<number, number>()
  private scratch = new Float32Array(0)
  private cand = new Int32Array(0)

  constructor(dim: number, initialCapacity = 1024) {
    if (!Number.isInteger(dim) || dim <= 0) throw new RangeError(`Bad vector dimension ${dim}`)
    this.dim = dim
    this.cap = Math.max(16, initialCapacity)
    this.vecs = new Float32Array(this.cap * dim)
  }

  get size(): number {
    return this.n
  }

  /** Bytes held by the vectors (for diagnostics). */
  get bytes(): number {
    return this.vecs.byteLength
  }

  has(rowId: number): boolean {
    return this.slotOf.has(rowId)
  }

  entry(rowId: number): IndexEntry | undefined {
    const s = this.slotOf.get(rowId)
    return s === undefined ? undefined : this.entries[s]
  }

  /** A copy of the stored vector. */
  vector(rowId: number): Float32Array | undefined {
    const s = this.slotOf.get(rowId)
    if (s === undefined) return undefined
    return this.vecs.slice(s * this.dim, (s + 1) * this.dim)
  }

  upsert(entry: IndexEntry, vec: Float32Array): void {
    if (vec.length !== this.dim) {
      throw new RangeError(`Vector has ${vec.length} dimensions, the index ${this.dim}`)
    }
    let s = this.slotOf.get(entry.rowId)
    if (s === undefined) {
      if (this.n === this.cap) this.grow()
      s = this.n++
      this.slotOf.set(entry.rowId, s)
    }
    this.entries[s] = entry
    this.vecs.set(vec, s * this.dim)
  }

  /** Replace an entry's metadata (attributes, category) keeping its vector. */
  updateEntry(entry: IndexEntry): void {
    const s = this.slotOf.get(entry.rowId)
    if (s !== undefined) this.entries[s] = entry
  }

  remove(rowId: number): void {
    const s = this.slotOf.get(rowId)
    if (s === undefined) return
    const last = this.n - 1
    if (s !== last) {
      const moved = this.entries[last]
      this.entries[s] = moved
      this.vecs.copyWithin(s * this.dim, last * this.dim, (last + 1) * this.dim)
      this.slotOf.set(moved.rowId, s)
    }
    this.entries.length = last
    this.slotOf.delete(rowId)
    this.n = last
  }

  clear(): void {
    this.n = 0
    this.entries = []
    this.slotOf.clear()
  }

  private grow(): void {
    this.cap *= 2
    const next = new Float32Array(this.cap * this.dim)
    next.set(this.vecs.subarray(0, this.n * this.dim))
    this.vecs = next
  }

  search(p: SearchParams): SearchOutcome {
    const { query, accept } = p
    if (query.length !== this.dim) {
      throw new RangeError(`Query has ${query.length} dimensions, the index ${this.dim}`)
    }
    const n = this.n
    if (this.cand.length < n) {
      this.cand = new Int32Array(Math.max(n, 1024))
      this.scratch = new Float32Array(this.cand.length)
    }
    const cand = this.cand
    const sims = this.scratch
    let m = 0
    if (accept) {
      const entries = this.entries
      for (let s = 0; s < n; s++) if (accept(entries[s])) cand[m++] = s
    } else {
      for (let s = 0; s < n; s++) cand[s] = s
      m = n
    }
    scoreSlots(this.vecs, this.dim, query, cand, m, sims)

    const minSim = p.minSim ?? -Infinity
    let matched = 0
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
    const k = Math.max(0, Math.min(p.k, m))
    if (!p.distinctProduct) {
      matched = m
      return { hits: this.topK(cand, sims, m, k), matched }
    }
    // Distinct products: rank more than k until k distinct products are found (or all are used).
    const products = new Set<string>()
    for (let i = 0; i < m; i++) products.add(this.entries[cand[i]].productId)
    matched = products.size
    let want = Math.min(m, Math.max(k * 2, 16))
    for (;;) {
      const ranked = this.topK(cand, sims, m, want)
      const seen = new Set<string>()
      const out: Hit[] = []
      for (const h of ranked) {
        const pid = this.entries[this.slotOf.get(h.rowId)!].productId
        if (seen.has(pid)) continue
        seen.add(pid)
        out.push(h)
        if (out.length === k) break
      }
      if (out.length >= Math.min(k, matched) || want >= m) return { hits: out, matched }
      want = Math.min(m, want * 4)
    }
  }

  /** Top k of the first m candidates by (sim desc, rowId asc), sorted. */
  private topK(cand: Int32Array, sims: Float32Array, m: number, k: number): Hit[] {
    if (k <= 0) return []
    const entries = this.entries
    // Min-heap of the k best so far; the root is the worst kept.
    const hs = new Float64Array(k)
    const hr = new Float64Array(k)
    let size = 0
    const worse = (sa: number, ra: number, sb: number, rb: number) =>
      sa < sb || (sa === sb && ra > rb)
    for (let i = 0; i < m; i++) {
      const s = sims[i]
      if (size === k && s < hs[0]) continue
      const r = entries[cand[i]].rowId
      if (size < k) {
        // sift up
        let j = size++
        while (j > 0) {
          const parent = (j - 1) >> 1
          if (!worse(s, r, hs[parent], hr[parent])) break
          hs[j] = hs[parent]
          hr[j] = hr[parent]
          j = parent
        }
        hs[j] = s
        hr[j] = r
      } else {
        if (!worse(hs[0], hr[0], s, r)) continue
        // replace root, sift down
        let j = 0
        for (;;) {
          const l = 2 * j + 1
          if (l >= size) break
          let c = l
          if (l + 1 < size && worse(hs[l + 1], hr[l + 1], hs[l], hr[l])) c = l + 1
          if (!worse(hs[c], hr[c], s, r)) break
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

/** sims[i] = dot(query, vector of slot cand[i]) for i < m; unrolled by 8. */
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
