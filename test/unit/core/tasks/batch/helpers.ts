import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createCore, type CoreOptions } from '../../../../../electron/core/app'
import { createMemorySecretStore } from '../../../../../electron/core/profiles/secrets'
import { until as untilValue } from '../../../../helpers/dispatch'
import { CATALOGUE_DIR, catalogueItem } from '../../../../helpers/images'

/** Folder of the generated catalogue pictures (item0000.jpg …, 218 × 255 product JPEGs). */
export const CATALOGUE = CATALOGUE_DIR
export const item = (n: number) => catalogueItem(n)

const made: string[] = []
/** Remove the temp folders made so far (call it from afterAll; also runs at exit). */
export function cleanupTmp(): void {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true })
}
process.on('exit', cleanupTmp)

/** A temp folder removed when the test process exits. */
export function tmp(prefix = 'loupe-batch-'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  made.push(d)
  return d
}

/** Copy catalogue pictures into `dir/<rel>` (rel → item number). */
export function place(dir: string, files: Record<string, number>): void {
  for (const [rel, n] of Object.entries(files)) {
    const dst = path.join(dir, ...rel.split('/'))
    fs.mkdirSync(path.dirname(dst), { recursive: true })
    fs.copyFileSync(item(n), dst)
  }
}

export function makeCore(dataDir: string, extra: Partial<CoreOptions> = {}) {
  return createCore({
    dataDir,
    secrets: createMemorySecretStore(),
    host: 'headless',
    featurizerWorkers: 1,
    imagingWorkers: 1,
    cloudTimeouts: { connectTimeoutMs: 3000, readTimeoutMs: 8000 },
    ...extra,
  })
}

export { call, callError, recordEvents } from '../../../../helpers/dispatch'

/** Polls `fn` until it gives a truthy value (returned), for at most `ms`. */
export const until = <T>(fn: () => T | Promise<T>, ms = 60_000) => untilValue(fn, ms)
