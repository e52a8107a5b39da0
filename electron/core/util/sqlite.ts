import Database from 'better-sqlite3'
import { preparePrivateDatabase } from './private-fs'

/**
 * Opens (creating it 0600 in a 0700 folder: private-fs.ts) one of Loupe's own SQLite files in WAL mode — NORMAL sync is durable
 * across process crashes in WAL (a power loss may lose the last commits, never corrupt) — and
 * brings it to the latest of `migrations` (`PRAGMA user_version` = how many have run; each runs in
 * its own immediate transaction). A file from a newer Loupe is refused, not touched.
 */
export function openMigrated(file: string, migrations: readonly string[]): Database.Database {
  preparePrivateDatabase(file)
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.pragma('foreign_keys = ON')
  db.pragma('busy_timeout = 5000')
  const v = db.pragma('user_version', { simple: true }) as number
  if (v > migrations.length) {
    db.close()
    throw new Error(`${file} was written by a newer Loupe (schema ${v}); update Loupe.`)
  }
  for (let i = v; i < migrations.length; i++) {
    db.transaction(() => {
      db.exec(migrations[i])
      db.pragma(`user_version = ${i + 1}`)
    }).immediate()
  }
  return db
}
