/**
 * The queue's workers: for each running job, `concurrency` workers claim its pending items one at
 * a time, run the kind's handler (`prepare`, then a rate-limiter token, then `run`) and record
 * each outcome — done, skipped, failed, or back to pending for a retry with backoff; an error
 * every item would hit pauses the job, a `JobFailure` fails it. The queue (queue.ts) owns the
 * jobs, their states and events; this file owns what happens while a job runs.
 */

import { AbortedError, type RateLimiter } from './limiter'
import type { RateWindow } from './progress'
import { backoffDelay, classifyError, toItemError, type RetryPolicy } from './retry'
import type { JobStore } from './store'
import type {
  HandlerContext,
  ItemError,
  ItemRecord,
  ItemState,
  JobHandler,
  JobId,
  JobInfo,
  OpClass,
} from './types'

/** Throw from a handler to mark the item skipped (not an error). */
export class SkipItem extends Error {
  readonly code: string
  readonly result: unknown
  constructor(code: string, message: string, result?: unknown) {
    super(message)
    this.name = 'SkipItem'
    this.code = code
    this.result = result ?? null
  }
}

/** Throw from a handler to fail the whole job (no other item can succeed). */
export class JobFailure extends Error {
  readonly code: string
  constructor(code: string, message: string) {
    super(message)
    this.name = 'JobFailure'
    this.code = code
  }
}

export type StopReason = 'pause' | 'cancel' | 'close' | 'fatal' | 'fail'

interface Runner {
  job: JobInfo
  handler: JobHandler
  controller: AbortController
  workers: number
  inflight: number
  stopping: StopReason | null
  wakers: Set<() => void>
  finished: Promise<void>
  resolveFinished: () => void
}

/** What the workers need of their queue. */
export interface WorkerHost {
  readonly store: JobStore
  readonly retry: RetryPolicy
  readonly random?: () => number
  limiter(profile: string, op: OpClass): RateLimiter
  rateOf(jobId: JobId): RateWindow
  emitState(jobId: JobId): void
  emitItem(item: ItemRecord): void
  progressSoon(jobId: JobId): void
  /**
   * A job's workers have all ended. The job may have been resumed while they were stopping (a
   * pause with items in flight, then resume): the queue starts new workers then.
   */
  runnerEnded(jobId: JobId): void
}

type Finish = {
  state: ItemState
  error?: ItemError | null
  result?: unknown
  nextAt?: number
  attempts?: number
}

export class JobWorkers {
  private readonly runners = new Map<JobId, Runner>()

  constructor(private readonly host: WorkerHost) {}

  has(jobId: JobId): boolean {
    return this.runners.has(jobId)
  }

  /** Start the workers of a job (it must be queued or running, with a handler). */
  run(job: JobInfo, handler: JobHandler): void {
    if (this.runners.has(job.id)) return
    const { store } = this.host
    if (job.state !== 'running') store.setJobState(job.id, 'running')
    let resolveFinished!: () => void
    const finished = new Promise<void>((res) => (resolveFinished = res))
    const runner: Runner = {
      job: store.getJob(job.id)!,
      handler,
      controller: new AbortController(),
      workers: 0,
      inflight: 0,
      stopping: null,
      wakers: new Set(),
      finished,
      resolveFinished,
    }
    this.runners.set(job.id, runner)
    this.host.rateOf(job.id).start()
    this.host.emitState(job.id)
    const n = Math.max(1, runner.job.concurrency)
    for (let i = 0; i < n; i++) {
      runner.workers++
      void this.worker(runner)
    }
  }

  /** Stop a job's workers: nothing more is sent; in-flight calls complete. */
  stop(jobId: JobId, reason: StopReason): void {
    const r = this.runners.get(jobId)
    if (!r) return
    if (!r.stopping) r.stopping = reason
    r.controller.abort()
    for (const w of r.wakers) w()
  }

  /** Stop every job's workers; resolves once they are all idle. */
  async stopAll(reason: StopReason): Promise<void> {
    const waits = [...this.runners.values()].map((r) => {
      this.stop(r.job.id, reason)
      return r.finished
    })
    await Promise.all(waits)
  }

  /** New items, or an item back from a retry: idle workers look again. */
  wake(jobId: JobId): void {
    const r = this.runners.get(jobId)
    if (r) for (const w of r.wakers) w()
  }

  /** A sealed job with nothing pending or running is done. */
  maybeFinish(jobId: JobId): void {
    if (this.runners.has(jobId)) return
    const { store } = this.host
    const job = store.getJob(jobId)
    if (!job || !job.sealed) return
    if (job.state !== 'running' && job.state !== 'queued') return
    if (job.counts.pending === 0 && job.counts.running === 0) {
      store.setJobState(jobId, 'done')
      this.host.emitState(jobId)
    }
  }

