/*
 * Over 600 lines on purpose: VectorIndex is one data structure whose private typed arrays (slot
 * map, row ids, categories, product codes, stamps, the coarse projection's bookkeeping) are read
 * and written together by upsert/remove/train/search in hot loops; cutting it across files would
 * mean exposing those arrays. The query-time re-ranking step (`expand`, and its part of `rank`)
 * stays here for the same reason: it walks the shortlist's slots, product codes and vectors in
 * place. What stands alone already lives apart: rerank.ts (the expansion itself: weights and the
 * expanded query), vector-storage.ts (the vector buffer), simd-kernel.ts (the scan), pca.ts (the
 * coarse projection), attr-columns.ts (typed attribute columns and filter predicates).
 */
import { AttrColumns, type SlotPredicate } from './attr-columns'
import type { FilterAst, FilterRecord } from './filter'
import { projectQuery, projectStored, trainProjection, type Projection } from './pca'
import { expandQuery, type Neighbour, type RerankOptions } from './rerank'
import { VectorStore } from './vector-storage'

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
  /**
   * Re-ranking by query expansion (rerank.ts), within the same filter and category: the query is
   * moved towards its best neighbours (weighted by how many pictures their product has), and every
   * image of the shortlist then scores max(similarity to the query, similarity to the expanded
   * query) — an identical picture still scores 1, and minSim, distinct products and paging apply
   * to that score. Exact scans only (the coarse stage of ≥ 768-d vectors ranks by the query
   * alone).
   */
  expand?: RerankOptions
}

export interface SearchOutcome {
  hits: Hit[]
  /** Images passing filter/category/minSim (products, with distinctProduct): the total hit count. */
  matched: number
  /** True when the two-stage (coarse + re-rank) path answered. */
  approximate: boolean
  /** True when query expansion changed the scores (`expand` given and a neighbour counted). */
  expanded?: boolean
}

export interface IndexOptions {
  /** Use the WebAssembly SIMD kernel when available (default true). */
  simd?: boolean
  /**
   * Two-stage search for large dimensions: a PCA projection to COARSE_DIMS scanned first, the best
   * candidates re-ranked with the full vectors. Default: on from COARSE_FROM_DIM dimensions
   * (below, scanning the int8 vectors costs about as much as scanning the coarse ones).
   */
  coarse?: boolean
  /** Index size from which the coarse stage is trained (default 20,000). */
  coarseMinSize?: number
  /** Up to this many candidates the scan stays exact (default 20,000). */
  exactMaxCandidates?: number
  /** Minimum candidates re-ranked after the coarse stage (default 4,000). */
  rerankMin?: number
  /**
   * Exact float32 vectors for the best hits when vectors are stored as int8: the first `window`
   * hits are re-scored with them (e.g. read from the engine's SQLite store), so near-ties that
   * 8-bit storage could swap are ordered exactly and top scores are exact.
   */
  refine?: Refiner
}

export interface Refiner {
  window: number
  vectors(rowIds: number[]): (Float32Array | null)[]
}

/** Dimensions of the coarse stage (stored as int8: 128 bytes per image). */
export const COARSE_DIMS = 128
/** The coarse stage is used from this many dimensions (6x fewer bytes to scan than the vectors). */
export const COARSE_FROM_DIM = 768
/** Below this many candidates (after the filter) the scan is exact. */
export const EXACT_MAX_CANDIDATES = 20_000
/** Vectors sampled to learn the projection. */
const TRAIN_SAMPLE = 3000
/** Candidates re-ranked with the full vectors: max(RERANK_MIN, RERANK_FACTOR * k). */
const RERANK_MIN = 4000
const RERANK_FACTOR = 8

/** Candidate lists (slots passing a filter + category) kept for repeated queries, e.g. paging. */
const CANDIDATE_CACHE = 8

/**
 * Nearest-neighbour index over L2-normalised vectors.
 *
 * - Vectors are kept in one contiguous buffer (float32, or int8 with a per-vector scale above
 *   QUANTIZE_ABOVE_DIM dimensions) and scanned by a WebAssembly SIMD kernel (JavaScript fallback).
 * - Attributes live in typed columns: filters and categories select candidates *before* ranking,
 *   exactly, at typed-array speed; candidate lists are cached until the next change.
 * - Below COARSE_FROM_DIM dimensions, or with few candidates: exact scan. Large dimensions with many
 *   candidates: once trained (in the background, from 20,000 images), a PCA projection to 128
 *   dimensions (int8) is scanned first and the best max(4000, 8k) candidates are re-ranked with the
 *   full vectors
 *   (recall@10 against the exact scan is measured by bench/index.ts).
 * - Ranking is by similarity, ties broken by row id (ascending): for a given query the candidate
 *   set does not depend on start/num, so the top-k lists for different k are prefixes of one
 *   another and paging is exact.
 */
