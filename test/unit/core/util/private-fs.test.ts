import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  copyPrivateFile,
  preparePrivateDatabase,
  tightenDataFolder,
  writePrivateFile,
} from '../../../../electron/core/util/private-fs'
import { openMigrated } from '../../../../electron/core/util/sqlite'
import { tempDir } from '../../../helpers/tmp'

const posix = process.platform !== 'win32'
const mode = (p: string) => fs.statSync(p).mode & 0o777

const temps: { cleanup: () => void }[] = []
afterEach(() => temps.splice(0).forEach((t) => t.cleanup()))
function dir() {
  const t = tempDir('loupe-pfs-')
  temps.push(t)
  return t.dir
}

let saved = 0
beforeAll(() => {
  if (posix) saved = process.umask(0o022)
})
afterAll(() => {
  if (posix) process.umask(saved)
})

describe.runIf(posix)('private files (POSIX, umask 022)', () => {
  it('SQLite gives -wal and -shm the mode of the database file', () => {
    const d = dir()
    // Loupe's way: the file exists 0600 before SQLite opens it
    const file = path.join(d, 'new', 'a.db')
    const db = openMigrated(file, ['CREATE TABLE t (x)'])
    db.prepare('INSERT INTO t VALUES (1)').run()
    expect(fs.existsSync(`${file}-wal`)).toBe(true)
    expect([
      mode(path.dirname(file)),
      mode(file),
      mode(`${file}-wal`),
      mode(`${file}-shm`),
    ]).toEqual([0o700, 0o600, 0o600, 0o600])
    db.close()
    // what SQLite does on its own: the side files follow the database's mode (0640 here) …
    const other = path.join(d, 'b.db')
    fs.writeFileSync(other, '', { mode: 0o640 })
    fs.chmodSync(other, 0o640)
    const db2 = new Database(other)
    db2.pragma('journal_mode = WAL')
    db2.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)')
    expect([mode(`${other}-wal`), mode(`${other}-shm`)]).toEqual([0o640, 0o640])
    db2.close()
    // … and a database SQLite creates itself follows the umask (0644): why Loupe creates it first
    const plain = path.join(d, 'c.db')
    const db3 = new Database(plain)
    db3.exec('CREATE TABLE t (x)')
    expect(mode(plain)).toBe(0o644)
    db3.close()
    // an existing database (an older version's 0644) is made 0600 when Loupe opens it
    preparePrivateDatabase(plain)
    expect(mode(plain)).toBe(0o600)
    // in-memory databases create nothing
    preparePrivateDatabase(':memory:')
    expect(fs.existsSync(':memory:')).toBe(false)
  })

  it('writes and copies private files in private folders; a copy does not keep the source mode', () => {
    const d = dir()
    writePrivateFile(path.join(d, 'x', 'y', 'f.txt'), 'hi')
    expect([
      mode(path.join(d, 'x')),
      mode(path.join(d, 'x', 'y')),
      mode(path.join(d, 'x', 'y', 'f.txt')),
    ]).toEqual([0o700, 0o700, 0o600])
    const src = path.join(d, 'src.jpg')
    fs.writeFileSync(src, 'pic', { mode: 0o755 })
    fs.chmodSync(src, 0o755)
    copyPrivateFile(src, path.join(d, 'copy.jpg'))
    expect(mode(path.join(d, 'copy.jpg'))).toBe(0o600)
    expect(mode(src)).toBe(0o755)
  })

  it('tightenDataFolder counts what it changed, skips links, and then is done', async () => {
    const d = dir()
    const data = path.join(d, 'data')
    fs.mkdirSync(path.join(data, 'a', 'b'), { recursive: true, mode: 0o755 })
    for (const p of [data, path.join(data, 'a'), path.join(data, 'a', 'b')]) fs.chmodSync(p, 0o755)
    fs.writeFileSync(path.join(data, 'a', 'b', 'f'), '', { mode: 0o644 })
    fs.writeFileSync(path.join(data, 'ok'), '', { mode: 0o600 })
    const target = path.join(d, 'target')
    fs.mkdirSync(target, { mode: 0o755 })
    fs.chmodSync(target, 0o755)
    fs.writeFileSync(path.join(target, 'inner'), '', { mode: 0o644 })
    fs.symlinkSync(target, path.join(data, 'dirlink'))
    const r = await tightenDataFolder(data)
    expect(r).toEqual({ tightened: 4, seen: 5, failed: 0 })
    expect([mode(data), mode(path.join(data, 'a', 'b', 'f'))]).toEqual([0o700, 0o600])
    // the link's target, outside, is not followed
    expect([mode(target), mode(path.join(target, 'inner'))]).toEqual([0o755, 0o644])
    expect(await tightenDataFolder(data)).toEqual({
      tightened: 0,
      seen: 0,
      failed: 0,
      skipped: true,
    })
    // a missing folder: nothing to do, no error
    expect(await tightenDataFolder(path.join(d, 'nope'))).toMatchObject({ tightened: 0, seen: 0 })
  })
})
