/**
 * The one write path into the gallery cache: a write-through wrapper around an engine. The engine
 * registry hands out every engine wrapped, so every AddImage / UpdateImage / DeleteImage any
 * feature makes (a single add, bulk add, watch, gallery edits, the engine API of the wire server)
 * lands in the profile's cache the same way, through one translation from the engine request to
 * the cache row (`addedRecord`, `updatedFields`). Writes an engine applies by other means (the
 * lines of a batch task, IncreaseInstance) are recorded through the same translation with
 * `recordApplied`.
 *
 * The cache follows the engine: a write the engine refuses changes nothing; a cache failure after
 * the engine accepted a write is logged, never reported as the write's failure (the engine has the
 * image; the next dump import brings the cache back in step).
 */

import { attrsOrNull } from '../../domain'
import crypto from 'node:crypto'
import type {
  AddImageRequest,
  AddImageResult,
  DeleteImageRequest,
  DeleteImageResult,
  Engine,
  PictureFacts,
  PredictCategoriesResult,
  SetCategoryRequest,
  UpdateImageRequest,
} from '../engines/types'
import { regionToOriginal } from '../imaging/region'
import type { Gallery } from './gallery'
import type { AddedRecord, CategoryNote, ImageKey, UpdatedFields } from './types'

/** What the wrapper needs of a profile's cache. */
export interface GalleryCacheSink {
  gallery(): Gallery
  /** Keeps a thumbnail under thumbs/ (content-addressed); its relative path, or null. */
  saveThumb(sha256: string, data: Buffer): string | null
  /** Writes changed the cache: `gallery.changed` (coalesced by the caller) so views refresh. */
  changed?(reason: 'add' | 'update' | 'delete' | 'batch'): void
  log?(message: string, err?: unknown): void
}

/** An engine write to record: what was asked of the engine and what it answered. */
export type AppliedWrite =
  | {
      op: 'add'
      req: Omit<AddImageRequest, 'picContent'> & { picContent?: Buffer }
      res?: AddImageResult
      facts?: PictureFacts
    }
  | { op: 'update'; req: UpdateImageRequest }
  /** A category set or predicted by the local engine's own operations (no UpdateImage). */
  | { op: 'category'; key: ImageKey; categoryId: number; categoryNote: CategoryNote | null }
  | { op: 'delete'; req: DeleteImageRequest; res?: DeleteImageResult }

/** An engine whose writes land in the gallery cache. */
export type CachedEngine<E extends Engine = Engine> = E & {
  /** Record writes the engine applied by other means (a batch task's lines), in one transaction. */
  recordApplied(writes: AppliedWrite[]): void
}

/** A region the engine reported on the prepared picture, on the original (null if it maps off). */
export function regionOnOriginal(
  region: string | null | undefined,
  geometry: PictureFacts['geometry'],
): string | null {
  if (!region) return null
  if (!geometry) return region
  try {
    return regionToOriginal(region, geometry)
  } catch {
    return null
  }
}

/**
 * The cache row of an added picture: the attributes sent with AddImage, the category and region
 * the engine settled on (the region on the original picture when its geometry is known), and what
 * Loupe knows of the file. Without facts (the wire API: only the bytes are known), the SHA-256 of
 * the bytes sent stands in for the file's.
 */
export function addedRecord(
  req: AppliedWrite & { op: 'add' },
  saveThumb: GalleryCacheSink['saveThumb'],
): AddedRecord {
  const { req: r, res, facts } = req
  const sha256 =
    facts?.sha256 ??
    (facts || !r.picContent ? null : crypto.createHash('sha256').update(r.picContent).digest('hex'))
  const thumb = facts?.thumbnail
  const thumbnail =
    typeof thumb === 'string'
      ? thumb
      : thumb && thumb.length && sha256
        ? saveThumb(sha256, thumb)
        : null
  return {
    productId: r.productId,
    picName: r.picName,
    categoryId: res?.picInfo.categoryId ?? r.categoryId ?? null,
    categoryNote: res?.picInfo.categoryNote ?? null,
    customContent: r.customContent ?? null,
    ...attrsOrNull(r),
    region: regionOnOriginal(res?.picInfo.region ?? r.region, facts?.geometry),
    sourcePath: facts?.sourcePath ?? null,
    sha256: sha256 || null,
    phash: facts?.phash || null,
    thumbnail,
  }
}

/** The fields an UpdateImage changes (only those given: UpdateImage semantics). */
export function updatedFields(req: UpdateImageRequest): UpdatedFields {
  const { productId: _p, picName: _n, ...fields } = req
  return Object.fromEntries(
    Object.entries(fields).filter(([, v]) => v !== undefined),
  ) as UpdatedFields
}

