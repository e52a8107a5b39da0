/** The local engine's searches: by picture, by name, by filter (by text: unsupported), compare. */
import { ALL_CATEGORIES, OTHER_CATEGORY_ID } from '../categories'
import { EngineError } from '../errors'
import type {
  CompareSimilarByImageRequest,
  CompareSimilarByImageResult,
  SearchImageByFilterRequest,
  SearchImageByNameRequest,
  SearchImageByPicRequest,
  SearchImageByTextRequest,
  SearchPicInfo,
  SearchResult,
} from '../types'
import { LruCache, contentHash } from '../../util/lru'
import { checkVector, type EngineContext } from './context'
import { describePicture, type Described } from './describe'
import { filterToSql, parseFilter, type FilterAst } from './filter'
import { formatRegion, probePicture } from './picture'
import { auctionOf, predictCategory, rank } from './ranking'
import { toSpace } from './space'
import { IMAGE_FILTER_COLUMNS } from './store'
import type { Throttle } from './throttle'
import {
  LIMITS,
  badRequest,
  cleanFilterText,
  cleanPaging,
  cleanSearchOptions,
  optionalBool,
  optionalString,
  requireString,
} from './validate'
import { requireExisting } from './writes'

function parseOptionalFilter(text: string | undefined): FilterAst | null {
  return text === undefined ? null : parseFilter(text)
}

/** Query descriptors kept for paging: a few hundred bytes each. */
const QUERY_CACHE = { maxEntries: 64, maxBytes: 1 << 20 }

export function createSearch(ctx: EngineContext, throttle: Throttle) {
  const { store, index, featurizer, serviceType, isProduct } = ctx

  /**
   * The descriptor of a search picture, by content hash: "load more" sends the same picture
   * again for every page, and its pages then reuse the descriptor (no probe, decode or embed).
   * Only pictures that were accepted are cached, so a hit would have passed every check again.
   */
  const queries = new LruCache<string, Described>({
    ...QUERY_CACHE,
    sizeOf: (d) => d.vector.byteLength + 64 * (d.all.length + 1),
  })
  async function queryOf(
    picContent: Buffer | undefined,
    crop: boolean,
    region: string | undefined,
  ): Promise<Described> {
    const key =
      picContent instanceof Uint8Array && picContent.length > 0
        ? `${await contentHash(picContent)}|${crop ? 1 : 0}|${region ?? ''}`
        : null
    const hit = key === null ? undefined : queries.get(key)
    if (hit) return hit
    const info = await probePicture(picContent, serviceType, 'PicContent', 'NoSpecifiedSearchPic')
    const d = await describePicture(ctx, info, crop, region, true)
    if (key !== null) queries.set(key, d)
    return d
  }

  return {
    async searchImageByPic(requestId: string, req: SearchImageByPicRequest): Promise<SearchResult> {
      const t0 = performance.now()
      const o = cleanSearchOptions(req ?? {})
      const crop = optionalBool(req.crop, 'Crop') ?? true
      const region = optionalString(req.region, 'Region', 100)
      const ast = parseOptionalFilter(o.filter)
      throttle.check()
      const described = await queryOf(req.picContent, crop, region)
      const { box, all } = described
      // Described queries are cached as plain vectors; the adapted space (if on) applies here.
      const vec = toSpace(ctx, described.vector)
      const predicted = isProduct && o.categoryId == null ? predictCategory(ctx, vec) : null
      const categoryId = isProduct ? (o.categoryId ?? predicted!.categoryId) : OTHER_CATEGORY_ID
      const { auctions, matched } = rank(ctx, vec, o, ast)
      const picInfo: SearchPicInfo = {
        categoryId,
        ...(predicted?.noLabelledNeighbours
          ? { categoryNote: 'noLabelledNeighbours' as const }
          : {}),
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
    },

    async searchImageByName(
      requestId: string,
      req: SearchImageByNameRequest,
    ): Promise<SearchResult> {
      const t0 = performance.now()
      const productId = requireString(req?.productId, 'ProductId', LIMITS.productId)
      const picName = requireString(req.picName, 'PicName', LIMITS.picName)
      const o = cleanSearchOptions(req)
      const ast = parseOptionalFilter(o.filter)
      throttle.check()
      const row = requireExisting(ctx, productId, picName)
      const stored = store.vector(row.id)
      const vec =
        stored && stored.version === featurizer.version && index.has(row.id)
          ? toSpace(ctx, checkVector(ctx, stored.vector))
          : null
      if (!vec) {
        throw new EngineError(
          'AccessEngineFailed',
          `The image ProductId "${productId}", PicName "${picName}" is being re-indexed for the new featurizer; try again shortly.`,
          { hint: 'The local engine is recomputing vectors after a featurizer upgrade.' },
        )
      }
      const { auctions, matched } = rank(ctx, vec, o, ast)
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
    },

    async searchImageByFilter(
      requestId: string,
      req: SearchImageByFilterRequest,
    ): Promise<SearchResult> {
      const t0 = performance.now()
      if (req?.filter !== undefined && typeof req.filter !== 'string')
        throw badRequest('Filter must be a string.')
      const text = cleanFilterText(req?.filter)
      if (text === undefined) throw badRequest('Filter is required.')
      const { start, num } = cleanPaging(req.num, req.start)
      const ast = parseFilter(text)
      throttle.check()
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
    },

    async searchImageByText(
      _requestId: string,
      req: SearchImageByTextRequest,
    ): Promise<SearchResult> {
      void req
      // The cloud's code for an action an instance cannot perform, with a 4xx status: the request,
      // not the server, is what cannot work here, and trying again never helps.
      throw new EngineError(
        'UnsupportedOperationType',
        'The specified action is not supported: SearchImageByText needs a text-image model, which the local engine does not have.',
        {
          httpStatus: 400,
          hint: 'Search by image or by name, or use a cloud profile for search by text.',
        },
      )
    },

    async compareSimilarByImage(
      requestId: string,
      req: CompareSimilarByImageRequest,
    ): Promise<CompareSimilarByImageResult> {
      throttle.check()
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
      // Both at once; a failure of the primary picture is reported first, as before.
      const [da, db] = await Promise.allSettled([
        describePicture(ctx, a, true, undefined, false),
        describePicture(ctx, b, true, undefined, false),
      ])
      if (da.status === 'rejected') throw da.reason
      if (db.status === 'rejected') throw db.reason
      // Scored in the space the searches use (the adapted space, if on).
      const va = toSpace(ctx, da.value.vector)
      const vb = toSpace(ctx, db.value.vector)
      let s = 0
      for (let i = 0; i < va.length; i++) s += va[i] * vb[i]
      return { requestId, score: Math.min(1, Math.max(0, s)) }
    },
  }
}
