/**
 * Public types of the gallery cache: the per-profile SQLite cache of every image Loupe knows.
 * Attribute names are the engine's camelCase domain names; an unset attribute is `null`.
 */
import { ATTR_KEYS, type AttrValues } from '../../domain'
import type { TaskProgress } from '../core-status'

export const SYNC_STATES = [
  'synced',
  'pending-add',
  'pending-update',
  'pending-delete',
  'error',
] as const
export type SyncState = (typeof SYNC_STATES)[number]

/** The pending states: a local change not yet confirmed by the engine. Dump imports leave them be. */
export const PENDING_STATES = ['pending-add', 'pending-update', 'pending-delete'] as const

export interface ImageKey {
  productId: string
  picName: string
}

/** The engine-side metadata of an image (what AddImage/UpdateImage set and DumpMeta exports). */
export type GalleryAttributes = AttrValues & {
  categoryId: number | null
  customContent: string | null
}

export const ATTRIBUTE_KEYS = [
  'categoryId',
  'customContent',
  ...ATTR_KEYS,
] as const satisfies readonly (keyof GalleryAttributes)[]

/** Why a category is Other: the local engine had no labelled neighbour to predict it from. */
export type CategoryNote = 'noLabelledNeighbours'

/** One cached image. Timestamps are milliseconds since the epoch. */
export interface GalleryImage extends ImageKey, GalleryAttributes {
  /** Subject region `x1,x2,y1,y2` as the engine reported or was given it. */
  region: string | null
  /** Local file the image was added from (absolute path), when Loupe added it. */
  sourcePath: string | null
  /** SHA-256 of the source file, 64 lowercase hex characters. */
  sha256: string | null
  /** 64-bit perceptual hash, 16 lowercase hex characters. */
  phash: string | null
  /** Thumbnail file, relative to the profile's `thumbs/` folder (forward slashes). */
  thumbnail: string | null
  syncState: SyncState
  /** The last error when syncState is 'error'. */
  syncError: string | null
  addedAt: number
  updatedAt: number
  /** Last time the engine confirmed the image (a recorded operation or a dump import). */
  seenAt: number | null
  /** Set when the category is Other for want of labelled neighbours (local engine). */
  categoryNote: CategoryNote | null
}

/** What `recordAdded` takes: the key, the attributes sent with AddImage, and local facts. */
export interface AddedRecord extends ImageKey, Partial<GalleryAttributes> {
  region?: string | null
  /** What the engine said of the category it settled on (default none). */
  categoryNote?: CategoryNote | null
  sourcePath?: string | null
  sha256?: string | null
  phash?: string | null
  thumbnail?: string | null
  /** Default 'synced' (the engine accepted the image). */
  syncState?: SyncState
  syncError?: string | null
}

/** What `recordUpdated` takes: only the given fields change (UpdateImage semantics). */
export type UpdatedFields = Partial<GalleryAttributes> & {
  region?: string | null
  /** Not given: kept if the category stays, cleared if it changes. */
  categoryNote?: CategoryNote | null
  syncState?: SyncState
  syncError?: string | null
}

export type SortKey = 'updated' | 'added' | 'productId' | 'picName' | 'category'
export type SortOrder = 'asc' | 'desc'

export interface QueryOptions {
  /** Free text, searched as substrings of productId, picName, customContent, strAttr..strAttr4. */
  text?: string
  /** The engine's filter language (int_attr>=100 AND str_attr="x"). */
  filter?: string
  categoryId?: number
  productId?: string
  syncState?: SyncState | SyncState[]
  sort?: SortKey
  order?: SortOrder
  /** 1..1000 */
  limit: number
  offset?: number
}

export interface Page<T> {
  /** Every match, regardless of limit/offset. */
  total: number
  items: T[]
}

export interface ProductGroup {
  productId: string
  /** Pictures of the product matching the query. */
  count: number
  /** Most recent updatedAt among them. */
  updatedAt: number
  /** The first matching picture (by picName) to show as the product's cover. */
  cover: GalleryImage
}

export type GroupSortKey = 'productId' | 'count' | 'updated'

export interface GroupQueryOptions extends Omit<QueryOptions, 'sort' | 'productId'> {
  sort?: GroupSortKey
}

export interface NearMatch extends GalleryImage {
  /** Hamming distance between the perceptual hashes (0..64). */
  distance: number
}

export interface GalleryStats {
  count: number
  products: number
  byCategory: { categoryId: number | null; count: number }[]
  bySyncState: Record<SyncState, number>
  /** When the last dump import was applied, if any. */
  lastImportAt: number | null
}

export interface DumpCounts {
  /** In the dump, not in the cache. */
  added: number
  /** In both, with different metadata. */
  changed: number
  /** In the cache, not in the dump (removed on import). */
  gone: number
  /** In both, identical. */
  unchanged: number
  /** Cache rows with a pending local change (pending-add/update/delete): left untouched. */
  pending: number
}

export interface DumpDiff extends DumpCounts {
  /** Up to `sample` keys of each kind, for a preview. */
  examples: { added: ImageKey[]; changed: ImageKey[]; gone: ImageKey[] }
}

export interface DumpProgress {
  phase: 'reading' | 'applying' | 'done'
  /** Non-empty lines read so far. */
  lines: number
  bytesRead: number
  totalBytes: number
}

export interface DumpOptions {
  onProgress?: (p: DumpProgress) => void
  signal?: AbortSignal
}

export interface DiffOptions extends DumpOptions {
  /** How many example keys of each kind to return (default 20). */
  sample?: number
}

export interface OpenOptions {
  /** Open without migrating or writing (fails if the schema is not current). */
  readonly?: boolean
  /** The thumbs folder; default `<dir of file>/thumbs`. */
  thumbsDir?: string
  /** Clock for timestamps (tests). Default Date.now. */
  now?: () => number
  /** busy_timeout in ms (default 5000). */
  busyTimeoutMs?: number
  /**
   * Progress of the gallery's long background work: filling the text index after a migration
   * ('gallery-migration'), dump imports ('dump-import'). Hosts turn it into `core.status` events.
   */
  status?: (task: 'gallery-migration' | 'dump-import') => TaskProgress
  /** Diagnostics for background failures (a fill slice retried, a held-back write that failed). */
  log?: (message: string, err?: unknown) => void
}
