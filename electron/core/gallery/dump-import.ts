import { ATTR_FIELDS, ATTR_KEYS } from '../../domain'
import { statSync } from 'node:fs'
import type Database from 'better-sqlite3'
import { PENDING_SQL } from './columns'
import { DERIVED_TRIGGERS, REBUILD_SUMMARIES, ftsInsertSql } from './schema'
import { parseDumpLine, type DumpRecord } from './dump-format'
import { GalleryError } from './errors'
import { readLines } from './line-reader'
import type { DumpCounts, DumpOptions, DumpProgress, ImageKey } from './types'

type DB = Database.Database

/**
 * Dump import in two steps:
 * 1. stage: stream the file line by line into a TEMP table (batched transactions on the temp
 *    database only, so the cache itself is untouched and readers are never blocked); a malformed
 *    line aborts here with its line number and the staging table is dropped;
 * 2. diff/apply: compare the staging table with `images` in SQL (joins on the (product_id,
 *    pic_name) indexes) and apply added/changed/gone in ONE immediate transaction.
 */

let stageSeq = 0
const PROGRESS_INTERVAL_MS = 100
const BATCH = 2000

/** Columns from the domain's attribute table (constants, never input). */
const ATTR_COLS = ['category_id', 'custom_content', ...ATTR_FIELDS].join(', ')

export interface Stage {
  table: string
  lines: number
  totalBytes: number
}

export async function stageDump(db: DB, file: string, opts: DumpOptions = {}): Promise<Stage> {
  let totalBytes: number
  try {
    totalBytes = statSync(file).size
  } catch (e) {
    throw new GalleryError('DumpReadFailed', `Cannot read the dump file: ${(e as Error).message}`, {
      cause: e,
    })
  }
  const table = `temp.gallery_dump_${process.pid}_${++stageSeq}`
  db.exec(`CREATE TABLE ${table} (
    product_id TEXT NOT NULL, pic_name TEXT NOT NULL, ${ATTR_COLS},
    region TEXT, has_region INTEGER NOT NULL, category_note TEXT, has_note INTEGER NOT NULL,
    line INTEGER NOT NULL,
    PRIMARY KEY (product_id, pic_name)) WITHOUT ROWID`)
  const insert = db.prepare(`INSERT OR REPLACE INTO ${table} VALUES
    (${Array(ATTR_FIELDS.length + 9)
      .fill('?')
      .join(', ')})`)
  const insertBatch = db.transaction((recs: [DumpRecord, number][]) => {
    for (const [r, line] of recs) {
      insert.run(
        r.productId,
        r.picName,
        r.categoryId,
        r.customContent,
        ...ATTR_KEYS.map((k) => r[k]),
        r.region ?? null,
        r.region === undefined ? 0 : 1,
        r.categoryNote ?? null,
        r.categoryNote === undefined ? 0 : 1,
        line,
      )
    }
  })
  const emit = opts.onProgress
  let lines = 0
  let bytesRead = 0
  let lastEmit = 0
  const progress = (phase: DumpProgress['phase']) => emit?.({ phase, lines, bytesRead, totalBytes })
  try {
    progress('reading')
    lastEmit = Date.now()
    let batch: [DumpRecord, number][] = []
    for await (const chunk of readLines(file)) {
      if (opts.signal?.aborted) throw aborted()
      for (let k = 0; k < chunk.lines.length; k++) {
        const rec = parseDumpLine(chunk.lines[k], chunk.firstLine + k)
        if (rec === null) continue
        lines++
        batch.push([rec, chunk.firstLine + k])
        if (batch.length >= BATCH) {
          insertBatch(batch)
          batch = []
        }
      }
      bytesRead = chunk.bytesRead
      if (emit && Date.now() - lastEmit >= PROGRESS_INTERVAL_MS) {
        progress('reading')
        lastEmit = Date.now()
      }
    }
    if (batch.length) insertBatch(batch)
    if (opts.signal?.aborted) throw aborted()
    bytesRead = totalBytes
    progress('reading')
  } catch (e) {
    dropStage(db, table)
    if (e instanceof GalleryError) throw e
    throw new GalleryError('DumpReadFailed', `Cannot read the dump file: ${(e as Error).message}`, {
      cause: e,
    })
  }
  return { table, lines, totalBytes }
}

function aborted(): GalleryError {
  return new GalleryError('Aborted', 'The dump import was cancelled; nothing was imported.')
}

export function dropStage(db: DB, table: string): void {
  if (db.open) db.exec(`DROP TABLE IF EXISTS ${table}`)
}

const MATCH = (s: string) =>
  `EXISTS (SELECT 1 FROM images i WHERE i.product_id = ${s}.product_id AND i.pic_name = ${s}.pic_name)`

const DIFFERS = `(i.category_id IS NOT s.category_id OR i.custom_content IS NOT s.custom_content
  OR ${ATTR_FIELDS.map((f) => `i.${f} IS NOT s.${f}`).join(' OR ')}
  OR (s.has_region AND i.region IS NOT s.region)
  OR (s.has_note AND i.category_note IS NOT s.category_note))`