/** Applies one engine write to the cache (inside the caller's transaction, if any). */
function apply(g: Gallery, w: AppliedWrite, saveThumb: GalleryCacheSink['saveThumb']): void {
  switch (w.op) {
    case 'add':
      g.recordAdded(addedRecord(w, saveThumb))
      return
    case 'update':
      // An image the cache does not know is left for the next dump import (no half rows).
      if (g.get(w.req.productId, w.req.picName)) {
        g.recordUpdated(
          { productId: w.req.productId, picName: w.req.picName },
          updatedFields(w.req),
        )
      }
      return
    case 'category':
      if (g.get(w.key.productId, w.key.picName)) {
        g.recordUpdated(w.key, { categoryId: w.categoryId, categoryNote: w.categoryNote })
      }
      return
    case 'delete': {
      const { productId, picName, filter } = w.req
      if (productId && picName) g.recordDeleted({ productId, picName })
      else if (productId) g.recordDeletedByProduct(productId)
      else if (filter && w.res?.picNames.length) {
        // Delete by filter: the engine names the deleted pictures; the same filter over the cache
        // finds their products.
        const names = new Set(w.res.picNames)
        const keys: ImageKey[] = []
        for (let offset = 0; ; offset += 1000) {
          const page = g.query({ filter, limit: 1000, offset })
          for (const i of page.items) {
            if (names.has(i.picName)) keys.push({ productId: i.productId, picName: i.picName })
          }
          if (offset + 1000 >= page.total) break
        }
        g.recordDeleted(keys)
      }
      return
    }
  }
}

/** Records engine writes in the cache, in one transaction; never throws (see the file's top). */
export function recordWrites(sink: GalleryCacheSink, writes: AppliedWrite[]): boolean {
  if (!writes.length) return true
  try {
    const g = sink.gallery()
    g.batch(() => {
      for (const w of writes) apply(g, w, sink.saveThumb)
    })
    return true
  } catch (e) {
    sink.log?.('recording an engine write in the gallery cache failed', e)
    return false
  }
}

const REASON = { add: 'add', update: 'update', category: 'update', delete: 'delete' } as const

/** The local engine's category operations, when the engine has them (engines/local). */
interface CategoryOps {
  setCategory(req: SetCategoryRequest): Promise<{ requestId: string; categoryId: number }>
  predictCategories(opts?: unknown): Promise<PredictCategoriesResult>
}

/**
 * Wraps an engine so its writes land in the cache. The wrapper inherits everything else from the
 * engine (a local engine's `batchRoot`, `storedPicture`, …) through its prototype, so the
 * engine's other methods run with the wrapper as `this`: engines are plain objects of closures
 * (no `#private` class fields).
 */
export function writeThrough<E extends Engine>(engine: E, sink: GalleryCacheSink): CachedEngine<E> {
  const record = (w: AppliedWrite) => {
    if (recordWrites(sink, [w])) sink.changed?.(REASON[w.op])
  }
  const overrides: Pick<
    CachedEngine,
    'addImage' | 'updateImage' | 'deleteImage' | 'recordApplied'
  > = {
    async addImage(req: AddImageRequest, facts?: PictureFacts) {
      const res = await engine.addImage(req, facts)
      record({ op: 'add', req, res, ...(facts ? { facts } : {}) })
      return res
    },
    async updateImage(req: UpdateImageRequest) {
      const res = await engine.updateImage(req)
      record({ op: 'update', req })
      return res
    },
    async deleteImage(req: DeleteImageRequest) {
      const res = await engine.deleteImage(req)
      record({ op: 'delete', req, res })
      return res
    },
    recordApplied(writes: AppliedWrite[]) {
      if (writes.length && recordWrites(sink, writes)) sink.changed?.('batch')
    },
  }
  const local = engine as Partial<CategoryOps>
  const categoryOps: Partial<CategoryOps> = {}
  if (typeof local.setCategory === 'function') {
    const set = local.setCategory
    categoryOps.setCategory = async (req) => {
      const res = await set(req)
      record({
        op: 'category',
        key: { productId: req.productId, picName: req.picName },
        categoryId: res.categoryId,
        categoryNote: null,
      })
      return res
    }
  }
  if (typeof local.predictCategories === 'function') {
    const predict = local.predictCategories
    categoryOps.predictCategories = async (opts) => {
      const res = await predict(opts)
      overrides.recordApplied(
        res.changed.map((c) => ({
          op: 'category' as const,
          key: { productId: c.productId, picName: c.picName },
          categoryId: c.categoryId,
          categoryNote: c.categoryNote,
        })),
      )
      return res
    }
  }
  return Object.assign(Object.create(engine) as E, overrides, categoryOps) as CachedEngine<E>
}
