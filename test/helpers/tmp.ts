import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

/**
 * A fresh temp folder, removed by the returned cleanup (retried a few times: a process that was
 * just stopped may still be closing a file in it).
 */
export function tempDir(prefix = 'loupe-'): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  return {
    dir,
    cleanup: () =>
      fs.rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }),
  }
}

/** Every file under `dir` (recursively), for "the secret appears nowhere on disk but…" checks. */
export function walkFiles(dir: string): string[] {
  const out: string[] = []
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) out.push(...walkFiles(p))
    else out.push(p)
  }
  return out
}
