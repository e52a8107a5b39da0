/**
 * The local engine: Loupe's offline twin of Alibaba Cloud Image Search (API 2020-12-14). Same
 * operations, limits and error codes; data in a SQLite file (WAL) in `dir`; vectors from the
 * featurizer kept in memory for exact nearest-neighbour search.
 *
 * Decisions the cloud's documentation leaves open (kept consistent everywhere):
 * - Identity is productId + picName; adding an existing pair replaces the image and all its
 *   attributes (row id kept, so filter-search order is stable).
 * - A given categoryId restricts a search to that category; a predicted category (when none is
 *   given) is only reported in PicInfo and does not restrict the search. Non-product service
 *   types use 88888888 for everything, as the cloud does.
 * - Score = cosine similarity of the L2-normalised descriptors, clamped to 0..1; identical pictures
 *   score 1. Ties are ranked by insertion order, so pages of one query concatenate exactly.
 * - Head.DocsFound = images matching the filter/category (/threshold; products when distinct);
 *   Head.DocsReturn = results in this page.
 * - An image without an attribute matches only `!=` / `not in` conditions on it.
 * - Unknown productId + picName for SearchImageByName / UpdateImage: BadRequest naming them (the
 *   cloud documents no specific code).
 * - The featurizer is owned by the caller: close() does not close it.
 */
/*
 * The engine is wired here from its parts, each readable on its own:
 *   context.ts    what the parts share (store, index, featurizer, settings)
 *   request.ts    request ids and the wrapper every operation runs in
 *   throttle.ts   searches per second
 *   search.ts     searches and compare (+ describe.ts: where to look, ranking.ts: results)
 *   writes.ts     add, update, delete
 *   background.ts dumps, batch tasks and re-indexing running behind the API
 *   tasks.ts      the task API (DumpMeta*, Increase*)
 *   lock.ts       one engine per folder
 */
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import type { DetailResult, Engine, PredictCategoriesResult, SetCategoryRequest } from '../types'
import { createBackground, type ReindexStatus } from './background'
import type { EngineContext } from './context'
import type { Featurizer } from './featurizer/types'
import { loadIndex } from './load-index'
import { lockDir } from './lock'
import { predictRest, type PredictRestOptions } from './predict-rest'
import { op } from './request'
import { createSearch } from './search'
import { Store, blobToVector, type ImageRow } from './store'
import { createTasksApi } from './tasks'
import { Throttle } from './throttle'
import { VectorIndex } from './vector-index'
import { checkCapacity, createWrites } from './writes'
import { ensurePrivateDir } from '../../util/private-fs'
import { RERANK, type RerankOptions } from './rerank'
import { createSpaces, toSpace, type Spaces } from './space'

export { LOCAL_BUCKET } from './batch-path'
export { newRequestId } from './request'
export type { ReindexStatus } from './background'

export interface LocalEngineOptions {
  /** The engine's folder (the profile's `engine/`): engine.db, dumps/, increase/. */
  dir: string
  /** Instance name reported by Detail. */
  name: string
  featurizer: Featurizer
  /** Maximum number of images (default 100,000); InstanceOverQuota past it. */
  capacity?: number
  /** Searches per second (0 or absent = unlimited); DeniedRequest past it. */
  qps?: number
  /** 'product' (default), 'generic', 'fabric' or 'trademark': pixel bounds and category rules. */
  serviceType?: string
  /** Folder served as bucket `local` to IncreaseInstance (default `<dir>/../batch`). */
  batchRoot?: string
  /** URL for a file the engine wrote (MetaUrl, ErrorUrl); default a file:// URL. */
  fileUrl?: (absPath: string) => string
  /** Diagnostics sink for background failures (never gets secrets). */
  log?: (msg: string, err?: unknown) => void
  /**
   * Progress of loading the stored vectors into memory (rows read out of the total), called a
   * few times a second while the engine opens; the engine is handed out once they are all in.
   */
  onLoad?: (done: number, total: number) => void
  /** Time budget of one slice of that load, in ms (default SLICE_MS; tests use 0). */
  loadSliceMs?: number
  /**
   * Re-ranking of searches by picture and by name (rerank.ts; default RERANK, measured in
   * bench/README.md "Re-ranking"); false ranks by the plain similarity.
   */
  rerank?: RerankOptions | false
}

