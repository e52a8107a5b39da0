/**
 * Why a query did not find its product first, where Loupe can tell it from what it knows: the
 * gallery cache (the expected product's pictures, their categories, hashes) and what the engine
 * answered (the category it searched in, the subject it detected). One reason per row, the most
 * specific first: the product is not in the gallery; what came first is a near-duplicate of one of
 * its pictures under another id; searching the whole picture finds it (the detected subject was the
 * wrong one — the caller ran that second search); the engine searched another category; it was
 * found, only lower; else not found.
 */

import type { EvalHit, FailureReason } from '../../api/domains/eval'
import { categoryName } from '../engines/categories'
import { hamming } from '../gallery/phash'
import type { GalleryImage } from '../gallery/types'

/** Largest perceptual-hash distance between two pictures called near-duplicates. */
export const NEAR_DUPLICATE_DISTANCE = 8

export interface DiagnoseInput {
  expectedProduct: string
  rank: number | null
  top: EvalHit[]
  /** The expected product's pictures in the gallery cache (null: the cache cannot tell). */
  expectedPictures: GalleryImage[] | null
  /** The gallery cache's entry of the first result (null when unknown). */
  firstPicture: GalleryImage | null
  /** The category the engine searched in. */
  detectedCategory: number | null
  /** The expected category (the query's, else the expected product's). */
  expectedCategory: number | null
  /** Rank of the expected product when the whole picture was searched (crop runs only). */
  uncroppedRank?: number | null
  detectedRegion?: string | null
}

const catName = (id: number) => `${categoryName(id) ?? 'category'} (${id})`

export function diagnose(i: DiagnoseInput): { reason: FailureReason; detail: string } | null {
  if (i.rank === 1) return null
  if (i.expectedPictures && i.expectedPictures.length === 0) {
    return {
      reason: 'notInGallery',
      detail: `The gallery has no picture of product ${i.expectedProduct}.`,
    }
  }
  const first = i.top[0]
  const dup = nearDuplicate(i.firstPicture, i.expectedPictures ?? [])
  if (first && first.productId !== i.expectedProduct && dup) {
    return {
      reason: 'nearDuplicate',
      detail: `${first.productId} / ${first.picName} came first: it is ${dup.distance === 0 ? 'the same picture as' : `a near-duplicate (distance ${dup.distance}) of`} ${dup.picture.productId} / ${dup.picture.picName}, under another product id.`,
    }
  }
  if (i.uncroppedRank === 1) {
    return {
      reason: 'wrongCrop',
      detail: `Searching the whole picture finds it first: the detected subject${i.detectedRegion ? ` (${i.detectedRegion})` : ''} is not the product.`,
    }
  }
  if (
    i.detectedCategory !== null &&
    i.expectedCategory !== null &&
    i.detectedCategory !== i.expectedCategory
  ) {
    return {
      reason: 'wrongCategory',
      detail: `The engine searched ${catName(i.detectedCategory)}; the product is in ${catName(i.expectedCategory)}.`,
    }
  }
  if (i.rank !== null) {
    return {
      reason: 'lowRank',
      detail: `Found at rank ${i.rank}${first ? `, after ${first.productId} / ${first.picName}` : ''}.`,
    }
  }
  return {
    reason: 'notFound',
    detail: i.top.length
      ? `Not in the first ${i.top.length} results.`
      : 'The search found nothing (an empty gallery, or a filter or category nothing matches).',
  }
}

function nearDuplicate(
  first: GalleryImage | null,
  expected: GalleryImage[],
): { picture: GalleryImage; distance: number } | null {
  if (!first) return null
  let best: { picture: GalleryImage; distance: number } | null = null
  for (const e of expected) {
    let d: number | null = null
    if (first.sha256 && e.sha256 && first.sha256 === e.sha256) d = 0
    else if (first.phash && e.phash) d = hamming(first.phash, e.phash)
    if (d !== null && d <= NEAR_DUPLICATE_DISTANCE && (!best || d < best.distance))
      best = { picture: e, distance: d }
  }
  return best
}

/** The most common category among pictures (ties: the smallest id), null for none. */
export function commonCategory(pictures: GalleryImage[]): number | null {
  const n = new Map<number, number>()
  for (const p of pictures) {
    if (typeof p.categoryId === 'number') n.set(p.categoryId, (n.get(p.categoryId) ?? 0) + 1)
  }
  let best: number | null = null
  for (const [c, k] of n) {
    if (best === null || k > n.get(best)! || (k === n.get(best)! && c < best)) best = c
  }
  return best
}
