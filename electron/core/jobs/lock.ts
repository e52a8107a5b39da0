/**
 * One process at a time may run the job queue of a data folder (two would send the same items).
 * The lock is a file holding the owner's pid; a lock left by a process that no longer runs (killed,
 * crashed) is taken over.
 */

import fs from 'node:fs'
import { CoreError } from '../errors'

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    // EPERM: it exists but belongs to someone else
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function readPid(file: string): number | null {
  try {
    const n = Number(fs.readFileSync(file, 'utf8').trim())
    return Number.isInteger(n) ? n : null
  } catch {
    return null
  }
}

/** Take the lock or throw `JobsBusy`. Returns the release function. */
export function acquireProcessLock(file: string): () => void {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' })
      return () => release(file)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
    }
    const owner = readPid(file)
    if (owner === process.pid) return () => release(file)
    if (owner !== null && alive(owner)) {
      throw new CoreError(
        'JobsBusy',
        `Another Loupe process (pid ${owner}) is running the jobs of this data folder.`,
        {
          httpStatus: 409,
          hint: 'Close the other Loupe (the app, `loupe serve` or `loupe bulk-add`), or use another --data folder.',
        },
      )
    }
    // stale: its owner is gone
    try {
      fs.unlinkSync(file)
    } catch {
      /* someone else took it over first: try again */
    }
  }
  throw new CoreError('JobsBusy', `Could not take the job queue lock ${file}.`, {
    httpStatus: 409,
  })
}

function release(file: string): void {
  try {
    if (readPid(file) === process.pid) fs.unlinkSync(file)
  } catch {
    /* already gone */
  }
}
