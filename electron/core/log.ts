import fs from 'node:fs'
import path from 'node:path'

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

export interface Logger {
  log(level: LogLevel, message: string): void
  /** Register a string that must never be written (secrets); replaced by `***`. */
  addSecret(secret: string): void
  redact(text: string): string
}

/**
 * Appends lines to `<dataDir>/logs/loupe.log` (and to an optional sink). Every line goes through
 * redaction of the secrets the core knows, so no AccessKey secret ever reaches a log.
 */
export function createLogger(
  dataDir: string,
  opts: { sink?: (line: string) => void; file?: boolean } = {},
): Logger {
  const secrets = new Set<string>()
  const file = path.join(dataDir, 'logs', 'loupe.log')
  let dirReady = false
  function redact(text: string): string {
    let out = text
    for (const s of secrets) if (s.length >= 4) out = out.split(s).join('***')
    return out
  }
  return {
    addSecret(s) {
      if (s) secrets.add(s)
    },
    redact,
    log(level, message) {
      const line = `${new Date().toISOString()} ${level.toUpperCase()} ${redact(message)}`
      opts.sink?.(line)
      if (opts.file === false) return
      try {
        if (!dirReady) {
          fs.mkdirSync(path.dirname(file), { recursive: true })
          dirReady = true
        }
        fs.appendFileSync(file, line + '\n')
      } catch {
        /* logging must never break the app */
      }
    },
  }
}