export class VectorIndex {
  readonly dim: number
  private cap: number
  private n = 0
  private readonly slotOf = new Map<number, number>()
  private readonly full: VectorStore
  // Per-slot data.
  private rowIds: Float64Array
  private category: Int32Array
  private product: Int32Array
  /** Pictures per product code. */
  private productPictures: number[] = []
  private readonly attrs: AttrColumns
  private readonly productCodes = new Map<string, number>()
  private productNames: string[] = []
  // Distinct-product scratch.
  private stamp = new Int32Array(0)
  private best = new Int32Array(0)
  private queryNo = 0
  // Mutation counter and candidate cache.
  private generation = 0
  private cache = new Map<string, { generation: number; slots: Int32Array }>()
  // Coarse stage.
  private readonly coarseEnabled: boolean
  private readonly coarseMinSize: number
  private readonly exactMax: number
  private readonly rerankMin: number
  private readonly refine: Refiner | undefined
  private coarse: VectorStore | null = null
  private projection: Projection | null = null
  private projected = new Uint8Array(0)
  private unprojected = 0
  private trainedAt = 0
  private training: Promise<void> | null = null
  private trainingHeld = false
  private closed = false

  constructor(dim: number, initialCapacity = 1024, opts: IndexOptions = {}) {
    if (!Number.isInteger(dim) || dim <= 0) throw new RangeError(`Bad vector dimension ${dim}`)
    this.dim = dim
    this.cap = Math.max(16, initialCapacity)
    this.full = new VectorStore(dim, this.cap, { simd: opts.simd })
    this.rowIds = new Float64Array(this.cap)
    this.category = new Int32Array(this.cap)
    this.product = new Int32Array(this.cap)
    this.attrs = new AttrColumns(this.cap)
    this.coarseEnabled = opts.coarse ?? dim >= COARSE_FROM_DIM
    this.coarseMinSize = opts.coarseMinSize ?? EXACT_MAX_CANDIDATES
    this.exactMax = opts.exactMaxCandidates ?? EXACT_MAX_CANDIDATES
    this.rerankMin = opts.rerankMin ?? RERANK_MIN
    this.refine = opts.refine
  }

  /** True when searches run in the WebAssembly SIMD kernel. */
  get simd(): boolean {
    return this.full.simd
  }

  /** True when full vectors are stored as int8. */
  get quantized(): boolean {
    return this.full.quantized
  }

  /** Floats (or bytes) per stored vector. */
  get stride(): number {
    return this.full.stride
  }

  get size(): number {
    return this.n
  }

  /** Bytes held by vectors (full and coarse). */
  get bytes(): number {
    return this.full.bytes + (this.coarse?.bytes ?? 0)
  }

  /** True when the coarse stage is trained and covers every vector. */
  get coarseReady(): boolean {
    return this.projection !== null && this.unprojected === 0
  }

  /** Resolves when background training (if any) has finished. */
  async idle(): Promise<void> {
    while (this.training) await this.training
  }

  /**
   * While held, the coarse stage is not (re)trained: loading an index image by image would
   * otherwise train it at 20,000 images and again at every doubling. Releasing trains it once,
   * on everything loaded, if it is due.
   */
  holdTraining(held: boolean): void {
    this.trainingHeld = held
    if (!held) this.maybeTrain()
  }

  /** Stops background training. */
  close(): void {
    this.closed = true
  }

