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
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { ALL_CATEGORIES, OTHER_CATEGORY_ID } from '../categories'
import { EngineError } from '../errors'
import type {
  AddImageRequest,
  AddImageResult,
  Auction,
  CheckImageExistsRequest,
  CheckImageExistsResult,
  CompareSimilarByImageRequest,
  CompareSimilarByImageResult,
  DeleteImageRequest,
  DeleteImageResult,
  DetailResult,
  DumpMetaListResult,
  DumpMetaResult,
  Engine,
  IncreaseInstanceRequest,
  IncreaseInstanceResult,
  IncreaseListRequest,
  IncreaseListResult,
  ListRequest,
  SearchImageByFilterRequest,
  SearchImageByNameRequest,
  SearchImageByPicRequest,
  SearchImageByTextRequest,
  SearchPicInfo,
  SearchResult,
  TaskStatus,
  UpdateImageRequest,
} from '../types'
import { taskFolder } from './batch-path'
import { KEEP_DUMP_TASKS, writeDump } from './dump'
import type { Box, Featurizer } from './featurizer/types'
import { filterToSql, parseFilter, type FilterAst } from './filter'
import { IncreaseRunner } from './increase'
import { formatRegion, makeSource, parseRegion, probePicture } from './picture'
import { entryOf, loadIndex } from './load-index'
import { IMAGE_FILTER_COLUMNS, Store, type ImageRow } from './store'
import {
  LIMITS,
  badRequest,
  cleanAttributes,
  cleanFilterText,
  cleanPaging,
  cleanSearchOptions,
  optionalBool,
  optionalString,
  requireString,
} from './validate'
import { VectorIndex } from './vector-index'
import { isAlive } from '../../util/process'

export { LOCAL_BUCKET } from './batch-path'

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
}

export interface ReindexStatus {
  /** Featurizer version the index is built with. */
  version: string
  dim: number
  /** Images whose vectors come from another featurizer version and are being recomputed. */
  pending: number
  /** Images that cannot be recomputed (no stored source); they are left out of searches. */
  unrecoverable: number
  running: boolean
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
}

export const DEFAULT_CAPACITY = 100_000

/** A request id shaped like the cloud's (uppercase UUID). */
export function newRequestId(): string {
  return crypto.randomUUID().toUpperCase()
}

const MAX_SORT_EXPR: Record<string, number> = {
  high: 7.33136443711219e24,
  low: 5.37633353624177e24,
}

