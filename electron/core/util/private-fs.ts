import fs from 'node:fs'
import path from 'node:path'
import { isMainThread } from 'node:worker_threads'

/**
 * File modes of the data folder (POSIX; Windows keeps its ACLs and every call here is harmless
 * there). The data folder holds the pictures (engine.db, thumbnails, staged files), the gallery
 * and the logs: only its owner may read it.
 *
 * - Every folder Loupe creates in it is 0700, every file 0600. Files are created with that mode
 *   (`PRIVATE_FILE` passed to open/write, `ensurePrivateDir` for folders, `copyPrivateFile` for
 *   copies, which would otherwise take the source's mode), so the mode does not depend on the
 *   process's umask — the core also runs in tests and worker threads, where it is not ours.
 * - SQLite gives a database's `-wal`, `-shm` and `-journal` files the mode of the database file,
 *   so `createPrivateFile` before the first open is enough (tested).
 * - Each host process also sets its umask to 077 at start (`usePrivateUmask`: desktop main, the
 *   core process, `loupe serve` and every CLI command), for whatever is created without a helper
 *   (Chromium's files in the desktop app's data folder, third-party code).
 * - Data folders from older versions (0755 folders, 0644 files) are brought to these modes on the
 *   first start of this version (`tightenDataFolder`, in `core.start()`; a marker file says it is
 *   done), with one log line counting what changed.
 * - Files the user exports OUTSIDE the data folder (a gallery export or dump copied to Documents)
 *   get the mode any program would give them: 0666 minus the user's own umask (`userFileMode`), as
 *   it was before the host narrowed its umask.
 */

export const PRIVATE_DIR = 0o700
export const PRIVATE_FILE = 0o600

const POSIX = process.platform !== 'win32'

/** The umask the process had before `usePrivateUmask` (what the user's own files get). */
let userUmask: number | null = null

/** Host processes: files and folders created without an explicit mode are private too. */
export function usePrivateUmask(): void {
  if (!POSIX || !isMainThread) return
  try {
    const before = process.umask(0o077)
    userUmask ??= before
  } catch {
    /* not ours to set here (a worker); the explicit modes still hold */
  }
}

/** The mode a file the user asked for outside the data folder gets (0666 minus their umask). */
export function userFileMode(): number {
  if (userUmask !== null) return 0o666 & ~userUmask
  // Reading the umask without changing it is only possible by setting it back at once.
  if (POSIX && isMainThread) {
    try {
      const u = process.umask(0o022)
      process.umask(u)
      return 0o666 & ~u
    } catch {
      /* fall through */
    }
  }
  return 0o644
}

/** The matching mode of a folder the user asked for outside the data folder. */
export function userDirMode(): number {
  return (userFileMode() | 0o111) & 0o777
}

/** Creates `dir` (and missing parents) 0700. An existing folder is left as it is. */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR })
}

/** The data folder itself: created 0700, and made 0700 if it exists with a wider mode. */
export function ensureDataFolder(dataDir: string): void {
  ensurePrivateDir(dataDir)
  if (!POSIX) return
  try {
    const st = fs.statSync(dataDir)
    if ((st.mode & 0o777) !== PRIVATE_DIR) fs.chmodSync(dataDir, PRIVATE_DIR)
  } catch {
    /* not ours (another user's folder we may write to): leave it */
  }
}

/** Writes `file` (0600 when created; its folder 0700 when created). */
export function writePrivateFile(file: string, data: string | NodeJS.ArrayBufferView): void {
  ensurePrivateDir(path.dirname(file))
  fs.writeFileSync(file, data, { mode: PRIVATE_FILE })
}

/** `writePrivateFile`, asynchronously. */
export async function writePrivateFileAsync(
  file: string,
  data: string | NodeJS.ArrayBufferView,
): Promise<void> {
  await fs.promises.mkdir(path.dirname(file), { recursive: true, mode: PRIVATE_DIR })
  await fs.promises.writeFile(file, data, { mode: PRIVATE_FILE })
}

/** Copies `src` to `dst` and makes the copy 0600 (a copy otherwise takes the source's mode). */
export function copyPrivateFile(src: string, dst: string, flags?: number): void {
  fs.copyFileSync(src, dst, flags)
  if (POSIX) fs.chmodSync(dst, PRIVATE_FILE)
}

