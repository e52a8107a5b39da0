/**
 * Every pair of vectors at least `floor` similar, without comparing every pair.
 *
 * Brute force compares n²/2 pairs (100,000 pictures: 5·10⁹ dot products of 256 floats, many
 * minutes). Instead the vectors are partitioned by spherical k-means (cells of a few hundred);
 * each vector joins its nearest cell and every other cell whose centroid is nearly as close
 * (`margin`, at most `probes` cells), so two near-identical pictures share at least one cell; only
 * the pairs inside a cell are compared, with the index's WebAssembly SIMD kernel (VectorStore.score,
 * one vector against the rest of its cell). A cell still too large is partitioned again. Up to
 * `exactBelow` vectors, one cell holds them all: the scan is exact.
 *
 * Memory: the vectors (n × dim × 4 bytes, in the kernel's memory), the cells (n × probes slot
 * numbers) and the pairs found. bench/duplicates.ts measures time and recall against brute force.
 */
import { seededRandom } from '../util/random'
import { VectorStore } from '../engines/local/vector-storage'
import { Slicer } from '../util/slices'

export interface PartitionOptions {
  /** Up to this many vectors the whole set is one cell (exact). Default 6,000. */
  exactBelow?: number
  /** Average cell size aimed at. Default 320. */
  cellSize?: number
  /** Cells a vector may join in all (its nearest and the next). Default 4. */
  probes?: number
  /**
   * A further cell is joined when its centroid is within this of the nearest's. Default
   * `marginFor(0.9)`.
   */
  margin?: number
  /** Seed of the sampling (the same vectors give the same cells). */
  seed?: number
  /** Time budget of a slice before giving way to the event loop (ms). */
  sliceMs?: number
  signal?: AbortSignal
}

/** Vectors in slots 0..n-1 of a VectorStore (L2-normalised). */
export interface VectorSet {
  store: VectorStore
  n: number
}

/** Builds a float32 vector store for `n` vectors of `dim` (filled with `set`). */
export function vectorSet(dim: number, n: number): VectorSet {
  const store = new VectorStore(dim, Math.max(16, n), { quantize: false })
  store.ensure(Math.max(16, n), 0)
  return { store, n }
}

/**
 * The margin for pairs down to `floor`: two vectors at similarity s are sqrt(2 − 2s) apart, and
 * their similarities to a centroid differ by a fraction of that (0.18: measured in
 * bench/duplicates.ts, ≥ 99 % of the pairs brute force finds, at 2.5× the work of 0.04).
 */
export const marginFor = (floor: number) => 0.18 * Math.sqrt(Math.max(0, 2 - 2 * floor))

const rng = (seed: number) => seededRandom(seed >>> 0 || 0x9e3779b9)

function aborted(signal?: AbortSignal) {
  if (signal?.aborted) throw signal.reason ?? new Error('aborted')
}

/**
 * Cells of the vectors (lists of slots, ascending). Sliced: gives way to the event loop every few
 * milliseconds.
 */
export async function partition(set: VectorSet, o: PartitionOptions = {}): Promise<Int32Array[]> {
  const all = new Int32Array(set.n)
  for (let i = 0; i < set.n; i++) all[i] = i
  const exactBelow = o.exactBelow ?? 6000
  if (set.n <= exactBelow) return set.n > 1 ? [all] : []
  const slicer = new Slicer(o.sliceMs)
  const out: Int32Array[] = []
  const random = rng(o.seed ?? 1)
  const cellSize = o.cellSize ?? 320
  const todo: Int32Array[] = [all]
  while (todo.length) {
    const members = todo.pop()!
    const cells = await split(set, members, Math.ceil(members.length / cellSize), o, random, slicer)
    for (const c of cells) {
      if (c.length < 2) continue
      // Partitioned again while too large, as long as splitting still makes cells smaller.
      if (c.length > Math.max(exactBelow / 2, cellSize * 8) && c.length < members.length * 0.8) {
        todo.push(c)
      } else out.push(c)
    }
  }
  return out
}

