/**
 * The one process lock of the core: a file saying which Loupe process runs a kind of background
 * work of a data folder (the job queue `jobs.lock`, the batch runner `batch-runner.lock`, the
 * folder watchers `watch-runner.lock`), so that two hosts on the same data (the desktop app and
 * `loupe serve`, or a CLI run) never both do it. The file holds the owner's pid, host kind and
 * start time (JSON; a file holding only a pid, as older versions wrote, is read too). A lock whose
 * process is gone (killed, crashed) is taken over; the same process may take it again.
 */

import fs from 'node:fs'
import path from 'node:path'
import { isAlive } from './process'
import { PRIVATE_FILE, ensurePrivateDir } from './private-fs'

export interface LockOwner {
  pid: number
  host: string
  since: number
}

export type LockResult = { ok: true; release(): void } | { ok: false; owner: LockOwner }

function read(file: string): LockOwner | null {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8').trim()
  } catch {
    return null
  }
  if (/^\d+$/.test(text)) return { pid: Number(text), host: 'unknown', since: 0 }
  try {
    const o = JSON.parse(text) as Partial<LockOwner>
    if (typeof o.pid !== 'number' || !Number.isInteger(o.pid) || o.pid <= 0) return null
    return { pid: o.pid, host: String(o.host ?? 'unknown'), since: Number(o.since ?? 0) }
  } catch {
    return null
  }
}

/** The live owner of a lock file, or null when it is free (missing, unreadable or stale). */
export function lockOwner(file: string): LockOwner | null {
  const o = read(file)
  return o && isAlive(o.pid) ? o : null
}

/** Take the lock, or say who holds it. The same process may take it again. */
export function tryLock(file: string, host: string): LockResult {
  ensurePrivateDir(path.dirname(file))
  const me: LockOwner = { pid: process.pid, host, since: Date.now() }
  const release = () => {
    try {
      if (read(file)?.pid === process.pid) fs.rmSync(file, { force: true })
    } catch {
      /* already gone */
    }
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify(me), { flag: 'wx', mode: PRIVATE_FILE })
      return { ok: true, release }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
      const o = read(file)
      if (o && o.pid === process.pid) return { ok: true, release }
      if (o && isAlive(o.pid)) return { ok: false, owner: o }
      // stale (or half-written by a process that died): remove and try again
      fs.rmSync(file, { force: true })
    }
  }
  const o = read(file)
  return { ok: false, owner: o ?? { pid: 0, host: 'unknown', since: 0 } }
}
