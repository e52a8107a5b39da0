/**
 * What the parts of the local engine share: its folder, store, in-memory index and featurizer,
 * plus the few settings that change while it is open. `createLocalEngine` (index.ts) builds one
 * context and hands it to each part (search, writes, background, tasks, throttle).
 */
import { EngineError } from '../errors'
import type { Featurizer } from './featurizer/types'
import type { Projection } from './featurizer/pca'
import type { RerankOptions } from './rerank'
import type { Store } from './store'
import type { VectorIndex } from './vector-index'

export interface EngineContext {
  /** The engine's folder (absolute). */
  readonly dir: string
  /** Instance name reported by Detail and in batch error files. */
  readonly name: string
  readonly store: Store
  readonly index: VectorIndex
  readonly featurizer: Featurizer
  /** 'product', 'generic', 'fabric' or 'trademark'. */
  readonly serviceType: string
  /** Product search: categories are predicted and restrict searches. */
  readonly isProduct: boolean
  /** Folder served as bucket `local` to IncreaseInstance. */
  readonly batchRoot: string
  readonly fileUrl: (absPath: string) => string
  readonly log: (msg: string, err?: unknown) => void
  /** Maximum number of images (changed by setCapacity). */
  capacity: number
  /** Set once close() starts. */
  closed: boolean
  /** Re-ranking of searches by picture and by name (null: plain similarity). */
  readonly rerank: RerankOptions | null
  /**
   * The gallery-adapted space in use (space.ts): the index holds every vector through it and
   * every query passes through it. Null: the plain descriptor.
   */
  space: { id: number; projection: Projection } | null
  /** Set while the index is being re-projected for another space: calls wait for it. */
  switching: Promise<void> | null
}

/** A featurizer vector checked against the declared dimension. */
export function checkVector(ctx: EngineContext, v: Float32Array): Float32Array {
  if (v.length !== ctx.featurizer.dim) {
    throw new EngineError(
      'InternalError',
      `The featurizer returned ${v.length} dimensions but declares ${ctx.featurizer.dim}.`,
    )
  }
  return v
}