export async function createLocalEngine(opts: LocalEngineOptions): Promise<LocalEngine> {
  const dir = path.resolve(opts.dir)
  fs.mkdirSync(dir, { recursive: true })
  const featurizer = opts.featurizer
  const serviceType = opts.serviceType ?? 'product'
  const isProduct = serviceType === 'product'
  const batchRoot = path.resolve(opts.batchRoot ?? path.join(dir, '..', 'batch'))
  const fileUrl = opts.fileUrl ?? ((abs: string) => pathToFileURL(abs).href)
  const log = opts.log ?? (() => {})
  let capacity = checkCapacity(opts.capacity ?? DEFAULT_CAPACITY)
  let qps = checkQps(opts.qps ?? 0)

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
          return v && v.version === featurizer.version ? v.vector : null
        }),
    },
  })
  // In slices that give way to the event loop (see loadIndex): other calls of the core are
  // answered meanwhile; this engine's own callers wait for it (it is returned once loaded).
  let stale = 0
  try {
    ;({ stale } = await loadIndex(store, index, {
      version: featurizer.version,
      dim: featurizer.dim,
      onProgress: opts.onLoad,
      sliceMs: opts.loadSliceMs,
    }))
  } catch (e) {
    index.close()
    store.close()
    unlock()
    throw e
  }

  let closed = false
  const background = new Set<Promise<unknown>>()
  const track = <T>(p: Promise<T>): Promise<T> => {
    background.add(p)
    p.finally(() => background.delete(p)).catch(() => {})
    return p
  }

  // ---- QPS ------------------------------------------------------------------------------------
  const recent: number[] = []
  function throttle() {
    if (qps <= 0) return
    const now = Date.now()
    while (recent.length && now - recent[0] >= 1000) recent.shift()
    if (recent.length >= qps) {
      throw new EngineError(
        'DeniedRequest',
        'Your request was denied due to instance flow control.',
        {
          hint: `The instance allows ${qps} searches per second.`,
        },
      )
    }
    recent.push(now)
  }

  // ---- helpers ----------------------------------------------------------------------------------
  async function op<T>(fn: (requestId: string) => Promise<T>): Promise<T> {
    const requestId = newRequestId()
    if (closed)
      throw new EngineError('InstanceStatusError', 'The local engine is closed.', {
        httpStatus: 409,
        requestId,
      })
    try {
      return await fn(requestId)
    } catch (e) {
      throw withRequestId(e, requestId)
    }
  }

  function checkVector(v: Float32Array): Float32Array {
    if (v.length !== featurizer.dim) {
      throw new EngineError(
        'InternalError',
        `The featurizer returned ${v.length} dimensions but declares ${featurizer.dim}.`,
      )
    }
    return v
  }

  /** Category prediction: score-weighted vote of the nearest neighbours' categories. */
  function predictCategory(vec: Float32Array): number {
    if (!isProduct || index.size === 0) return OTHER_CATEGORY_ID
    const { hits } = index.search({ query: vec, k: 10 })
    const votes = new Map<number, number>()
    let total = 0
    for (const h of hits) {
      const w = Math.max(0, h.sim) ** 2
      const c = index.categoryOf(h.rowId)!
      votes.set(c, (votes.get(c) ?? 0) + w)
      total += w
    }
    let best = OTHER_CATEGORY_ID
    let bestW = 0
    for (const [c, w] of votes) if (w > bestW) [best, bestW] = [c, w]
    if (total <= 0 || bestW / total < 0.5 || (hits[0]?.sim ?? 0) < 0.5) return OTHER_CATEGORY_ID
    return best
  }

  /** The box to describe for a picture: a given region wins, else the main subject when cropping. */
  async function subjectOf(
    bytes: Buffer,
    width: number,
    height: number,
    crop: boolean,
    region: string | undefined,
    wantAll: boolean,
  ): Promise<{ box: Box | null; all: Box[] }> {
    if (serviceType === 'fabric') return { box: null, all: [] }
    if (region !== undefined && region !== '')
      return { box: parseRegion(region, width, height), all: [] }
    if (!crop) return { box: null, all: [] }
    const det = await featurizer.detect(bytes)
    const box = det.main ?? { x1: 0, x2: width, y1: 0, y2: height }
    return { box, all: wantAll ? det.all : [] }
  }

  function auctionOf(r: ImageRow, sim: number): Auction {
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

  interface RankOptions {
    start: number
    num: number
    categoryId?: number
    filter?: string
    distinctProductId: boolean
    scoreThreshold?: number
  }

  function rank(vec: Float32Array, o: RankOptions, ast: FilterAst | null) {
    const { hits, matched } = index.search({
      query: vec,
      k: o.start + o.num,
      filter: ast,
      categoryId: isProduct ? o.categoryId : undefined,
      distinctProduct: o.distinctProductId,
      minSim: o.scoreThreshold && o.scoreThreshold > 0 ? o.scoreThreshold : undefined,
    })
    const page = hits.slice(o.start, o.start + o.num)
    const auctions: Auction[] = []
    for (const h of page) {
      const r = store.getById(h.rowId)
      if (r) auctions.push(auctionOf(r, h.sim))
    }
    return { auctions, matched }
  }

  function parseOptionalFilter(text: string | undefined): FilterAst | null {
    return text === undefined ? null : parseFilter(text)
  }

  function requireExisting(productId: string, picName: string): ImageRow {
    const row = store.get(productId, picName)
    if (!row) {
      throw badRequest(
        `The image ProductId "${productId}", PicName "${picName}" does not exist in the instance.`,
        'Check the ProductId and PicName, or add the image first.',
      )
    }
    return row
  }

  function removeIds(ids: { id: number; picName: string }[]): string[] {
    store.tx(() => {
      for (const { id } of ids) store.deleteById(id)
    })
    for (const { id } of ids) index.remove(id)
    return ids.map((x) => x.picName)
  }

  // ---- add (shared by AddImage and batch tasks) ----------------------------------------------
  async function add(req: AddImageRequest) {
    const productId = requireString(req?.productId, 'ProductId', LIMITS.productId)
    const picName = requireString(req.picName, 'PicName', LIMITS.picName)
    const attrs = cleanAttributes(req)
    const crop = optionalBool(req.crop, 'Crop') ?? true
    const region = optionalString(req.region, 'Region', 100)
    const info = await probePicture(req.picContent, serviceType, 'PicContent', 'NoSpecifiedPic')
    const exists = () => store.idOf(productId, picName) !== null
    if (!exists() && store.count() >= capacity) throw overQuota(capacity)
    const { box } = await subjectOf(info.bytes, info.width, info.height, crop, region, false)
    const emb = await featurizer.embed(info.bytes, box)
    const vec = checkVector(emb.vector)
    const categoryId = isProduct ? (attrs.categoryId ?? predictCategory(vec)) : OTHER_CATEGORY_ID
    const source = await makeSource(info.bytes, info)
    if (closed)
      throw new EngineError('InstanceStatusError', 'The local engine is closed.', {
        httpStatus: 409,
      })
    const regionText = box ? formatRegion(box) : null
    const row = {
      productId,
      picName,
      categoryId,
      customContent: attrs.customContent ?? null,
      intAttr: attrs.intAttr ?? null,
      intAttr2: attrs.intAttr2 ?? null,
      intAttr3: attrs.intAttr3 ?? null,
      intAttr4: attrs.intAttr4 ?? null,
      strAttr: attrs.strAttr ?? null,
      strAttr2: attrs.strAttr2 ?? null,
      strAttr3: attrs.strAttr3 ?? null,
      strAttr4: attrs.strAttr4 ?? null,
      region: regionText,
      width: info.width,
      height: info.height,
    }
    const id = store.tx(() => {
      // Checked again here: other adds may have landed while this one was being described.
      if (!exists() && store.count() >= capacity) throw overQuota(capacity)
      return store.upsert({ ...row, vector: vec, fversion: featurizer.version, source }, Date.now())
    })
    index.upsert({ rowId: id, ...row }, vec)
    return { categoryId, region: regionText }
  }

  async function removeByKey(productId: string, picName: string | undefined): Promise<string[]> {
    if (picName !== undefined && picName !== '') {
      const id = store.idOf(productId, picName)
      return id === null ? [] : removeIds([{ id, picName }])
    }
    return removeIds(store.idsByProduct(productId))
  }

  // ---- background work: dumps, batch tasks, re-index ------------------------------------------
  const dumpDir = path.join(dir, 'dumps')
  function startDump(id: number) {
    const file = path.join(dumpDir, `meta-${id}.jsonl`)
    const run = (async () => {
      await new Promise((r) => setImmediate(r))
      try {
        const lines = await writeDump(store, file, () => closed)
        store.finishDumpTask(id, 'SUCCESS', '0', `success (${lines} images)`, file, Date.now())
        pruneDumps()
      } catch (e) {
        if (closed) return
        log(`dump task ${id} failed`, e)
        store.finishDumpTask(id, 'FAIL', 'UnknownException', (e as Error).message, null, Date.now())
        pruneDumps()
      }
    })()
    track(run)
  }

  function pruneDumps() {
    for (const t of store.oldDumpTasks(KEEP_DUMP_TASKS)) {
      if (t.status === 'PROCESSING') continue
      if (t.file) fs.rmSync(t.file, { force: true })
      store.deleteDumpTask(t.id)
    }
  }

  const increase = new IncreaseRunner({
    store,
    batchRoot,
    errorDir: path.join(dir, 'increase'),
    instanceName: opts.name,
    add: async (req) => {
      await add(req)
    },
    remove: async (productId, picName) => {
      requireString(productId, 'ProductId', LIMITS.productId)
      await removeByKey(productId, picName)
    },
    fileUrl,
    log,
  })

  let reindexRunning: Promise<void> | null = null
  let unrecoverable = 0
  function startReindex() {
    if (reindexRunning || stale === 0) return
    reindexRunning = (async () => {
      for (const id of store.staleIds(featurizer.version)) {
        if (closed) return
        const src = store.source(id)
        const row = store.getById(id)
        if (!row) continue
        if (!src) {
          unrecoverable++
          continue
        }
        try {
          const box = row.region ? parseRegion(row.region, row.width, row.height) : null
          const scaled = box
            ? {
                x1: Math.floor(box.x1 * src.scale),
                x2: Math.max(Math.floor(box.x1 * src.scale) + 1, Math.round(box.x2 * src.scale)),
                y1: Math.floor(box.y1 * src.scale),
                y2: Math.max(Math.floor(box.y1 * src.scale) + 1, Math.round(box.y2 * src.scale)),
              }
            : null
          const emb = await featurizer.embed(src.bytes, scaled)
          if (closed) return
          const vec = checkVector(emb.vector)
          store.setVector(id, vec, featurizer.version, row.region)
          index.upsert(entryOf(row), vec)
          stale--
        } catch (e) {
          unrecoverable++
          log(`re-index of image ${id} failed`, e)
        }
      }
    })().finally(() => {
      reindexRunning = null
    })
    track(reindexRunning)
  }

  // Resume what a previous run left behind.
  for (const t of store.dumpTasks({}, 1000, 0)) if (t.status === 'PROCESSING') startDump(t.id)
  for (const id of store.pendingIncreaseTasks()) increase.enqueue(id)
  startReindex()

  const engine: LocalEngine = {
    kind: 'local',
    dir,
    batchRoot,

    setCapacity(n: number) {
      capacity = checkCapacity(n)
    },
    setQps(n: number) {
      qps = checkQps(n)
    },
    reindexStatus() {
      return {
        version: featurizer.version,
        dim: featurizer.dim,
        pending: Math.max(0, stale - unrecoverable),
        unrecoverable,
        running: reindexRunning !== null,
      }
    },
    async whenIdle() {
      for (;;) {
        await increase.whenIdle()
        await index.idle()
        if (background.size === 0) return
        await Promise.allSettled([...background])
      }
    },
    storedPicture(productId: string, picName: string) {
      if (closed) return null
      const id = store.idOf(productId, picName)
      return id === null ? null : (store.source(id)?.bytes ?? null)
    },

    addImage: (req) =>
      op(async (requestId): Promise<AddImageResult> => {
        const picInfo = await add(req)
        return { requestId, picInfo }
      }),

    updateImage: (req: UpdateImageRequest) =>
      op(async (requestId) => {
        const productId = requireString(req?.productId, 'ProductId', LIMITS.productId)
        const picName = requireString(req.picName, 'PicName', LIMITS.picName)
        const attrs = cleanAttributes(req)
        const row = requireExisting(productId, picName)
        const patch: Record<string, unknown> = {}
        for (const [k, v] of Object.entries(attrs)) if (v !== undefined) patch[k] = v
        if (!isProduct) delete patch.categoryId
        store.patch(row.id, patch, Date.now())
        const updated = store.getById(row.id)!
        index.updateEntry(entryOf(updated))
        return { requestId }
      }),

    deleteImage: (req: DeleteImageRequest) =>
      op(async (requestId): Promise<DeleteImageResult> => {
        const byFilter = optionalBool(req?.isDeleteByFilter, 'IsDeleteByFilter') ?? false
        if (byFilter) {
          if (req.filter !== undefined && typeof req.filter !== 'string')
            throw badRequest('Filter must be a string.')
          const text = cleanFilterText(req.filter)
          if (text === undefined)
            throw badRequest('Filter is required when IsDeleteByFilter is true.')
          const { sql, params } = filterToSql(parseFilter(text), IMAGE_FILTER_COLUMNS)
          const picNames = removeIds(store.idsWhere(sql, params))
          return { requestId, picNames }
        }
        const productId = requireString(req?.productId, 'ProductId', LIMITS.productId)
        const picName = optionalString(req.picName, 'PicName', LIMITS.picName)
        const picNames = await removeByKey(productId, picName)
        return { requestId, picNames }
      }),

    checkImageExists: (req: CheckImageExistsRequest) =>
      op(async (requestId): Promise<CheckImageExistsResult> => {
        const productId = requireString(req?.productId, 'ProductId', LIMITS.productId)
        const picName = requireString(req.picName, 'PicName', LIMITS.picName)
        return { requestId, exist: store.idOf(productId, picName) !== null }
      }),

    searchImageByPic: (req: SearchImageByPicRequest) =>
      op(async (requestId): Promise<SearchResult> => {
        const t0 = performance.now()
        const o = cleanSearchOptions(req ?? {})
        const crop = optionalBool(req.crop, 'Crop') ?? true
        const region = optionalString(req.region, 'Region', 100)
        const ast = parseOptionalFilter(o.filter)
        throttle()
        const info = await probePicture(
          req.picContent,
          serviceType,
          'PicContent',
          'NoSpecifiedSearchPic',
        )
        const { box, all } = await subjectOf(
          info.bytes,
          info.width,
          info.height,
          crop,
          region,
          true,
        )
        const emb = await featurizer.embed(info.bytes, box)
        const vec = checkVector(emb.vector)
        const categoryId = isProduct ? (o.categoryId ?? predictCategory(vec)) : OTHER_CATEGORY_ID
        const { auctions, matched } = rank(vec, o, ast)
        const picInfo: SearchPicInfo = {
          categoryId,
          region: box ? formatRegion(box) : null,
          allCategories: ALL_CATEGORIES.map((c) => ({ ...c })),
          multiRegion: all.map(formatRegion),
        }
        return {
          requestId,
          auctions,
          head: {
            docsFound: matched,
            docsReturn: auctions.length,
            searchTime: Math.round(performance.now() - t0),
          },
          picInfo,
        }
      }),

    searchImageByName: (req: SearchImageByNameRequest) =>
      op(async (requestId): Promise<SearchResult> => {
        const t0 = performance.now()
        const productId = requireString(req?.productId, 'ProductId', LIMITS.productId)
        const picName = requireString(req.picName, 'PicName', LIMITS.picName)
        const o = cleanSearchOptions(req)
        const ast = parseOptionalFilter(o.filter)
        throttle()
        const row = requireExisting(productId, picName)
        const stored = store.vector(row.id)
        const vec =
          stored && stored.version === featurizer.version && index.has(row.id)
            ? checkVector(stored.vector)
            : null
        if (!vec) {
          throw new EngineError(
            'AccessEngineFailed',
            `The image ProductId "${productId}", PicName "${picName}" is being re-indexed for the new featurizer; try again shortly.`,
            { hint: 'The local engine is recomputing vectors after a featurizer upgrade.' },
          )
        }
        const { auctions, matched } = rank(vec, o, ast)
        return {
          requestId,
          auctions,
          head: {
            docsFound: matched,
            docsReturn: auctions.length,
            searchTime: Math.round(performance.now() - t0),
          },
          picInfo: {
            categoryId: isProduct ? (o.categoryId ?? row.categoryId) : OTHER_CATEGORY_ID,
            region: row.region,
            allCategories: ALL_CATEGORIES.map((c) => ({ ...c })),
            multiRegion: [],
          },
        }
      }),

    searchImageByFilter: (req: SearchImageByFilterRequest) =>
      op(async (requestId): Promise<SearchResult> => {
        const t0 = performance.now()
        if (req?.filter !== undefined && typeof req.filter !== 'string')
          throw badRequest('Filter must be a string.')
        const text = cleanFilterText(req?.filter)
        if (text === undefined) throw badRequest('Filter is required.')
        const { start, num } = cleanPaging(req.num, req.start)
        const ast = parseFilter(text)
        throttle()
        const { sql, params } = filterToSql(ast, IMAGE_FILTER_COLUMNS)
        const total = store.countWhere(sql, params)
        const rows = store.select(sql, params, num, start)
        const auctions = rows.map((r) => ({ ...auctionOf(r, 0), sortExprValues: '' }))
        return {
          requestId,
          auctions,
          head: {
            docsFound: total,
            docsReturn: auctions.length,
            searchTime: Math.round(performance.now() - t0),
          },
          picInfo: null,
        }
      }),

    searchImageByText: (req: SearchImageByTextRequest) =>
      op(async (): Promise<SearchResult> => {
        void req
        throw new EngineError(
          'UnsupportedOperationType',
          'The specified action is not supported: SearchImageByText needs a text-image model, which the local engine does not have.',
          { hint: 'Search by image or by name, or use a cloud profile for search by text.' },
        )
      }),

    compareSimilarByImage: (req: CompareSimilarByImageRequest) =>
      op(async (requestId): Promise<CompareSimilarByImageResult> => {
        throttle()
        const a = await probePicture(
          req?.primaryPicContent,
          serviceType,
          'PrimaryPicContent',
          'NoSpecifiedPic',
        )
        const b = await probePicture(
          req.secondaryPicContent,
          serviceType,
          'SecondaryPicContent',
          'NoSpecifiedPic',
        )
        const sa = await subjectOf(a.bytes, a.width, a.height, true, undefined, false)
        const sb = await subjectOf(b.bytes, b.width, b.height, true, undefined, false)
        const [ea, eb] = await Promise.all([
          featurizer.embed(a.bytes, sa.box),
          featurizer.embed(b.bytes, sb.box),
        ])
        const va = checkVector(ea.vector)
        const vb = checkVector(eb.vector)
        let s = 0
        for (let i = 0; i < va.length; i++) s += va[i] * vb[i]
        return { requestId, score: Math.min(1, Math.max(0, s)) }
      }),

    detail: () =>
      op(async (requestId): Promise<DetailResult> => ({
        requestId,
        instance: {
          name: opts.name,
          capacity,
          totalCount: store.count(),
          qps,
          region: 'local',
          serviceType,
          utcCreate,
          utcExpireTime: null,
        },
      })),

    dumpMeta: () =>
      op(async (requestId): Promise<DumpMetaResult> => {
        const id = store.createDumpTask(Date.now())
        pruneDumps()
        startDump(id)
        return { requestId, dumpMetaStatus: 'PROCESSING', id }
      }),

    dumpMetaList: (req: ListRequest) =>
      op(async (requestId): Promise<DumpMetaListResult> => {
        const { pageNumber, pageSize, id } = cleanList(req ?? {}, 30)
        const where = { id }
        const rows = store.dumpTasks(where, pageSize, (pageNumber - 1) * pageSize)
        return {
          requestId,
          pageNumber,
          pageSize,
          totalCount: store.countDumpTasks(where),
          dumpMetaList: rows.map((t) => ({
            id: t.id,
            status: t.status,
            code: t.code,
            message: t.message,
            metaUrl: t.status === 'SUCCESS' && t.file ? fileUrl(t.file) : null,
            utcCreate: t.utcCreate,
            utcModified: t.utcModified,
          })),
        }
      }),

    increaseInstance: (req: IncreaseInstanceRequest) =>
      op(async (requestId): Promise<IncreaseInstanceResult> => {
        const bucketName = requireString(req?.bucketName, 'BucketName', 256)
        const p = requireString(req.path, 'Path', 1024)
        taskFolder(batchRoot, bucketName, p)
        const callback = optionalString(req.callbackAddress, 'CallbackAddress', 1024)
        if (callback !== undefined && callback !== '' && !/^https?:\/\//i.test(callback)) {
          throw badRequest('CallbackAddress must start with http:// or https://.')
        }
        const id = store.createIncreaseTask(bucketName, p, callback || null, Date.now())
        increase.enqueue(id)
        return { requestId, incrementStatus: 'PROCESSING', id }
      }),

    increaseList: (req: IncreaseListRequest) =>
      op(async (requestId): Promise<IncreaseListResult> => {
        const { pageNumber, pageSize, id } = cleanList(req ?? {}, 100)
        const where = {
          id,
          bucketName: optionalString(req?.bucketName, 'BucketName', 256) || undefined,
          path: optionalString(req?.path, 'Path', 1024) || undefined,
          status: cleanStatus(req?.status),
        }
        const rows = store.increaseTasks(where, pageSize, (pageNumber - 1) * pageSize)
        return {
          requestId,
          pageNumber,
          pageSize,
          totalCount: store.countIncreaseTasks(where),
          increments: rows.map((t) => ({
            id: t.id,
            bucketName: t.bucketName,
            path: t.path,
            status: t.status,
            code: t.code,
            message: t.message,
            errorUrl: t.errorFile ? fileUrl(t.errorFile) : null,
            callbackAddress: t.callbackAddress,
            utcCreate: t.utcCreate,
            utcModified: t.utcModified,
          })),
        }
      }),

    async close() {
      if (closed) return
      closed = true
      index.close()
      await increase.close()
      await Promise.allSettled([...background])
      store.close()
      unlock()
    },
  }
  return engine
}

