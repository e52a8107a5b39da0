/**
 * The local engine's SQLite schema and row shapes (store.ts holds the Store class that reads and
 * writes them; it re-exports what callers need from here).
 */
import { ATTR_FIELD, ATTR_FIELDS, ATTR_KEYS, type AttrKey, type AttrValues } from '../../../domain'
import type { FilterColumns } from './filter'

/** One stored image: its identity, attributes, the region that was indexed and its vector. */
export type ImageRow = AttrValues & {
  id: number
  productId: string
  picName: string
  categoryId: number
  customContent: string | null
  /** Region indexed (`x1,x2,y1,y2` in the image's pixels) or null for the whole image. */
  region: string | null
  width: number
  height: number
  /** 1 when the category was given by the user (AddImage/UpdateImage/setCategory), 0 when predicted. */
  labelled: number
  /** Why a predicted category is Other: 'noLabelledNeighbours' (nothing to learn it from). */
  categoryNote: CategoryNote | null
  utcCreated: number
  utcModified: number
}

/** What the in-memory index needs of an image. */
export type IndexRow = Pick<ImageRow, 'id' | 'productId' | 'categoryId' | AttrKey> & {
  vector: Buffer
  fversion: string
}

export interface StoredVector {
  id: number
  vector: Float32Array
  version: string
}

export type TaskStatus = 'PROCESSING' | 'SUCCESS' | 'FAIL'

export interface DumpTaskRow {
  id: number
  status: TaskStatus
  code: string | null
  message: string | null
  file: string | null
  utcCreate: number
  utcModified: number
}

export interface IncreaseTaskRow {
  id: number
  bucketName: string
  path: string
  callbackAddress: string | null
  status: TaskStatus
  code: string | null
  message: string | null
  errorFile: string | null
  nextLine: number
  okLines: number
  failedLines: number
  utcCreate: number
  utcModified: number
}

/**
 * 1: the first schema. 2: `labelled` (the category was set by the user, not predicted) and
 * `category_note` (why a predicted category is Other); see migrateStore.
 */
export const SCHEMA_VERSION = 2

/** Why a predicted category is Other (engines/types.ts CategoryNote). */
export type CategoryNote = 'noLabelledNeighbours'

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS images (
  id INTEGER PRIMARY KEY,
  product_id TEXT NOT NULL,
  pic_name TEXT NOT NULL,
  category_id INTEGER NOT NULL,
  custom_content TEXT,
  int_attr INTEGER, int_attr2 INTEGER, int_attr3 INTEGER, int_attr4 INTEGER,
  str_attr TEXT, str_attr2 TEXT, str_attr3 TEXT, str_attr4 TEXT,
  region TEXT,
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  labelled INTEGER NOT NULL DEFAULT 0,
  category_note TEXT,
  vector BLOB NOT NULL,
  fversion TEXT NOT NULL,
  utc_created INTEGER NOT NULL,
  utc_modified INTEGER NOT NULL,
  UNIQUE (product_id, pic_name)
);
CREATE INDEX IF NOT EXISTS images_fversion ON images (fversion);
-- A downscaled copy of each indexed picture, kept so vectors can be recomputed when the
-- featurizer changes (see LocalEngine.reindexStatus).
CREATE TABLE IF NOT EXISTS sources (
  image_id INTEGER PRIMARY KEY REFERENCES images (id) ON DELETE CASCADE,
  bytes BLOB NOT NULL,
  scale REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS dump_tasks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  status TEXT NOT NULL,
  code TEXT,
  message TEXT,
  file TEXT,
  utc_create INTEGER NOT NULL,
  utc_modified INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS increase_tasks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  bucket_name TEXT NOT NULL,
  path TEXT NOT NULL,
  callback_address TEXT,
  status TEXT NOT NULL,
  code TEXT,
  message TEXT,
  error_file TEXT,
  next_line INTEGER NOT NULL DEFAULT 0,
  ok_lines INTEGER NOT NULL DEFAULT 0,
  failed_lines INTEGER NOT NULL DEFAULT 0,
  utc_create INTEGER NOT NULL,
  utc_modified INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS increase_failures (
  task_id INTEGER NOT NULL REFERENCES increase_tasks (id) ON DELETE CASCADE,
  line INTEGER NOT NULL,
  operation TEXT,
  product_id TEXT,
  pic_name TEXT,
  code TEXT NOT NULL,
  message TEXT NOT NULL,
  PRIMARY KEY (task_id, line)
);
`

export const IMAGE_COLS = `id, product_id AS productId, pic_name AS picName, category_id AS categoryId,
  custom_content AS customContent, ${ATTR_KEYS.map((k) => `${ATTR_FIELD[k]} AS ${k}`).join(', ')},
  region, width, height, labelled, category_note AS categoryNote, utc_created AS utcCreated,
  utc_modified AS utcModified`

/** Column names for filterToSql over the images table. */
export const IMAGE_FILTER_COLUMNS = Object.fromEntries(
  ATTR_FIELDS.map((f) => [f, f]),
) as FilterColumns

export type NewImage = AttrValues & {
  productId: string
  picName: string
  categoryId: number
  customContent: string | null
  region: string | null
  width: number
  height: number
  /** Default false (predicted). */
  labelled?: boolean
  /** Default null. */
  categoryNote?: CategoryNote | null
  vector: Float32Array
  fversion: string
  source: { bytes: Buffer; scale: number } | null
}

export type AttributePatch = Partial<Pick<ImageRow, 'categoryId' | 'customContent' | AttrKey>>

export const PATCH_COLUMNS: Record<keyof AttributePatch, string> = {
  categoryId: 'category_id',
  customContent: 'custom_content',
  ...ATTR_FIELD,
}

export function vectorToBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength)
}

export function blobToVector(b: Buffer): Float32Array {
  // Copy: the Buffer may be unaligned or pooled.
  const out = new Float32Array(b.byteLength / 4)
  new Uint8Array(out.buffer).set(b)
  return out
}

/**
 * Brings a store written by an older Loupe to SCHEMA_VERSION (the tables were just created with
 * `CREATE TABLE IF NOT EXISTS`, so an old `images` lacks the new columns).
 * 1 → 2: `labelled`, `category_note`. Whether an existing category was given or predicted was not
 * recorded; every category other than Other is taken as given (labelled), so that predicting the
 * rest never overwrites a category the user may have set; Other is taken as not labelled.
 */
export function migrateStore(db: import('better-sqlite3').Database, from: number): void {
  if (from < 2) {
    const cols = new Set(
      (db.prepare('PRAGMA table_info(images)').all() as { name: string }[]).map((c) => c.name),
    )
    db.transaction(() => {
      if (!cols.has('labelled'))
        db.exec('ALTER TABLE images ADD COLUMN labelled INTEGER NOT NULL DEFAULT 0')
      if (!cols.has('category_note')) db.exec('ALTER TABLE images ADD COLUMN category_note TEXT')
      db.prepare('UPDATE images SET labelled = 1 WHERE category_id != ?').run(88888888)
      db.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(
        String(SCHEMA_VERSION),
      )
    })()
  }
}
