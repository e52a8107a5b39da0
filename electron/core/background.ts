/**
 * One way to run background work. Every kind of work that runs on its own in a host — the job
 * queue, gallery operations, metadata exports (dumps), batch tasks, folder watchers — is a
 * `BackgroundService`: `start()` takes its lock and resumes unfinished work, `stop()` stops it
 * (in-flight calls complete; everything stays resumable) and releases the lock, `close()` stops it
 * and releases its resources for good. `core.start()` / `core.close()` (core/app.ts) run them in
 * one defined order, the same in every host.
 */

import type { LockOwner } from './util/lock'

export type { LockOwner } from './util/lock'

/** `ok: false`: another live process runs this work for the data folder (nothing started here). */
export type StartResult = { ok: true } | { ok: false; owner: LockOwner }

export interface BackgroundService {
  start(): Promise<StartResult>
  stop(): Promise<void>
  close(): Promise<void>
}

export type ServiceName = 'jobs' | 'gallery' | 'dumps' | 'batch' | 'watch'

/**
 * The start order: the job queue first (the others run their work as its jobs, so its handlers
 * are registered and unfinished jobs resume before anything enqueues), then gallery operations,
 * dumps, batch tasks and the folder watchers. Stopping and closing go the other way round.
 */
export const START_ORDER: readonly ServiceName[] = ['jobs', 'gallery', 'dumps', 'batch', 'watch']

export interface Background {
  /** Start every service in START_ORDER; a second call returns the first call's outcome. */
  start(): Promise<Record<ServiceName, StartResult | { ok: false; error: string }>>
  /** Stop every service (reverse order), then close them (reverse order). Idempotent. */
  close(): Promise<void>
  readonly started: boolean
}

export function createBackground(
  services: Record<ServiceName, BackgroundService>,
  log: (level: 'info' | 'warn' | 'error', line: string) => void,
): Background {
  let starting: ReturnType<Background['start']> | null = null
  let closing: Promise<void> | null = null

  async function startAll() {
    const out = {} as Record<ServiceName, StartResult | { ok: false; error: string }>
    for (const name of START_ORDER) {
      if (closing) break
      try {
        const r = await services[name].start()
        out[name] = r
        if (!r.ok) {
          log('info', `${name}: runs in the Loupe ${r.owner.host} host (pid ${r.owner.pid})`)
        }
      } catch (e) {
        out[name] = { ok: false, error: (e as Error).message }
        log('error', `${name}: not started: ${(e as Error).message}`)
      }
    }
    return out
  }

  return {
    start() {
      if (closing) return Promise.reject(new Error('Loupe is closing'))
      starting ??= startAll()
      return starting
    },
    close() {
      closing ??= (async () => {
        // A start still running finishes its current service first (never half-started).
        await starting?.catch(() => {})
        const order = [...START_ORDER].reverse()
        for (const name of order) {
          await services[name]
            .stop()
            .catch((e: Error) => log('warn', `${name}: stop: ${e.message}`))
        }
        for (const name of order) {
          await services[name]
            .close()
            .catch((e: Error) => log('warn', `${name}: close: ${e.message}`))
        }
      })()
      return closing
    },
    get started() {
      return starting !== null
    },
  }
}