const openDirs = new Set<string>()

/**
 * One engine per folder: the index lives in memory, so a second engine on the same files (in this
 * process or another) would drift from the first. A lock file holds the owner's pid; a stale one
 * (dead pid) is taken over.
 */
function lockDir(dir: string): () => void {
  const busy = (who: string) =>
    new EngineError('InstanceStatusError', `The local engine in ${dir} is already open ${who}.`, {
      httpStatus: 409,
      hint: 'Close the other Loupe window or server using this profile, or use another profile.',
    })
  if (openDirs.has(dir)) throw busy('in this process')
  const lock = path.join(dir, 'engine.lock')
  for (let attempt = 0; ; attempt++) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' })
      break
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0)
        throw busy('by another process')
      const pid = Number(fs.readFileSync(lock, 'utf8').trim())
      if (pid && pid !== process.pid && isAlive(pid)) throw busy(`by process ${pid}`)
      fs.rmSync(lock, { force: true })
    }
  }
  openDirs.add(dir)
  return () => {
    openDirs.delete(dir)
    fs.rmSync(lock, { force: true })
  }
}

function attributesOf(r: ImageRow) {
  const o: Partial<Auction> = {}
  if (r.intAttr !== null) o.intAttr = r.intAttr
  if (r.intAttr2 !== null) o.intAttr2 = r.intAttr2
  if (r.intAttr3 !== null) o.intAttr3 = r.intAttr3
  if (r.intAttr4 !== null) o.intAttr4 = r.intAttr4
  if (r.strAttr !== null) o.strAttr = r.strAttr
  if (r.strAttr2 !== null) o.strAttr2 = r.strAttr2
  if (r.strAttr3 !== null) o.strAttr3 = r.strAttr3
  if (r.strAttr4 !== null) o.strAttr4 = r.strAttr4
  return o
}

