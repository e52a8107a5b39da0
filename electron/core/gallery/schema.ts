import type Database from 'better-sqlite3'
import { GalleryError } from './errors'
import { phashBands } from './phash'

type DB = Database.Database

/**
 * Numbered migrations, applied in order. The schema version is SQLite's `PRAGMA user_version`
 * (0 = empty database). Each migration runs in its own transaction together with the version bump,
 * so a crash leaves the database at the previous version, never half-migrated. Never edit a
 * shipped migration: append a new one.
 */
export interface Migration {
  version: number
  name: string
  up: (db: DB) => void
}

/** FTS5 column values as of migration 2: each padded with two spaces so 1–2 character terms can
 * be answered from the trigram index (every occurrence of a 1–2 character string starts some
 * trigram). */
const ftsValues = (r: 'new' | 'images') =>
  `${r}.product_id || '  ', ${r}.pic_name || '  ', coalesce(${r}.custom_content, '') || '  ',
   coalesce(${r}.str_attr, '') || '  ', coalesce(${r}.str_attr2, '') || '  ',
   coalesce(${r}.str_attr3, '') || '  ', coalesce(${r}.str_attr4, '') || '  '`

/** Recomputes (or removes) the products row of `${r}.product_id` from its remaining images. */
const refreshProduct = (r: 'old') => `
  UPDATE products SET
    n = (SELECT count(*) FROM images WHERE product_id = ${r}.product_id),
    updated_at = coalesce((SELECT max(updated_at) FROM images WHERE product_id = ${r}.product_id), 0),
    cover = coalesce((SELECT min(pic_name) FROM images WHERE product_id = ${r}.product_id), '')
  WHERE product_id = ${r}.product_id;
  DELETE FROM products WHERE product_id = ${r}.product_id AND n = 0;`

/** The FTS columns as of migration 2 (never change: migration 2 uses them). */
const FTS_COLS = 'product_id, pic_name, custom_content, str_attr, str_attr2, str_attr3, str_attr4'

/** Since migration 4 the FTS row also holds the category as one token, `#3#` (none: empty), so
 * text + category is one FTS query that skips through both posting lists (see query.ts). */
const FTS_COLS_4 = `${FTS_COLS}, category`
const ftsValues4 = (r: 'new' | 'images') =>
  `${ftsValues(r)}, coalesce('#' || ${r}.category_id || '#', '')`

/** The FTS token of a category (migration 4). */
export const categoryToken = (categoryId: number) => `#${categoryId}#`

/**
 * The triggers on `images` that keep derived data: the FTS index, `products` and
 * `category_counts`. A bulk dump import drops them, writes `images` directly and rebuilds what they
 * maintain (ftsInsertSql, REBUILD_SUMMARIES) before creating them again. A migration that adds
 * another trigger on `images` must teach that path about it (an unknown trigger makes imports
 * take the row-by-row path).
 */
export const DERIVED_TRIGGERS: readonly string[] = [
  'products_insert',
  'products_delete',
  'products_update',
  'category_counts_insert',
  'category_counts_delete',
  'category_counts_update',
  'images_fts_insert',
  'images_fts_delete',
  'images_fts_update',
]

/** Indexes the FTS rows of the images matching `where` (a condition over `images`). */
export const ftsInsertSql = (where: string) =>
  `INSERT INTO images_fts(rowid, ${FTS_COLS_4}) SELECT id, ${ftsValues4('images')} FROM images
   WHERE ${where}`

/**
 * Indexes the rows `? < id <= ?` (see fts-fill.ts), replacing FTS rows a trigger may already have
 * written for them. `withCategory`: the FTS table of migration 4 (else migration 2's).
 */
export const ftsFillSql = (withCategory: boolean) =>
  withCategory
    ? `INSERT OR REPLACE INTO images_fts(rowid, ${FTS_COLS_4})
       SELECT id, ${ftsValues4('images')} FROM images WHERE id > ? AND id <= ? ORDER BY id`
    : `INSERT OR REPLACE INTO images_fts(rowid, ${FTS_COLS})
       SELECT id, ${ftsValues('images')} FROM images WHERE id > ? AND id <= ? ORDER BY id`

/** A full-text index replaced by a migration, dropped later (Gallery.close): not worth a stall. */
export const RETIRED_FTS = 'images_fts_retired'

/** `meta` key of a pending fill of the FTS index: `{"next": id, "upto": id}` (fts-fill.ts). */
export const FTS_FILL_KEY = 'fts_fill'
/** `meta` key present while the FTS segments written by a fill are still being merged. */
export const FTS_TIDY_KEY = 'fts_tidy'

