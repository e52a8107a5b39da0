import type { DumpCounts, DumpDiff, DumpProgress } from './types'

/** Messages between the gallery (main thread) and its dump worker (dump-worker.ts). */

export interface DumpJob {
  kind: 'import' | 'diff'
  /** The gallery database. */
  dbFile: string
  /** The dump (JSON lines). */
  dump: string
  busyTimeoutMs: number
  /** diff: example keys of each kind. */
  sample?: number
}

/** Main → worker. */
export type ToWorker =
  | { type: 'start'; job: DumpJob }
  /** Answer to `lock`: write now, with this timestamp (the gallery's clock). */
  | { type: 'go'; now: number }
  | { type: 'abort' }

/** Worker → main. */
export type FromWorker =
  | { type: 'progress'; progress: DumpProgress }
  /** Applying: `done` of `total` steps. */
  | { type: 'step'; done: number; total: number }
  /** Staged and ready to write: asks for the gallery's go (it stops writing meanwhile). */
  | { type: 'lock' }
  /** The write transaction ended (committed or rolled back): the gallery may write again. */
  | { type: 'unlocked' }
  | { type: 'done'; result: DumpCounts | DumpDiff }
  | { type: 'failed'; error: WireError }

/** An error crossing the thread boundary (GalleryError's fields). */
export interface WireError {
  name: string
  code?: string
  message: string
  hint?: string
  line?: number
}
