import type Database from 'better-sqlite3'
import type { OpenOptions } from './types'
import {
  fillFtsSlice,
  ftsFillProgress,
  ftsFillState,
  ftsShadowTables,
  ftsWorkPending,
  mergeFtsStep,
} from './fts-fill'
import { SLICE_MS } from '../util/slices'

type DB = Database.Database

/** Rows sampled per index when the gallery analyses a table itself (SQLite suggests 100-1000). */
const ANALYSIS_LIMIT = 400
/** A text index left to fill with at most this many rows is filled while the gallery opens. */
const SYNC_FILL_ROWS = 200
/** A fill slice that failed (e.g. the database was locked by another process) is retried after. */
const FILL_RETRY_MS = 1000

export interface FillHooks {
  status: OpenOptions['status']
  log: OpenOptions['log']
  /** Yields to the event loop and waits while a dump worker holds the database; false once the
   * gallery is closed (ImportGate.pause). */
  pause: () => Promise<boolean>
  /** Refreshes the statistics (connection.ts `optimize`). */
  optimize: () => void
}

/**
 * Fills the FTS index a migration left to fill (fts-fill.ts): slices of SLICE_MS, each its own
 * transaction, a bounded merge step after each, the event loop free in between; paused while a
 * dump worker holds the database. A small cache (≤ SYNC_FILL_ROWS to go) is filled before the
 * call returns its promise (the gallery's constructor). Progress: rows indexed; merging what is
 * left, at the end, counts as the last row.
 */
export async function fillTextIndex(db: DB, hooks: FillHooks): Promise<void> {
  if (!ftsWorkPending(db)) return
  let state = ftsFillState(db)
  let first = state !== null && state.upto - state.next <= SYNC_FILL_ROWS
  const status = hooks.status?.('gallery-migration')
  if (!first) {
    // The migration may just have run: the rest waits for the next turn.
    if (!(await hooks.pause())) return status?.end(false)
    state = ftsFillState(db)
  }
  const { total, done: before } = state ? ftsFillProgress(db, state) : { total: 1, done: 0 }
  let done = before
  let filled = state === null
  let turn = first ? 0 : 1
  for (;;) {
    if (turn++ > 0 && !(await hooks.pause())) return status?.end(false)
    try {
      if (!filled) {
        const r = fillFtsSlice(db, SLICE_MS)
        done = Math.min(total, done + r.filled)
        filled = r.finished
        if (first && filled && mergeFtsStep(db)) {
          hooks.optimize()
          return status?.end(true)
        }
        first = false
        status?.progress(filled ? Math.max(0, total - 1) : done, total)
        if (!(await hooks.pause())) return status?.end(false)
      }
      first = false
      if (mergeFtsStep(db) && filled) break
    } catch (e) {
      if (!db.open) return status?.end(false)
      hooks.log?.('gallery: filling the text index failed; retrying', e)
      await new Promise((res) => setTimeout(res, FILL_RETRY_MS))
    }
  }
  // Statistics of the new FTS tables, a table per turn (the whole of `optimize` at once was
  // ~50 ms at 100k): the next open's optimize then finds nothing to do.
  for (const table of ftsShadowTables(db)) {
    if (!(await hooks.pause())) return status?.end(false)
    db.exec(
      `PRAGMA analysis_limit = ${ANALYSIS_LIMIT}; ANALYZE "${table}"; PRAGMA analysis_limit = 0`,
    )
  }
  status?.end(true)
}