/**
 * Makes sure `file` exists with mode 0600 before something else opens it (an SQLite database: its
 * WAL and shared-memory files take the database file's mode). An existing file is made 0600.
 */
export function createPrivateFile(file: string): void {
  ensurePrivateDir(path.dirname(path.resolve(file)))
  fs.closeSync(fs.openSync(file, 'a', PRIVATE_FILE))
  if (!POSIX) return
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) tightenFile(f)
}

/**
 * Before the first open of one of Loupe's SQLite files: the file exists 0600 (an empty file is an
 * empty database), its folder 0700. In-memory databases are left alone.
 */
export function preparePrivateDatabase(file: string): void {
  if (file === '' || file === ':memory:' || file.startsWith('file:')) return
  createPrivateFile(file)
}

/** Makes an existing file 0600 (missing or not ours: left alone). */
export function tightenFile(file: string): boolean {
  if (!POSIX) return false
  try {
    const st = fs.lstatSync(file)
    if (!st.isFile() || (st.mode & 0o777) === PRIVATE_FILE) return false
    fs.chmodSync(file, PRIVATE_FILE)
    return true
  } catch {
    return false
  }
}

/**
 * Written in the data folder once it was walked with nothing left to change: later starts skip the
 * walk (everything Loupe creates is private already; a 100,000-picture gallery takes seconds).
 */
export const TIGHTENED_MARKER = '.private-modes'

export interface TightenResult {
  /** The folder was walked before (its marker is there): nothing was looked at. */
  skipped?: boolean
  /** Folders and files whose mode was changed. */
  tightened: number
  /** Folders and files seen (symlinks are neither followed nor counted). */
  seen: number
  /** Items whose mode could not be changed (another owner). */
  failed: number
}

/**
 * Walks the data folder once: every folder 0700, every regular file 0600. Symlinks are skipped,
 * never followed (a link to the user's pictures folder keeps its target's mode); files with more
 * than one hard link (a staged picture linked to the user's original) and sockets are left alone.
 * Never throws; POSIX only. Once every item could be made private, `TIGHTENED_MARKER` is written
 * and later calls return at once (`skipped`).
 */
export async function tightenDataFolder(dataDir: string): Promise<TightenResult> {
  const out: TightenResult = { tightened: 0, seen: 0, failed: 0 }
  if (!POSIX) return out
  const marker = path.join(dataDir, TIGHTENED_MARKER)
  if (fs.existsSync(marker)) return { ...out, skipped: true }
  async function fix(p: string, mode: number, want: number) {
    if ((mode & 0o777) === want) return
    try {
      await fs.promises.chmod(p, want)
      out.tightened++
    } catch {
      out.failed++
    }
  }
  async function walk(dir: string) {
    let entries: fs.Dirent[]
    try {
      entries = await fs.promises.readdir(dir, { withFileTypes: true })
    } catch {
      return
    }
    for (const e of entries) {
      const p = path.join(dir, e.name)
      let st: fs.Stats
      try {
        st = await fs.promises.lstat(p)
      } catch {
        continue // gone meanwhile (a temp file renamed)
      }
      if (st.isSymbolicLink()) continue
      // A hard link to a file of the user's (a batch task stages pictures so): theirs, not ours.
      if (st.isFile() && st.nlink > 1) continue
      if (st.isDirectory()) {
        out.seen++
        await fix(p, st.mode, PRIVATE_DIR)
        await walk(p)
      } else if (st.isFile()) {
        out.seen++
        await fix(p, st.mode, PRIVATE_FILE)
      }
    }
  }
  try {
    // The data folder itself may be a link the user made (~/.loupe → another disk): followed.
    const st = await fs.promises.stat(dataDir)
    if (!st.isDirectory()) return out
    out.seen++
    await fix(dataDir, st.mode, PRIVATE_DIR)
  } catch {
    return out
  }
  await walk(dataDir)
  if (!out.failed) {
    try {
      fs.writeFileSync(marker, `${JSON.stringify({ version: 1, at: Date.now() })}\n`, {
        mode: PRIVATE_FILE,
      })
    } catch {
      /* walked again next time */
    }
  }
  return out
}
