/**
 * The featurizer's worker threads (util/worker-pool.ts). Each worker loads its model lazily on
 * its first request.
 */
import { processPixelBudget, type PixelBudget } from '../../../util/pixel-budget'
import { findWorkerEntry } from '../../../util/worker-entry'
import { WorkerPool } from '../../../util/worker-pool'
import { EngineError } from '../../errors'
import type { Reply, Request } from './protocol'

export type FeaturizerPool = WorkerPool<Request, Reply>

export function createFeaturizerPool(
  size: number,
  workerUrl: URL = defaultWorkerUrl(),
  pixelBudget: PixelBudget = processPixelBudget(),
): FeaturizerPool {
  return new WorkerPool<Request, Reply>({
    size,
    workerUrl,
    // Decodes wait for their pixels in the process-wide budget (util/pixel-budget.ts).
    pixelBudget,
    // Two requests per worker let image decoding overlap with inference.
    perWorker: 2,
    errors: {
      closed: () => new EngineError('InternalError', 'The featurizer is closed.'),
      closing: () => new EngineError('InternalError', 'The featurizer was closed.'),
      crashed: (err) =>
        new EngineError('InternalError', `The featurizer worker failed: ${err.message}`, {
          cause: err,
        }),
    },
  })
}

/**
 * The worker entry: worker.js next to this file when compiled file by file; featurizer-worker.js
 * next to the bundle (electron-vite's `featurizer-worker` input; this code may sit in a chunk one
 * folder down); worker.ts when running from sources (tsx, vitest).
 */
function defaultWorkerUrl(): URL {
  return findWorkerEntry(import.meta.url, [
    './worker.js',
    './featurizer-worker.js',
    '../featurizer-worker.js',
  ])
}