function overQuota(capacity: number): EngineError {
  return new EngineError(
    'InstanceOverQuota',
    `The number of items exceeds the limit: the instance holds at most ${capacity} images.`,
    { hint: 'Delete images or raise the local engine’s capacity in the profile settings.' },
  )
}

function checkCapacity(n: number): number {
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`Capacity must be a positive integer, got ${n}`)
  return n
}

function checkQps(n: number): number {
  if (!Number.isFinite(n) || n < 0)
    throw new RangeError(`QPS must be 0 (unlimited) or more, got ${n}`)
  return n
}

function cleanList(req: ListRequest, maxPageSize: number) {
  const int = (v: unknown, field: string, def: number, min: number, max: number) => {
    if (v === undefined || v === null) return def
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw badRequest(`${field} must be an integer from ${min} to ${max}, got ${String(v)}.`)
    }
    return v
  }
  return {
    pageNumber: int(req.pageNumber, 'PageNumber', 1, 1, 1_000_000),
    pageSize: int(req.pageSize, 'PageSize', 10, 1, maxPageSize),
    id:
      req.id === undefined || req.id === null
        ? undefined
        : int(req.id, 'Id', 0, 0, Number.MAX_SAFE_INTEGER),
  }
}

function cleanStatus(s: unknown): TaskStatus | undefined {
  if (s === undefined || s === null || s === '') return undefined
  if (s === 'PROCESSING' || s === 'SUCCESS' || s === 'FAIL') return s
  throw badRequest(`Status must be PROCESSING, SUCCESS or FAIL, got ${String(s)}.`)
}

function withRequestId(e: unknown, requestId: string): EngineError {
  if (e instanceof EngineError) {
    if (e.requestId) return e
    return new EngineError(e.code, e.message, {
      httpStatus: e.httpStatus,
      requestId,
      hint: e.hint,
      cause: e.cause,
    })
  }
  return new EngineError(
    'UnknownException',
    `An internal server error occurred: ${(e as Error)?.message ?? String(e)}`,
    {
      requestId,
      cause: e,
    },
  )
}
