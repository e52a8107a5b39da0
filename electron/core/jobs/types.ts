/**
 * Types of the persistent job queue: jobs, their items, handlers, progress events.
 */

export type JobId = number

export {
  ACTIVE_JOB_STATES,
  ITEM_STATES,
  JOB_STATES,
  TERMINAL_JOB_STATES,
  type ItemState,
  type JobState,
} from '../../domain'
import type { ItemState, JobState } from '../../domain'

/**
 * Operation classes, each with its own rate limiter per profile (the cloud limits each operation
 * separately). `none` is never rate limited (local work such as preparing files).
 */
export type OpClass =
  'add' | 'update' | 'delete' | 'search' | 'detail' | 'dumpMeta' | 'increase' | 'none'

export const OP_CLASSES: readonly OpClass[] = [
  'add',
  'update',
  'delete',
  'search',
  'detail',
  'dumpMeta',
  'increase',
  'none',
]

export interface ItemError {
  code: string
  message: string
}

export interface JobCounts {
  total: number
  pending: number
  running: number
  done: number
  failed: number
  skipped: number
}

export interface JobInfo<P = unknown> {
  id: JobId
  kind: string
  profile: string
  title: string
  params: P
  state: JobState
  /** False while items are still being added (the job's plan is streaming in). */
  sealed: boolean
  concurrency: number
  fingerprint: string | null
  counts: JobCounts
  /** Job-level error (e.g. bad credentials paused the job), null otherwise. */
  error: ItemError | null
  createdAt: number
  updatedAt: number
  finishedAt: number | null
}

export interface ItemRecord<T = unknown, R = unknown> {
  jobId: JobId
  seq: number
  key: string
  payload: T
  state: ItemState
  /** Number of times the item was started (claimed by a worker). */
  attempts: number
  /** Not before this time (ms since the epoch) — the retry backoff. */
  nextAt: number
  error: ItemError | null
  result: R | null
  /** Rejected while planning (never sent, not re-queued by retryFailed). */
  rejected: boolean
  updatedAt: number
}

/** An item to add to a job. */
export interface NewItem<T = unknown> {
  key: string
  payload: T
  /** Start in a final state instead of pending (e.g. rejected while planning, skipped duplicates). */
  state?: 'pending' | 'failed' | 'skipped'
  error?: ItemError
  /** Mark as rejected while planning: retryFailed leaves it alone. Implied by state 'failed'. */
  rejected?: boolean
}

export interface JobProgress {
  jobId: JobId
  kind: string
  profile: string
  title: string
  state: JobState
  total: number
  done: number
  failed: number
  skipped: number
  pending: number
  running: number
  /** Items finished (done, failed or skipped) per second over a moving window. */
  rate: number
  /** Seconds to finish at the current rate; null when unknown (no rate yet, or not running). */
  etaSeconds: number | null
  error: ItemError | null
}

export interface ItemEvent {
  jobId: JobId
  seq: number
  key: string
  state: ItemState
  attempts: number
  error: ItemError | null
}

export interface HandlerContext {
  jobId: JobId
  kind: string
  profile: string
  params: unknown
  /** Aborted when the job is paused, cancelled or the queue closes. */
  signal: AbortSignal
  /** 1-based attempt number of this run. */
  attempt: number
}

/**
 * A job kind's behaviour. `prepare` (optional) runs before waiting for a rate-limit token (local,
 * CPU-bound work such as preparing an image); `run` runs after it and makes the rate-limited call.
 * Throwing from either records the error on the item, classified by the retry policy.
 */
export interface JobHandler<T = unknown, R = unknown, Prep = unknown> {
  opClass(item: ItemRecord<T>, ctx: HandlerContext): OpClass
  prepare?(item: ItemRecord<T>, ctx: HandlerContext): Promise<Prep>
  run(item: ItemRecord<T>, ctx: HandlerContext, prepared: Prep): Promise<R>
  /** Columns for the failures CSV; defaults read payload.productId / picName / source. */
  describe?(item: ItemRecord<T>): { productId?: string; picName?: string; source?: string }
}
