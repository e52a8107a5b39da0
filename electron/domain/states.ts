/**
 * The states of Loupe's background work, once: jobs of the persistent queue and their items,
 * batch tasks (IncreaseInstance run end to end) and their lines, watched-folder rules and their
 * files. The core's stores, the contract's schemas and events, and the renderer derive from these.
 */

export const JOB_STATES = ['queued', 'running', 'paused', 'cancelled', 'done', 'failed'] as const
export type JobState = (typeof JOB_STATES)[number]
/** Jobs in these states may still run (the queue resumes them after a restart unless paused). */
export const ACTIVE_JOB_STATES = [
  'queued',
  'running',
  'paused',
] as const satisfies readonly JobState[]
/** Jobs in these states never run again by themselves. */
export const TERMINAL_JOB_STATES = [
  'cancelled',
  'done',
  'failed',
] as const satisfies readonly JobState[]

export const ITEM_STATES = ['pending', 'running', 'done', 'failed', 'skipped'] as const
export type ItemState = (typeof ITEM_STATES)[number]

export const BATCH_STATES = [
  'queued',
  'preparing',
  'uploading',
  'submitting',
  'processing',
  'success',
  'failed',
  'cancelled',
] as const
export type BatchState = (typeof BATCH_STATES)[number]
export const FINAL_BATCH_STATES = [
  'success',
  'failed',
  'cancelled',
] as const satisfies readonly BatchState[]

export const BATCH_LINE_STATES = [
  'planned',
  'rejected',
  'staged',
  'uploaded',
  'ok',
  'failed',
] as const
export type BatchLineState = (typeof BATCH_LINE_STATES)[number]

export const WATCH_RULE_STATES = [
  'idle',
  'scanning',
  'watching',
  'syncing',
  'paused',
  'error',
] as const
export type WatchRuleState = (typeof WATCH_RULE_STATES)[number]
/** What `watch.changed` reports: a rule's state, or `removed` once it is gone. */
export const WATCH_EVENT_STATES = [...WATCH_RULE_STATES, 'removed'] as const

/**
 * A watched file (or folder) row: `failed` also covers a file or folder that cannot be read (with
 * the OS reason); `skipped` is a link the rule does not follow (it leaves the folder).
 */
export const WATCH_FILE_STATES = [
  'pending',
  'synced',
  'failed',
  'rejected',
  'deleting',
  'skipped',
] as const
export type WatchFileState = (typeof WATCH_FILE_STATES)[number]
