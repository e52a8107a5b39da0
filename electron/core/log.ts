import fs from 'node:fs'
import path from 'node:path'
import { logLineText, logValue } from './log-text'
import { PRIVATE_FILE, ensurePrivateDir } from './util/private-fs'

export { escapeLogText, logf, logValue } from './log-text'

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

export interface Logger {
  log(level: LogLevel, message: string): void
  /** Register a string that must never be written (secrets); replaced by `***`. */
  addSecret(secret: string): void
  redact(text: string): string
}

/** `loupe.log` is capped at this size; older lines move to `loupe.log.1` … `.N`. */
export const LOG_MAX_BYTES = 5 * 1024 * 1024
/** How many older files are kept beside `loupe.log`. */
export const LOG_GENERATIONS = 3
/** A rotation lock older than this was left by a process that died while rotating. */
const STALE_LOCK_MS = 10_000

/** The log file of a data folder (`<dataDir>/logs/loupe.log`). */
export function logFilePath(dataDir: string): string {
  return path.join(dataDir, 'logs', 'loupe.log')
}

/**
 * Moves `file` to `file.1` (`.1` to `.2` …, dropping the oldest) when appending `incoming` more
 * bytes would take it past `maxBytes`. Several processes append to the same log (the desktop app,
 * its core process, the headless host, the CLI): only one rotates at a time (an exclusive lock file
 * beside the log), and whoever takes the lock checks the size again, so a log rotated a moment ago
 * by another process is not rotated twice. Each step is one atomic rename. Never throws.
 */
export function rotateIfNeeded(
  file: string,
  incoming: number,
  maxBytes = LOG_MAX_BYTES,
  generations = LOG_GENERATIONS,
): boolean {
  const over = () => {
    const st = fs.statSync(file, { throwIfNoEntry: false })
    return !!st && st.size > 0 && st.size + incoming > maxBytes
  }
  try {
    if (!over()) return false
    const lock = file + '.rotating'
    let fd: number
    try {
      fd = fs.openSync(lock, 'wx', PRIVATE_FILE)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return false
      // Another process is rotating, unless its lock is stale (it died half-way).
      const st = fs.statSync(lock, { throwIfNoEntry: false })
      if (!st || Date.now() - st.mtimeMs < STALE_LOCK_MS) return false
      fs.rmSync(lock, { force: true })
      fd = fs.openSync(lock, 'wx', PRIVATE_FILE)
    }
    try {
      if (!over()) return false
      if (generations < 1) {
        fs.rmSync(file, { force: true })
        return true
      }
      fs.rmSync(`${file}.${generations}`, { force: true })
      for (let g = generations - 1; g >= 1; g--) {
        if (fs.existsSync(`${file}.${g}`)) fs.renameSync(`${file}.${g}`, `${file}.${g + 1}`)
      }
      fs.renameSync(file, `${file}.1`)
      return true
    } finally {
      fs.closeSync(fd)
      fs.rmSync(lock, { force: true })
    }
  } catch {
    // A file held open by another program (Windows) or a full disk: keep appending, never throw.
    return false
  }
}

/**
 * Appends lines to `<dataDir>/logs/loupe.log` (and to an optional sink). Every line goes through
 * redaction of the secrets the core knows, so no AccessKey secret ever reaches a log, then through
 * `escapeLogText` (log-text.ts): a message is always exactly one line — a newline, carriage return
 * or terminal escape in it (from an untrusted value, or a stack trace) is written as `\n`, `\r`,
 * `\x1b`; values inside a line are quoted by the caller with `logf`. The file is size-capped and
 * rotated (`rotateIfNeeded`); the folder is 0700 and the files 0600 on POSIX.
 */
export function createLogger(
  dataDir: string,
  opts: {
    sink?: (line: string) => void
    file?: boolean
    /** Size cap of loupe.log (default 5 MB). */
    maxBytes?: number
    /** Older files kept (default 3: loupe.log.1 … loupe.log.3). */
    generations?: number
  } = {},
): Logger {
  const secrets = new Set<string>()
  const file = logFilePath(dataDir)
  const maxBytes = opts.maxBytes ?? LOG_MAX_BYTES
  const generations = opts.generations ?? LOG_GENERATIONS
  let dirReady = false
  function redact(text: string): string {
    let out = text
    for (const s of secrets) if (s.length >= 4) out = out.split(s).join('***')
    return out
  }
  return {
    addSecret(s) {
      if (!s) return
      secrets.add(s)
      // As it reads inside a value quoted by logf (a secret with a backslash or a quote).
      const quoted = logValue(s)
      if (quoted.startsWith('"')) secrets.add(quoted.slice(1, -1))
    },
    redact,
    log(level, message) {
      const line = `${new Date().toISOString()} ${level.toUpperCase()} ${logLineText(redact(String(message)))}\n`
      opts.sink?.(line.slice(0, -1))
      if (opts.file === false) return
      try {
        if (!dirReady) {
          ensurePrivateDir(path.dirname(file))
          dirReady = true
        }
        rotateIfNeeded(file, Buffer.byteLength(line), maxBytes, generations)
        fs.appendFileSync(file, line, { mode: PRIVATE_FILE })
      } catch {
        /* logging must never break the app */
      }
    },
  }
}
