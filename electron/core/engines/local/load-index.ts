import { attrsOrNull } from '../../../domain'
import { Slicer } from '../../util/slices'
import { blobToVector, type IndexRow, type Store } from './store'
import type { IndexEntry, VectorIndex } from './vector-index'

/** Rows read from SQLite per statement while loading. */
const PAGE = 128

export interface LoadOptions {
  /** Featurizer version and dimension: rows of another one are left out (stale). */
  version: string
  dim: number
  /** Called after each slice and at the end, with rows read so far out of `total`. */
  onProgress?: (done: number, total: number) => void
  /** Time budget of a slice in ms (tests). */
  sliceMs?: number
  /** The vector as the index holds it (the adapted space's projection, space.ts). */
  transform?: (v: Float32Array) => Float32Array
}

/**
 * Fills the in-memory index from the store page by page, giving way to the event loop between
 * slices of a few milliseconds, so opening a large engine (100,000 images) never holds the thread
 * for long. Nothing else reads or writes the engine until this resolves (the engine is handed out
 * afterwards), so the index is complete and exact once it does. Returns how many rows were left
 * out because their vector comes from another featurizer (stale, re-indexed in the background).
 */
export async function loadIndex(
  store: Store,
  index: VectorIndex,
  o: LoadOptions,
): Promise<{ loaded: number; stale: number }> {
  const total = store.count()
  const slicer = new Slicer(o.sliceMs)
  let after = 0
  let done = 0
  let stale = 0
  index.holdTraining(true)
  try {
    // Opening the store and allocating the index took a slice already.
    await slicer.next()
    for (;;) {
      const rows = store.indexRows(after, PAGE)
      for (const row of rows) {
        if (row.fversion === o.version && row.vector.byteLength === o.dim * 4) {
          const v = blobToVector(row.vector)
          index.upsert(entryOf(row), o.transform ? o.transform(v) : v)
        } else stale++
        after = row.id
      }
      done += rows.length
      if (rows.length < PAGE) break
      if (slicer.spent) {
        o.onProgress?.(done, Math.max(total, done))
        await slicer.next()
      }
    }
  } finally {
    index.holdTraining(false)
  }
  o.onProgress?.(done, Math.max(total, done))
  return { loaded: done - stale, stale }
}

/** The index's view of a stored image. */
export function entryOf(r: Omit<IndexRow, 'vector' | 'fversion'>): IndexEntry {
  return {
    rowId: r.id,
    productId: r.productId,
    categoryId: r.categoryId,
    ...attrsOrNull(r),
  }
}
