import type { Worker } from 'node:worker_threads'
import { findWorkerEntry, spawnWorker } from '../util/worker-entry'
import type { DumpJob, FromWorker, ToWorker, WireError } from './dump-protocol'
import { foreignCode } from '../../domain/errors'
import { GalleryError } from './errors'
import type { DumpProgress } from './types'

export interface DumpJobHooks {
  onProgress?: (p: DumpProgress) => void
  /** Applying: `done` of `total` steps. */
  onStep?: (done: number, total: number) => void
  /**
   * The worker is about to write: from now until `onUnlocked` the gallery must not write to the
   * database (it would wait for the worker's lock). Returns the import's timestamp.
   */
  onLock?: () => number
  onUnlocked?: () => void
  signal?: AbortSignal
}

/** A dump job running in its own worker thread; `cancel()` ends it (its transaction rolls back). */
export interface RunningDumpJob<T> {
  result: Promise<T>
  cancel(): void
}

/**
 * Runs a dump import or diff in a worker thread (dump-worker.ts) and relays its progress. The
 * worker asks before it takes the database's write lock (`onLock`) and says when it released it
 * (`onUnlocked`, also when it dies).
 */
export function runDumpJob<T>(job: DumpJob, hooks: DumpJobHooks = {}): RunningDumpJob<T> {
  const worker: Worker = spawnWorker(workerUrl())
  let locked = false
  let settled = false
  const unlock = () => {
    if (!locked) return
    locked = false
    hooks.onUnlocked?.()
  }
  const send = (m: ToWorker) => {
    if (!settled) worker.postMessage(m)
  }
  const onAbort = () => send({ type: 'abort' })
  const result = new Promise<T>((resolve, reject) => {
    const finish = (fn: () => void) => {
      if (settled) return
      settled = true
      hooks.signal?.removeEventListener('abort', onAbort)
      unlock()
      fn()
      void worker.terminate()
    }
    worker.on('message', (m: FromWorker) => {
      switch (m.type) {
        case 'progress':
          hooks.onProgress?.(m.progress)
          break
        case 'step':
          hooks.onStep?.(m.done, m.total)
          break
        case 'lock': {
          if (hooks.signal?.aborted) {
            send({ type: 'abort' })
            break
          }
          locked = true
          const now = hooks.onLock?.() ?? Date.now()
          send({ type: 'go', now })
          break
        }
        case 'unlocked':
          unlock()
          break
        case 'done':
          finish(() => resolve(m.result as T))
          break
        case 'failed':
          finish(() => reject(fromWire(m.error)))
      }
    })
    worker.on('error', (e) => finish(() => reject(e)))
    worker.on('exit', (code) =>
      finish(() =>
        reject(
          new GalleryError(
            'DumpImportFailed',
            `The dump worker stopped (exit code ${code}); nothing was imported.`,
          ),
        ),
      ),
    )
  })
  if (hooks.signal?.aborted) onAbort()
  else hooks.signal?.addEventListener('abort', onAbort, { once: true })
  worker.postMessage({ type: 'start', job } satisfies ToWorker)
  return {
    result,
    cancel: () => {
      void worker.terminate()
    },
  }
}

/** The worker's error as thrown there: a GalleryError again, anything else (e.g. SQLite's) as
 * an Error of the same name, message and code. */
function fromWire(e: WireError): Error {
  if (e.name === 'GalleryError' && e.code) {
    return new GalleryError(foreignCode(e.code), e.message, { hint: e.hint, line: e.line })
  }
  const err = new Error(e.message) as Error & { code?: string }
  err.name = e.name
  if (e.code) err.code = e.code
  return err
}

/**
 * The worker entry: dump-worker.js next to this file when compiled file by file;
 * gallery-dump-worker.js next to the bundle (electron-vite's input of that name; this code may
 * sit in a chunk one folder down); dump-worker.ts when running from sources (tsx, vitest).
 */
function workerUrl(): URL {
  return findWorkerEntry(
    import.meta.url,
    ['./dump-worker.js', './gallery-dump-worker.js', '../gallery-dump-worker.js'],
    './dump-worker.ts',
  )
}