export interface LocalEngine extends Engine {
  readonly kind: 'local'
  readonly dir: string
  readonly batchRoot: string
  setCapacity(capacity: number): void
  setQps(qps: number): void
  reindexStatus(): ReindexStatus
  /** Resolves when no dump, batch or re-index work is running or queued. */
  whenIdle(): Promise<void>
  /** The stored copy (JPEG, at most 512 px a side) of an indexed picture, or null. */
  storedPicture(productId: string, picName: string): Buffer | null
  /**
   * The stored copy with its scale (stored side / indexed side: a region on the indexed picture
   * times `scale` is the region on the copy), or null.
   */
  storedSource(productId: string, picName: string): { bytes: Buffer; scale: number } | null
  /** A page of the stored images' metadata (no vectors), in id order after `afterId`. */
  listImages(afterId: number, limit: number): ImageRow[]
  /**
   * The stored vectors of up to `limit` images after row id `afterId`, in row id order (images not
   * yet described by the current featurizer are left out): what the near-duplicate audit compares.
   */
  vectorPage(afterId: number, limit: number): StoredVectorRow[]
  /** The featurizer's version and dimension (the vectors' meaning). */
  readonly descriptor: { version: string; dim: number }
  /**
   * Sets an image's category as the user's (labelled) without describing the picture again (the
   * cloud's UpdateImage cannot change a category; this is the local engine's own operation).
   */
  setCategory(req: SetCategoryRequest): Promise<{ requestId: string; categoryId: number }>
  /**
   * Predicts the category of every image the user did not label from the labelled ones
   * (predict-rest.ts); what changed is in the result.
   */
  predictCategories(opts?: PredictRestOptions): Promise<PredictCategoriesResult>
  /**
   * The gallery-adapted space (space.ts): learned from the gallery's own pictures, measured on
   * them, switched on only when that measure says it helps; reversible.
   */
  readonly spaces: Spaces
}

export interface StoredVectorRow {
  rowId: number
  productId: string
  picName: string
  vector: Float32Array
}

export const DEFAULT_CAPACITY = 100_000

