import type Database from 'better-sqlite3'
import { FTS_FILL_KEY, FTS_TIDY_KEY, ftsFillSql } from './schema'

type DB = Database.Database

/**
 * Filling the full-text index after a migration (re)created it, in small committed slices instead
 * of one statement over every row inside the migration (≈ 3 s per 100,000 images, during which
 * nothing else could run).
 *
 * The migration creates the FTS table and its triggers, and records `fts_fill` in `meta`:
 * `{ "next": 0, "upto": max(id) }`. From then on the triggers index every insert, update and
 * delete, and the fill indexes the rows that existed, `next < id <= upto`, in id order, a slice
 * per transaction, moving `next` in the same transaction: a crash or kill resumes where the last
 * committed slice ended. Rows written meanwhile stay right: an update of a row not yet filled
 * inserts its FTS row through the trigger and the fill then replaces it with the same values
 * (`INSERT OR REPLACE`: a contentless-delete FTS5 table accepts it; a plain INSERT would add the
 * row twice); a deleted row is simply never filled (deleting an FTS row that is not there is a
 * no-op). Once `next` reaches `upto` the marker is removed.
 *
 * Every slice commits a small FTS segment. Automatic merging is off while filling (the migration
 * turned it off, see requestFtsFill): the fill merges segments itself, a bounded step between
 * slices, and once every row is in, until one or two are left; then it sets automerge and
 * crisismerge back and removes `fts_tidy`.
 *
 * While the marker exists the gallery answers text queries without the FTS index (LIKE over the
 * text columns: same rows, slower), so results are never partial.
 */

export interface FillState {
  /** Rows with `id <= next` are indexed. */
  next: number
  /** The last row id that existed when the index was created (later rows: by trigger). */
  upto: number
}

export function ftsFillState(db: DB): FillState | null {
  const v = db.prepare(`SELECT value FROM meta WHERE key = ?`).pluck().get(FTS_FILL_KEY) as
    string | undefined
  if (v === undefined) return null
  const s = JSON.parse(v) as FillState
  return { next: Number(s.next) || 0, upto: Number(s.upto) || 0 }
}

/** Rows indexed so far and in all, for progress. */
export function ftsFillProgress(db: DB, s: FillState): { done: number; total: number } {
  const count = db.prepare(`SELECT count(*) FROM images WHERE id <= ?`).pluck()
  return { done: count.get(s.next) as number, total: count.get(s.upto) as number }
}

/** Rows indexed per statement. */
const CHUNK = 64
/** Pages written by one merge step (≈ 5-20 ms). */
export const MERGE_PAGES = 64
/** FTS5's defaults, set back when the fill is done. */
const AUTOMERGE = 4
const CRISISMERGE = 16

/** True while a fill or its merging is pending. */
export function ftsWorkPending(db: DB): boolean {
  return (
    db
      .prepare(`SELECT 1 FROM meta WHERE key IN (?, ?) LIMIT 1`)
      .pluck()
      .get(FTS_FILL_KEY, FTS_TIDY_KEY) !== undefined
  )
}

/**
 * One bounded merge of the FTS segments (its own transaction). Returns true when the work is
 * over: no rows left to fill, nothing left to merge — automerge and crisismerge are then set
 * back and `fts_tidy` removed.
 */
export function mergeFtsStep(db: DB, pages = MERGE_PAGES): boolean {
  return db
    .transaction(() => {
      if (!ftsWorkPending(db)) return true
      const changes = db.prepare(`SELECT total_changes()`).pluck()
      const before = changes.get() as number
      db.prepare(`INSERT INTO images_fts(images_fts, rank) VALUES ('merge', ?)`).run(pages)
      // FTS5's documented test: fewer than 2 changes means the merge found nothing to do.
      const merged = (changes.get() as number) - before >= 2
      if (merged || ftsFillState(db)) return false
      db.exec(`INSERT INTO images_fts(images_fts, rank) VALUES ('automerge', ${AUTOMERGE});
        INSERT INTO images_fts(images_fts, rank) VALUES ('crisismerge', ${CRISISMERGE});`)
      db.prepare(`DELETE FROM meta WHERE key = ?`).run(FTS_TIDY_KEY)
      return true
    })
    .immediate()
}

/**
 * Indexes rows for about `budgetMs` in one IMMEDIATE transaction and commits. Returns how many
 * rows it indexed and whether the fill is complete (marker removed). Safe with several
 * connections filling at once: each slice reads the marker inside its write transaction.
 */
export function fillFtsSlice(db: DB, budgetMs: number): { filled: number; finished: boolean } {
  return db
    .transaction(() => {
      const s = ftsFillState(db)
      if (!s) return { filled: 0, finished: true }
      const insert = db.prepare(fillSql(db))
      const upper = db
        .prepare(
          `SELECT max(id) FROM (SELECT id FROM images WHERE id > ? AND id <= ? ORDER BY id LIMIT ?)`,
        )
        .pluck()
      const t0 = performance.now()
      let filled = 0
      let next = s.next
      while (next < s.upto) {
        const hi = (upper.get(next, s.upto, CHUNK) as number | null) ?? s.upto
        filled += insert.run(next, hi).changes
        next = hi
        if (performance.now() - t0 >= budgetMs) break
      }
      if (next >= s.upto) {
        db.prepare(`DELETE FROM meta WHERE key = ?`).run(FTS_FILL_KEY)
        return { filled, finished: true }
      }
      db.prepare(`UPDATE meta SET value = ? WHERE key = ?`).run(
        JSON.stringify({ next, upto: s.upto } satisfies FillState),
        FTS_FILL_KEY,
      )
      return { filled, finished: false }
    })
    .immediate()
}

/** The fill statement for this database's FTS table (with the category token since v4). */
function fillSql(db: DB): string {
  const sql = db
    .prepare(`SELECT sql FROM sqlite_schema WHERE name = 'images_fts'`)
    .pluck()
    .get() as string
  return ftsFillSql(/\bcategory\b/.test(sql))
}

/** The tables FTS5 keeps images_fts in (images_fts_data, _idx, _docsize, _config). */
export function ftsShadowTables(db: DB): string[] {
  return db
    .prepare(
      `SELECT name FROM sqlite_schema WHERE type = 'table' AND name GLOB 'images_fts_*'
        AND name NOT GLOB 'images_fts_retired*' AND sql NOT LIKE 'CREATE VIRTUAL%'`,
    )
    .pluck()
    .all() as string[]
}
