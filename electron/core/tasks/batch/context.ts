/**
 * What every part of the batch runner shares: the service's dependencies, the store, the one way
 * a task's record changes (`update`, which also tells the UI), and the shape of a stage handler
 * of the transition table (transitions.ts).
 */

import type { ServiceType } from '../../engines/types'
import type { CachedEngine } from '../../gallery/write-through'
import type { EngineRegistry } from '../../engines/registry'
import type { EventBus } from '../../events'
import type { Galleries } from '../../galleries'
import type { PrepareOptions, PreparedImage } from '../../imaging/types'
import type { JobQueue } from '../../jobs/queue'
import type { JobHandler } from '../../jobs/types'
import type { Logger } from '../../log'
import type { ProfileStore } from '../../profiles/store'
import type { OssUploadOptions } from './oss'
import type { BatchStore, BatchTaskRecord, BatchTaskState, TaskPatch } from './store'

export const LOCAL_BUCKET = 'local'

/** The job queue as the batch runner uses it (core/jobs/service.ts). */
export interface BatchJobs {
  queue(): JobQueue
  register<T, R, P>(kind: string, handler: JobHandler<T, R, P>, opts?: { quiet?: boolean }): void
  start(): Promise<
    { ok: true } | { ok: false; owner: { pid: number; host: string; since: number } }
  >
}

export interface BatchServiceDeps {
  dataDir: string
  profiles: ProfileStore
  engines: EngineRegistry
  imaging: () => { prepare(input: string, opts?: PrepareOptions): Promise<PreparedImage> }
  galleries: Galleries
  events: EventBus
  logger: Logger
  /** The persistent job queue: a task's pictures are prepared as a `batch-prepare` job. */
  jobs: BatchJobs
  host: string
  /** IncreaseList polling: first and longest delay (default 1 s → 30 s cloud, 200 ms → 2 s local). */
  poll?: { cloud?: [number, number]; local?: [number, number] }
  /** OSS upload tuning (tests use a small multipart threshold). */
  oss?: Omit<OssUploadOptions, 'signal' | 'checkpoints' | 'onProgress'>
  /** How often the runner looks for tasks created by another process (default 2 s). */
  scanIntervalMs?: number
  /**
   * A URL this host serves (as `fileUrl` makes them) → the file on disk, or null: the core reads
   * its own files instead of fetching them over HTTP, where a remote-mode host asks callers to
   * sign in.
   */
  ownFile?: (url: string) => Promise<string | null>
}

export interface BatchContext {
  deps: BatchServiceDeps
  db(): BatchStore
  /** Change a task's record and send `task.status` (`force: false`: at most 10 a second). */
  update(id: number, patch: TaskPatch, force?: boolean): BatchTaskRecord
  log(msg: string, e?: unknown): void
  serviceType(profile: string): ServiceType
}

/** What a stage hands back: the next state and what changed with it. */
export type Transition = TaskPatch & { state: BatchTaskState }

export interface StageInput {
  task: BatchTaskRecord
  engine: CachedEngine
  signal: AbortSignal
}

/**
 * A stage of the table: does the work of `task.state` and returns the transition, or null when it
 * was interrupted (the signal aborted: closing or cancelled) and the task stays where it is.
 */
export type StageHandler = (ctx: BatchContext, s: StageInput) => Promise<Transition | null>

export function timestamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`
}