export async function createLocalEngine(opts: LocalEngineOptions): Promise<LocalEngine> {
  const dir = path.resolve(opts.dir)
  ensurePrivateDir(dir)
  const featurizer = opts.featurizer
  const serviceType = opts.serviceType ?? 'product'
  const batchRoot = path.resolve(opts.batchRoot ?? path.join(dir, '..', 'batch'))
  const capacity = checkCapacity(opts.capacity ?? DEFAULT_CAPACITY)
  const throttle = new Throttle(opts.qps ?? 0)

  const unlock = lockDir(dir)
  let store: Store
  try {
    store = new Store(path.join(dir, 'engine.db'))
  } catch (e) {
    unlock()
    throw e
  }
  let utcCreate = Number(store.getMeta('utc_create'))
  if (!utcCreate) {
    utcCreate = Date.now()
    store.setMeta('utc_create', String(utcCreate))
  }
  store.setMeta('featurizer_version', featurizer.version)
  store.setMeta('featurizer_dim', String(featurizer.dim))

  // ---- load the index -----------------------------------------------------------------------
  const index = new VectorIndex(featurizer.dim, Math.max(1024, store.count()), {
    // Above 256 dimensions vectors are held as int8: the best hits are re-scored with the exact
    // float32 vectors from the store.
    refine: {
      window: 48,
      vectors: (ids) =>
        ids.map((id) => {
          const v = store.vector(id)
          return v && v.version === featurizer.version ? toSpace(ctx, v.vector) : null
        }),
    },
  })
  const ctx: EngineContext = {
    dir,
    name: opts.name,
    store,
    index,
    featurizer,
    serviceType,
    isProduct: serviceType === 'product',
    batchRoot,
    fileUrl: opts.fileUrl ?? ((abs: string) => pathToFileURL(abs).href),
    log: opts.log ?? (() => {}),
    capacity,
    closed: false,
    rerank: opts.rerank === false ? null : (opts.rerank ?? RERANK),
    space: null,
    switching: null,
  }
  // The gallery-adapted space switched on last time (space.ts), if it fits this featurizer.
  let spaces: Spaces
  try {
    spaces = createSpaces(ctx)
    ctx.space = spaces.opening()
  } catch (e) {
    index.close()
    store.close()
    unlock()
    throw e
  }
  // In slices that give way to the event loop (see loadIndex): other calls of the core are
  // answered meanwhile; this engine's own callers wait for it (it is returned once loaded).
  let stale = 0
  try {
    ;({ stale } = await loadIndex(store, index, {
      version: featurizer.version,
      dim: featurizer.dim,
      onProgress: opts.onLoad,
      sliceMs: opts.loadSliceMs,
      transform: (v) => toSpace(ctx, v),
    }))
  } catch (e) {
    index.close()
    store.close()
    unlock()
    throw e
  }

  const writes = createWrites(ctx)
  const search = createSearch(ctx, throttle)
  const background = createBackground(ctx, { stale, writes })
  const tasks = createTasksApi(ctx, background)
  background.resume()

  const engine: LocalEngine = {
    kind: 'local',
    dir,
    batchRoot,

    setCapacity(n: number) {
      ctx.capacity = checkCapacity(n)
    },
    setQps(n: number) {
      throttle.qps = n
    },
    reindexStatus: () => background.reindexStatus(),
    whenIdle: () => background.whenIdle(),
    storedPicture(productId: string, picName: string) {
      if (ctx.closed) return null
      const id = store.idOf(productId, picName)
      return id === null ? null : (store.source(id)?.bytes ?? null)
    },
    storedSource(productId: string, picName: string) {
      if (ctx.closed) return null
      const id = store.idOf(productId, picName)
      return id === null ? null : store.source(id)
    },
    listImages(afterId: number, limit: number) {
      if (ctx.closed) return []
      return store.select('id > ?', [afterId], limit, 0)
    },

    descriptor: { version: featurizer.version, dim: featurizer.dim },
    vectorPage(afterId: number, limit: number) {
      if (ctx.closed) return []
      return store.vectorRows(afterId, featurizer.version, limit).map((r) => ({
        rowId: r.id,
        productId: r.productId,
        picName: r.picName,
        vector: blobToVector(r.vector),
      }))
    },

    setCategory: (req) => op(ctx, async (requestId) => ({ requestId, ...writes.setCategory(req) })),
    predictCategories: (o) => op(ctx, () => predictRest(ctx, o)),
    spaces,

    addImage: (req) => op(ctx, (id) => writes.addImage(id, req)),
    updateImage: (req) => op(ctx, (id) => writes.updateImage(id, req)),
    deleteImage: (req) => op(ctx, (id) => writes.deleteImage(id, req)),
    checkImageExists: (req) => op(ctx, (id) => writes.checkImageExists(id, req)),

    searchImageByPic: (req) => op(ctx, (id) => search.searchImageByPic(id, req)),
    searchImageByName: (req) => op(ctx, (id) => search.searchImageByName(id, req)),
    searchImageByFilter: (req) => op(ctx, (id) => search.searchImageByFilter(id, req)),
    searchImageByText: (req) => op(ctx, (id) => search.searchImageByText(id, req)),
    compareSimilarByImage: (req) => op(ctx, (id) => search.compareSimilarByImage(id, req)),

    detail: () =>
      op(ctx, async (requestId): Promise<DetailResult> => ({
        requestId,
        instance: {
          name: opts.name,
          capacity: ctx.capacity,
          totalCount: store.count(),
          qps: throttle.qps,
          region: 'local',
          serviceType,
          utcCreate,
          utcExpireTime: null,
        },
      })),

    dumpMeta: () => op(ctx, (id) => tasks.dumpMeta(id)),
    dumpMetaList: (req) => op(ctx, (id) => tasks.dumpMetaList(id, req)),
    increaseInstance: (req) => op(ctx, (id) => tasks.increaseInstance(id, req)),
    increaseList: (req) => op(ctx, (id) => tasks.increaseList(id, req)),

    async close() {
      if (ctx.closed) return
      ctx.closed = true
      index.close()
      await background.close()
      store.close()
      unlock()
    },
  }
  return engine
}
