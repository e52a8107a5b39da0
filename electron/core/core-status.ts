import type { EventPayload } from '../api/events'
import { Coalescer } from './jobs/progress'

export type CoreStatus = EventPayload<'core.status'>
export type CoreTask = CoreStatus['task']
export type CoreStage = NonNullable<CoreStatus['stage']>

/** Progress of one long task, as its owner reports it (engine load, index fill, dump import). */
export interface TaskProgress {
  /** Work done so far out of `total` (of the current stage, when there are stages). */
  progress(done: number, total: number, stage?: CoreStage): void
  /** The task ended: `done` (done = total) or `failed`. Later calls are ignored. */
  end(ok: boolean): void
}

/** What the core's services get: a way to start reporting a task on a profile. */
export type StatusReporter = (profile: string, task: CoreTask) => TaskProgress

/** Updates of a running task are sent at most this often (≤ 10 a second). */
export const STATUS_INTERVAL_MS = 100

/**
 * The `core.status` events: each task's updates coalesced (the first at once, then at most one per
 * STATUS_INTERVAL_MS, the latest values), then exactly one final event.
 */
export function createStatusReporter(
  emit: (status: CoreStatus) => void,
  intervalMs = STATUS_INTERVAL_MS,
): StatusReporter {
  return (profile, task) => {
    let done = 0
    let total = 0
    let stage: CoreStage | undefined
    let ended = false
    const send = (phase: CoreStatus['phase']) =>
      emit({ profile, task, ...(stage ? { stage } : {}), phase, done, total })
    const co = new Coalescer(intervalMs, () => send('running'))
    return {
      progress(d, t, s) {
        if (ended) return
        if (s !== stage && stage !== undefined) co.flush()
        done = d
        total = t
        stage = s
        co.request()
      },
      end(ok) {
        if (ended) return
        ended = true
        co.cancel()
        if (ok) done = total
        send(ok ? 'done' : 'failed')
      },
    }
  }
}

/** A reporter that reports nothing (tests, CLI commands without a UI). */
export const silentStatus: StatusReporter = () => ({ progress() {}, end() {} })