/**
 * Called by a migration that (re)creates images_fts: instead of indexing every existing row in
 * the migration's transaction (≈ 3 s per 100,000 images, everything else waiting), it records
 * that rows up to the current max(id) are to be indexed; the gallery does that in small slices
 * after opening (fts-fill.ts) and answers text queries without the index until then.
 */
function requestFtsFill(db: DB): void {
  const upto = db.prepare(`SELECT coalesce(max(id), 0) FROM images`).pluck().get() as number
  db.prepare(`DELETE FROM meta WHERE key IN (?, ?)`).run(FTS_FILL_KEY, FTS_TIDY_KEY)
  if (upto === 0) return
  db.prepare(`INSERT INTO meta (key, value) VALUES (?, ?), (?, '1')`).run(
    FTS_FILL_KEY,
    JSON.stringify({ next: 0, upto }),
    FTS_TIDY_KEY,
  )
  // Each slice of the fill commits a small segment: FTS5 would merge them as they come
  // (automerge), in bursts of tens of ms inside a slice, or all at once past 16 (crisismerge).
  // The fill merges them itself in bounded steps instead, and sets these back when done.
  db.exec(`INSERT INTO images_fts(images_fts, rank) VALUES ('automerge', 0);
    INSERT INTO images_fts(images_fts, rank) VALUES ('crisismerge', 64);`)
}