  /** Wait until `ms` passes (null: until woken) or the runner is woken/stopped. */
  private wait(r: Runner, ms: number | null): Promise<void> {
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | null = null
      const done = (): void => {
        if (timer) clearTimeout(timer)
        r.wakers.delete(done)
        resolve()
      }
      r.wakers.add(done)
      if (ms !== null) timer = setTimeout(done, Math.max(1, ms))
    })
  }

  private async worker(r: Runner): Promise<void> {
    const jobId = r.job.id
    const { store } = this.host
    try {
      while (!r.stopping) {
        const next = store.claimNext(jobId)
        if (next === null) {
          // Nothing pending. Wait while others are in flight (they may come back for a retry)
          // or while the job is still being filled.
          const job = store.getJob(jobId)
          if (r.inflight > 0 || (job && !job.sealed)) {
            await this.wait(r, null)
            continue
          }
          break
        }
        if ('waitUntil' in next) {
          await this.wait(r, next.waitUntil - Date.now())
          continue
        }
        await this.process(r, next)
      }
    } catch (e) {
      // A store failure (disk full…): fail the job rather than spin.
      if (!r.stopping) {
        r.stopping = 'fail'
        store.setJobState(jobId, 'failed', toItemError(e))
      }
    } finally {
      r.workers--
      if (r.workers === 0) this.runnerDone(r)
      else for (const w of r.wakers) w()
    }
  }

  private runnerDone(r: Runner): void {
    const jobId = r.job.id
    this.runners.delete(jobId)
    this.host.rateOf(jobId).stop()
    if (!r.stopping) this.maybeFinish(jobId)
    this.host.emitState(jobId)
    r.resolveFinished()
    this.host.runnerEnded(jobId)
  }

  private async process(r: Runner, item: ItemRecord): Promise<void> {
    const job = r.job
    const signal = r.controller.signal
    const ctx: HandlerContext = {
      jobId: job.id,
      kind: job.kind,
      profile: job.profile,
      params: job.params,
      signal,
      attempt: item.attempts,
    }
    r.inflight++
    this.host.emitItem(item)
    this.host.progressSoon(job.id)
    let op: OpClass = 'none'
    let sent = false
    try {
      const prepared = r.handler.prepare ? await r.handler.prepare(item, ctx) : undefined
      if (signal.aborted) throw new AbortedError()
      op = r.handler.opClass(item, ctx)
      await this.host.limiter(job.profile, op).acquire(signal)
      if (signal.aborted) throw new AbortedError()
      sent = true
      const result = await r.handler.run(item, ctx, prepared)
      this.host.limiter(job.profile, op).onSuccess()
      this.finish(item, { state: 'done', result, error: null })
    } catch (e) {
      this.onItemError(r, item, op, e, sent)
    } finally {
      r.inflight--
      for (const w of r.wakers) w()
    }
  }

  private onItemError(r: Runner, item: ItemRecord, op: OpClass, e: unknown, sent: boolean): void {
    const signal = r.controller.signal
    const { store, retry } = this.host
    if (e instanceof SkipItem) {
      this.finish(item, {
        state: 'skipped',
        error: { code: e.code, message: e.message },
        result: e.result,
      })
      return
    }
    if (e instanceof JobFailure) {
      const err = { code: e.code, message: e.message }
      this.finish(item, { state: 'pending', attempts: item.attempts - 1, error: err })
      store.setJobState(r.job.id, 'failed', err)
      this.stop(r.job.id, 'fail')
      return
    }
    if (signal.aborted && (isAbort(e) || !sent)) {
      // Paused/cancelled/closing before or while sending: back to pending. When it was not sent,
      // the attempt does not count.
      this.finish(item, { state: 'pending', attempts: sent ? item.attempts : item.attempts - 1 })
      return
    }
    const cls = classifyError(e)
    const err = toItemError(e)
    if (cls === 'throttled') this.host.limiter(r.job.profile, op).onDenied()
    if (cls === 'fatal') {
      this.finish(item, { state: 'pending', attempts: item.attempts - 1, error: err })
      store.setJobState(r.job.id, 'paused', err)
      this.stop(r.job.id, 'fatal')
      return
    }
    if ((cls === 'throttled' || cls === 'transient') && item.attempts < retry.maxAttempts) {
      const delay = backoffDelay(item.attempts, retry, this.host.random)
      this.finish(item, { state: 'pending', error: err, nextAt: Date.now() + delay })
      return
    }
    this.finish(item, { state: 'failed', error: err })
  }

  private finish(item: ItemRecord, update: Finish): void {
    this.host.store.finishItem(item, update)
    if (update.state === 'done' || update.state === 'failed' || update.state === 'skipped') {
      this.host.rateOf(item.jobId).tick()
    }
    this.host.emitItem({
      ...item,
      state: update.state,
      attempts: update.attempts ?? item.attempts,
      error: update.error ?? null,
    })
    this.host.progressSoon(item.jobId)
  }
}

function isAbort(e: unknown): boolean {
  return (
    e instanceof AbortedError ||
    (typeof e === 'object' && e !== null && (e as { name?: string }).name === 'AbortError')
  )
}
