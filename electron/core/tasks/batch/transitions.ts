/**
 * The batch task's life as a table: for each state that is not final, the stage that does its
 * work (one file each) and the states it may lead to. The runner (runner.ts) looks the task's
 * state up, runs the stage, checks the transition against the table and saves it.
 *
 *   queued     → preparing                        (begin)
 *   preparing  → uploading | submitting | cancelled (prepare.ts: a `batch-prepare` job)
 *   uploading  → submitting                       (upload.ts, cloud only)
 *   submitting → processing                       (submit.ts: IncreaseInstance)
 *   processing → success | failed                 (process.ts: IncreaseList until the end)
 *
 * Any stage may also end in `failed` (an error) or `cancelled` (the user, before submission).
 */

import type { StageHandler } from './context'
import { prepare } from './prepare'
import { processing } from './process'
import type { BatchTaskState } from './store'
import { submit } from './submit'
import { upload } from './upload'

const begin: StageHandler = async () => ({
  state: 'preparing',
  startedAt: Date.now(),
  detail: 'Preparing pictures',
})

export type ActiveState = Exclude<BatchTaskState, 'success' | 'failed' | 'cancelled'>

export const TRANSITIONS: Record<ActiveState, { run: StageHandler; next: BatchTaskState[] }> = {
  queued: { run: begin, next: ['preparing'] },
  preparing: { run: prepare, next: ['uploading', 'submitting', 'cancelled'] },
  uploading: { run: upload, next: ['submitting'] },
  submitting: { run: submit, next: ['processing'] },
  processing: { run: processing, next: ['success', 'failed'] },
}

/** States a task may be cancelled in (before it was handed to the engine). */
export const CANCELLABLE: readonly BatchTaskState[] = ['queued', 'preparing', 'uploading']
