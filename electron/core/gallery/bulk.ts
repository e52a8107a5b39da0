import type { ApiError } from '../../api/errors'
import { toApiError } from '../../api/dispatch'
import { AbortedError, RateLimiter } from '../jobs/limiter'
import { Coalescer } from '../jobs/progress'
import { backoffDelay, classifyError, errorCode, errorMessage } from '../jobs/retry'
import { sleep } from '../util/sleep'
import type { ImageKey } from './types'

/**
 * Runs one engine call per image of a selection, in this call (no job queue): a few at a time,
 * paced by the profile's rate limiter, retrying throttling and transient network errors with
 * backoff, stopping at once on an error every other image would hit too (credentials, quota) or
 * when the engine stays unreachable. Progress is coalesced to at most 10 updates a second.
 */

export interface BulkItemFailure extends ImageKey {
  code: string
  message: string
}

export interface BulkOutcome {
  total: number
  done: number
  failed: number
  skipped: number
  failures: BulkItemFailure[]
  stopped: ApiError | null
  cancelled: boolean
}

export interface BulkRunOptions {
  keys: ImageKey[]
  run: (key: ImageKey) => Promise<void>
  limiter: RateLimiter
  signal: AbortSignal
  onProgress: (done: number, total: number) => void
  concurrency?: number
  /** Attempts per image for throttling / transient errors (default 5). */
  attempts?: number
  redact?: (t: string) => string
}

const MAX_FAILURES = 100

export async function runBulk(o: BulkRunOptions): Promise<BulkOutcome> {
  const total = o.keys.length
  const out: BulkOutcome = {
    total,
    done: 0,
    failed: 0,
    skipped: 0,
    failures: [],
    stopped: null,
    cancelled: false,
  }
  const attempts = o.attempts ?? 5
  const redact = o.redact ?? ((t: string) => t)
  const progress = new Coalescer(100, () => o.onProgress(out.done + out.failed, total))
  const stop = new AbortController()
  const onAbort = () => stop.abort()
  o.signal.addEventListener('abort', onAbort, { once: true })
  let next = 0

  async function one(key: ImageKey): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      await o.limiter.acquire(stop.signal)
      try {
        await o.run(key)
        o.limiter.onSuccess()
        out.done++
        return
      } catch (e) {
        const cls = classifyError(e)
        if (cls === 'throttled') o.limiter.onDenied()
        const retry = (cls === 'throttled' || cls === 'transient') && attempt < attempts
        if (retry) {
          await sleep(backoffDelay(attempt), stop.signal)
          if (stop.signal.aborted) throw new AbortedError()
          continue
        }
        if (cls === 'fatal' || cls === 'transient' || cls === 'throttled') {
          // Every other image would fail the same way: stop, report why.
          out.stopped ??= toApiError(e, redact)
          stop.abort()
          throw new AbortedError()
        }
        out.failed++
        if (out.failures.length < MAX_FAILURES) {
          out.failures.push({
            productId: key.productId,
            picName: key.picName,
            code: errorCode(e),
            message: redact(errorMessage(e)).slice(0, 1000),
          })
        }
        return
      }
    }
  }

  async function worker(): Promise<void> {
    while (!stop.signal.aborted && next < total) {
      const key = o.keys[next++]
      try {
        await one(key)
      } catch (e) {
        if (e instanceof AbortedError || (e as Error).name === 'AbortError') {
          return
        }
        throw e
      }
      progress.request()
    }
  }

  try {
    const n = Math.max(1, Math.min(o.concurrency ?? 4, total))
    await Promise.all(Array.from({ length: n }, worker))
  } finally {
    o.signal.removeEventListener('abort', onAbort)
    progress.cancel()
  }
  out.cancelled = o.signal.aborted && !out.stopped
  out.skipped = total - out.done - out.failed
  return out
}
