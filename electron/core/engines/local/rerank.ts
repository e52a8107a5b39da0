/**
 * Query-time re-ranking: α-weighted query expansion (Radenović, Tolias & Chum 2018) whose
 * strength follows how many pictures the neighbours' products have. A picture's score is then
 * max(similarity to the query, similarity to the expanded query), so an identical picture still
 * scores 1 and every score is a cosine similarity in 0..1. The query is moved towards
 * its best gallery neighbours, each weighted by sim^α × strength(pictures of its product); a
 * neighbour whose product has a single picture adds nothing (in a one-picture-per-product gallery
 * the nearest pictures are other products, and expanding towards them drifts). Used by the
 * engine's search path (search.ts) and measured by bench/quality.ts through this same code.
 */

export interface RerankOptions {
  /** Best neighbours considered for the expansion. */
  k: number
  /** Exponent of the neighbour weight sim^α. */
  alpha: number
  /**
   * Pictures a product needs for its neighbours to count fully: strength = (pictures − 1) /
   * (full − 1), clamped to 0..1. 0 turns the product rule off (every neighbour counts fully).
   */
  full: number
  /** Neighbours at or below this similarity are never used. */
  minSim: number
  /**
   * Pictures re-scored with the expanded query: the best `shortlist` by the plain similarity (a
   * constant, above the deepest page Start + Num = 500, so pages of one query concatenate
   * exactly); the others keep their plain similarity. One extra scan of 100k vectors would cost
   * as much as the search itself.
   */
  shortlist: number
}

export interface Neighbour {
  vector: ArrayLike<number>
  /** Similarity to the query. */
  sim: number
  /** Pictures of this neighbour's product in the gallery (≥ 1). */
  pictures: number
}

export function strengthOf(pictures: number, full: number): number {
  if (full <= 0) return 1
  if (full <= 1) return 1
  return Math.min(1, Math.max(0, (pictures - 1) / (full - 1)))
}

/**
 * The expanded query (L2-normalised), or null when no neighbour contributes (the ranking of the
 * plain query then stands as it is).
 */
export function expandQuery(
  query: Float32Array,
  neighbours: readonly Neighbour[],
  o: RerankOptions,
): Float32Array | null {
  const out = Float32Array.from(query)
  let used = 0
  for (let i = 0; i < neighbours.length && i < o.k; i++) {
    const n = neighbours[i]
    if (!(n.sim > o.minSim)) continue
    const w = n.sim ** o.alpha * strengthOf(n.pictures, o.full)
    if (!(w > 0)) continue
    used++
    for (let j = 0; j < out.length; j++) out[j] += w * n.vector[j]
  }
  if (used === 0) return null
  let s = 0
  for (let j = 0; j < out.length; j++) s += out[j] * out[j]
  const norm = Math.sqrt(s)
  if (!(norm > 0)) return null
  for (let j = 0; j < out.length; j++) out[j] /= norm
  return out
}

/** The engine's re-ranking (see bench/README.md, "Re-ranking"). */
export const RERANK: RerankOptions = { k: 3, alpha: 3, full: 2, minSim: 0, shortlist: 1000 }
