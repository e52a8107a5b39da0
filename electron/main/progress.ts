import { ACTIVE_JOB_STATES } from '../domain'
import type { ProgressBarOptions } from 'electron'
import type { JobView } from '../api/domains/jobs'
import type { EventPayload } from '../api/events'
import type { CallCore, GetWindow, HostLog, OnCoreEvent } from './host-types'

/** One piece of running work: items done of total (0/0: no figure yet), and how it stands. */
interface Work {
  done: number
  total: number
  state: 'running' | 'paused' | 'error'
}

const JOB_ACTIVE = new Set<string>(ACTIVE_JOB_STATES)
/** A gallery operation silent for this long has ended without saying so (it failed). */
const STALE_MS = 60_000
const BATCH_ACTIVE = new Set(['queued', 'preparing', 'uploading', 'submitting', 'processing'])

/** The bar for what runs: the sum of done over total items, and its Windows mode. */
export function aggregateProgress(work: Iterable<Work>): {
  value: number
  mode: ProgressBarOptions['mode']
} {
  let done = 0
  let total = 0
  let any = false
  let running = false
  let error = false
  for (const w of work) {
    any = true
    if (w.state === 'error') error = true
    if (w.state === 'running') running = true
    if (w.total > 0) {
      done += Math.min(w.done, w.total)
      total += w.total
    }
  }
  if (!any) return { value: -1, mode: 'none' }
  // Nothing measurable yet: an indeterminate bar (Electron: a value above 1).
  if (total === 0) return { value: 2, mode: error ? 'error' : running ? 'indeterminate' : 'paused' }
  const value = Math.min(1, done / total)
  return { value, mode: error ? 'error' : running ? 'normal' : 'paused' }
}

/**
 * The taskbar (Windows), dock (macOS) or launcher (Linux, where supported) progress of what runs:
 * `setProgressBar(fraction)` with every running bulk add, batch task and long gallery operation
 * summed up; indeterminate while only work without figures runs (a batch task the engine is
 * processing); removed (`-1`) when nothing runs. Windows also shows paused (every job paused) and
 * error (a job stopped by itself) states. Updates are coalesced.
 */
export function installTaskbarProgress(deps: {
  getWindow: GetWindow
  onCoreEvent: OnCoreEvent
  /** Reads the jobs already running at start (and batch task figures while they upload). */
  callCore?: CallCore
  platform?: NodeJS.Platform
  intervalMs?: number
  log?: HostLog
}): { update(): void; dispose(): void } {
  const platform = deps.platform ?? process.platform
  const intervalMs = deps.intervalMs ?? 250
  const work = new Map<string, Work>()
  let last = ''
  let timer: ReturnType<typeof setTimeout> | null = null
  let disposed = false

  function apply() {
    timer = null
    if (disposed) return
    const win = deps.getWindow()
    if (!win || win.isDestroyed()) return
    const { value, mode } = aggregateProgress(work.values())
    const key = `${value.toFixed(3)}:${mode}`
    if (key === last) return
    last = key
    if (platform === 'win32') win.setProgressBar(value, { mode })
    else win.setProgressBar(value)
  }
  function schedule() {
    if (!timer && !disposed) timer = setTimeout(apply, intervalMs)
  }

  function putJob(
    j: Pick<JobView, 'jobId' | 'done' | 'failed' | 'skipped' | 'total'> & {
      state: string
      error?: unknown
    },
  ) {
    const key = `job:${j.jobId}`
    if (!JOB_ACTIVE.has(j.state)) work.delete(key)
    else
      work.set(key, {
        done: j.done + j.failed + j.skipped,
        total: j.total,
        state: j.state === 'paused' ? (j.error ? 'error' : 'paused') : 'running',
      })
  }

  // Batch tasks: their status comes by event; their figures (files uploaded) by asking.
  const batchFigures = new Map<number, number>()
  async function readBatch(id: number) {
    if (!deps.callCore || batchFigures.has(id)) return
    batchFigures.set(id, Date.now())
    try {
      const r = await deps.callCore('batch.get', { id })
      if (!('result' in r)) return
      const t = r.result as { state: string; filesDone: number; filesTotal: number }
      const w = work.get(`batch:${id}`)
      if (w && BATCH_ACTIVE.has(t.state)) {
        w.done = t.state === 'uploading' ? t.filesDone : 0
        w.total = t.state === 'uploading' ? t.filesTotal : 0
        schedule()
      }
    } finally {
      // at most one read per task and second
      setTimeout(() => batchFigures.delete(id), 1000)
    }
  }

  const stale = new Map<string, ReturnType<typeof setTimeout>>()
  const off = deps.onCoreEvent((name, payload) => {
    if (name === 'job.progress') {
      putJob(payload as EventPayload<'job.progress'>)
    } else if (name === 'task.status') {
      const t = payload as EventPayload<'task.status'>
      if (t.kind !== 'batch') return
      const key = `batch:${t.id}`
      if (!BATCH_ACTIVE.has(t.status)) work.delete(key)
      else {
        if (!work.has(key)) work.set(key, { done: 0, total: 0, state: 'running' })
        if (t.status === 'uploading') void readBatch(t.id)
        else Object.assign(work.get(key)!, { done: 0, total: 0 })
      }
    } else if (name === 'gallery.progress') {
      const g = payload as EventPayload<'gallery.progress'>
      const key = `gallery:${g.opId}`
      clearTimeout(stale.get(key))
      stale.delete(key)
      if (g.phase === 'done') work.delete(key)
      else {
        work.set(key, { done: g.done, total: g.total, state: 'running' })
        // An operation that failed says nothing more: forget it after a quiet minute.
        stale.set(
          key,
          setTimeout(() => {
            stale.delete(key)
            work.delete(key)
            schedule()
          }, STALE_MS),
        )
      }
    } else return
    schedule()
  })

  // Jobs resumed at start report their progress soon; read them now for a bar from the start.
  if (deps.callCore) {
    void deps
      .callCore('jobs.list', { active: true })
      .then((r) => {
        if (!('result' in r)) return
        for (const j of (r.result as { jobs: JobView[] }).jobs)
          if (!work.has(`job:${j.jobId}`)) putJob(j)
        schedule()
      })
      .catch((e: unknown) => deps.log?.('warn', `progress: ${(e as Error).message}`))
  }

  return {
    update: apply,
    dispose() {
      disposed = true
      off()
      if (timer) clearTimeout(timer)
      for (const t of stale.values()) clearTimeout(t)
      const win = deps.getWindow()
      if (win && !win.isDestroyed()) win.setProgressBar(-1)
    },
  }
}