async function split(
  set: VectorSet,
  members: Int32Array,
  k: number,
  o: PartitionOptions,
  random: () => number,
  slicer: Slicer,
): Promise<Int32Array[]> {
  const { store } = set
  const dim = store.dim
  k = Math.max(2, Math.min(k, Math.floor(members.length / 4)))
  const cent = new VectorStore(dim, k, { quantize: false })
  cent.ensure(k, k)
  const ids = () => {
    for (let c = 0; c < k; c++) cent.cand[c] = c
  }
  // Sample, and k-means++-free init: k distinct random members.
  const sampleSize = Math.min(members.length, Math.max(k * 12, 2048))
  const sample = new Int32Array(sampleSize)
  const pool = Array.from(members)
  for (let i = 0; i < sampleSize; i++) {
    const j = i + Math.floor(random() * (pool.length - i))
    ;[pool[i], pool[j]] = [pool[j], pool[i]]
    sample[i] = pool[i]
  }
  for (let c = 0; c < k; c++) cent.set(c, store.get(sample[c % sampleSize]))
  const sums = new Float64Array(k * dim)
  const counts = new Int32Array(k)
  const centre = new Float32Array(dim)
  for (let iter = 0; iter < 6; iter++) {
    sums.fill(0)
    counts.fill(0)
    for (let s = 0; s < sampleSize; s++) {
      const v = store.get(sample[s])
      ids()
      cent.score(v, k)
      let best = 0
      for (let c = 1; c < k; c++) if (cent.sims[c] > cent.sims[best]) best = c
      counts[best]++
      const o2 = best * dim
      for (let d = 0; d < dim; d++) sums[o2 + d] += v[d]
      if (slicer.spent) {
        aborted(o.signal)
        await slicer.next()
      }
    }
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) {
        cent.set(c, store.get(sample[Math.floor(random() * sampleSize)]))
        continue
      }
      let norm = 0
      for (let d = 0; d < dim; d++) norm += sums[c * dim + d] ** 2
      norm = Math.sqrt(norm) || 1
      for (let d = 0; d < dim; d++) centre[d] = sums[c * dim + d] / norm
      cent.set(c, centre)
    }
  }
  // Assignment of every member: its nearest cell, and the nearly-as-near ones.
  const probes = Math.max(1, o.probes ?? 4)
  const margin = o.margin ?? marginFor(0.9)
  const lists: number[][] = Array.from({ length: k }, () => [])
  for (let m = 0; m < members.length; m++) {
    const slot = members[m]
    ids()
    cent.score(store.get(slot), k)
    const sims = cent.sims
    let best = 0
    for (let c = 1; c < k; c++) if (sims[c] > sims[best]) best = c
    lists[best].push(slot)
    if (probes > 1) {
      const floor = sims[best] - margin
      const near: number[] = []
      for (let c = 0; c < k; c++) if (c !== best && sims[c] >= floor) near.push(c)
      if (near.length > probes - 1) near.sort((x, y) => sims[y] - sims[x])
      for (let i = 0; i < Math.min(near.length, probes - 1); i++) lists[near[i]].push(slot)
    }
    if (slicer.spent) {
      aborted(o.signal)
      await slicer.next()
    }
  }
  return lists.map((l) => Int32Array.from(l).sort())
}

/** Work of a cell (pairs compared). */
export const cellWork = (c: Int32Array) => (c.length * (c.length - 1)) / 2

/**
 * Compares every pair inside each cell; `emit(i, j, sim)` with i < j for pairs ≥ floor, each pair
 * once however many cells hold it (`seen`). `skip(i, j)` leaves a pair out before it is scored
 * (e.g. two pictures of one product, for an across-products audit). Sliced.
 */
export async function scanCells(
  set: VectorSet,
  cells: Int32Array[],
  floor: number,
  emit: (i: number, j: number, sim: number) => void,
  o: {
    seen?: Set<number>
    skip?: (i: number, j: number) => boolean
    signal?: AbortSignal
    sliceMs?: number
    onCell?: () => void
  } = {},
): Promise<void> {
  const { store, n } = set
  const seen = o.seen ?? new Set<number>()
  const slicer = new Slicer(o.sliceMs)
  for (const cell of cells) {
    const s = cell.length
    for (let a = 0; a < s - 1; a++) {
      const i = cell[a]
      const q = store.get(i)
      const m = s - a - 1
      store.cand.set(cell.subarray(a + 1))
      store.score(q, m)
      const sims = store.sims
      for (let b = 0; b < m; b++) {
        if (sims[b] < floor) continue
        const j = cell[a + 1 + b]
        if (o.skip?.(i, j)) continue
        const key = i * n + j
        if (seen.has(key)) continue
        seen.add(key)
        emit(i, j, Math.min(1, sims[b]))
      }
      if (slicer.spent) {
        aborted(o.signal)
        await slicer.next()
      }
    }
    o.onCell?.()
  }
}
