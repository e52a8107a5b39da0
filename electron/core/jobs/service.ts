/**
 * The `jobs` and `bulk` domains of the contract (`bulk` is built in bulk-service.ts): one
 * persistent JobQueue per data folder (`<dataDir>/jobs.db`), opened on first use and started only
 * by `start()` (the BackgroundService `core.start()` runs first; a `bulk.start` or `jobs.resume`
 * starts it too), so creating the core starts no work. Every kind of background work that runs as
 * jobs registers its handler with `register(kind, handler)` when the core is built (bulk add here;
 * gallery changes, batch preparation and dump imports in their services), so resumed jobs always
 * find it. Rate limits come from the profile (cloud: the documented limits; local: unlimited,
 * searches at the profile's QPS when set). Every picture added is recorded in the profile's
 * gallery cache (thumbnail, hashes, source path) exactly as a single add is: by the registry's
 * write-through engine.
 */

import { ACTIVE_JOB_STATES } from '../../domain'
import path from 'node:path'
import { settlesWithin } from '../util/deadline'
import type { z } from 'zod'
import type { jobsDomain, JobView } from '../../api/domains/jobs'
import { CoreError } from '../errors'
import type { EngineRegistry } from '../engines/registry'
import type { EventBus } from '../events'
import type { Galleries } from '../galleries'
import type { Imaging } from '../imaging/types'
import type { Logger } from '../log'
import type { ProfileStore } from '../profiles/store'
import {
  BULK_ADD_KIND,
  registerBulkAdd,
  type BulkAddParams,
  type BulkAddRuntime,
} from './bulk-add/index'
import { createBulkService } from './bulk-service'
import {
  cloudRateLimits,
  localRateLimits,
  type CloudInstanceLimits,
  type RateLimits,
} from './limits'
import { instanceKey } from '../tasks/dump-records'
import { JobQueue } from './queue'
import type { BackgroundService, StartResult } from '../background'
import { lockOwner, tryLock } from '../util/lock'
import { createStaging } from './staging'
import type { JobHandler, JobId, JobInfo } from './types'
import { itemView, jobView } from './views'
import { addRemaining } from './remaining'
import { logf } from '../log-text'

type In<M extends { input: z.ZodType }> = z.output<M['input']>

export interface JobServiceDeps {
  dataDir: string
  profiles: ProfileStore
  engines: EngineRegistry
  galleries: Galleries
  imaging: () => Imaging
  events: EventBus
  logger: Logger
  /** Host kind written in the queue's lock file (`electron`, `headless`, `cli`). */
  host?: string
  /**
   * AddImage calls in flight per job. Default: 4 on a local engine (its work is this machine's
   * CPU), 8 on a cloud instance (the rate limiter caps the rate; more calls in flight cover the
   * latency of uploading pictures of up to 4 MB).
   */
  concurrency?: number
}

/** Staged uploads older than this and used by no unfinished job are deleted at start. */
const STAGE_MAX_AGE_MS = 24 * 60 * 60_000

function notFound(jobId: number): CoreError {
  return new CoreError('JobNotFound', `There is no job ${jobId}.`, { httpStatus: 404 })
}

function jobsBusy(owner: { pid: number; host: string }): CoreError {
  return new CoreError(
    'JobsBusy',
    `Another Loupe process (pid ${owner.pid}) is running the jobs of this data folder.`,
    {
      httpStatus: 409,
      hint: 'Close the other Loupe (the app, `loupe serve` or `loupe bulk-add`), or use another --data folder.',
    },
  )
}