function sqlFor(t: string) {
  const join = `FROM ${t} s JOIN images i ON i.product_id = s.product_id AND i.pic_name = s.pic_name`
  return {
    added: `FROM ${t} s WHERE NOT ${MATCH('s')}`,
    gone: `FROM images i WHERE i.sync_state NOT IN ${PENDING_SQL} AND NOT EXISTS
      (SELECT 1 FROM ${t} s WHERE s.product_id = i.product_id AND s.pic_name = i.pic_name)`,
    changed: `${join} WHERE i.sync_state NOT IN ${PENDING_SQL} AND ${DIFFERS}`,
  }
}

export function diffCounts(db: DB, table: string): DumpCounts {
  const q = sqlFor(table)
  const count = (from: string) =>
    (db.prepare(`SELECT count(*) AS n ${from}`).get() as { n: number }).n
  // One pass over the staged lines for added / changed / unchanged.
  const kept = `i.id IS NOT NULL AND i.sync_state NOT IN ${PENDING_SQL}`
  const r = db
    .prepare(
      `SELECT coalesce(sum(i.id IS NULL), 0) AS added,
        coalesce(sum(${kept} AND ${DIFFERS}), 0) AS changed,
        coalesce(sum(${kept} AND NOT ${DIFFERS}), 0) AS unchanged
      FROM ${table} s LEFT JOIN images i
        ON i.product_id = s.product_id AND i.pic_name = s.pic_name`,
    )
    .get() as { added: number; changed: number; unchanged: number }
  return {
    added: r.added,
    changed: r.changed,
    gone: count(q.gone),
    unchanged: r.unchanged,
    pending: count(`FROM images i WHERE i.sync_state IN ${PENDING_SQL}`),
  }
}

export function diffExamples(
  db: DB,
  table: string,
  n: number,
): { added: ImageKey[]; changed: ImageKey[]; gone: ImageKey[] } {
  const q = sqlFor(table)
  const keys = (alias: string, from: string): ImageKey[] =>
    (
      db
        .prepare(
          `SELECT ${alias}.product_id AS productId, ${alias}.pic_name AS picName ${from}
           ORDER BY 1, 2 LIMIT ?`,
        )
        .all(n) as ImageKey[]
    ).map((k) => ({ productId: k.productId, picName: k.picName }))
  return { added: keys('s', q.added), changed: keys('s', q.changed), gone: keys('i', q.gone) }
}

/** How applyStage writes: row by row through the triggers, or in bulk (see applyBulk). */
export type ApplyMode = 'auto' | 'bulk' | 'incremental'

/** Bulk apply when at least this many rows are added or removed … */
export const BULK_MIN = 1000
/** … and they are at least 1/BULK_FRACTION of the rows after the import. Rebuilding the secondary
 * indexes and summaries costs about as much per row kept as the triggers cost per row moved ÷ 6. */
const BULK_FRACTION = 6

/**
 * Computes the diff and applies it as one IMMEDIATE transaction: either all of it or, on any
 * error, nothing (schema included: the bulk path's DROP/CREATE roll back with the rest). Pending
 * rows are left as they are.
 */
export function applyStage(
  db: DB,
  table: string,
  now: number,
  mode: ApplyMode = 'auto',
  onStep?: StepListener,
): DumpCounts {
  return db
    .transaction((): DumpCounts => {
      const counts = diffCounts(db, table)
      const moved = counts.added + counts.gone
      const after = counts.added + counts.changed + counts.unchanged + counts.pending
      const bulk =
        mode === 'bulk' || (mode === 'auto' && moved >= BULK_MIN && moved * BULK_FRACTION >= after)
      const steps = stepper(onStep)
      if (!bulk || !applyBulk(db, table, now, steps)) applyRows(db, table, now, steps)
      db.prepare(`INSERT OR REPLACE INTO meta (key, value) VALUES ('lastImportAt', ?)`).run(
        String(now),
      )
      return counts
    })
    .immediate()
}

/** The updates shared by both paths: changed rows, then every other row seen by this dump. */
function updateRows(db: DB, table: string, now: number): void {
  db.prepare(
    `UPDATE images AS i SET category_id = s.category_id, custom_content = s.custom_content,
      ${ATTR_FIELDS.map((f) => `${f} = s.${f}`).join(', ')},
      region = CASE WHEN s.has_region THEN s.region ELSE i.region END,
      category_note = CASE WHEN s.has_note THEN s.category_note
        WHEN i.category_id IS s.category_id THEN i.category_note END,
      sync_state = 'synced', sync_error = NULL, updated_at = @now, seen_at = @now
    FROM ${table} s
    WHERE i.product_id = s.product_id AND i.pic_name = s.pic_name
      AND i.sync_state NOT IN ${PENDING_SQL} AND ${DIFFERS}`,
  ).run({ now })
  db.prepare(
    `UPDATE images AS i SET sync_state = 'synced', sync_error = NULL, seen_at = @now
    FROM ${table} s
    WHERE i.product_id = s.product_id AND i.pic_name = s.pic_name
      AND i.sync_state NOT IN ${PENDING_SQL} AND i.seen_at IS NOT @now`,
  ).run({ now })
}

