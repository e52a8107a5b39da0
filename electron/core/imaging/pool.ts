/** The imaging worker threads (util/worker-pool.ts), started lazily on the first request. */
import { findWorkerEntry } from '../util/worker-entry'
import { WorkerPool } from '../util/worker-pool'
import { CoreError } from '../errors'
import { processPixelBudget, type PixelBudget } from '../util/pixel-budget'
import type { Reply, Request } from './protocol'

export type ImagingPool = WorkerPool<Request, Reply>

export function createImagingPool(
  size: number,
  workerUrl: URL = defaultWorkerUrl(),
  pixelBudget: PixelBudget = processPixelBudget(),
): ImagingPool {
  return new WorkerPool<Request, Reply>({
    size,
    workerUrl,
    // Decodes wait for their pixels in the process-wide budget (util/pixel-budget.ts).
    pixelBudget,
    // Two requests per worker let reading and encoding overlap.
    perWorker: 2,
    errors: {
      closed: () => new CoreError('InternalError', 'The imaging pool is closed.'),
      closing: () => new CoreError('InternalError', 'The imaging pool was closed.'),
      crashed: (err) =>
        new CoreError('InternalError', `The imaging worker failed: ${err.message}`, {
          httpStatus: 500,
          cause: err,
        }),
    },
  })
}

/**
 * The worker entry: worker.js next to this file when compiled file by file; imaging-worker.js
 * next to the bundle (electron-vite's `imaging-worker` input; this code may sit in a chunk one
 * folder down); worker.ts when running from sources (tsx, vitest).
 */
export function defaultWorkerUrl(): URL {
  return findWorkerEntry(import.meta.url, [
    './worker.js',
    './imaging-worker.js',
    '../imaging-worker.js',
  ])
}
