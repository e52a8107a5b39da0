import type { EventPayload } from '@api/events'

/** A long task of the core (`core.status`): an engine loading its index, the picture model… */
export type CoreTask = EventPayload<'core.status'>

const TASK_KEYS: Record<string, string> = {
  'engine-load': 'coreStatus.task.engineLoad',
  'model-load': 'coreStatus.task.modelLoad',
  'gallery-migration': 'coreStatus.task.galleryMigration',
  'dump-import': 'coreStatus.task.dumpImport',
}

type T = (key: string, named?: Record<string, unknown>) => string

/** What the task is doing, in the UI's language. */
export function coreTaskLabel(s: CoreTask, t: T): string {
  const label = t(TASK_KEYS[s.task] ?? 'coreStatus.task.other', { profile: s.profile })
  // A dump import reads its file, then writes the cache: each stage has its own percentage.
  return s.stage ? `${label} · ${t(`coreStatus.stage.${s.stage}`)}` : label
}

/** The running tasks a job of `profile` waits for before its first picture: its engine, the model. */
export function warmingTasks(tasks: CoreTask[], profile: string): CoreTask[] {
  return tasks.filter(
    (s) =>
      (s.task === 'engine-load' && s.profile === profile) ||
      (s.task === 'model-load' && s.profile === ''),
  )
}

/** How long after its creation a job with nothing finished yet counts as starting up. */
export const WARM_MS = 30_000

interface JobLike {
  state: string
  profile: string
  total: number
  done: number
  failed: number
  skipped: number
  rate: number
  createdAt: number
}

/**
 * A job that runs but finished no picture yet, while its engine or the picture model loads (the
 * core says so) or in its first seconds: "Starting the engine…", not "0.0 pictures/s". A job that
 * still has nothing after that (an engine that cannot be reached) shows its rate as usual.
 */
export function isWarming(j: JobLike, tasks: CoreTask[], now = Date.now()): boolean {
  if (j.state !== 'running' && j.state !== 'queued') return false
  if (j.done + j.failed + j.skipped > 0 || j.total === 0 || j.rate > 0) return false
  return warmingTasks(tasks, j.profile).length > 0 || now - j.createdAt < WARM_MS
}
