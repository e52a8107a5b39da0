import {
  ATTR_FIELD,
  ATTR_FIELDS,
  ATTR_KEYS,
  STR_ATTR_FIELDS,
  type IntAttrField,
  type StrAttrField,
} from '../../domain'
import type { FilterColumns } from '../engines/local/filter'
import type { GalleryAttributes, GalleryImage } from './types'

/** camelCase attribute → column of `images` (the attributes' columns are their filter names). */
export const ATTR_COLUMNS = {
  categoryId: 'category_id',
  customContent: 'custom_content',
  ...ATTR_FIELD,
} as const satisfies Record<keyof GalleryAttributes, string>

/** The filter language's fields → columns of `images` aliased `i`. */
export const FILTER_COLUMNS = Object.fromEntries(
  ATTR_FIELDS.map((f) => [f, `i.${f}`]),
) as FilterColumns

/** Text columns indexed by FTS5 (in the FTS table's column order). */
export const TEXT_COLUMNS = [
  'product_id',
  'pic_name',
  'custom_content',
  ...STR_ATTR_FIELDS,
] as const

/** The columns of a GalleryImage, in IMAGE_SELECT's order, with their camelCase names. */
const IMAGE_COLUMNS: readonly (readonly [column: string, key: keyof GalleryImage])[] = [
  ['product_id', 'productId'],
  ['pic_name', 'picName'],
  ['category_id', 'categoryId'],
  ['custom_content', 'customContent'],
  ...ATTR_KEYS.map((k) => [ATTR_FIELD[k], k] as const),
  ['region', 'region'],
  ['source_path', 'sourcePath'],
  ['sha256', 'sha256'],
  ['phash', 'phash'],
  ['thumbnail', 'thumbnail'],
  ['sync_state', 'syncState'],
  ['sync_error', 'syncError'],
  ['added_at', 'addedAt'],
  ['updated_at', 'updatedAt'],
  ['seen_at', 'seenAt'],
  ['category_note', 'categoryNote'],
]

/** The columns a GalleryImage is read from. */
export const IMAGE_SELECT = IMAGE_COLUMNS.map(([c]) => `i.${c}`).join(', ')

/** A row read with `.raw()` from `SELECT ${IMAGE_SELECT}` (columns in that order) → image.
 * Arrays are much cheaper to fetch than objects with 22 keys (a page of 100 rows: ~2x). */
export function rawToImage(a: unknown[]): GalleryImage {
  const img: Record<string, unknown> = {}
  for (let i = 0; i < IMAGE_COLUMNS.length; i++) img[IMAGE_COLUMNS[i][1]] = a[i]
  return img as unknown as GalleryImage
}

export type ImageRow = { [F in IntAttrField]: number | null } & {
  [F in StrAttrField]: string | null
} & {
  product_id: string
  pic_name: string
  category_id: number | null
  custom_content: string | null
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
  category_note: string | null
}

export function rowToImage(r: ImageRow): GalleryImage {
  const img: Record<string, unknown> = {}
  for (const [c, k] of IMAGE_COLUMNS) img[k] = r[c as keyof ImageRow]
  return img as unknown as GalleryImage
}

/** SQL list of the pending sync states (constants, never user input). */
export const PENDING_SQL = `('pending-add','pending-update','pending-delete')`
