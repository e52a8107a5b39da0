/**
 * Reading a quality-lab test set: a folder of query pictures, or a CSV / JSON-lines manifest, read
 * by bulk add's own source reader and naming rules (folder = product, file = product, a template or
 * a regex), so a test set is written exactly like a bulk add. A manifest line may add a `region`,
 * a `categoryId` and a `filter` for its query. Lines and files that give no query are problems,
 * named with their origin; the other queries go on.
 */

import path from 'node:path'
import { parseRegion } from '../../domain'
import { deriveIds, parseNamingRule, readSources } from '../jobs/bulk-add/index'
import type { TestQuery, TestSetProblem, TestSetRef } from '../../api/domains/eval'

/** A query with the absolute path of its picture. */
export interface EvalQuery extends TestQuery {
  source: string
}

export interface TestSet {
  queries: EvalQuery[]
  problems: TestSetProblem[]
  /** Distinct expected product ids. */
  products: number
}

/** Reads a whole test set (throws InvalidNamingRule for a bad rule). */
export async function readTestSet(ref: TestSetRef): Promise<TestSet> {
  const rule = parseNamingRule(ref.naming ?? 'folder')
  const queries: EvalQuery[] = []
  const problems: TestSetProblem[] = []
  const root = path.resolve(ref.path)
  for await (const e of readSources([root], { recursive: ref.recursive })) {
    const origin = e.origin ?? (e.relPath || e.source || root)
    if (e.error) {
      problems.push({ origin, code: e.error.code, message: e.error.message })
      continue
    }
    if (e.op !== 'add' || !e.source) continue
    let productId = e.productId
    if (productId === null) {
      const ids = deriveIds(e.relPath, rule, { rootName: e.rootName })
      if ('error' in ids) {
        problems.push({ origin, code: 'InvalidNamingRule', message: ids.error })
        continue
      }
      productId = ids.productId
    }
    const q: EvalQuery = { index: queries.length, file: e.relPath, productId, source: e.source }
    if (e.fields.region) {
      const r = parseRegion(e.fields.region)
      if (!r.ok) {
        problems.push({
          origin,
          code: 'InvalidRegion',
          message: `${origin}: the region "${e.fields.region}" is not x1,x2,y1,y2 in pixels (${r.problem})`,
        })
        continue
      }
      q.region = e.fields.region
    }
    if (e.fields.categoryId !== undefined) q.categoryId = e.fields.categoryId
    if (e.filter) q.filter = e.filter
    queries.push(q)
  }
  return { queries, problems, products: new Set(queries.map((q) => q.productId)).size }
}

/** The query as the contract shows it (no server path). */
export function publicQuery(q: EvalQuery): TestQuery {
  const { source: _s, ...rest } = q
  return rest
}