function insertAdded(db: DB, table: string, now: number): void {
  db.prepare(
    `INSERT INTO images (product_id, pic_name, ${ATTR_COLS}, region, category_note, sync_state,
      added_at, updated_at, seen_at)
    SELECT s.product_id, s.pic_name, ${ATTR_COLS.replace(/(\w+)/g, 's.$1')}, s.region,
      s.category_note, 'synced', @now, @now, @now
    ${sqlFor(table).added}
    ORDER BY s.product_id, s.pic_name`,
  ).run({ now })
}

/** Told how far an apply is: `done` of `total` steps (statements of very different cost). */
export type StepListener = (done: number, total: number) => void

/** Counts the steps of an apply once the path knows how many it has. */
function stepper(onStep?: StepListener) {
  let total = 0
  let done = 0
  return {
    plan(n: number) {
      total = n
      onStep?.(0, total)
    },
    step() {
      done = Math.min(total, done + 1)
      onStep?.(done, total)
    },
  }
}
type Steps = ReturnType<typeof stepper>

/** Row by row: every write goes through the triggers (FTS, products, category counts). */
function applyRows(db: DB, table: string, now: number, steps: Steps): void {
  steps.plan(3)
  db.prepare(`DELETE FROM images WHERE id IN (SELECT i.id ${sqlFor(table).gone})`).run()
  steps.step()
  updateRows(db, table, now)
  steps.step()
  insertAdded(db, table, now)
  steps.step()
}

/**
 * In bulk, for imports that add or remove a large part of the cache (a first import, a different
 * catalogue): the derived-data triggers and the secondary indexes are dropped, `images` is
 * written directly, then the indexes are built again (one sort each instead of 100k random
 * inserts), the FTS rows of the new and changed images are inserted in one statement with
 * automatic merging off and the index optimised to one segment, and the summaries recomputed.
 * All in the caller's transaction. Returns false (nothing done) when `images` has a trigger this
 * path does not know.
 */
function applyBulk(db: DB, table: string, now: number, steps: Steps): boolean {
  const schema = db
    .prepare(
      `SELECT type, name, sql FROM sqlite_schema
      WHERE tbl_name = 'images' AND type IN ('index', 'trigger') AND sql IS NOT NULL`,
    )
    .all() as { type: 'index' | 'trigger'; name: string; sql: string }[]
  const triggers = schema.filter((x) => x.type === 'trigger')
  if (triggers.some((t) => !DERIVED_TRIGGERS.includes(t.name))) return false
  // images_key stays: the diff's joins and the inserts (in key order) use it.
  const indexes = schema.filter((x) => x.type === 'index' && x.name !== 'images_key')
  const q = sqlFor(table)
  // Rows whose metadata changes get their FTS row again (before the update makes them equal).
  const changed = db
    .prepare(
      `SELECT json_group_array(i.id) FROM ${table} s JOIN images i
        ON i.product_id = s.product_id AND i.pic_name = s.pic_name
      WHERE i.sync_state NOT IN ${PENDING_SQL} AND ${DIFFERS}`,
    )
    .pluck()
    .get() as string
  // Deletes, updates, inserts, the FTS rows, optimize, each index, the summaries.
  steps.plan(5 + indexes.length + 1)
  for (const t of triggers) db.exec(`DROP TRIGGER ${t.name}`)
  for (const x of indexes) db.exec(`DROP INDEX ${x.name}`)

  const gone = `SELECT i.id ${q.gone}`
  db.prepare(`DELETE FROM images_fts WHERE rowid IN (${gone})`).run()
  db.prepare(`DELETE FROM images_fts WHERE rowid IN (SELECT value FROM json_each(?))`).run(changed)
  db.prepare(`DELETE FROM images WHERE id IN (${gone})`).run()
  steps.step()
  updateRows(db, table, now)
  steps.step()
  // New rows get ids above every remaining one (INTEGER PRIMARY KEY: max(rowid) + 1).
  const maxId = db.prepare(`SELECT coalesce(max(id), 0) FROM images`).pluck().get() as number
  insertAdded(db, table, now)
  steps.step()

  const automerge = db
    .prepare(`SELECT v FROM images_fts_config WHERE k = 'automerge'`)
    .pluck()
    .get() as number | undefined
  // Without automatic merging the insert only writes level-0 segments; one 'optimize' then
  // merges them into a single segment (faster to write, and to search, than the incremental
  // merges the insert would otherwise do).
  db.exec(`INSERT INTO images_fts(images_fts, rank) VALUES ('automerge', 0)`)
  db.prepare(ftsInsertSql(`id > ? OR id IN (SELECT value FROM json_each(?))`)).run(maxId, changed)
  steps.step()
  db.exec(
    `INSERT INTO images_fts(images_fts, rank) VALUES ('automerge', ${Number(automerge ?? 4)})`,
  )
  db.exec(`INSERT INTO images_fts(images_fts) VALUES ('optimize')`)
  steps.step()

  for (const x of indexes) {
    db.exec(x.sql)
    steps.step()
  }
  db.exec(REBUILD_SUMMARIES)
  for (const t of triggers) db.exec(t.sql)
  steps.step()
  return true
}