/** Recomputes the trigger-maintained summaries from `images`. */
export const REBUILD_SUMMARIES = `
  DELETE FROM products;
  INSERT INTO products (product_id, n, updated_at, cover)
    SELECT product_id, count(*), max(updated_at), min(pic_name) FROM images GROUP BY product_id;
  DELETE FROM category_counts;
  INSERT INTO category_counts SELECT coalesce(category_id, -1), count(*) FROM images GROUP BY 1;`

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'images table',
    up: (db) => {
      db.exec(`
        CREATE TABLE images (
          id INTEGER PRIMARY KEY,
          product_id TEXT NOT NULL,
          pic_name TEXT NOT NULL,
          category_id INTEGER,
          custom_content TEXT,
          int_attr INTEGER,
          int_attr2 INTEGER,
          int_attr3 INTEGER,
          int_attr4 INTEGER,
          str_attr TEXT,
          str_attr2 TEXT,
          str_attr3 TEXT,
          str_attr4 TEXT,
          region TEXT,
          source_path TEXT,
          sha256 TEXT,
          phash TEXT,
          thumbnail TEXT,
          sync_state TEXT NOT NULL DEFAULT 'synced' CHECK (sync_state IN
            ('synced','pending-add','pending-update','pending-delete','error')),
          sync_error TEXT,
          added_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL,
          seen_at INTEGER
        );
        CREATE UNIQUE INDEX images_key ON images(product_id, pic_name);
        CREATE INDEX images_updated ON images(updated_at, id);
        CREATE INDEX images_added ON images(added_at, id);
        CREATE INDEX images_pic_name ON images(pic_name, product_id);
        CREATE INDEX images_category ON images(category_id, product_id, pic_name, updated_at);
        CREATE INDEX images_category_updated ON images(category_id, updated_at, id);
        CREATE INDEX images_unsynced ON images(sync_state) WHERE sync_state <> 'synced';
        CREATE INDEX images_sha256 ON images(sha256) WHERE sha256 IS NOT NULL;
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
      `)
    },
  },
  {
    version: 2,
    name: 'full-text search, near-duplicate bands, filter indexes',
    up: (db) => {
      db.exec(`
        ALTER TABLE images ADD COLUMN ph0 INTEGER;
        ALTER TABLE images ADD COLUMN ph1 INTEGER;
        ALTER TABLE images ADD COLUMN ph2 INTEGER;
        ALTER TABLE images ADD COLUMN ph3 INTEGER;
      `)
      const rows = db.prepare(`SELECT id, phash FROM images WHERE phash IS NOT NULL`).all() as {
        id: number
        phash: string
      }[]
      const setBands = db.prepare(
        `UPDATE images SET ph0 = ?, ph1 = ?, ph2 = ?, ph3 = ? WHERE id = ?`,
      )
      for (const r of rows) {
        const p = r.phash.toLowerCase()
        if (/^[0-9a-f]{16}$/.test(p)) setBands.run(...phashBands(p), r.id)
      }
      db.exec(`
        CREATE INDEX images_ph0 ON images(ph0) WHERE ph0 IS NOT NULL;
        CREATE INDEX images_ph1 ON images(ph1) WHERE ph1 IS NOT NULL;
        CREATE INDEX images_ph2 ON images(ph2) WHERE ph2 IS NOT NULL;
        CREATE INDEX images_ph3 ON images(ph3) WHERE ph3 IS NOT NULL;
        CREATE INDEX images_int_attr ON images(int_attr);
        CREATE INDEX images_int_attr2 ON images(int_attr2);
        CREATE INDEX images_int_attr3 ON images(int_attr3);
        CREATE INDEX images_int_attr4 ON images(int_attr4);
        CREATE INDEX images_str_attr ON images(str_attr);
        CREATE INDEX images_str_attr2 ON images(str_attr2);
        CREATE INDEX images_str_attr3 ON images(str_attr3);
        CREATE INDEX images_str_attr4 ON images(str_attr4);

        -- One row per product, kept by triggers: product browsing without aggregating 100k rows.
        CREATE TABLE products (
          product_id TEXT PRIMARY KEY,
          n INTEGER NOT NULL,
          updated_at INTEGER NOT NULL,
          cover TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX products_n ON products(n, product_id);
        CREATE INDEX products_updated ON products(updated_at, product_id);
        CREATE TRIGGER products_insert AFTER INSERT ON images BEGIN
          INSERT INTO products (product_id, n, updated_at, cover)
            VALUES (new.product_id, 1, new.updated_at, new.pic_name)
          ON CONFLICT (product_id) DO UPDATE SET n = n + 1,
            updated_at = max(updated_at, excluded.updated_at), cover = min(cover, excluded.cover);
        END;
        CREATE TRIGGER products_delete AFTER DELETE ON images BEGIN
          ${refreshProduct('old')}
        END;
        CREATE TRIGGER products_update AFTER UPDATE OF product_id, pic_name, updated_at ON images
        WHEN old.product_id IS NOT new.product_id OR old.pic_name IS NOT new.pic_name
          OR old.updated_at IS NOT new.updated_at
        BEGIN
          ${refreshProduct('old')}
          INSERT INTO products (product_id, n, updated_at, cover)
            SELECT product_id, count(*), max(updated_at), min(pic_name) FROM images
            WHERE product_id = new.product_id GROUP BY product_id
          ON CONFLICT (product_id) DO UPDATE SET n = excluded.n,
            updated_at = excluded.updated_at, cover = excluded.cover;
        END;
        INSERT INTO products (product_id, n, updated_at, cover)
          SELECT product_id, count(*), max(updated_at), min(pic_name) FROM images GROUP BY product_id;

        -- Images per category (-1 = none), kept by triggers: instant stats.
        CREATE TABLE category_counts (category_key INTEGER PRIMARY KEY, n INTEGER NOT NULL);
        CREATE TRIGGER category_counts_insert AFTER INSERT ON images BEGIN
          INSERT INTO category_counts VALUES (coalesce(new.category_id, -1), 1)
            ON CONFLICT (category_key) DO UPDATE SET n = n + 1;
        END;
        CREATE TRIGGER category_counts_delete AFTER DELETE ON images BEGIN
          UPDATE category_counts SET n = n - 1 WHERE category_key = coalesce(old.category_id, -1);
        END;
        CREATE TRIGGER category_counts_update AFTER UPDATE OF category_id ON images
        WHEN old.category_id IS NOT new.category_id BEGIN
          UPDATE category_counts SET n = n - 1 WHERE category_key = coalesce(old.category_id, -1);
          INSERT INTO category_counts VALUES (coalesce(new.category_id, -1), 1)
            ON CONFLICT (category_key) DO UPDATE SET n = n + 1;
        END;
        INSERT INTO category_counts
          SELECT coalesce(category_id, -1), count(*) FROM images GROUP BY 1;

        CREATE VIRTUAL TABLE images_fts USING fts5(${FTS_COLS},
          content='', contentless_delete=1, tokenize='trigram');
        CREATE VIRTUAL TABLE images_fts_vocab USING fts5vocab(images_fts, 'row');

        CREATE TRIGGER images_fts_insert AFTER INSERT ON images BEGIN
          INSERT INTO images_fts(rowid, ${FTS_COLS}) VALUES (new.id, ${ftsValues('new')});
        END;
        CREATE TRIGGER images_fts_delete AFTER DELETE ON images BEGIN
          DELETE FROM images_fts WHERE rowid = old.id;
        END;
        CREATE TRIGGER images_fts_update AFTER UPDATE OF ${FTS_COLS} ON images
        WHEN old.product_id IS NOT new.product_id OR old.pic_name IS NOT new.pic_name
          OR old.custom_content IS NOT new.custom_content OR old.str_attr IS NOT new.str_attr
          OR old.str_attr2 IS NOT new.str_attr2 OR old.str_attr3 IS NOT new.str_attr3
          OR old.str_attr4 IS NOT new.str_attr4
        BEGIN
          DELETE FROM images_fts WHERE rowid = old.id;
          INSERT INTO images_fts(rowid, ${FTS_COLS}) VALUES (new.id, ${ftsValues('new')});
        END;

      `)
      // The existing rows are indexed after the migration, in slices (fts-fill.ts).
      requestFtsFill(db)
    },
  },
  {
    version: 3,
    name: 'category ids in id order (index intersection)',
    up: (db) => {
      // The ids of a category in rowid order, so a category can be intersected with the FTS
      // matches and with attribute equalities by a merge (see plan.ts). images_category_updated
      // holds the same ids but ordered by updated_at, which would need a sort first.
      db.exec(`CREATE INDEX images_category_id ON images(category_id)`)
    },
  },
  {
    version: 4,
    name: 'category in the FTS index',
    up: (db) => {
      // Text + category was two id lists merged in SQL (the category's, the text's). With the
      // category as a token of the FTS row, FTS5 intersects its own posting lists, skipping
      // (≈ 2x cheaper at 100k). The index is rebuilt from the rows (~3 s per 100k images): as
      // shipped first, inside this migration; now after it, in slices (fts-fill.ts), with the
      // same end state — only how long the gallery stays unresponsive changed. The old index is
      // renamed, not dropped: dropping 100k rows' worth of FTS pages is ~40 ms in one statement;
      // the gallery drops RETIRED_FTS when it closes.
      db.exec(`
        DROP TRIGGER images_fts_insert;
        DROP TRIGGER images_fts_delete;
        DROP TRIGGER images_fts_update;
        DROP TABLE images_fts_vocab;
        DROP TABLE IF EXISTS ${RETIRED_FTS};
        ALTER TABLE images_fts RENAME TO ${RETIRED_FTS};
        CREATE VIRTUAL TABLE images_fts USING fts5(${FTS_COLS_4},
          content='', contentless_delete=1, tokenize='trigram');
        CREATE VIRTUAL TABLE images_fts_vocab USING fts5vocab(images_fts, 'row');

        CREATE TRIGGER images_fts_insert AFTER INSERT ON images BEGIN
          INSERT INTO images_fts(rowid, ${FTS_COLS_4}) VALUES (new.id, ${ftsValues4('new')});
        END;
        CREATE TRIGGER images_fts_delete AFTER DELETE ON images BEGIN
          DELETE FROM images_fts WHERE rowid = old.id;
        END;
        CREATE TRIGGER images_fts_update AFTER UPDATE OF ${FTS_COLS}, category_id ON images
        WHEN old.product_id IS NOT new.product_id OR old.pic_name IS NOT new.pic_name
          OR old.custom_content IS NOT new.custom_content OR old.str_attr IS NOT new.str_attr
          OR old.str_attr2 IS NOT new.str_attr2 OR old.str_attr3 IS NOT new.str_attr3
          OR old.str_attr4 IS NOT new.str_attr4 OR old.category_id IS NOT new.category_id
        BEGIN
          DELETE FROM images_fts WHERE rowid = old.id;
          INSERT INTO images_fts(rowid, ${FTS_COLS_4}) VALUES (new.id, ${ftsValues4('new')});
        END;

      `)
      requestFtsFill(db)
    },
  },
  {
    version: 5,
    name: 'category note',
    up: (db) => {
      // Why a category is Other: 'noLabelledNeighbours' when the local engine had no labelled
      // neighbour to predict it from (AddImage's PicInfo, "predict the rest", a local dump's
      // CategoryNote). NULL otherwise, and for every existing row (not known before).
      db.exec(`ALTER TABLE images ADD COLUMN category_note TEXT`)
    },
  },
]

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version

export function schemaVersion(db: DB): number {
  return db.pragma('user_version', { simple: true }) as number
}

/** Brings the database to SCHEMA_VERSION. Returns the versions before and after. */
export function migrate(
  db: DB,
  migrations: Migration[] = MIGRATIONS,
): { from: number; to: number } {
  const from = schemaVersion(db)
  const latest = migrations[migrations.length - 1]?.version ?? 0
  if (from > latest) {
    throw new GalleryError(
      'GallerySchemaTooNew',
      `The gallery database is at schema version ${from}; this Loupe knows up to ${latest}.`,
      { hint: 'Update Loupe, or open a copy of the profile with the version that created it.' },
    )
  }
  for (const m of migrations) {
    if (m.version <= from) continue
    db.transaction(() => {
      m.up(db)
      db.pragma(`user_version = ${m.version}`)
    }).immediate()
  }
  return { from, to: Math.max(from, latest) }
}
