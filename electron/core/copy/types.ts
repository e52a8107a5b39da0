/**
 * Types of copying a gallery between profiles (`copy` domain): the records read from a gallery,
 * the job's params and items, and the seams other parts plug into.
 */
import type { AttrValues } from '../../domain'
import type { CopyAction, CopyPath, CopySource } from '../../api/domains/copy'

export type { CopyAction, CopyPath, CopySource }

export const COPY_KIND = 'gallery-copy'

/** One picture of a gallery as the copy sees it: its key and everything the engine keeps. */
export interface CopyRecord extends AttrValues {
  productId: string
  picName: string
  categoryId: number | null
  customContent: string | null
  /** Subject region on the original picture (`x1,x2,y1,y2`), null when unknown or whole. */
  region: string | null
  /** Local engine source: the region it indexed, on its own (prepared) picture. */
  storeRegion?: string | null
}

/** Where the picture of one item was found while planning (tried again, in order, when sent). */
export interface PictureHint {
  source: CopySource
  /** sourceFile: the file and its SHA-256 as the source's gallery cache knows them. */
  path?: string
  sha256?: string
  /** ossObject: the batch task's bucket, object key and region / endpoint. */
  oss?: { taskId: number; bucket: string; key: string }
}

/** One item of a `gallery-copy` job (payload). */
export interface CopyPayload {
  op: 'add' | 'update' | 'delete'
  productId: string
  picName: string
  /** add/update: the source's record (update sends the picture again when `picture` is true). */
  record?: CopyRecord
  /** update: whether the picture changed (or the category, which UpdateImage cannot change). */
  picture?: boolean
  hint?: PictureHint
}

export interface CopyItemResult {
  requestId: string
  op: CopyPayload['op']
  /** The picture's source actually used (add / update with picture). */
  source?: CopySource
  categoryId?: number
}

/** The job's params (kept in jobs.db: a resumed job needs nothing else). */
export interface CopyParams {
  from: string
  to: string
  sync: boolean
  path: CopyPath
  planId: string
  /** The narrowing of the source, for the report's source count and display. */
  scope: {
    filter?: string
    category?: number
    productIds?: string[]
    keys?: number
  }
  /** Counts of the plan (what the job was made of). */
  planned: { source: number; target: number; noPicture: number }
  /** Searches by picture made by the verification. */
  sampleSize: number
  /** The fast path's OSS target (path `batch`). */
  batch?: { bucket: string; path?: string; ossEndpoint?: string }
  /** Items of a batch-path job sent in one batch task at most (its queue concurrency). */
  batchWindow?: number
}

export const keyOf = (productId: string, picName: string): string => `${productId}\u0000${picName}`
