/**
 * The local engine's featurizer: image embeddings and subject detection, computed in worker
 * threads. See bench/README.md for how the descriptor was chosen.
 */
import { EngineError } from '../../errors'
import { DIM, VERSION } from './constants'
import { WorkerPool } from './pool'
import type { Reply } from './protocol'
import type { Box, Embedding, Featurizer, Subjects } from './types'

export type { Box, Embedding, Featurizer, Subjects } from './types'
export { DIM, VERSION } from './constants'

export interface FeaturizerOptions {
  /** Worker threads (default 2). 0 runs everything on the calling thread (tools, debugging). */
  workers?: number
  /** Worker entry to load instead of the sibling worker.js / worker.ts (bundled hosts). */
  workerUrl?: URL
}

/** The featurizer plus a diagnostic: the number of live worker threads. */
export interface LocalFeaturizer extends Featurizer {
  /** Worker threads currently running (0 before first use and after close). */
  readonly threads: number
}

export function createFeaturizer(opts: FeaturizerOptions = {}): LocalFeaturizer {
  const workers = opts.workers ?? 2
  if (workers <= 0) return inProcess()
  const pool = new WorkerPool(workers, opts.workerUrl)
  const unwrap = (r: Reply) => {
    if (!r.ok) {
      throw new EngineError(r.error.code ?? 'InternalError', r.error.message, {
        hint: r.error.hint,
      })
    }
    return r
  }
  return {
    version: VERSION,
    dim: DIM,
    async detect(image: Buffer): Promise<Subjects & { width: number; height: number }> {
      const r = unwrap(await pool.run({ op: 'detect', image }))
      if (r.op !== 'detect') throw new EngineError('InternalError', 'Unexpected worker reply.')
      return r.result
    },
    async embed(image: Buffer, box?: Box | null): Promise<Embedding> {
      const r = unwrap(await pool.run({ op: 'embed', image, box: box ?? null }))
      if (r.op !== 'embed') throw new EngineError('InternalError', 'Unexpected worker reply.')
      return r.result
    },
    close: () => pool.close(),
    get threads() {
      return pool.threads
    },
  }
}

function inProcess(): LocalFeaturizer {
  let closed = false
  const check = () => {
    if (closed) throw new EngineError('InternalError', 'The featurizer is closed.')
  }
  return {
    version: VERSION,
    dim: DIM,
    async detect(image) {
      check()
      return (await import('./pipeline')).detectImage(image)
    },
    async embed(image, box) {
      check()
      return (await import('./pipeline')).embedImage(image, box)
    },
    async close() {
      closed = true
    },
    threads: 0,
  }
}
