/**
 * File modes of the data folder (issue 11): the data folder and every folder Loupe creates are
 * 0700, every file 0600 — databases and their -wal/-shm files, logs, thumbnails, dumps, exports,
 * staged uploads, keys, locks — on POSIX; an older folder (0755/0644) is tightened on start with
 * one log line. Real headless hosts on temp folders, real work through the contract.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startHeadless } from '../../../electron/server/headless'
import { createKeyStore } from '../../../electron/core/engines/wire/keys'
import { logFilePath } from '../../../electron/core/log'
import { TIGHTENED_MARKER } from '../../../electron/core/util/private-fs'
import { tempDir } from '../../helpers/tmp'
import { catalogueItem } from '../../helpers/images'
import { loupeAsync, serve } from '../../helpers/cli'

const posix = process.platform !== 'win32'
const mode = (p: string) => fs.lstatSync(p).mode & 0o777
const oct = (m: number) => m.toString(8).padStart(4, '0')

interface Walked {
  dirs: string[]
  files: string[]
  links: string[]
}

/** Every folder, file and symlink under `root` (symlinks not followed). */
function walk(root: string): Walked {
  const out: Walked = { dirs: [], files: [], links: [] }
  const go = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name)
      if (e.isSymbolicLink()) out.links.push(p)
      else if (e.isDirectory()) {
        out.dirs.push(p)
        go(p)
      } else if (e.isFile()) out.files.push(p)
    }
  }
  go(root)
  return out
}

/** Items whose mode is not what the data folder's items must have, as `rel mode`. */
function wrongModes(root: string, w: Walked): string[] {
  const rel = (p: string) => path.relative(root, p) || '.'
  return [
    ...[root, ...w.dirs].filter((d) => mode(d) !== 0o700).map((d) => `${rel(d)}/ ${oct(mode(d))}`),
    ...w.files.filter((f) => mode(f) !== 0o600).map((f) => `${rel(f)} ${oct(mode(f))}`),
  ]
}

