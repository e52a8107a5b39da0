/**
 * A run's figures from its rows: recall@1 / @5, MRR, not found in the top N, latency percentiles,
 * API calls, recall by rank and per category, and the query-by-query comparison of two runs.
 * Fractions are of the queries answered (an error is counted apart, not as a miss).
 */

import type { CategoryFigures, CompareRow, EvalSummary, TestQuery } from '../../api/domains/eval'
import { categoryName } from '../engines/categories'
import type { StoredRow } from './store'

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number | null {
  if (!sorted.length) return null
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[i]
}

const ratio = (n: number, d: number): number => (d > 0 ? n / d : 0)

export function summarize(rows: StoredRow[]): EvalSummary {
  const done = rows.filter((r) => r.state === 'done')
  const lat = done
    .map((r) => r.latencyMs)
    .filter((v): v is number => v !== null)
    .sort((a, b) => a - b)
  const round = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10)
  return {
    queries: rows.length,
    answered: done.length,
    errors: rows.filter((r) => r.state === 'failed').length,
    pending: rows.filter((r) => r.state === 'pending').length,
    r1: ratio(done.filter((r) => r.rank === 1).length, done.length),
    r5: ratio(done.filter((r) => r.rank !== null && r.rank <= 5).length, done.length),
    mrr: ratio(
      done.reduce((s, r) => s + (r.rank ? 1 / r.rank : 0), 0),
      done.length,
    ),
    notFound: done.filter((r) => r.rank === null).length,
    p50Ms: round(percentile(lat, 50)),
    p95Ms: round(percentile(lat, 95)),
    apiCalls: rows.reduce((s, r) => s + r.apiCalls, 0),
  }
}

/** recall[k-1] = fraction of answered queries found within rank k, for k = 1..num. */
export function recallByRank(rows: StoredRow[], num: number): number[] {
  const done = rows.filter((r) => r.state === 'done')
  const out: number[] = []
  for (let k = 1; k <= num; k++) {
    out.push(ratio(done.filter((r) => r.rank !== null && r.rank <= k).length, done.length))
  }
  return out
}

export function perCategory(rows: StoredRow[]): CategoryFigures[] {
  const groups = new Map<number, StoredRow[]>()
  for (const r of rows) {
    if (r.state !== 'done') continue
    const c = r.expectedCategory ?? -1
    const g = groups.get(c)
    if (g) g.push(r)
    else groups.set(c, [r])
  }
  return [...groups.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([categoryId, g]) => ({
      categoryId,
      name: categoryId < 0 ? 'Unknown' : (categoryName(categoryId) ?? String(categoryId)),
      queries: g.length,
      r1: ratio(g.filter((r) => r.rank === 1).length, g.length),
      r5: ratio(g.filter((r) => r.rank !== null && r.rank <= 5).length, g.length),
    }))
}

/** Query identity across runs of the same test set: its file and expected product. */
export const queryKey = (q: TestQuery): string => `${q.file}\u0000${q.productId}`

/** An answered row's rank as a number to compare (not found = after every rank). */
const rankValue = (r: StoredRow): number => r.rank ?? Number.POSITIVE_INFINITY

export function compareRows(
  a: StoredRow[],
  b: StoredRow[],
): { better: CompareRow[]; worse: CompareRow[]; same: number; unmatched: number } {
  const byKey = new Map(b.map((r) => [queryKey(r.query), r]))
  const better: CompareRow[] = []
  const worse: CompareRow[] = []
  let same = 0
  let matched = 0
  for (const ra of a) {
    const rb = byKey.get(queryKey(ra.query))
    if (!rb) continue
    matched++
    if (ra.state !== 'done' || rb.state !== 'done') {
      same += ra.state === rb.state ? 1 : 0
      continue
    }
    const row: CompareRow = {
      index: ra.index,
      query: ra.query,
      a: { rank: ra.rank, first: ra.top[0] ?? null },
      b: { rank: rb.rank, first: rb.top[0] ?? null },
    }
    const d = rankValue(rb) - rankValue(ra)
    if (d < 0) better.push(row)
    else if (d > 0) worse.push(row)
    else same++
  }
  // The biggest changes first.
  const gain = (r: CompareRow) =>
    Math.abs((r.a.rank ? 1 / r.a.rank : 0) - (r.b.rank ? 1 / r.b.rank : 0))
  better.sort((x, y) => gain(y) - gain(x) || x.index - y.index)
  worse.sort((x, y) => gain(y) - gain(x) || x.index - y.index)
  return { better, worse, same, unmatched: a.length + b.length - 2 * matched }
}
