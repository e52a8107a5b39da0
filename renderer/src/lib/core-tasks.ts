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