  private grow(): void {
    const keep = this.n
    this.cap *= 2
    this.full.ensure(this.cap, keep)
    this.coarse?.ensure(this.cap, keep)
    const grown = <T extends Float64Array | Int32Array | Uint8Array>(
      a: T,
      make: (n: number) => T,
    ): T => {
      const b = make(this.cap)
      b.set(a.subarray(0, keep))
      return b
    }
    this.rowIds = grown(this.rowIds, (c) => new Float64Array(c))
    this.category = grown(this.category, (c) => new Int32Array(c))
    this.product = grown(this.product, (c) => new Int32Array(c))
    if (this.projected.length) {
      // Slots past the live ones count as projected: only live slots may be pending.
      this.projected = grown(this.projected, (c) => new Uint8Array(c))
      this.projected.fill(1, keep)
    }
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

  /** The stored vector (dequantized when stored as int8). */
  vector(rowId: number): Float32Array | undefined {
    const s = this.slotOf.get(rowId)
    return s === undefined ? undefined : this.full.get(s)
  }

  /** Adds or replaces an entry with its vector (`dim` floats). */
  upsert(entry: IndexEntry, vec: Float32Array): void {
    if (vec.length !== this.dim) {
      throw new RangeError(`Vector has ${vec.length} dimensions, the index ${this.dim}`)
    }
    let s = this.slotOf.get(entry.rowId)
    let fresh = false
    if (s === undefined) {
      if (this.n === this.cap) this.grow()
      s = this.n++
      fresh = true
      this.slotOf.set(entry.rowId, s)
      this.full.ensure(this.cap, this.n)
      this.coarse?.ensure(this.cap, this.n)
    }
    this.setMeta(s, entry, fresh)
    this.full.set(s, vec)
    if (this.projection && this.coarse) {
      this.coarse.set(s, projectStored(this.projection, vec))
      this.markProjected(s, true)
    }
    this.maybeTrain()
  }

  /** Replaces an entry's metadata (attributes, category, product) keeping its vector. */
  updateEntry(entry: IndexEntry): void {
    const s = this.slotOf.get(entry.rowId)
    if (s !== undefined) this.setMeta(s, entry, false)
  }

  /** Pictures in the index with this image's product (0 when the image is not indexed). */
  productPicturesOf(rowId: number): number {
    const s = this.slotOf.get(rowId)
    return s === undefined ? 0 : this.productPictures[this.product[s]]
  }

  private setMeta(s: number, e: IndexEntry, fresh: boolean): void {
    this.generation++
    this.rowIds[s] = e.rowId
    this.category[s] = e.categoryId
    let pc = this.productCodes.get(e.productId)
    if (pc === undefined) {
      pc = this.productNames.length
      this.productCodes.set(e.productId, pc)
      this.productNames.push(e.productId)
      this.productPictures.push(0)
    }
    if (!fresh) this.productPictures[this.product[s]]--
    this.product[s] = pc
    this.productPictures[pc]++
    this.attrs.set(s, e)
  }

  remove(rowId: number): void {
    const s = this.slotOf.get(rowId)
    if (s === undefined) return
    this.generation++
    this.productPictures[this.product[s]]--
    const last = this.n - 1
    if (this.projected.length) this.markProjected(s, true)
    if (s !== last) {
      this.full.move(last, s)
      this.coarse?.move(last, s)
      if (this.projected.length) this.markProjected(s, this.projected[last] === 1)
      this.rowIds[s] = this.rowIds[last]
      this.category[s] = this.category[last]
      this.product[s] = this.product[last]
      this.attrs.copy(last, s)
      this.slotOf.set(this.rowIds[s], s)
    }
    if (this.projected.length) this.markProjected(last, true)
    this.slotOf.delete(rowId)
    this.n = last
  }

  /** Tracks which slots have a coarse vector; `unprojected` counts live slots without one. */
  private markProjected(slot: number, done: boolean): void {
    const was = this.projected[slot] === 1
    if (was === done) return
    this.projected[slot] = done ? 1 : 0
    this.unprojected += done ? -1 : 1
  }

  // ---- coarse stage --------------------------------------------------------------------------

  private maybeTrain(): void {
    if (!this.coarseEnabled || this.training || this.trainingHeld || this.closed) return
    if (this.n < this.coarseMinSize) return
    if (this.projection && this.n < this.trainedAt * 2) return
    this.training = this.train()
      .catch(() => {
        // Training is an optimisation: on failure searches stay exact.
      })
      .finally(() => {
        this.training = null
      })
  }

  private async train(): Promise<void> {
    const pause = () => new Promise<void>((r) => setImmediate(r))
    await pause()
    if (this.closed) return
    const size = this.n
    const take = Math.min(TRAIN_SAMPLE, size)
    const sample: Float32Array[] = []
    for (let i = 0; i < take; i++) sample.push(this.full.get(Math.floor((i * size) / take)))
    const pr = await trainProjection(sample, COARSE_DIMS, pause)
    if (this.closed) return
    // Install: a fresh coarse store; every live slot starts unprojected and is filled in chunks
    // (upserts meanwhile project themselves). Searches stay exact until all are projected.
    this.projection = pr
    this.coarse = new VectorStore(COARSE_DIMS, this.cap, { quantize: true, simd: this.full.simd })
    this.coarse.ensure(this.cap, this.n)
    this.projected = new Uint8Array(this.cap)
    this.projected.fill(1, this.n)
    this.unprojected = this.n
    this.trainedAt = size
    const chunk = 4096
    const cols = new Float32Array(chunk * COARSE_DIMS)
    const row = new Float32Array(COARSE_DIMS)
    while (this.unprojected > 0 && !this.closed) {
      let progressed = false
      for (let start = 0; start < this.n && !this.closed; start += chunk) {
        // Collect this chunk's unprojected slots; no await until they are written back.
        const cand = this.full.cand
        let m = 0
        const end = Math.min(this.n, start + chunk)
        for (let s = start; s < end; s++) if (this.projected[s] === 0) cand[m++] = s
        if (m === 0) continue
        const slots = cand.slice(0, m)
        for (let k = 0; k < COARSE_DIMS; k++) {
          this.full.cand.set(slots)
          this.full.score(pr.comps.subarray(k * this.dim, (k + 1) * this.dim), m)
          const sims = this.full.sims
          for (let i = 0; i < m; i++) cols[i * COARSE_DIMS + k] = sims[i] - pr.compsMean[k]
        }
        for (let i = 0; i < m; i++) {
          row.set(cols.subarray(i * COARSE_DIMS, (i + 1) * COARSE_DIMS))
          this.coarse.set(slots[i], row)
          this.markProjected(slots[i], true)
        }
        progressed = true
        await pause()
      }
      if (!progressed) break
    }
  }

  // ---- search --------------------------------------------------------------------------------

  /** Writes the slots passing filter + category into `cand`; cached until the next change. */
  private candidates(
    cand: Int32Array,
    filter: FilterAst | null | undefined,
    categoryId: number | undefined,
  ): number {
    const n = this.n
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
    const full = this.full
    if (this.coarseReady && this.coarse && this.projection) {
      const coarse = this.coarse
      const m = this.candidates(coarse.cand, p.filter, p.categoryId)
      const wanted = Math.max(this.rerankMin, RERANK_FACTOR * p.k)
      if (m > Math.max(this.exactMax, wanted)) {
        coarse.score(projectQuery(this.projection, query), m)
        const top = this.selectTop(coarse.cand, coarse.sims, m, wanted)
        const slots = new Int32Array(top.length)
        for (let i = 0; i < top.length; i++) slots[i] = coarse.cand[top[i]]
        const products = p.distinctProduct ? this.countProducts(coarse.cand, m) : 0
        full.cand.set(slots)
        full.score(query, slots.length)
        const r = this.rank(full.cand, full.sims, slots.length, p)
        return {
          hits: r.hits,
          matched: p.minSim !== undefined ? r.matched : p.distinctProduct ? products : m,
          approximate: true,
        }
      }
    }
    const m = this.candidates(full.cand, p.filter, p.categoryId)
    full.score(query, m)
    const expanded = p.expand ? this.expand(query, m, p.expand) : null
    const r = this.rank(full.cand, full.sims, m, p, expanded)
    return { ...r, approximate: false, expanded: expanded !== null }
  }

  /**
   * Query expansion over the scored candidates full.cand/full.sims[0..m): when a neighbour counts,
   * re-scores the best `shortlist` candidates with the expanded query, leaving max(plain,
   * expanded) in full.sims. Returns the expanded query and the re-scored rows, or null (scores
   * untouched).
   */
  private expand(
    query: Float32Array,
    m: number,
    o: RerankOptions,
  ): { query: Float32Array; rows: Set<number> } | null {
    const full = this.full
    const top = this.selectTop(full.cand, full.sims, m, Math.max(o.k, o.shortlist))
    const neighbours: Neighbour[] = []
    for (let i = 0; i < top.length && i < o.k; i++) {
      const slot = full.cand[top[i]]
      neighbours.push({
        vector: full.get(slot),
        sim: full.sims[top[i]],
        pictures: this.productPictures[this.product[slot]],
      })
    }
    const q2 = expandQuery(query, neighbours, o)
    if (!q2) return null
    const rows = new Set<number>()
    const sims = full.sims
    for (let i = 0; i < top.length; i++) {
      const slot = full.cand[top[i]]
      const e = full.dot(slot, q2)
      if (e > sims[top[i]]) sims[top[i]] = e
      rows.add(this.rowIds[slot])
    }
    return { query: q2, rows }
  }

  /** minSim, distinct product, then the top k of (cand, sims)[0..m). */
  private rank(
    cand: Int32Array,
    sims: Float32Array,
    m: number,
    p: SearchParams,
    expanded: { query: Float32Array; rows: Set<number> } | null = null,
  ): { hits: Hit[]; matched: number } {
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
    if (p.distinctProduct) m = this.bestPerProduct(cand, sims, m)
    const k = Math.max(0, Math.min(p.k, m))
    const refine = this.full.quantized ? this.refine : undefined
    // With refinement the first `window` hits are always taken (whatever k), so the final order
    // is one list for the query and pages of it concatenate exactly.
    const take = refine ? Math.max(k, Math.min(m, refine.window)) : k
    const top = this.selectTop(cand, sims, m, take)
    let hits: Hit[] = []
    for (let i = 0; i < top.length; i++) {
      hits.push({ rowId: this.rowIds[cand[top[i]]], sim: sims[top[i]] })
    }
    if (refine && hits.length > 0) {
      const w = Math.min(refine.window, hits.length)
      const head = hits.slice(0, w)
      const exact = refine.vectors(head.map((h) => h.rowId))
      const q = p.query
      for (let i = 0; i < w; i++) {
        const v = exact[i]
        if (!v || v.length !== q.length) continue
        let d = 0
        for (let j = 0; j < v.length; j++) d += q[j] * v[j]
        if (expanded?.rows.has(head[i].rowId)) {
          let e = 0
          for (let j = 0; j < v.length; j++) e += expanded.query[j] * v[j]
          if (e > d) d = e
        }
        head[i] = { rowId: head[i].rowId, sim: d }
      }
      head.sort((a, b) => b.sim - a.sim || a.rowId - b.rowId)
      const kept = minSim > -Infinity ? head.filter((h) => h.sim >= minSim) : head
      m -= head.length - kept.length
      // Hits past the window keep their 8-bit scores; never let one rank above the exactly
      // re-scored head (8-bit rounding can lift it by ~1e-3), so the list stays in score order.
      const floor = kept.length ? kept[kept.length - 1].sim : Infinity
      const tail = hits.slice(w).map((h) => (h.sim > floor ? { rowId: h.rowId, sim: floor } : h))
      hits = kept.concat(tail)
    }
    return { hits: hits.slice(0, k), matched: m }
  }

  private countProducts(cand: Int32Array, m: number): number {
    this.ensureStamps()
    const no = ++this.queryNo
    let count = 0
    for (let i = 0; i < m; i++) {
      const pc = this.product[cand[i]]
      if (this.stamp[pc] !== no) {
        this.stamp[pc] = no
        count++
      }
    }
    return count
  }

  private ensureStamps(): void {
    const products = this.productNames.length
    if (this.stamp.length < products) {
      this.stamp = new Int32Array(Math.max(products, 1024) * 2)
      this.best = new Int32Array(this.stamp.length)
      this.queryNo = 0
    }
  }

  /** Keeps, in place, the best candidate of each product; returns how many remain. */
  private bestPerProduct(cand: Int32Array, sims: Float32Array, m: number): number {
    this.ensureStamps()
    const stamp = this.stamp
    const best = this.best
    const no = ++this.queryNo
    const rowIds = this.rowIds
    const product = this.product
    for (let i = 0; i < m; i++) {
      const pc = product[cand[i]]
      if (stamp[pc] !== no) {
        stamp[pc] = no
        best[pc] = i
      } else {
        const b = best[pc]
        if (sims[i] > sims[b] || (sims[i] === sims[b] && rowIds[cand[i]] < rowIds[cand[b]])) {
          best[pc] = i
        }
      }
    }
    // Compact in order, keeping position i when it is its product's best: w <= i, so every read
    // is ahead of the writes.
    let w = 0
    for (let i = 0; i < m; i++) {
      if (best[product[cand[i]]] === i) {
        cand[w] = cand[i]
        sims[w] = sims[i]
        w++
      }
    }
    return w
  }

  /** Positions of the top k of (cand, sims)[0..m) by (sim desc, rowId asc), in that order. */
  private selectTop(cand: Int32Array, sims: Float32Array, m: number, k: number): Int32Array {
    k = Math.max(0, Math.min(k, m))
    if (k === 0) return new Int32Array(0)
    const rowIds = this.rowIds
    // Min-heap of the k best so far (positions); the root is the worst kept.
    const heap = new Int32Array(k)
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
          heap[j] = heap[parent]
          j = parent
        }
        hs[j] = s
        hr[j] = r
        heap[j] = i
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
          heap[j] = heap[c]
          j = c
        }
        hs[j] = s
        hr[j] = r
        heap[j] = i
      }
    }
    const idx = Array.from({ length: size }, (_, i) => i)
    idx.sort((a, b) => hs[b] - hs[a] || hr[a] - hr[b])
    const out = new Int32Array(size)
    for (let i = 0; i < size; i++) out[i] = heap[idx[i]]
    return out
  }
}
