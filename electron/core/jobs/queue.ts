/**
 * The persistent job queue. Jobs and their items live in SQLite (see store.ts); handlers are
 * registered by kind; workers (workers.ts) run each job's items with a per-job concurrency limit,
 * through a rate limiter per profile and operation class, retrying transient failures with
 * backoff. This file owns the jobs: their states, events, progress, limiters and exports.
 *
 * Lifecycle: `new JobQueue({ dbPath })`, `register(kind, handler)` for every kind, `start()`
 * (resumes the jobs left queued/running, re-sending items that were in flight at a crash), then
 * `createJob`/`addItems`/`pause`/`resume`/`cancel`/`retryFailed`, and `close()` on exit.
 * One process at a time may open a given jobs.db.
 */

import { EventEmitter } from 'node:events'
import fs from 'node:fs'
import { csvRow } from './csv'
import { RateLimiter, type AdaptiveOptions } from './limiter'
import type { RateLimits } from './limits'
import { RateWindow, Coalescer } from './progress'
import { DEFAULT_RETRY, type RetryPolicy } from './retry'
import { JobStore, type CreateJobInput } from './store'
import { JobWorkers } from './workers'
import type {
  ItemError,
  ItemEvent,
  ItemRecord,
  ItemState,
  JobHandler,
  JobId,
  JobInfo,
  JobProgress,
  JobState,
  NewItem,
  OpClass,
} from './types'

export { JobFailure, SkipItem } from './workers'

export interface QueueOptions {
  /** Path of jobs.db (created if missing). */
  dbPath: string
  /** Rate limits per operation class for a profile. Default: unlimited. */
  rateLimits?: (profile: string) => RateLimits
  /** Tokens that may be taken at once after an idle period, per limiter. Default 1. */
  burst?: number
  adaptive?: AdaptiveOptions
  retry?: Partial<RetryPolicy>
  onProgress?: (p: JobProgress) => void
  onItem?: (e: ItemEvent) => void
  /** Minimum time between two progress events of one job. Default 100 ms (10/s). */
  progressIntervalMs?: number
  /** Moving window of the progress rate. Default 10 s. */
  rateWindowMs?: number
  /** Default concurrency of new jobs. Default 4. */
  concurrency?: number
  random?: () => number
}

export type QueueEvents = {
  progress: [JobProgress]
  item: [ItemEvent]
  state: [JobInfo]
}

export interface CreateJobOptions<P = unknown> extends CreateJobInput<P> {
  items?: Iterable<NewItem>
}

export class JobQueue extends EventEmitter<QueueEvents> {
  readonly store: JobStore
  private readonly opts: QueueOptions
  private readonly retry: RetryPolicy
  private readonly handlers = new Map<string, JobHandler>()
  /** The workers of the running jobs (workers.ts). */
  private readonly workers: JobWorkers
  private readonly limiters = new Map<string, RateLimiter>()
  private readonly rates = new Map<JobId, RateWindow>()
  private readonly coalescers = new Map<JobId, Coalescer>()
  /** Unsealed jobs whose items are being added by this process. */
  private readonly filling = new Set<JobId>()
  private started = false
  private closed = false

  constructor(opts: QueueOptions) {
    super()
    this.opts = opts
    this.retry = { ...DEFAULT_RETRY, ...opts.retry }
    this.store = new JobStore(opts.dbPath)
    this.workers = new JobWorkers({
      store: this.store,
      retry: this.retry,
      random: opts.random,
      limiter: (profile, op) => this.limiter(profile, op),
      rateOf: (jobId) => this.rateOf(jobId),
      emitState: (jobId) => this.emitState(jobId),
      emitItem: (item) => this.emitItem(item),
      progressSoon: (jobId) => this.progressSoon(jobId),
      // resume() while the paused workers were still finishing their in-flight items found them
      // still there and started nothing: start the job now that they are gone.
      runnerEnded: (jobId) => this.schedule(jobId),
    })
    if (opts.onProgress) this.on('progress', opts.onProgress)
    if (opts.onItem) this.on('item', opts.onItem)
  }

