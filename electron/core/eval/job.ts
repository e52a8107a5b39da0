/**
 * The `quality-eval` job kind: one item per query × profile. Each item waits for a token of its
 * own profile's `search` limiter (the queue's, shared with every other job of that profile, so a
 * run keeps to the profile's QPS even beside a bulk add), searches the query picture through the
 * same path as the Search view (imaging's preparation, the region mapped back), finds the expected
 * product's rank, tells why it failed where it can (diagnose.ts) and writes the row into the
 * profile's eval store. A query whose search fails for good is a failed row with the error (a
 * retryable error is left to the queue's retries). Resumable as every job: a row is written once
 * its item is done, and the queue never redoes a done item.
 */

import type { EvalHit, EvalOptions, TestQuery } from '../../api/domains/eval'
import type { SearchResult } from '../../api/schemas'
import type { Gallery } from '../gallery/index'
import type { GalleryImage } from '../gallery/types'
import type { RateLimiter } from '../jobs/limiter'
import { classifyError, DEFAULT_RETRY, toItemError } from '../jobs/retry'
import type { JobHandler } from '../jobs/types'
import { commonCategory, diagnose } from './diagnose'
import type { EvalStores, RowOutcome } from './store'

export const EVAL_KIND = 'quality-eval'

export interface EvalItem {
  runId: string
  profile: string
  query: TestQuery & { source: string }
}

export interface EvalParams {
  runId: string
  profiles: string[]
  options: EvalOptions
}

export interface SearchRequest {
  profile: string
  image: { path: string }
  crop: boolean
  region?: string
  categoryId?: number
  filter?: string
  num: number
}

export interface EvalJobDeps {
  stores: EvalStores
  /** A search by picture (the image service's, as the Search view does it). */
  search(req: SearchRequest): Promise<SearchResult>
  /**
   * Gets the profile's engine ready before the first search (the local engine's index and picture
   * model load in seconds on a cold start): a latency figure measures searches, not that load.
   */
  warm?(profile: string): Promise<void>
  /** The queue's limiter of a profile's searches. */
  limiter(profile: string): RateLimiter
  /** The profile's gallery cache, or null when it cannot be opened. */
  gallery(profile: string): Gallery | null
  /**
   * Whether the profile's cache holds every picture of its gallery (a local engine's: every write
   * goes through it), so a product it does not know is not in the gallery. A cloud profile's cache
   * holds what Loupe added or imported: a product missing there may still be in the instance.
   */
  cacheComplete(profile: string): boolean
  now?: () => number
}

const DENIED = 'DeniedRequest'

