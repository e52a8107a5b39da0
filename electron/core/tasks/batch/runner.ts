/**
 * The batch runner: runs the unfinished tasks of the data folder through the transition table,
 * one task at a time per profile (the cloud runs one per instance; the next waits, queued). It
 * runs in one process per data folder (lock `batch-runner.lock`); other processes only create,
 * list and cancel tasks, and the runner picks their new tasks up within `scanIntervalMs`.
 * As a BackgroundService it starts the job queue first (a task's preparation is a job of it).
 */

import path from 'node:path'
import type { BackgroundService, StartResult } from '../../background'
import type { CoreError } from '../../errors'
import { lockOwner, tryLock, type LockOwner } from '../../util/lock'
import { sleep } from '../../util/sleep'
import type { BatchContext } from './context'
import { cleanup, notify } from './finish'
import { cancelPrepareJob } from './prepare'
import { FINAL_STATES, type BatchTaskRecord } from './store'
import { TRANSITIONS, type ActiveState } from './transitions'

export function createBatchRunner(ctx: BatchContext) {
  const { deps, db, update, log } = ctx
  const lockFile = path.join(deps.dataDir, 'batch-runner.lock')
  let releaseLock: (() => void) | null = null
  let life = new AbortController()
  let started = false
  let closed = false
  let scanTimer: NodeJS.Timeout | null = null
  const running = new Map<string, Promise<void>>()
  const controllers = new Map<number, AbortController>()
  const cancelled = new Set<number>()

  function kick(): void {
    if (!started || closed) return
    let unfinished: BatchTaskRecord[]
    try {
      unfinished = db().unfinished()
    } catch (e) {
      log('reading tasks failed', e)
      return
    }
    for (const profile of new Set(unfinished.map((t) => t.profile))) {
      if (running.has(profile)) continue
      const p = (async () => {
        for (;;) {
          if (closed || !started) return
          const t = db()
            .unfinished()
            .find((x) => x.profile === profile)
          if (!t) return
          await runTask(t)
          const after = db().get(t.id)
          // Interrupted (closing) or waiting on something outside: stop this loop.
          if (after && !FINAL_STATES.includes(after.state)) return
        }
      })()
        .catch((e) => log(`runner of ${profile} crashed`, e))
        .finally(() => {
          running.delete(profile)
          if (!closed && started) setImmediate(kick)
        })
      running.set(profile, p)
    }
  }

  /** A task reached a final state: remove its staging folder, tell the user. */
  function ended(t: BatchTaskRecord): BatchTaskRecord {
    cleanup(ctx, t)
    notify(ctx, t)
    return t
  }

  async function runTask(t0: BatchTaskRecord): Promise<void> {
    const ctl = new AbortController()
    controllers.set(t0.id, ctl)
    const onLife = () => ctl.abort(new Error('closing'))
    life.signal.addEventListener('abort', onLife, { once: true })
    try {
      let t = t0
      while (!FINAL_STATES.includes(t.state)) {
        if (ctl.signal.aborted) return
        const before = t.state as ActiveState
        const stage = TRANSITIONS[before]
        let next: Awaited<ReturnType<typeof stage.run>>
        try {
          const engine = await deps.engines.get(t.profile)
          next = await stage.run(ctx, { task: t, engine, signal: ctl.signal })
        } catch (e) {
          if (ctl.signal.aborted) next = null
          else {
            const err = e as CoreError
            log(`task ${t.id} failed while ${before}`, e)
            ended(
              update(t.id, {
                state: 'failed',
                detail: err.message,
                error: { code: err.code ?? 'InternalError', message: err.message, hint: err.hint },
                finishedAt: Date.now(),
              }),
            )
            return
          }
        }
        if (next === null) {
          if (ctl.signal.aborted && cancelled.delete(t.id)) await cancelNow(db().get(t.id)!)
          return // closing, or cancelled
        }
        if (!stage.next.includes(next.state)) {
          throw new Error(`batch: ${before} cannot lead to ${next.state} (task ${t.id})`)
        }
        t = update(t.id, next)
        if (FINAL_STATES.includes(t.state)) ended(t)
      }
    } finally {
      controllers.delete(t0.id)
      life.signal.removeEventListener('abort', onLife)
    }
  }

  async function cancelNow(t: BatchTaskRecord): Promise<BatchTaskRecord> {
    await cancelPrepareJob(ctx, t)
    cleanup(ctx, t)
    return update(t.id, { state: 'cancelled', detail: 'Cancelled', finishedAt: Date.now() })
  }

  /** Cancel a task that was not handed to the engine yet (its runner stops it, or here). */
  async function cancel(t: BatchTaskRecord): Promise<BatchTaskRecord> {
    const ctl = controllers.get(t.id)
    if (!ctl) return cancelNow(t)
    cancelled.add(t.id)
    ctl.abort(new Error('cancelled'))
    // the runner marks it cancelled; wait a moment for it
    for (let i = 0; i < 100 && !FINAL_STATES.includes(db().get(t.id)!.state); i++) await sleep(20)
    return db().get(t.id)!
  }

  function owner(): LockOwner | null {
    return started ? { pid: process.pid, host: deps.host, since: 0 } : lockOwner(lockFile)
  }

  async function stop(): Promise<void> {
    if (!started) return
    started = false
    if (scanTimer) clearInterval(scanTimer)
    scanTimer = null
    life.abort()
    await Promise.allSettled([...running.values()])
    releaseLock?.()
    releaseLock = null
  }

  const service: BackgroundService = {
    /**
     * Run the tasks of this data folder in this process. `ok: false`, running nothing, when
     * another live process holds the runner lock (or runs the job queue).
     */
    async start(): Promise<StartResult> {
      if (closed) throw new Error('batch service is closed')
      if (started) return { ok: true }
      const l = tryLock(lockFile, deps.host)
      if (!l.ok) return l
      let jobs: StartResult
      try {
        jobs = await deps.jobs.start()
      } catch (e) {
        l.release()
        throw e
      }
      if (!jobs.ok) {
        l.release()
        return jobs
      }
      releaseLock = l.release
      started = true
      life = new AbortController()
      kick()
      scanTimer = setInterval(kick, deps.scanIntervalMs ?? 2000)
      scanTimer.unref()
      return { ok: true }
    },
    stop,
    async close() {
      await stop()
      closed = true
    },
  }

  return {
    ...service,
    kick: () => setImmediate(kick),
    cancel,
    owner,
    get running() {
      return started
    },
  }
}