  /** Register the handler of a job kind. Jobs of that kind waiting to run start now. */
  register<T, R, Prep>(kind: string, handler: JobHandler<T, R, Prep>): void {
    this.handlers.set(kind, handler as unknown as JobHandler)
    if (this.started) this.scheduleAll()
  }

  hasHandler(kind: string): boolean {
    return this.handlers.has(kind)
  }

  /** Resume every queued/running job (items in flight at a crash are sent again). */
  start(): void {
    this.assertOpen()
    if (this.started) return
    this.started = true
    this.store.releaseAllRunning()
    // A job whose items were still being added when the process stopped waits, paused, for the
    // same enqueue to finish adding them (or for resume(), which runs what is there).
    for (const job of this.store.runnableJobs()) {
      if (!job.sealed && !this.filling.has(job.id)) {
        this.store.setJobState(job.id, 'paused', {
          code: 'Interrupted',
          message:
            'Adding items to this job was interrupted. Start the same job again to add the rest, or resume it to run the items already added.',
        })
      }
    }
    this.scheduleAll()
  }

  /** Create a job (and its items, in one transaction). It starts at once if the queue started. */
  createJob<P>(input: CreateJobOptions<P>): JobId {
    this.assertOpen()
    let id = 0
    this.store.db.transaction(() => {
      id = this.store.createJob({
        ...input,
        concurrency: input.concurrency ?? this.opts.concurrency ?? 4,
      })
      if (input.items) this.store.addItems(id, input.items)
    })()
    if (input.sealed === false) this.filling.add(id)
    this.emitState(id)
    this.schedule(id)
    return id
  }

  /** Add items to a job; keys already present are ignored (safe to repeat after a crash). */
  addItems(jobId: JobId, items: Iterable<NewItem>): { added: number; ignored: number } {
    this.assertOpen()
    const r = this.store.addItems(jobId, items)
    this.workers.wake(jobId)
    this.progressSoon(jobId)
    return r
  }

  /**
   * Say whether this process is adding items to an unsealed job (createJob with `sealed: false`
   * sets it; sealJob clears it). resume() seals an unsealed job nobody is filling.
   */
  setFilling(jobId: JobId, filling: boolean): void {
    if (filling) this.filling.add(jobId)
    else this.filling.delete(jobId)
  }

  /** No more items will be added: the job may finish. */
  sealJob(jobId: JobId): void {
    this.filling.delete(jobId)
    this.store.sealJob(jobId)
    this.workers.wake(jobId)
    this.workers.maybeFinish(jobId)
  }

  getJob<P = unknown>(jobId: JobId): JobInfo<P> | undefined {
    return this.store.getJob<P>(jobId)
  }

  listJobs(filter?: Parameters<JobStore['listJobs']>[0]): JobInfo[] {
    return this.store.listJobs(filter)
  }

  listItems(
    jobId: JobId,
    opts?: { states?: ItemState[]; offset?: number; limit?: number },
  ): ItemRecord[] {
    return this.store.listItems(jobId, opts)
  }

  /** The unfinished (queued, running or paused) job with this fingerprint, if any. */
  findResumableJob(fingerprint: string): JobInfo | undefined {
    return this.store.findByFingerprint(fingerprint)
  }

  /** Pause: nothing more is sent; in-flight calls complete. `error` says why, when not the user. */
  pause(jobId: JobId, error: ItemError | null = null): void {
    const job = this.mustJob(jobId)
    if (job.state !== 'queued' && job.state !== 'running') return
    this.store.setJobState(jobId, 'paused', error)
    this.workers.stop(jobId, 'pause')
    this.emitState(jobId)
  }

  /** Resume a paused (or failed) job; clears its job-level error. */
  resume(jobId: JobId): void {
    const job = this.mustJob(jobId)
    if (job.state !== 'paused' && job.state !== 'failed') return
    if (!job.sealed && !this.filling.has(jobId)) this.store.sealJob(jobId)
    this.store.setJobState(jobId, 'queued')
    this.emitState(jobId)
    this.schedule(jobId)
  }