export function evalHandler(d: EvalJobDeps): JobHandler<EvalItem, { rank: number | null }, void> {
  const now = d.now ?? (() => performance.now())

  /**
   * One search at the profile's QPS (denials slow its limiter down), timed from the moment its
   * token was given: the wait for the QPS is not the engine's latency. `calls` counts the calls
   * really made (a wait ended by a pause is none).
   */
  async function search(
    req: SearchRequest,
    signal: AbortSignal,
    calls: { n: number },
  ): Promise<{ res: SearchResult; ms: number }> {
    const lim = d.limiter(req.profile)
    await lim.acquire(signal)
    calls.n++
    const t0 = now()
    try {
      const res = await d.search(req)
      lim.onSuccess()
      return { res, ms: now() - t0 }
    } catch (e) {
      if ((e as { code?: unknown }).code === DENIED) lim.onDenied()
      throw e
    }
  }

  return {
    opClass: () => 'none',
    async prepare(item) {
      // Once per profile and process in effect (the engine and the model stay loaded); a failure
      // here is left to the search, which reports it on the row.
      await d.warm?.(item.payload.profile).catch(() => {})
    },
    async run(item, ctx) {
      const { runId, profile, query } = item.payload
      const opts = (ctx.params as EvalParams).options
      const store = d.stores.get(profile)
      const req: SearchRequest = {
        profile,
        image: { path: query.source },
        crop: query.region ? false : opts.crop,
        num: opts.num,
        ...(query.region ? { region: query.region } : {}),
        ...((query.categoryId ?? opts.categoryId) !== undefined
          ? { categoryId: query.categoryId ?? opts.categoryId }
          : {}),
        ...((query.filter ?? opts.filter) ? { filter: query.filter ?? opts.filter } : {}),
      }
      // Calls made by earlier attempts (retried errors, a failed row retried) count too.
      const calls = { n: store.row(runId, query.index)?.apiCalls ?? 0 }
      let res: SearchResult
      let latencyMs: number
      try {
        ;({ res, ms: latencyMs } = await search(req, ctx.signal, calls))
      } catch (e) {
        const cls = classifyError(e)
        const final =
          cls === 'invalid' || (cls !== 'fatal' && ctx.attempt >= DEFAULT_RETRY.maxAttempts)
        if (final) store.record(runId, query.index, failedRow(toItemError(e), calls.n))
        else store.setCalls(runId, query.index, calls.n)
        throw e
      }
      const top: EvalHit[] = res.auctions.map((a) => ({
        productId: a.productId,
        picName: a.picName,
        score: a.score,
        categoryId: a.categoryId,
      }))
      const rank = rankOf(top, query.productId)

      const g = d.gallery(profile)
      const expectedPictures = g ? picturesOf(g, query.productId, d.cacheComplete(profile)) : null
      const firstPicture = top[0] && g ? g.get(top[0].productId, top[0].picName) : null
      const expectedCategory = query.categoryId ?? commonCategory(expectedPictures ?? [])
      const detectedRegion = res.original?.region ?? res.picInfo?.region ?? null

      // Crop on and not first: does the whole picture find it? (one more search, counted)
      let uncroppedRank: number | null | undefined
      if (rank !== 1 && req.crop && (expectedPictures?.length ?? 1) > 0) {
        try {
          const whole = await search({ ...req, crop: false }, ctx.signal, calls)
          uncroppedRank = rankOf(whole.res.auctions, query.productId)
        } catch {
          /* no diagnosis: the row is still worth recording */
        }
      }
      const why = diagnose({
        expectedProduct: query.productId,
        rank,
        top,
        expectedPictures,
        firstPicture,
        detectedCategory: res.picInfo?.categoryId ?? null,
        expectedCategory,
        uncroppedRank,
        detectedRegion,
      })
      const expected = expectedPictures?.[0]
      store.record(runId, query.index, {
        state: 'done',
        rank,
        top,
        latencyMs,
        apiCalls: calls.n,
        error: null,
        reason: why?.reason ?? null,
        reasonDetail: why?.detail ?? null,
        detected: { categoryId: res.picInfo?.categoryId ?? null, region: detectedRegion },
        expected: expected ? { productId: expected.productId, picName: expected.picName } : null,
        expectedCategory,
      })
      return { rank }
    },
    describe: (item) => ({
      productId: item.payload.query.productId,
      source: item.payload.query.source,
    }),
  }
}

function rankOf(top: { productId: string }[], productId: string): number | null {
  const i = top.findIndex((h) => h.productId === productId)
  return i < 0 ? null : i + 1
}

/**
 * The product's pictures in the cache; null when the cache cannot tell that it has none (an
 * incomplete cache that knows no picture at all: a cloud profile's never filled).
 */
function picturesOf(g: Gallery, productId: string, complete: boolean): GalleryImage[] | null {
  try {
    const items = g.query({ productId, limit: 50 }).items
    return items.length || complete || g.query({ limit: 1 }).total > 0 ? items : null
  } catch {
    return null
  }
}

function failedRow(error: { code: string; message: string }, apiCalls: number): RowOutcome {
  return {
    state: 'failed',
    rank: null,
    top: [],
    latencyMs: null,
    apiCalls,
    error,
    reason: null,
    reasonDetail: null,
    detected: { categoryId: null, region: null },
    expected: null,
    expectedCategory: null,
  }
}
