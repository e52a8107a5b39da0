/** Turning nearest neighbours into results: category prediction, ranking, auctions. */
import { definedAttrs } from '../../../domain'
import { OTHER_CATEGORY_ID } from '../categories'
import type { Auction } from '../types'
import type { EngineContext } from './context'
import type { FilterAst } from './filter'
import type { ImageRow } from './store'

const MAX_SORT_EXPR: Record<string, number> = {
  high: 7.33136443711219e24,
  low: 5.37633353624177e24,
}

export interface RankOptions {
  start: number
  num: number
  categoryId?: number
  filter?: string
  distinctProductId: boolean
  scoreThreshold?: number
}

export interface Prediction {
  categoryId: number
  /** Other only because no neighbour has a category of its own (nothing to learn from). */
  noLabelledNeighbours: boolean
}

/**
 * Category prediction: score-weighted vote of the nearest neighbours' categories. The local engine
 * can only learn categories from labelled gallery pictures: when none of the neighbours has one
 * (an empty gallery, or one added without categories) the answer is Other, and says why.
 */
export function predictCategory(ctx: EngineContext, vec: Float32Array): Prediction {
  const { index, isProduct } = ctx
  const other = (noLabelledNeighbours: boolean) => ({
    categoryId: OTHER_CATEGORY_ID,
    noLabelledNeighbours,
  })
  if (!isProduct) return other(false)
  if (index.size === 0) return other(true)
  const { hits } = index.search({ query: vec, k: 10 })
  const votes = new Map<number, number>()
  let total = 0
  let labelled = 0
  for (const h of hits) {
    const w = Math.max(0, h.sim) ** 2
    const c = index.categoryOf(h.rowId)!
    if (c !== OTHER_CATEGORY_ID) labelled++
    votes.set(c, (votes.get(c) ?? 0) + w)
    total += w
  }
  if (labelled === 0) return other(true)
  let best = OTHER_CATEGORY_ID
  let bestW = 0
  for (const [c, w] of votes) if (w > bestW) [best, bestW] = [c, w]
  if (total <= 0 || bestW / total < 0.5 || (hits[0]?.sim ?? 0) < 0.5) return other(false)
  return { categoryId: best, noLabelledNeighbours: false }
}

/** One page of the nearest images to `vec`, and how many images matched in all. */
export function rank(
  ctx: EngineContext,
  vec: Float32Array,
  o: RankOptions,
  ast: FilterAst | null,
): { auctions: Auction[]; matched: number } {
  const { index, store, isProduct } = ctx
  const { hits, matched } = index.search({
    query: vec,
    k: o.start + o.num,
    filter: ast,
    categoryId: isProduct ? o.categoryId : undefined,
    distinctProduct: o.distinctProductId,
    minSim: o.scoreThreshold && o.scoreThreshold > 0 ? o.scoreThreshold : undefined,
    expand: ctx.rerank ?? undefined,
  })
  const page = hits.slice(o.start, o.start + o.num)
  const auctions: Auction[] = []
  for (const h of page) {
    const r = store.getById(h.rowId)
    if (r) auctions.push(auctionOf(r, h.sim))
  }
  return { auctions, matched }
}

export function auctionOf(r: ImageRow, sim: number): Auction {
  const score = Math.min(1, Math.max(0, sim))
  const max = r.categoryId >= 0 && r.categoryId <= 2 ? MAX_SORT_EXPR.high : MAX_SORT_EXPR.low
  return {
    productId: r.productId,
    picName: r.picName,
    categoryId: r.categoryId,
    customContent: r.customContent ?? '',
    score,
    sortExprValues: `${score * max};0`,
    ...attributesOf(r),
  }
}

function attributesOf(r: ImageRow) {
  const o: Partial<Auction> = definedAttrs(r)
  return o
}
