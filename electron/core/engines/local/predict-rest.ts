/**
 * "Predict the rest": the category of every image the user did not label, predicted again from
 * the images the user did label (and from those only: a prediction never feeds the next one).
 *
 * The vote is the engine's own (ranking.ts): the 10 nearest neighbours, each weighing its
 * similarity squared; a category wins with at least half the weight. Neighbours are the labelled
 * images within MIN_NEIGHBOUR_SIM of the picture (the add-time vote's bar for its best neighbour):
 * - none that close → Other, noted 'noLabelledNeighbours' (nothing to learn it from);
 * - no category has half the votes → Other (undecided), no note;
 * - else the winning category.
 * Labelled images are put in an index of their own (exact scan, float32 or int8 as the main
 * index), so each prediction costs one scan of the labelled images, whatever the gallery's size.
 * The work runs in slices of ~12 ms with the event loop free in between; each slice's changes are
 * committed together and applied to the main index, so a stop keeps what was done.
 */
import { OTHER_CATEGORY_ID } from '../categories'
import type { CategoryNote, PredictCategoriesResult } from '../types'
import type { EngineContext } from './context'
import { entryOf } from './load-index'
import { VectorIndex, type Hit } from './vector-index'
import { Slicer } from '../../util/slices'

/** Labelled neighbours looked at per prediction (as the add-time vote). */
export const NEIGHBOURS = 10
/** Below this similarity a labelled image is no neighbour (the add-time vote's bar). */
export const MIN_NEIGHBOUR_SIM = 0.5

export interface Repredicted {
  categoryId: number
  note: CategoryNote | null
  /** Labelled neighbours disagree. */
  undecided: boolean
}

/** The score-weighted vote over labelled neighbours (hits with their categories). */
export function voteOfLabelled(hits: { sim: number; categoryId: number }[]): Repredicted {
  const near = hits.filter((h) => h.sim >= MIN_NEIGHBOUR_SIM)
  if (near.length === 0) {
    return { categoryId: OTHER_CATEGORY_ID, note: 'noLabelledNeighbours', undecided: false }
  }
  const votes = new Map<number, number>()
  let total = 0
  for (const h of near) {
    const w = h.sim ** 2
    votes.set(h.categoryId, (votes.get(h.categoryId) ?? 0) + w)
    total += w
  }
  let best = OTHER_CATEGORY_ID
  let bestW = 0
  for (const [c, w] of votes) if (w > bestW) [best, bestW] = [c, w]
  if (total <= 0 || bestW / total < 0.5) {
    return { categoryId: OTHER_CATEGORY_ID, note: null, undecided: true }
  }
  return { categoryId: best, note: null, undecided: false }
}

export interface PredictRestOptions {
  signal?: AbortSignal
  /** Images looked at so far out of the unlabelled total, a few times a second. */
  onProgress?: (done: number, total: number) => void
  /** Slice budget in ms (tests: 0). */
  sliceMs?: number
}

/** Predicts the category of every image the user did not label; see the file's top. */
export async function predictRest(
  ctx: EngineContext,
  o: PredictRestOptions = {},
): Promise<PredictCategoriesResult> {
  const { store, index } = ctx
  const out: PredictCategoriesResult = {
    total: 0,
    predicted: 0,
    noLabelledNeighbours: 0,
    undecided: 0,
    changed: [],
    cancelled: false,
  }
  if (!ctx.isProduct) return out
  const labelled = store.idsByLabelled(true)
  const rest = store.idsByLabelled(false)
  out.total = rest.length
  // The labelled images, in an index of their own (only those the main index holds: an image
  // being re-described for a new featurizer has no current vector yet).
  const own = new VectorIndex(index.dim, Math.max(16, labelled.length), { coarse: false })
  const categoryOfRow = new Map<number, number>()
  for (const l of labelled) {
    const v = index.vector(l.id)
    if (!v) continue
    own.upsert({ ...index.entry(l.id)!, categoryId: l.categoryId }, v)
    categoryOfRow.set(l.id, l.categoryId)
  }
  const slicer = new Slicer(o.sliceMs)
  const now = Date.now()
  let done = 0
  try {
    for (let i = 0; i < rest.length;) {
      if (o.signal?.aborted || ctx.closed) {
        out.cancelled = true
        break
      }
      const slice: { id: number; p: Repredicted }[] = []
      while (i < rest.length && (slice.length === 0 || !slicer.spent)) {
        const { id } = rest[i++]
        const v = index.vector(id)
        if (!v) continue
        const hits: Hit[] =
          own.size > 0
            ? own.search({ query: v, k: NEIGHBOURS, minSim: MIN_NEIGHBOUR_SIM }).hits
            : []
        const p = voteOfLabelled(
          hits.map((h) => ({ sim: h.sim, categoryId: categoryOfRow.get(h.rowId)! })),
        )
        slice.push({ id, p })
      }
      store.tx(() => {
        for (const { id, p } of slice) {
          const row = store.getById(id)
          if (!row || row.labelled) continue
          if (p.note) out.noLabelledNeighbours++
          else if (p.undecided) out.undecided++
          else out.predicted++
          if (row.categoryId === p.categoryId && row.categoryNote === p.note) continue
          store.setCategory(id, p.categoryId, false, p.note, now)
          index.updateEntry(entryOf({ ...row, categoryId: p.categoryId }))
          out.changed.push({
            productId: row.productId,
            picName: row.picName,
            categoryId: p.categoryId,
            categoryNote: p.note,
          })
        }
      })
      done = i
      o.onProgress?.(done, rest.length)
      if (slicer.spent) await slicer.next()
    }
  } finally {
    own.close()
  }
  return out
}