  /** Cancel: nothing more is sent; items not yet sent stay pending; in-flight calls complete. */
  cancel(jobId: JobId): void {
    const job = this.mustJob(jobId)
    if (job.state === 'cancelled' || job.state === 'done') return
    this.store.setJobState(jobId, 'cancelled')
    this.workers.stop(jobId, 'cancel')
    this.emitState(jobId)
  }

  /** Put failed items back in the queue (not those rejected while planning). Returns how many. */
  retryFailed(jobId: JobId): number {
    const job = this.mustJob(jobId)
    if (job.state === 'cancelled') throw new Error(`Job ${jobId} was cancelled`)
    const n = this.store.requeueFailed(jobId)
    if (n > 0 && (job.state === 'done' || job.state === 'failed')) {
      this.store.setJobState(jobId, 'queued')
      this.emitState(jobId)
    }
    this.schedule(jobId)
    this.workers.wake(jobId)
    this.progressSoon(jobId)
    return n
  }

  /** Delete a job that is not running, with its items. */
  deleteJob(jobId: JobId): void {
    if (this.workers.has(jobId))
      throw new Error(`Job ${jobId} is running: pause or cancel it first`)
    this.store.deleteJob(jobId)
    this.rates.delete(jobId)
    this.coalescers.get(jobId)?.cancel()
    this.coalescers.delete(jobId)
  }

  /** Current progress of a job. */
  progress(jobId: JobId): JobProgress {
    const job = this.mustJob(jobId)
    const c = job.counts
    const rate = job.state === 'running' ? (this.rates.get(jobId)?.rate() ?? 0) : 0
    const left = c.pending + c.running
    return {
      jobId,
      kind: job.kind,
      profile: job.profile,
      title: job.title,
      state: job.state,
      total: c.total,
      done: c.done,
      failed: c.failed,
      skipped: c.skipped,
      pending: c.pending,
      running: c.running,
      rate: Math.round(rate * 100) / 100,
      etaSeconds: rate > 0 ? Math.round(left / rate) : left === 0 ? 0 : null,
      error: job.error,
    }
  }

  /** Resolves when the job stops running (done, failed, cancelled or paused). */
  whenSettled(jobId: JobId): Promise<JobInfo> {
    return new Promise((resolve) => {
      const check = (): boolean => {
        const job = this.store.getJob(jobId)
        if (!job) {
          resolve(undefined as never)
          return true
        }
        if (job.state !== 'queued' && job.state !== 'running' && !this.workers.has(jobId)) {
          resolve(job)
          return true
        }
        // queued without a handler or before start() stays queued: keep waiting
        return false
      }
      if (check()) return
      const onState = (j: JobInfo): void => {
        if (j.id !== jobId) return
        if (check()) this.off('state', onState)
      }
      this.on('state', onState)
    })
  }

  /** Failed items as CSV: key, productId, picName, source, code, message, attempts. */
  exportFailuresCsv(jobId: JobId, opts: { includeSkipped?: boolean } = {}): string {
    const lines: string[] = []
    this.writeFailures(jobId, opts, (l) => lines.push(l))
    return lines.join('\r\n') + '\r\n'
  }

  /** Same as exportFailuresCsv, streamed to a file (large jobs). Returns the number of rows. */
  writeFailuresCsv(
    jobId: JobId,
    filePath: string,
    opts: { includeSkipped?: boolean } = {},
  ): number {
    const fd = fs.openSync(filePath, 'w')
    let n = -1
    try {
      this.writeFailures(jobId, opts, (l) => {
        fs.writeSync(fd, l + '\r\n')
        n++
      })
    } finally {
      fs.closeSync(fd)
    }
    return n
  }

  /** The limiter of a profile's operation class (created from `rateLimits` on first use). */
  limiter(profile: string, op: OpClass): RateLimiter {
    const k = `${profile}\u0000${op}`
    let l = this.limiters.get(k)
    if (!l) {
      const rate = op === 'none' ? null : (this.opts.rateLimits?.(profile)[op] ?? null)
      l = new RateLimiter({
        ratePerSec: rate,
        burst: this.opts.burst,
        adaptive: this.opts.adaptive,
      })
      this.limiters.set(k, l)
    }
    return l
  }

