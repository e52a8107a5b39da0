/**
 * Retrieval measures and offline re-ranking for bench/quality.ts, on L2-normalised vectors held
 * row-major in one Float32Array per set. Exact cosine (dot product); ties by gallery order, as the
 * engine breaks them by insertion order.
 *
 * Query-side re-ranking goes through the engine's own code (engines/local/rerank.ts), so what is
 * measured here is what the engine does.
 */
import { expandQuery, type RerankOptions } from '../../electron/core/engines/local/rerank'

export interface Mat {
  n: number
  d: number
  x: Float32Array
}

export function mat(rows: Float32Array[]): Mat {
  const d = rows[0]?.length ?? 0
  const x = new Float32Array(rows.length * d)
  rows.forEach((r, i) => x.set(r, i * d))
  return { n: rows.length, d, x }
}

export function row(m: Mat, i: number): Float32Array {
  return m.x.subarray(i * m.d, (i + 1) * m.d)
}

/** Similarities of every row of a to every row of b (a.n x b.n). */
export function sims(a: Mat, b: Mat): Float32Array {
  const out = new Float32Array(a.n * b.n)
  const d = a.d
  for (let i = 0; i < a.n; i++) {
    const ao = i * d
    for (let j = 0; j < b.n; j++) {
      const bo = j * d
      let s = 0
      for (let k = 0; k < d; k++) s += a.x[ao + k] * b.x[bo + k]
      out[i * b.n + j] = s
    }
  }
  return out
}

/** Indices of the k largest values of s[off .. off+n) (descending; ties: lower index first). */
export function topK(s: Float32Array, off: number, n: number, k: number, skip = -1): number[] {
  const idx: number[] = []
  const val: number[] = []
  for (let j = 0; j < n; j++) {
    if (j === skip) continue
    const v = s[off + j]
    if (idx.length === k && v <= val[k - 1]) continue
    let p = idx.length === k ? k - 1 : idx.length
    while (p > 0 && val[p - 1] < v) {
      if (p < k) {
        val[p] = val[p - 1]
        idx[p] = idx[p - 1]
      }
      p--
    }
    val[p] = v
    idx[p] = j
    if (idx.length > k) {
      idx.length = k
      val.length = k
    }
  }
  return idx
}

export interface Task {
  name: string
  /** 'r1': recall@1 by label; 'ns': mean number of same-label images in the top 4 (self included). */
  metric: 'r1' | 'ns'
  q: Mat
  ql: number[]
  g: Mat
  gl: number[]
  /** Product id of each gallery picture (what the engine knows); ns tasks: one per picture. */
  gp: number[]
}

export interface Method {
  name: string
  /** Database-side augmentation: each gallery vector + its `k` nearest gallery neighbours. */
  dba?: { k: number; alpha: number }
  /** Query-side re-ranking through the engine's code. */
  rerank?: RerankOptions & {
    plainScore?: boolean
    /** Pictures of a neighbour's "product" counted visually: 1 + gallery pictures within τ. */
    visual?: number
  }
  /**
   * k-reciprocal re-ranking (simplified, after Zhong et al. 2017): of the top `depth` hits, those
   * the query would rank among their own `k` nearest gallery pictures come first.
   */
  reciprocal?: { k: number; depth: number }
}

/** Database-side augmentation (Arandjelović & Zisserman; α-weighted as Radenović et al.). */
export function dbaOf(g: Mat, k: number, alpha: number): Mat {
  const gg = sims(g, g)
  const out = new Float32Array(g.x.length)
  for (let i = 0; i < g.n; i++) {
    const acc = out.subarray(i * g.d, (i + 1) * g.d)
    acc.set(row(g, i))
    for (const j of topK(gg, i * g.n, g.n, k, i)) {
      const w = Math.max(0, gg[i * g.n + j]) ** alpha
      const r = row(g, j)
      for (let t = 0; t < g.d; t++) acc[t] += w * r[t]
    }
    let n = 0
    for (let t = 0; t < g.d; t++) n += acc[t] * acc[t]
    n = Math.sqrt(n) || 1
    for (let t = 0; t < g.d; t++) acc[t] /= n
  }
  return { n: g.n, d: g.d, x: out }
}

/** The figure of one task under one method (R@1 in 0..1, or N-S in 0..4). */
export function measure(t: Task, m: Method, perQuery?: number[]): number {
  const g = m.dba ? dbaOf(t.g, m.dba.k, m.dba.alpha) : t.g
  const s = sims(t.q, g)
  const keep = t.metric === 'ns' ? 4 : 1
  let total = 0
  const counts = new Map<number, number>()
  if (m.rerank) for (const p of t.gp) counts.set(p, (counts.get(p) ?? 0) + 1)
  let pictures = (j: number) => counts.get(t.gp[j]) ?? 1
  let radius: Float32Array | null = null
  if (m.rerank?.visual !== undefined || m.reciprocal) {
    const gg = sims(g, g)
    if (m.rerank?.visual !== undefined) {
      const tau = m.rerank.visual
      const near = new Int32Array(g.n)
      for (let a = 0; a < g.n; a++)
        for (let b = 0; b < g.n; b++) if (a !== b && gg[a * g.n + b] >= tau) near[a]++
      pictures = (j) => 1 + near[j]
    }
    if (m.reciprocal) {
      const k = m.reciprocal.k
      radius = new Float32Array(g.n)
      for (let a = 0; a < g.n; a++) {
        const nn = topK(gg, a * g.n, g.n, k, a)
        radius[a] = nn.length ? gg[a * g.n + nn[nn.length - 1]] : -1
      }
    }
  }
  for (let i = 0; i < t.q.n; i++) {
    let top: number[]
    if (m.rerank) {
      const first = topK(s, i * g.n, g.n, Math.max(keep, m.rerank.k))
      const q2 = expandQuery(
        row(t.q, i),
        first.map((j) => ({
          vector: row(g, j),
          sim: s[i * g.n + j],
          pictures: pictures(j),
        })),
        m.rerank,
      )
      if (q2 === null) top = first.slice(0, keep)
      else {
        // As the engine: every picture scores max(similarity to the query, to the expanded one).
        const s2 = sims({ n: 1, d: g.d, x: q2 }, g)
        if (m.rerank.plainScore !== false) {
          // Only the shortlist (the best by plain similarity) is re-scored.
          const short = new Set(topK(s, i * g.n, g.n, Math.max(m.rerank.k, m.rerank.shortlist)))
          for (let j = 0; j < g.n; j++) {
            const plain = s[i * g.n + j]
            s2[j] = short.has(j) ? Math.max(s2[j], plain) : plain
          }
        }
        top = topK(s2, 0, g.n, keep)
      }
    } else if (m.reciprocal && radius) {
      const r = radius
      const first = topK(s, i * g.n, g.n, Math.max(keep, m.reciprocal.depth))
      const recip = first.filter((j) => s[i * g.n + j] >= r[j])
      const rest = first.filter((j) => s[i * g.n + j] < r[j])
      top = [...recip, ...rest].slice(0, keep)
    } else top = topK(s, i * g.n, g.n, keep)
    let hits = 0
    for (const j of top) if (t.gl[j] === t.ql[i]) hits++
    total += hits
    perQuery?.push(hits)
  }
  return total / t.q.n
}