type Dispatch = (name: string, input: unknown) => Promise<unknown>
async function call<T>(d: Dispatch, name: string, input: unknown = {}): Promise<T> {
  const r = (await d(name, input)) as { result?: T; error?: { code: string; message: string } }
  if (r.error) throw new Error(`${name}: ${r.error.code}: ${r.error.message}`)
  return r.result as T
}
async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 60_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await fn()
    if (ok(v)) return v
    if (Date.now() > end) throw new Error(`timed out: ${JSON.stringify(v).slice(0, 300)}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

// The default umask of most systems, so the modes below come from Loupe, not from this process.
let savedUmask = 0
beforeAll(() => {
  if (posix) savedUmask = process.umask(0o022)
})
afterAll(() => {
  if (posix) process.umask(savedUmask)
})

const temps: { cleanup: () => void }[] = []
afterEach(() => temps.splice(0).forEach((t) => t.cleanup()))
function temp() {
  const t = tempDir('loupe-modes-')
  temps.push(t)
  return t.dir
}

describe.runIf(posix)('file modes of the data folder (POSIX)', () => {
  it('a fresh data folder after real work: folders 0700, files 0600, WAL/SHM included', async () => {
    const base = temp()
    const dataDir = path.join(base, 'data') // created by Loupe
    const pics = path.join(base, 'pics')
    fs.mkdirSync(pics)
    for (const n of [30, 31, 32]) fs.copyFileSync(catalogueItem(n), path.join(pics, `p${n}.jpg`))
    const h = await startHeadless({ dataDir, port: 0, rendererDir: base })
    try {
      const d = h.core.dispatch
      // pictures (engine.db, gallery.db, thumbnails), one by one and as a bulk-add job (jobs db)
      for (const n of [20, 21]) {
        await call(d, 'images.add', {
          image: { base64: fs.readFileSync(catalogueItem(n)).toString('base64') },
          productId: `prod-${n}`,
          picName: `img-${n}.jpg`,
        })
      }
      const { jobId } = await call<{ jobId: number }>(d, 'bulk.start', { sources: [pics] })
      await until(
        () => call<{ state: string }>(d, 'jobs.get', { jobId }),
        (j) => j.state === 'done',
      )
      // a metadata export (the engine's dump file, then downloaded into dumps/)
      const created = await call<{ id: number }>(d, 'tasks.dumpCreate', {})
      await until(
        () => call<{ file: unknown }>(d, 'tasks.dumpGet', { id: created.id }),
        (t) => !!t.file,
      )
      // a gallery export under exports/, dropped files staged for upload, an engine-API key
      const exp = await call<{ path: string }>(d, 'gallery.export', { format: 'csv', to: 'file' })
      await call(d, 'bulk.stage', {
        files: [
          { relPath: 'drop/a.jpg', base64: fs.readFileSync(catalogueItem(33)).toString('base64') },
        ],
      })
      await createKeyStore(dataDir).create({ description: 'modes' })

      const w = walk(dataDir)
      const names = w.files.map((f) => path.relative(dataDir, f))
      // the work really left its files (so the check below is not vacuous)
      for (const expected of [
        /^profiles\.json$/,
        /^logs\/loupe\.log$/,
        /^profiles\/local\/gallery\.db$/,
        /^profiles\/local\/gallery\.db-wal$/,
        /^profiles\/local\/gallery\.db-shm$/,
        /engine\.db$/,
        /engine\.db-wal$/,
        /engine\.db-shm$/,
        /^jobs\.db(-wal)?$/,
        /^profiles\/local\/thumbs\/[0-9a-f]{2}\/[0-9a-f]{64}\.\w+$/,
        /^profiles\/local\/dumps\/meta-\d+\.jsonl$/,
        /^profiles\/local\/engine\/dumps\/meta-\d+\.jsonl$/,
        /^profiles\/local\/exports\/.+\.csv$/,
        /^.*staging\/.+\/drop\/a\.jpg$/,
        /^access-keys\.json$/,
        /^access-keys\.master$/,
        /^watch\.db-wal$/,
        /^batch\.db-shm$/,
        /^jobs\.lock$/,
        /^control\.json$/,
      ]) {
        expect(
          names.some((n) => expected.test(n)),
          `${expected} in ${names.join(', ')}`,
        ).toBe(true)
      }
      expect(path.relative(dataDir, exp.path)).toMatch(/^profiles\/local\/exports\//)
      expect(wrongModes(dataDir, w)).toEqual([])
    } finally {
      await h.close()
    }
    // after closing too (checkpointed databases, rotated or final files)
    expect(wrongModes(dataDir, walk(dataDir))).toEqual([])
  })

  it('an older data folder (0755 folders, 0644 files) is tightened on start, with one log line', async () => {
    const base = temp()
    const dataDir = path.join(base, 'data')
    const outside = path.join(base, 'outside.jpg')
    fs.copyFileSync(catalogueItem(1), outside)
    fs.chmodSync(outside, 0o644)
    const linkedOriginal = path.join(base, 'original.jpg')
    fs.copyFileSync(catalogueItem(2), linkedOriginal)
    fs.chmodSync(linkedOriginal, 0o644)
    // what an older Loupe left: everything world-readable
    const wide = [
      'logs/loupe.log',
      'logs/loupe.log.1',
      'profiles/local/thumbs/ab/ab12.jpg',
      'profiles/local/dumps/meta-1.jsonl',
      'profiles/local/exports/old.csv',
      'notes/deeper/x.txt',
    ]
    for (const f of wide) {
      fs.mkdirSync(path.dirname(path.join(dataDir, f)), { recursive: true, mode: 0o755 })
      fs.writeFileSync(path.join(dataDir, f), 'old\n', { mode: 0o644 })
    }
    const wideDirs = [
      'logs',
      'profiles',
      'profiles/local',
      'profiles/local/thumbs',
      'profiles/local/thumbs/ab',
      'profiles/local/dumps',
      'profiles/local/exports',
      'notes',
      'notes/deeper',
    ]
    for (const dir of wideDirs) fs.chmodSync(path.join(dataDir, dir), 0o755)
    fs.chmodSync(dataDir, 0o755)
    // a symlink out of the folder (not followed) and a hard link to a user's file (not ours)
    fs.symlinkSync(outside, path.join(dataDir, 'profiles', 'local', 'link.jpg'))
    fs.linkSync(linkedOriginal, path.join(dataDir, 'notes', 'hardlinked.jpg'))
    expect(mode(path.join(dataDir, 'logs', 'loupe.log'))).toBe(0o644)

    const h = await startHeadless({ dataDir, port: 0, rendererDir: base, control: false })
    await h.close()

    const w = walk(dataDir)
    // everything is private now, but the hard-linked user file
    expect(wrongModes(dataDir, w)).toEqual(['notes/hardlinked.jpg 0644'])
    // the link's target (outside the data folder) and the linked original are untouched
    expect(mode(outside)).toBe(0o644)
    expect(mode(linkedOriginal)).toBe(0o644)
    expect(w.links).toEqual([path.join(dataDir, 'profiles', 'local', 'link.jpg')])

    const lines = fs.readFileSync(logFilePath(dataDir), 'utf8').split('\n').filter(Boolean)
    const said = lines.filter((l) => l.includes('data folder:'))
    expect(said).toHaveLength(1)
    // the six files and nine folders we made wide (the data folder itself is made 0700 when
    // the core opens it, before the walk)
    expect(said[0]).toMatch(
      /INFO data folder: 15 of \d+ items made private \(folders 0700, files 0600\)$/,
    )

    // done once: a marker says so, and the next start neither walks nor says anything (a file an
    // older version would leave now stays as it is — Loupe itself only creates private files)
    expect(mode(path.join(dataDir, TIGHTENED_MARKER))).toBe(0o600)
    fs.writeFileSync(path.join(dataDir, 'later.txt'), 'x', { mode: 0o644 })
    const again = await startHeadless({ dataDir, port: 0, rendererDir: base, control: false })
    await again.close()
    const after = fs.readFileSync(logFilePath(dataDir), 'utf8').split('\n')
    expect(after.filter((l) => l.includes('data folder:'))).toHaveLength(1)
    expect(mode(path.join(dataDir, 'later.txt'))).toBe(0o644)
    // without the marker (say, restored from a backup), the walk runs again
    fs.rmSync(path.join(dataDir, TIGHTENED_MARKER))
    const third = await startHeadless({ dataDir, port: 0, rendererDir: base, control: false })
    await third.close()
    expect(mode(path.join(dataDir, 'later.txt'))).toBe(0o600)
    const last = fs.readFileSync(logFilePath(dataDir), 'utf8').split('\n')
    expect(last.filter((l) => l.includes('data folder:')).at(-1)).toMatch(
      /data folder: 1 of \d+ items/,
    )
  })

  it('`loupe serve` as its own process: the data folder it makes is private', async () => {
    const base = temp()
    const dataDir = path.join(base, 'data')
    const s = await serve(['--data', dataDir, '--port', '0'])
    try {
      const r = await fetch(`${s.url}/api/call/images.add`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          image: { base64: fs.readFileSync(catalogueItem(40)).toString('base64') },
          productId: 'p40',
          picName: 'a.jpg',
        }),
      })
      expect(r.status).toBe(200)
      const w = walk(dataDir)
      const names = w.files.map((f) => path.relative(dataDir, f))
      expect(names).toEqual(
        expect.arrayContaining(['profiles.json', 'logs/loupe.log', 'control.json']),
      )
      expect(names.some((n) => n.endsWith('engine.db-wal'))).toBe(true)
      expect(wrongModes(dataDir, w)).toEqual([])
    } finally {
      s.proc.kill('SIGTERM')
      await new Promise((r) => s.proc.once('exit', r))
    }
  })

  it('a CLI export the user sends outside the data folder gets their umask; the data folder stays private', async () => {
    const base = temp()
    const dataDir = path.join(base, 'data')
    const out = path.join(base, 'mine', 'export.csv')
    fs.mkdirSync(path.dirname(out))
    const r = await loupeAsync(['--data', dataDir, 'gallery', 'export', '--out', out])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(fs.readFileSync(out, 'utf8')).toMatch(/^\ufeff/)
    // this process's umask (022) is the user's: 0644, as any program would write it
    expect(mode(out)).toBe(0o644)
    const w = walk(dataDir)
    expect(w.files.map((f) => path.relative(dataDir, f))).toEqual(
      expect.arrayContaining(['profiles.json', 'profiles/local/gallery.db']),
    )
    expect(wrongModes(dataDir, w)).toEqual([])
  })
})