  /** Re-read a profile's rate limits (e.g. after Detail reported the instance's QPS). */
  refreshLimits(profile: string): void {
    for (const [k, l] of this.limiters) {
      const [p, op] = k.split('\u0000') as [string, OpClass]
      if (p !== profile) continue
      l.setRate(op === 'none' ? null : (this.opts.rateLimits?.(profile)[op] ?? null))
    }
  }

  /** Stop all workers (in-flight calls complete), keep jobs' states for the next start. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.workers.stopAll('close')
    for (const l of this.limiters.values()) l.close()
    for (const c of this.coalescers.values()) c.cancel()
    this.store.close()
  }

  // ---------------------------------------------------------------- internals

  private assertOpen(): void {
    if (this.closed) throw new Error('The job queue is closed')
  }

  private mustJob(jobId: JobId): JobInfo {
    const job = this.store.getJob(jobId)
    if (!job) throw new Error(`No job ${jobId}`)
    return job
  }

  private writeFailures(
    jobId: JobId,
    opts: { includeSkipped?: boolean },
    out: (line: string) => void,
  ): void {
    const job = this.mustJob(jobId)
    const handler = this.handlers.get(job.kind)
    out(csvRow(['key', 'productId', 'picName', 'source', 'code', 'message', 'attempts']))
    const states: ItemState[] = opts.includeSkipped ? ['failed', 'skipped'] : ['failed']
    for (const item of this.store.iterateItems(jobId, states)) {
      const d = handler?.describe?.(item) ?? defaultDescribe(item)
      out(
        csvRow(
          [
            item.key,
            d.productId ?? '',
            d.picName ?? '',
            d.source ?? '',
            item.error?.code ?? '',
            item.error?.message ?? '',
            item.attempts,
          ],
          { safe: true },
        ),
      )
    }
  }

  private scheduleAll(): void {
    for (const job of this.store.runnableJobs()) this.schedule(job.id)
  }

  private schedule(jobId: JobId): void {
    if (!this.started || this.closed || this.workers.has(jobId)) return
    const job = this.store.getJob(jobId)
    if (!job || (job.state !== 'queued' && job.state !== 'running')) return
    const handler = this.handlers.get(job.kind)
    if (!handler) return // waits for register()
    this.workers.run(job, handler)
  }

  private rateOf(jobId: JobId): RateWindow {
    let r = this.rates.get(jobId)
    if (!r) {
      r = new RateWindow(this.opts.rateWindowMs ?? 10_000)
      this.rates.set(jobId, r)
    }
    return r
  }

  private emitItem(item: ItemRecord): void {
    if (this.listenerCount('item') === 0) return
    this.emit('item', {
      jobId: item.jobId,
      seq: item.seq,
      key: item.key,
      state: item.state,
      attempts: item.attempts,
      error: item.error,
    })
  }

  private coalescer(jobId: JobId): Coalescer {
    let c = this.coalescers.get(jobId)
    if (!c) {
      c = new Coalescer(this.opts.progressIntervalMs ?? 100, () => {
        if (this.closed) return
        const job = this.store.getJob(jobId)
        if (job) this.emit('progress', this.progress(jobId))
      })
      this.coalescers.set(jobId, c)
    }
    return c
  }

  private progressSoon(jobId: JobId): void {
    if (this.listenerCount('progress') === 0) return
    this.coalescer(jobId).request()
  }

  /** State changes are sent at once (not coalesced), with a progress event. */
  private emitState(jobId: JobId): void {
    if (this.closed && !this.store.db.open) return
    const job = this.store.getJob(jobId)
    if (!job) return
    this.emit('state', job)
    if (this.listenerCount('progress') > 0) this.coalescer(jobId).flush()
  }
}

function defaultDescribe(item: ItemRecord): {
  productId?: string
  picName?: string
  source?: string
} {
  const p = (item.payload ?? {}) as Record<string, unknown>
  const s = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)
  return { productId: s(p.productId), picName: s(p.picName), source: s(p.source) }
}

export type { JobState }
