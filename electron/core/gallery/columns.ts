import type { FilterColumns } from '../engines/local/filter'
import type { GalleryAttributes, GalleryImage, SyncState } from './types'

/** camelCase attribute → column of `images`. */
export const ATTR_COLUMNS = {
  categoryId: 'category_id',
  customContent: 'custom_content',
  intAttr: 'int_attr',
  intAttr2: 'int_attr2',
  intAttr3: 'int_attr3',
  intAttr4: 'int_attr4',
  strAttr: 'str_attr',
  strAttr2: 'str_attr2',
  strAttr3: 'str_attr3',
  strAttr4: 'str_attr4',
} as const satisfies Record<keyof GalleryAttributes, string>

/** The filter language's fields → columns of `images` aliased `i`. */
export const FILTER_COLUMNS: FilterColumns = {
  int_attr: 'i.int_attr',
  int_attr2: 'i.int_attr2',
  int_attr3: 'i.int_attr3',
  int_attr4: 'i.int_attr4',
  str_attr: 'i.str_attr',
  str_attr2: 'i.str_attr2',
  str_attr3: 'i.str_attr3',
  str_attr4: 'i.str_attr4',
}

/** Text columns indexed by FTS5 (in the FTS table's column order). */
export const TEXT_COLUMNS = [
  'product_id',
  'pic_name',
  'custom_content',
  'str_attr',
  'str_attr2',
  'str_attr3',
  'str_attr4',
] as const

/** The columns a GalleryImage is read from. */
export const IMAGE_SELECT = `i.product_id, i.pic_name, i.category_id, i.custom_content,
  i.int_attr, i.int_attr2, i.int_attr3, i.int_attr4, i.str_attr, i.str_attr2, i.str_attr3,
  i.str_attr4, i.region, i.source_path, i.sha256, i.phash, i.thumbnail, i.sync_state,
  i.sync_error, i.added_at, i.updated_at, i.seen_at`

/** A row read with `.raw()` from `SELECT ${IMAGE_SELECT}` (columns in that order) → image.
 * Arrays are much cheaper to fetch than objects with 22 keys (a page of 100 rows: ~2x). */
export function rawToImage(a: unknown[]): GalleryImage {
  return {
    productId: a[0] as string,
    picName: a[1] as string,
    categoryId: a[2] as number | null,
    customContent: a[3] as string | null,
    intAttr: a[4] as number | null,
    intAttr2: a[5] as number | null,
    intAttr3: a[6] as number | null,
    intAttr4: a[7] as number | null,
    strAttr: a[8] as string | null,
    strAttr2: a[9] as string | null,
    strAttr3: a[10] as string | null,
    strAttr4: a[11] as string | null,
    region: a[12] as string | null,
    sourcePath: a[13] as string | null,
    sha256: a[14] as string | null,
    phash: a[15] as string | null,
    thumbnail: a[16] as string | null,
    syncState: a[17] as SyncState,
    syncError: a[18] as string | null,
    addedAt: a[19] as number,
    updatedAt: a[20] as number,
    seenAt: a[21] as number | null,
  }
}

export interface ImageRow {
  product_id: string
  pic_name: string
  category_id: number | null
  custom_content: string | null
  int_attr: number | null
  int_attr2: number | null
  int_attr3: number | null
  int_attr4: number | null
  str_attr: string | null
  str_attr2: string | null
  str_attr3: string | null
  str_attr4: string | null
  region: string | null
  source_path: string | null
  sha256: string | null
  phash: string | null
  thumbnail: string | null
  sync_state: string
  sync_error: string | null
  added_at: number
  updated_at: number
  seen_at: number | null
}

export function rowToImage(r: ImageRow): GalleryImage {
  return {
    productId: r.product_id,
    picName: r.pic_name,
    categoryId: r.category_id,
    customContent: r.custom_content,
    intAttr: r.int_attr,
    intAttr2: r.int_attr2,
    intAttr3: r.int_attr3,
    intAttr4: r.int_attr4,
    strAttr: r.str_attr,
    strAttr2: r.str_attr2,
    strAttr3: r.str_attr3,
    strAttr4: r.str_attr4,
    region: r.region,
    sourcePath: r.source_path,
    sha256: r.sha256,
    phash: r.phash,
    thumbnail: r.thumbnail,
    syncState: r.sync_state as SyncState,
    syncError: r.sync_error,
    addedAt: r.added_at,
    updatedAt: r.updated_at,
    seenAt: r.seen_at,
  }
}

/** SQL list of the pending sync states (constants, never user input). */
export const PENDING_SQL = `('pending-add','pending-update','pending-delete')`