export function createJobService(d: JobServiceDeps) {
  let queue: JobQueue | null = null
  let releaseLock: (() => void) | null = null
  let started = false
  let closing = false
  /** stop() runs: streaming plans stop adding items (their jobs wait, paused, to be filled). */
  let stopping = false
  const lockFile = path.join(d.dataDir, 'jobs.lock')
  /** Handlers of every job kind, registered on the queue when it opens. */
  const kinds = new Map<string, JobHandler>()
  /** Kinds whose service tells the user itself when the work ends (no job notification). */
  const quiet = new Set<string>()
  /** Kinds whose end is told in their own words ("24 queries, R@1 87 %" rather than "added"). */
  const doneBodies = new Map<string, (job: JobInfo) => string>()
  const staging = createStaging(d.dataDir)
  /** Listeners of every job's state changes (services that act when their jobs end). */
  const stateListeners = new Set<(job: JobInfo) => void>()
  /** Bulk adds whose plan is streaming into their job. */
  const filling = new Map<JobId, Promise<unknown>>()

  /**
   * What each cloud profile's instance said about itself (Detail: its search QPS and capacity),
   * for the instance the profile points at now (`instanceKey`): the queue paces that profile's
   * calls by it (AddImage 1/s on 100,000-image instances, searches at the QPS bought).
   */
  const learned = new Map<string, CloudInstanceLimits & { key: string }>()
  /** Cloud profiles whose instance is being asked once (the first time their limits are needed). */
  const asking = new Set<string>()

  const rateLimits = (profile: string): RateLimits => {
    try {
      const p = d.profiles.get(profile)
      if (p.kind === 'cloud') {
        const f = learned.get(profile)
        if (f && f.key === instanceKey(p)) return cloudRateLimits(f)
        askOnce(profile)
        return cloudRateLimits()
      }
      const qps = p.local?.qps ?? 0
      return qps > 0 ? localRateLimits({ search: qps }) : localRateLimits()
    } catch {
      return cloudRateLimits()
    }
  }

  /** Detail of a cloud profile's instance, once, in the background: its answer is learned. */
  function askOnce(profile: string) {
    if (asking.has(profile) || closing) return
    asking.add(profile)
    void (async () => {
      try {
        // The registry reports every Detail answer (learnInstance) — this one too.
        await (await d.engines.get(profile)).detail()
      } catch (e) {
        d.logger.log(
          'info',
          logf`limits of ${profile}: Detail failed, documented defaults kept: ${(e as Error).message}`,
        )
      } finally {
        asking.delete(profile)
      }
    })()
  }

  /** A cloud instance's Detail answer: its QPS and capacity pace the profile's calls from now on. */
  function learnInstance(profile: string, instance: { qps: number; capacity: number }) {
    let p
    try {
      p = d.profiles.get(profile)
    } catch {
      return
    }
    if (p.kind !== 'cloud') return
    const next = {
      key: instanceKey(p),
      ...(instance.qps > 0 ? { qps: instance.qps } : {}),
      ...(instance.capacity > 0 ? { capacity: instance.capacity } : {}),
    }
    const prev = learned.get(profile)
    if (prev && prev.key === next.key && prev.qps === next.qps && prev.capacity === next.capacity)
      return
    learned.set(profile, next)
    const r = cloudRateLimits(next)
    d.logger.log(
      'info',
      logf`limits of ${profile}: AddImage ${r.add ?? 0}/s, searches ${r.search ?? 0}/s (instance QPS ${instance.qps}, capacity ${instance.capacity})`,
    )
    queue?.refreshLimits(profile)
  }

  const runtime: BulkAddRuntime = {
    engineFor: (profile) => d.engines.get(profile),
    imaging: {
      preview: (input, o) => d.imaging().preview(input, o),
      prepare: (input, o) => d.imaging().prepare(input, o),
    },
  }

  /** The `bulk` domain (bulk-service.ts): previews and starting bulk adds as jobs. */
  const bulkService = createBulkService({
    d,
    runtime,
    staging,
    getQueue,
    startJobs,
    filling,
    interrupted: () => closing || stopping,
  })

  function getQueue(): JobQueue {
    if (queue) return queue
    if (closing) throw new CoreError('InternalError', 'Loupe is closing.', { httpStatus: 503 })
    const lock = tryLock(lockFile, d.host ?? 'unknown')
    if (!lock.ok) throw jobsBusy(lock.owner)
    releaseLock = lock.release
    try {
      queue = new JobQueue({
        dbPath: path.join(d.dataDir, 'jobs.db'),
        rateLimits,
        // Two tokens may go at once after a pause: a timer firing late on a busy machine (GC, a
        // large picture being signed) is made up for instead of lowering the rate; the cloud's
        // flow control allows a second of burst.
        burst: 2,
        concurrency: d.concurrency ?? 4,
        onProgress: (p) => d.events.emit('job.progress', p),
      })
    } catch (e) {
      releaseLock()
      releaseLock = null
      throw e
    }
    registerBulkAdd(queue, runtime)
    for (const [kind, handler] of kinds) queue.register(kind, handler)
    queue.on('state', (job) => {
      notify(job)
      for (const l of stateListeners) l(job)
    })
    return queue
  }

  /** The handler of a job kind (registered on the queue now if it is open, else when it opens). */
  function register<T, R, Prep>(
    kind: string,
    handler: JobHandler<T, R, Prep>,
    opts: { quiet?: boolean; doneBody?: (job: JobInfo) => string } = {},
  ): void {
    kinds.set(kind, handler as unknown as JobHandler)
    if (opts.quiet) quiet.add(kind)
    if (opts.doneBody) doneBodies.set(kind, opts.doneBody)
    queue?.register(kind, handler)
  }

  const lastState = new Map<JobId, string>()
  function notify(job: JobInfo): void {
    const before = lastState.get(job.id)
    lastState.set(job.id, job.state)
    if (before === job.state || before === undefined || quiet.has(job.kind)) return
    const c = job.counts
    const target = { kind: 'job' as const, id: job.id, profile: job.profile }
    if (job.state === 'done') {
      d.events.emit('notification', {
        level: c.failed > 0 ? 'warning' : 'success',
        title: job.title,
        body:
          doneBodies.get(job.kind)?.(job) ??
          `${c.done} added, ${c.failed} failed, ${c.skipped} skipped`,
        target,
      })
    } else if (job.state === 'failed' || (job.state === 'paused' && job.error)) {
      d.events.emit('notification', {
        level: job.state === 'failed' ? 'error' : 'warning',
        title: job.title,
        body: job.error ? `${job.error.code}: ${job.error.message}` : job.state,
        target,
      })
    }
  }

  /** Resume the unfinished jobs (throws JobsBusy when another process runs them). */
  function startJobs(): void {
    const q = getQueue()
    if (started) return
    started = true
    q.start()
    sweepStaging(q)
  }

  /** Stop running jobs (in-flight calls complete) and release the queue and its lock. */
  async function stop(): Promise<void> {
    stopping = true
    try {
      await Promise.all([...filling.values()])
      const q = queue
      queue = null
      started = false
      if (q) await q.close()
      releaseLock?.()
      releaseLock = null
    } finally {
      stopping = false
    }
  }

  /** The BackgroundService: takes the queue's lock and resumes the unfinished jobs. */
  const background: BackgroundService = {
    async start(): Promise<StartResult> {
      if (closing) throw new Error('The job queue is closed')
      if (!queue) {
        const owner = lockOwner(lockFile)
        if (owner && owner.pid !== process.pid) return { ok: false, owner }
      }
      startJobs()
      return { ok: true }
    },
    stop,
    async close() {
      closing = true
      await bulkService.close()
      await stop()
    },
  }

  function sweepStaging(q: JobQueue): void {
    const inUse = new Set<string>()
    for (const j of q.listJobs({ states: [...ACTIVE_JOB_STATES], limit: 10_000 })) {
      for (const s of (j.params as Partial<BulkAddParams>)?.sources ?? []) {
        const id = staging.stageOf(s)
        if (id) inUse.add(id)
      }
    }
    for (const s of staging.list()) {
      if (s.ageMs > STAGE_MAX_AGE_MS && !inUse.has(s.stageId)) {
        try {
          staging.discard(s.stageId)
        } catch (e) {
          d.logger.log(
            'warn',
            logf`staging: could not delete ${s.stageId}: ` + (e as Error).message,
          )
        }
      }
    }
  }

  function mustJob(jobId: number): JobInfo {
    const j = getQueue().getJob(jobId)
    if (!j) throw notFound(jobId)
    return j
  }

  const view = (job: JobInfo): JobView => jobView(getQueue(), job)

  /** Resolves when the job stops running (done, failed, cancelled or paused) and is filled. */
  async function whenSettled(jobId: JobId): Promise<JobView> {
    const q = getQueue()
    for (;;) {
      await filling.get(jobId)
      await q.whenSettled(jobId)
      if (!filling.has(jobId)) break
    }
    return view(mustJob(jobId))
  }

  /** One pending whenSettled per job, shared by every `jobs.wait` (one queue listener each). */
  const settling = new Map<JobId, Promise<unknown>>()
  function settledWithin(jobId: JobId, ms: number): Promise<boolean> {
    let p = settling.get(jobId)
    if (!p) settling.set(jobId, (p = whenSettled(jobId).finally(() => settling.delete(jobId))))
    return settlesWithin(p, ms)
  }

  // ------------------------------------------------------------------------------ domains

  const jobs = {
    async list(input: In<typeof jobsDomain.list>) {
      const q = getQueue()
      const list = q.listJobs({
        ...(input.profile ? { profile: input.profile } : {}),
        ...(input.active ? { states: ACTIVE_JOB_STATES } : {}),
        limit: input.limit ?? 100,
      } as Parameters<JobQueue['listJobs']>[0])
      return { jobs: list.map(view) }
    },
    async get(input: In<typeof jobsDomain.get>) {
      return view(mustJob(input.jobId))
    },
    async wait(input: In<typeof jobsDomain.wait>) {
      mustJob(input.jobId)
      const settled = await settledWithin(input.jobId, input.timeoutMs)
      return { settled, job: view(mustJob(input.jobId)) }
    },
    async items(input: In<typeof jobsDomain.items>) {
      const job = mustJob(input.jobId)
      const states = input.states?.length ? input.states : undefined
      const items = getQueue().listItems(job.id, {
        states,
        offset: input.offset,
        limit: input.limit,
      })
      const c = job.counts
      const total = states ? states.reduce((n, s) => n + c[s], 0) : c.total
      return { items: items.map(itemView), total }
    },
    async pause(input: In<typeof jobsDomain.pause>) {
      mustJob(input.jobId)
      getQueue().pause(input.jobId)
      return view(mustJob(input.jobId))
    },
    async resume(input: In<typeof jobsDomain.resume>) {
      mustJob(input.jobId)
      startJobs()
      getQueue().resume(input.jobId)
      return view(mustJob(input.jobId))
    },
    async cancel(input: In<typeof jobsDomain.cancel>) {
      mustJob(input.jobId)
      getQueue().cancel(input.jobId)
      return view(mustJob(input.jobId))
    },
    async retryFailed(input: In<typeof jobsDomain.retryFailed>) {
      const job = mustJob(input.jobId)
      if (job.state === 'cancelled') {
        throw new CoreError(
          'JobCancelled',
          `Job ${job.id} was cancelled: start it again instead.`,
          {
            httpStatus: 409,
          },
        )
      }
      startJobs()
      const requeued = getQueue().retryFailed(job.id)
      return { requeued, job: view(mustJob(job.id)) }
    },
    async addRemaining(input: In<typeof jobsDomain.addRemaining>) {
      const job = mustJob(input.jobId)
      startJobs()
      const r = addRemaining(getQueue(), job)
      return { created: r.created, job: view(mustJob(r.jobId)) }
    },
    async failuresCsv(input: In<typeof jobsDomain.failuresCsv>) {
      const job = mustJob(input.jobId)
      const csv = getQueue().exportFailuresCsv(job.id, { includeSkipped: input.includeSkipped })
      const rows = Math.max(0, csv.split('\r\n').length - 2)
      return { fileName: `loupe-job-${job.id}-failures.csv`, csv, rows }
    },
    async remove(input: In<typeof jobsDomain.remove>) {
      const job = mustJob(input.jobId)
      if (job.state === 'running' || job.state === 'queued' || filling.has(job.id)) {
        throw new CoreError('JobRunning', `Job ${job.id} is running: pause or cancel it first.`, {
          httpStatus: 409,
        })
      }
      getQueue().deleteJob(job.id)
      lastState.delete(job.id)
      const stagesOf = (j: JobInfo) =>
        ((j.params as Partial<BulkAddParams>)?.sources ?? [])
          .map((s) => staging.stageOf(s))
          .filter((s): s is string => !!s)
      const stages = new Set(stagesOf(job))
      // The job of its remaining pictures (addRemaining) reads the same uploads: keep them.
      for (const other of getQueue().listJobs({ limit: 10_000 })) {
        if (other.id !== job.id) for (const s of stagesOf(other)) stages.delete(s)
      }
      for (const s of stages) staging.discard(s)
      return { ok: true as const }
    },
  }

  return {
    jobs,
    bulk: bulkService.bulk,
    ...background,
    /** Resume the unfinished jobs now (throws JobsBusy when another process runs them). */
    startJobs,
    register,
    /** Called with every job whose state changed (in the process that runs the queue). */
    onState(listener: (job: JobInfo) => void): () => void {
      stateListeners.add(listener)
      return () => stateListeners.delete(listener)
    },
    /** The rate limits the queue applies to a profile's calls. */
    rateLimits,
    learnInstance,
    /** A profile changed (its QPS, or the instance it points at): its limiters read it again. */
    refreshLimits: (profile: string) => queue?.refreshLimits(profile),
    /** Every job kind this core runs (bulk add and the kinds registered by other services). */
    kinds: (): string[] => [BULK_ADD_KIND, ...kinds.keys()],
    /** Whether this process runs the queue (started). */
    get running() {
      return started
    },
    /** The queue (opened on first use). */
    queue: getQueue,
    /** Resolves when the job stops running (done, failed, cancelled or paused) and is filled. */
    whenSettled,
    kind: BULK_ADD_KIND,
  }
}

export type JobService = ReturnType<typeof createJobService>
