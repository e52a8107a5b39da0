import fs from 'node:fs'
import path from 'node:path'
import crypto from 'node:crypto'
import { PRIVATE_FILE, ensurePrivateDir } from './private-fs'

/**
 * Write a file atomically (temp file + rename), so a reader never sees half of it. Private by
 * default (0600 in a folder created 0700: util/private-fs.ts); `mode` for anything else.
 */
export function writeFileAtomic(
  file: string,
  data: string | Buffer,
  mode: number = PRIVATE_FILE,
): void {
  ensurePrivateDir(path.dirname(file))
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`
  const fd = fs.openSync(tmp, 'w', mode)
  try {
    fs.writeFileSync(fd, data)
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
  // The mode exactly (open's mode is narrowed by the umask; a wider one is asked for on purpose).
  if (process.platform !== 'win32') fs.chmodSync(tmp, mode)
  fs.renameSync(tmp, file)
}

export function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw e
  }
}
