/**
 * The seam between the copy job and the fast path to the cloud (fast-path.ts, written apart):
 * `choosePath(plan)` decides how the pictures travel — one AddImage each at the target's rate
 * (default), or an increment.meta batch task (pictures uploaded to the user's OSS bucket) for big
 * galleries. The job handler asks the FastPath for every add / picture update of a job whose path
 * is `batch`; attribute updates and deletes always go straight to the engine.
 */
import type { HandlerContext, ItemRecord } from '../jobs/types'
import type { CopyItemResult, CopyPath, CopyPayload } from './types'

/** What the path choice looks at. */
export interface PathFacts {
  from: string
  to: string
  targetKind: 'local' | 'cloud'
  /** Pictures to send (adds and picture updates). */
  pictures: number
}

/** A picture ready to send: prepared by imaging, with what the target's cache records. */
export interface ReadyPicture {
  data: Buffer
  /** Region on `data`, when known. */
  region?: string
  /** Recorded in the target's gallery cache. */
  facts: {
    sourcePath?: string | null
    sha256?: string | null
    phash?: string | null
    thumbnail?: Buffer | null
  }
}

export interface FastPath {
  /** 'batch' when this copy should go through an increment.meta task. */
  choose(facts: PathFacts): CopyPath
  /** Items of a batch-path job sent at once (the job's concurrency). Default 64. */
  concurrency?: number
  /**
   * Sends one picture through the batch path. Resolves when the target has it (its batch task's
   * line succeeded), rejects with the line's error (a CoreError / foreign code the retry policy
   * classes) — the queue retries, resumes and counts it like any item. Must be idempotent per
   * item key: a resumed job sends again the items that were in flight at a crash.
   */
  send(
    item: ItemRecord<CopyPayload>,
    ctx: HandlerContext,
    picture: ReadyPicture,
  ): Promise<CopyItemResult>
}

/** Default choice without a fast path: AddImage. */
export function choosePath(facts: PathFacts, fast?: FastPath | null): CopyPath {
  return fast ? fast.choose(facts) : 'addImage'
}
