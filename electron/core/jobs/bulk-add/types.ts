import type { Engine, ImageAttributes, ServiceType } from '../../engines/types'
import type {
  Action,
  PrepareOptions,
  PreparedImage,
  PreviewOutcome,
  SmallImagePolicy,
} from '../../imaging/types'
import type { ItemError } from '../types'

/** Where pictures come from: a file, a folder (recursive), or a manifest. */
export type SourceType = 'auto' | 'file' | 'folder' | 'csv' | 'jsonl' | 'increment-meta'

export type BulkAddSource = string | { path: string; type?: SourceType }

/** Per-image fields sent with AddImage (besides the picture and its ids). */
export interface BulkAddFields extends ImageAttributes {
  crop?: boolean
  /** `x1,x2,y1,y2` on the original picture; mapped onto the prepared one. */
  region?: string
}

export interface BulkAddOptions {
  /** How to get productId/picName from a path: 'folder' (default), 'file', a template, a regex. */
  naming?: string
  /** Fields applied to every picture; a manifest's values win. */
  defaults?: BulkAddFields
  /**
   * Pictures whose SHA-256 is already in the gallery under another id. Default 'skip'. Identical
   * files within the batch itself are flagged but always added (each under its own id).
   */
  duplicates?: 'skip' | 'add'
  /** Skip pictures already in the gallery under the same id with the same SHA-256. Default true. */
  skipUnchanged?: boolean
  /** Largest Hamming distance listed as a near duplicate (0 turns the lookup off). Default 6. */
  nearDistance?: number
  /** The profile's service type (pixel bounds). Default 'product'. */
  serviceType?: ServiceType
  /** Pictures smaller than the minimum side. Default 'reject'. */
  smallImage?: SmallImagePolicy
  /** Walk sub-folders. Default true. */
  recursive?: boolean
  /** Longest productId / picName. Default 512 (the API reference's limit, LIMITS in the domain). */
  idMaxLength?: number
  /** Known category ids. Default: the cloud's category table. */
  categories?: readonly number[]
  /** Pictures previewed at once while planning. Default 4. */
  concurrency?: number
}

/** The imaging calls bulk add needs (a subset of core/imaging's `Imaging`). */
export interface BulkImaging {
  preview(input: string, opts?: PrepareOptions): Promise<PreviewOutcome>
  prepare(input: string, opts?: PrepareOptions): Promise<PreparedImage>
}

export interface ImageRef {
  productId: string
  picName: string
}

/** What bulk add asks the gallery cache while planning. */
export interface GalleryLookup {
  findBySha256(sha256: string): ImageRef[] | Promise<ImageRef[]>
  findNearPhash?(
    phash: string,
    maxDistance: number,
  ): (ImageRef & { distance: number })[] | Promise<(ImageRef & { distance: number })[]>
}

export interface PlanDeps {
  imaging: BulkImaging
  gallery?: GalleryLookup
}

export type OutcomeKind = 'kept' | 'resized' | 'converted' | 'rejected'

export interface PlanOutcome {
  kind: OutcomeKind
  /** Human sentences: what preparation will do, or why the picture is refused. */
  reasons: string[]
  actions: Action[]
  error?: ItemError & { hint?: string }
  /** The original picture's size (as displayed) and format, when readable. */
  width?: number
  height?: number
  format?: string
}

export interface DuplicateInfo {
  kind: 'exact' | 'near'
  /**
   * The other pictures: in the gallery (`inPlan` unset; first), or elsewhere in the same batch
   * (`inPlan: true`, with the file's `relPath`). Only copies in the gallery make an item skipped.
   */
  existing: (ImageRef & { distance?: number; inPlan?: boolean; relPath?: string })[]
}

export type PlanAction = 'add' | 'delete' | 'skip' | 'reject'

export interface PlanItem {
  /** What the item does: add or delete (increment.meta DELETE lines). */
  op: 'add' | 'delete'
  /** What enqueueing will do with it. The UI may flip 'add' ↔ 'skip' per item. */
  action: PlanAction
  /** Absolute path of the picture (null for deletes and for lines without a usable path). */
  source: string | null
  /** `file:line` for items from a manifest. */
  origin: string | null
  /** Path relative to its source root, forward slashes. */
  relPath: string
  productId: string | null
  picName: string | null
  fields: BulkAddFields
  /** Null for deletes. */
  outcome: PlanOutcome | null
  sha256: string | null
  phash: string | null
  duplicate?: DuplicateInfo
  /** Same id and same SHA-256 already in the gallery. */
  unchanged?: boolean
  /** Why the item is rejected or skipped. */
  reason?: ItemError
}

/** What a bulk-add item stores in the queue. */
export interface BulkAddPayload {
  op: 'add' | 'delete'
  source: string | null
  origin: string | null
  relPath: string
  productId: string | null
  picName: string | null
  fields: BulkAddFields
  sha256: string | null
  phash: string | null
}

export interface BulkAddParams {
  serviceType: ServiceType
  smallImage: SmallImagePolicy
  fingerprint: string | null
  sources?: string[]
}

/** What a done item stores as its result. */
export interface BulkAddResult {
  requestId: string
  categoryId?: number
  region?: string | null
  sha256?: string
  phash?: string
  /** Summary of what preparation did. */
  prepared?: string[]
  deleted?: string[]
}

export interface BulkAddRuntime {
  /**
   * The profile's engine: the registry's, whose write-through records every add and delete in the
   * gallery cache (`gallery/write-through.ts`).
   */
  engineFor(profile: string): Engine | Promise<Engine>
  imaging: BulkImaging
}
