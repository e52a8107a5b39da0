/**
 * The local engine's featurizer: image embeddings and subject detection, computed in worker
 * threads. See bench/README.md for how the descriptor was chosen.
 */
import type { PixelBudget } from '../../../util/pixel-budget'
import { EngineError, foreignCode } from '../../errors'
import { DIM, VERSION } from './constants'
import { createFeaturizerPool } from './pool'
import type { Reply } from './protocol'
import type { Box, Description, Embedding, Featurizer, Subjects } from './types'

export type { Box, DescribeOptions, Description, Embedding, Featurizer, Subjects } from './types'
export { DIM, VERSION } from './constants'

export interface FeaturizerOptions {
  /** Worker threads (default 2). 0 runs everything on the calling thread (tools, debugging). */
  workers?: number
  /** Worker entry to load instead of the sibling worker.js / worker.ts (bundled hosts). */
  workerUrl?: URL
  /** The decode budget (default: the process's, util/pixel-budget.ts). */
  pixelBudget?: PixelBudget
}

/** The featurizer plus diagnostics: live worker threads and a work counter. */
export interface LocalFeaturizer extends Featurizer {
  /** Worker threads currently running (0 before first use and after close). */
  readonly threads: number
  /**
   * Pictures handed to the featurizer so far: one per detect, embed or describe call (each one
   * decodes its picture once). Tests and benchmarks count work with it.
   */
  readonly requests: number
  /**
   * Requests (embed, describe) that found their worker's model not loaded yet and waited for it:
   * after `warm()`, none should.
   */
  readonly coldRequests: number
  warm(): Promise<void>
}

export function createFeaturizer(opts: FeaturizerOptions = {}): LocalFeaturizer {
  const workers = opts.workers ?? 2
  if (workers <= 0) return inProcess()
  const pool = createFeaturizerPool(workers, opts.workerUrl, opts.pixelBudget)
  let cold = 0
  let warming: Promise<void> | null = null
  const unwrap = (r: Reply) => {
    if (r.cold && (!r.ok || r.op !== 'warm')) cold++
    if (!r.ok) {
      throw new EngineError(foreignCode(r.error.code ?? 'InternalError'), r.error.message, {
        hint: r.error.hint,
      })
    }
    return r
  }
  const unexpected = () => new EngineError('InternalError', 'Unexpected worker reply.')
  return {
    version: VERSION,
    dim: DIM,
    async detect(image: Buffer): Promise<Subjects & { width: number; height: number }> {
      const r = unwrap(await pool.run({ op: 'detect', image }))
      if (r.op !== 'detect') throw unexpected()
      return r.result
    },
    async embed(image: Buffer, box?: Box | null): Promise<Embedding> {
      const r = unwrap(await pool.run({ op: 'embed', image, box: box ?? null }))
      if (r.op !== 'embed') throw unexpected()
      return r.result
    },
    async describe(image, o): Promise<Description> {
      const r = unwrap(
        await pool.run({ op: 'describe', image, opts: { box: o.box ?? null, detect: !!o.detect } }),
      )
      if (r.op !== 'describe') throw unexpected()
      return r.result
    },
    warm() {
      // Once per featurizer (a worker started later, after a crash, loads on first use).
      warming ??= pool
        .runEach({ op: 'warm' })
        .then((replies) => {
          for (const r of replies) unwrap(r)
        })
        .catch((err: unknown) => {
          warming = null
          throw err
        })
      return warming
    },
    close: () => pool.close(),
    get threads() {
      return pool.threads
    },
    get requests() {
      return pool.requests
    },
    get coldRequests() {
      return cold
    },
  }
}

function inProcess(): LocalFeaturizer {
  let closed = false
  let requests = 0
  const check = () => {
    if (closed) throw new EngineError('InternalError', 'The featurizer is closed.')
    requests++
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
    async describe(image, o) {
      check()
      return (await import('./pipeline')).describeImage(image, o)
    },
    async warm() {
      if (closed) throw new EngineError('InternalError', 'The featurizer is closed.')
      await (await import('./warm')).warmUp()
    },
    async close() {
      closed = true
    },
    threads: 0,
    get requests() {
      return requests
    },
    coldRequests: 0,
  }
}
