import { z } from 'zod'
import { ITEM_STATES, JOB_STATES } from '../../domain'
import { method } from '../define'
import { ProfileName } from '../schemas'

/**
 * The `jobs` domain: the persistent job queue as the UI sees it — jobs with their coalesced
 * progress, their items page by page (the per-file table), pause / resume / cancel, retry of the
 * failed items and the failures as CSV.
 */

export const JobState = z.enum(JOB_STATES)
export type JobState = z.infer<typeof JobState>
export const ItemState = z.enum(ITEM_STATES)
export type ItemState = z.infer<typeof ItemState>

export const JobError = z.object({ code: z.string(), message: z.string() })
export type JobError = z.infer<typeof JobError>

/** A job with its counters, rate (finished items per second) and ETA. */
export const JobView = z.object({
  jobId: z.number(),
  kind: z.string(),
  profile: z.string(),
  title: z.string(),
  state: JobState,
  /** False while the job's items are still being added (its plan is streaming in). */
  sealed: z.boolean(),
  total: z.number(),
  done: z.number(),
  failed: z.number(),
  skipped: z.number(),
  pending: z.number(),
  running: z.number(),
  /** Failed items `retryFailed` would send again (not those refused while planning). */
  retryable: z.number(),
  rate: z.number(),
  etaSeconds: z.number().nullable(),
  /** Why the job stopped by itself (bad credentials, quota…), null otherwise. */
  error: JobError.nullable(),
  /** The sources the job was made from (folders, files, manifests), for display. */
  sources: z.array(z.string()),
  createdAt: z.number(),
  updatedAt: z.number(),
  finishedAt: z.number().nullable(),
  /** A cancelled job whose remaining pictures were made a new job (`addRemaining`): that job. */
  continuedBy: z.number().nullable(),
})
export type JobView = z.infer<typeof JobView>

/** One item of a job: a picture to add (or a manifest line). */
export const JobItemView = z.object({
  seq: z.number(),
  key: z.string(),
  state: ItemState,
  attempts: z.number(),
  error: JobError.nullable(),
  productId: z.string().nullable(),
  picName: z.string().nullable(),
  /** Absolute path of the picture, or the manifest line (`file:line`). */
  source: z.string().nullable(),
  relPath: z.string(),
  /** Refused while planning (never sent). */
  rejected: z.boolean(),
  /** What the engine answered, for done items. */
  result: z
    .object({
      requestId: z.string().optional(),
      categoryId: z.number().optional(),
      prepared: z.array(z.string()).optional(),
    })
    .nullable(),
  updatedAt: z.number(),
})
export type JobItemView = z.infer<typeof JobItemView>

const JobRef = z.object({ jobId: z.number().int().positive() })

export const jobsDomain = {
  /** Newest first. `active`: only queued, running and paused jobs. */
  list: method(
    z.object({
      profile: ProfileName.optional(),
      active: z.boolean().optional(),
      limit: z.number().int().min(1).max(500).optional(),
    }),
    z.object({ jobs: z.array(JobView) }),
  ),
  get: method(JobRef, JobView),
  /**
   * Waits until the job stops running (done, failed, cancelled or paused) with all its items
   * planned, or `timeoutMs` passed (`settled: false`: ask again). For clients that follow a job.
   */
  wait: method(
    JobRef.extend({ timeoutMs: z.number().int().min(0).max(120_000).default(30_000) }),
    z.object({ settled: z.boolean(), job: JobView }),
    { slow: true },
  ),
  /** A page of the job's items, in order, optionally only those in some states. */
  items: method(
    JobRef.extend({
      states: z.array(ItemState).max(5).optional(),
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(1000).default(100),
    }),
    z.object({ items: z.array(JobItemView), total: z.number() }),
  ),
  pause: method(JobRef, JobView),
  resume: method(JobRef, JobView),
  cancel: method(JobRef, JobView),
  /** Put the failed items back in the queue (not those refused while planning). */
  retryFailed: method(JobRef, z.object({ requeued: z.number(), job: JobView })),
  /**
   * A cancelled bulk add's pictures not yet sent, as a new job (same profile and options). Asked
   * twice, it answers the job made the first time (`created: false`).
   */
  addRemaining: method(JobRef, z.object({ created: z.boolean(), job: JobView })),
  /** Failed (and optionally skipped) items as CSV text, for a download. */
  failuresCsv: method(
    JobRef.extend({ includeSkipped: z.boolean().optional() }),
    z.object({ fileName: z.string(), csv: z.string(), rows: z.number() }),
  ),
  /** Forget a job that is not running (its staged uploads too). */
  remove: method(JobRef, z.object({ ok: z.literal(true) })),
}
