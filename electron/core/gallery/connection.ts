import Database from 'better-sqlite3'
import { preparePrivateDatabase } from '../util/private-fs'
import type { OpenOptions } from './types'
import { GalleryError } from './errors'
import { ftsWorkPending } from './fts-fill'
import { RETIRED_FTS, SCHEMA_VERSION, migrate, schemaVersion } from './schema'

type DB = Database.Database

/** Page cache of a connection (KiB); the dump worker uses 256 MB while it imports. */
const CACHE_KIB = 32000

/**
 * Opens the gallery's SQLite connection: pragmas, then the schema — migrated (and its statistics
 * refreshed) when opened read-write, required to be current when read-only; returns the
 * connection and its schema version. Closes the connection again if any of that fails.
 */
export function openDatabase(
  file: string,
  opts: OpenOptions,
  busyTimeoutMs: number,
): { db: DB; version: number } {
  const dbOpts: Database.Options = {}
  if (opts.readonly) {
    dbOpts.readonly = true
    dbOpts.fileMustExist = true
  } else {
    // Created 0600 before SQLite opens it (its -wal and -shm files take its mode).
    preparePrivateDatabase(file)
  }
  const db = new Database(file, dbOpts)
  try {
    db.pragma(`busy_timeout = ${busyTimeoutMs}`)
    if (!opts.readonly) {
      db.pragma('journal_mode = WAL')
      db.pragma('synchronous = NORMAL')
    }
    db.pragma(`cache_size = -${CACHE_KIB}`)
    db.pragma('temp_store = FILE')
    if (opts.readonly) {
      const v = schemaVersion(db)
      if (v !== SCHEMA_VERSION) {
        throw new GalleryError(
          v > SCHEMA_VERSION ? 'GallerySchemaTooNew' : 'GallerySchemaOutdated',
          `The gallery database is at schema version ${v}; expected ${SCHEMA_VERSION}.`,
          { hint: 'Open it once read-write so it can be migrated.' },
        )
      }
    } else {
      migrate(db)
      optimize(db, busyTimeoutMs)
    }
    return { db, version: schemaVersion(db) }
  } catch (e) {
    db.close()
    throw e
  }
}

/**
 * Statistics for tables that lack them or changed a lot, bounded (0x10: a temporary
 * analysis_limit; unbounded, the FTS tables took ~0.2 s at 100,000 images). Not while the FTS
 * index is being filled: statistics of its nearly empty tables would make FTS5's own lookups
 * scan them as they grow (each slice then took ~0.5 s instead of ~15 ms) — run when it is done.
 * Best effort: while another connection writes, they are skipped at once (no busy wait), so
 * opening the cache to read it never waits for a writer.
 */
export function optimize(db: DB, busyTimeoutMs: number, mask = '0x10012'): void {
  if (ftsWorkPending(db)) return
  db.pragma('busy_timeout = 0')
  try {
    db.pragma(`optimize = ${mask}`)
  } catch (e) {
    if ((e as { code?: string }).code !== 'SQLITE_BUSY') throw e
  } finally {
    db.pragma(`busy_timeout = ${busyTimeoutMs}`)
  }
}

/** Before a read-write connection closes (and no dump worker may hold it): full statistics,
 * and the full-text index a migration replaced dropped. */
export function tidyOnClose(
  db: DB,
  busyTimeoutMs: number,
  log?: (message: string, err?: unknown) => void,
): void {
  optimize(db, busyTimeoutMs, '0xfffe')
  // A full-text index a migration replaced (schema.ts): dropped now, when a pause of tens
  // of ms at 100k images goes unnoticed.
  try {
    db.exec(`DROP TABLE IF EXISTS ${RETIRED_FTS}`)
  } catch (e) {
    log?.('gallery: dropping the replaced text index failed', e)
  }
}
