/**
 * Where a running host's control channel is, and who may reach it.
 *
 * A host announces its channel in `<dataDir>/control.json` ({ pid, path, startedAt, host, token },
 * mode 0600). On POSIX the socket is a Unix domain socket, mode 0600, in an owner-only folder
 * (`$XDG_RUNTIME_DIR/loupe-<uid>` or `<tmpdir>/loupe-<uid>`, mode 0700, refused when someone else
 * owns it); on Windows a named pipe with an unguessable name. Either way a client must first say
 * the announcement's token, which only the data folder's owner can read.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { writeFileAtomic } from '../util/fsx'
import { isAlive } from '../util/process'
import type { HostKind } from './protocol'

export interface Announcement {
  pid: number
  /** The socket's path, or the pipe's name (`\\.\pipe\…`). */
  path: string
  startedAt: number
  host: HostKind
  token: string
}

export const ANNOUNCEMENT_FILE = 'control.json'
const WINDOWS = process.platform === 'win32'

export function announcementFile(dataDir: string): string {
  return path.join(dataDir, ANNOUNCEMENT_FILE)
}

/** A short tag of the data folder for socket names (the real path: symlinks agree). */
function folderTag(dataDir: string): string {
  let real = path.resolve(dataDir)
  try {
    real = fs.realpathSync(real)
  } catch {
    /* not created yet: the resolved path */
  }
  return crypto.createHash('sha256').update(real).digest('hex').slice(0, 12)
}

/** The owner-only folder of this user's sockets (POSIX), made and checked. */
export function socketDir(env: NodeJS.ProcessEnv = process.env): string {
  const uid = process.getuid?.() ?? 0
  const base =
    env.XDG_RUNTIME_DIR && path.isAbsolute(env.XDG_RUNTIME_DIR) ? env.XDG_RUNTIME_DIR : os.tmpdir()
  const dir = path.join(base, `loupe-${uid}`)
  try {
    fs.mkdirSync(dir, { mode: 0o700 })
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
  }
  let st = fs.lstatSync(dir)
  if (!st.isDirectory() || st.isSymbolicLink()) throw new Error(`${dir} is not a folder`)
  if (st.uid !== uid) throw new Error(`${dir} belongs to another user`)
  if ((st.mode & 0o077) !== 0) {
    fs.chmodSync(dir, 0o700)
    st = fs.lstatSync(dir)
    if ((st.mode & 0o077) !== 0) throw new Error(`${dir} cannot be made owner-only`)
  }
  return dir
}

/** A fresh channel address for this process on `dataDir`. */
export function newChannelPath(dataDir: string): string {
  const tag = folderTag(dataDir)
  if (WINDOWS) {
    return `\\\\.\\pipe\\loupe-${tag}-${process.pid}-${crypto.randomBytes(8).toString('hex')}`
  }
  return path.join(socketDir(), `${tag}-${process.pid}.sock`)
}

/** Removes socket files left by processes that are gone (in this user's socket folder). */
export function sweepDeadSockets(): void {
  if (WINDOWS) return
  let dir: string
  try {
    dir = socketDir()
  } catch {
    return
  }
  for (const name of fs.readdirSync(dir)) {
    const m = /^[0-9a-f]{12}-(\d+)\.sock$/.exec(name)
    if (m && Number(m[1]) !== process.pid && !isAlive(Number(m[1]))) {
      fs.rmSync(path.join(dir, name), { force: true })
    }
  }
}

/**
 * Announces a channel in `<dataDir>/control.json` (atomically, mode 0600). Returns the function
 * removing it again, only while it is still this announcement (another host may have replaced it).
 */
export function announce(dataDir: string, a: Announcement): () => void {
  writeFileAtomic(announcementFile(dataDir), JSON.stringify(a) + '\n', 0o600)
  let removed = false
  return () => {
    if (removed) return
    removed = true
    removeIfSame(dataDir, a)
  }
}

/** The announcement as written (null when missing or malformed). */
export function readAnnouncement(dataDir: string): Announcement | null {
  let o: Partial<Announcement> | null
  try {
    o = JSON.parse(fs.readFileSync(announcementFile(dataDir), 'utf8')) as Partial<Announcement>
  } catch {
    return null
  }
  if (
    !o ||
    !Number.isInteger(o.pid) ||
    (o.pid as number) <= 0 ||
    typeof o.path !== 'string' ||
    !o.path ||
    typeof o.token !== 'string' ||
    (o.host !== 'headless' && o.host !== 'electron')
  ) {
    return null
  }
  return {
    pid: o.pid as number,
    path: o.path,
    startedAt: Number(o.startedAt ?? 0),
    host: o.host,
    token: o.token,
  }
}

/** Removes `control.json` when it still says exactly `a` (and a dead host's socket file). */
export function removeIfSame(dataDir: string, a: Announcement): void {
  const now = readAnnouncement(dataDir)
  if (now && now.pid === a.pid && now.path === a.path && now.startedAt === a.startedAt) {
    fs.rmSync(announcementFile(dataDir), { force: true })
  }
}

/**
 * The announcement of a live host on `dataDir`, or null. One whose process is gone is stale: it is
 * removed (with its socket file) and ignored. (A live pid that does not answer is found out when
 * connecting.)
 */
export function liveAnnouncement(dataDir: string): Announcement | null {
  const a = readAnnouncement(dataDir)
  if (!a || a.pid === process.pid) return null
  if (!isAlive(a.pid)) {
    forget(dataDir, a)
    return null
  }
  return a
}

/** Drops a stale announcement and, on POSIX, its socket file when it is in our socket folder. */
export function forget(dataDir: string, a: Announcement): void {
  removeIfSame(dataDir, a)
  if (WINDOWS || isAlive(a.pid)) return
  try {
    if (path.dirname(a.path) === socketDir() && a.path.endsWith('.sock')) {
      fs.rmSync(a.path, { force: true })
    }
  } catch {
    /* nothing to clean */
  }
}
