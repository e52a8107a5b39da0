import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createCore, type CoreOptions } from '../../../../../electron/core/app'
import { createMemorySecretStore } from '../../../../../electron/core/profiles/secrets'
import type { EventName, EventPayload } from '../../../../../electron/api/events'
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

type Dispatch = (name: string, input: unknown) => Promise<unknown>

/** Calls a contract method through the dispatcher (validation included); throws its error. */
export async function call<T = unknown>(dispatch: Dispatch, name: string, input: unknown = {}) {
  const r = (await dispatch(name, input)) as {
    result?: T
    error?: { code: string; message: string; hint?: string }
  }
  if (r.error) throw Object.assign(new Error(`${r.error.code}: ${r.error.message}`), r.error)
  return r.result as T
}

/** The error a call answers with (throws if it succeeds). */
export async function callError(dispatch: Dispatch, name: string, input: unknown = {}) {
  const r = (await dispatch(name, input)) as {
    result?: unknown
    error?: { code: string; message: string; hint?: string }
  }
  if (!r.error) throw new Error(`${name} succeeded: ${JSON.stringify(r.result).slice(0, 300)}`)
  return r.error
}

export function recordEvents(events: {
  onAny(l: (name: EventName, payload: unknown) => void): () => void
}) {
  const seen: { name: EventName; payload: unknown }[] = []
  const off = events.onAny((name, payload) => seen.push({ name, payload }))
  return {
    seen,
    off,
    of<E extends EventName>(name: E): EventPayload<E>[] {
      return seen.filter((e) => e.name === name).map((e) => e.payload as EventPayload<E>)
    },
  }
}

export async function until<T>(fn: () => T | Promise<T>, ms = 60_000): Promise<NonNullable<T>> {
  const end = Date.now() + ms
  for (;;) {
    const v = await fn()
    if (v) return v as NonNullable<T>
    if (Date.now() > end) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 50))
  }
}
