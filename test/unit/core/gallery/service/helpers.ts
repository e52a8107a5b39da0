import fs from 'node:fs'
import net from 'node:net'
import { createCore, type CoreOptions } from '../../../../../electron/core/app'
import { createFileSecretStore } from '../../../../../electron/core/profiles/file-secret-store'
import type { EventName, EventPayload } from '../../../../../electron/api/events'
import { CATALOGUE_DIR, catalogueItem } from '../../../../helpers/images'

/** Folder of the generated catalogue pictures (item0000.jpg …, 218 × 255 product JPEGs). */
export const DS = CATALOGUE_DIR
export const pic = (n: number) => catalogueItem(n)

export function makeCore(dataDir: string, extra: Partial<CoreOptions> = {}) {
  return createCore({
    dataDir,
    secrets: createFileSecretStore(dataDir),
    host: 'headless',
    featurizerWorkers: 1,
    imagingWorkers: 1,
    cloudTimeouts: { connectTimeoutMs: 2000, readTimeoutMs: 4000 },
    ...extra,
  })
}

type Dispatch = (name: string, input: unknown) => Promise<unknown>

/** Calls a contract method through the dispatcher (validation included); throws its error. */
export async function call<T = unknown>(dispatch: Dispatch, name: string, input: unknown = {}) {
  const r = (await dispatch(name, input)) as {
    result?: T
    error?: { code: string; message: string }
  }
  if (r.error) throw Object.assign(new Error(`${r.error.code}: ${r.error.message}`), r.error)
  return r.result as T
}

/** The error a call answers with (fails the test if it succeeds). */
export async function callError(dispatch: Dispatch, name: string, input: unknown = {}) {
  const r = (await dispatch(name, input)) as {
    result?: unknown
    error?: { code: string; message: string; hint?: string }
  }
  if (!r.error) throw new Error(`${name} succeeded: ${JSON.stringify(r.result).slice(0, 200)}`)
  return r.error
}

/** Records every event of the given names. */
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

/** A 127.0.0.1 port nothing listens on (bound, then closed). */
export async function closedPort(): Promise<number> {
  const srv = net.createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()))
  const port = (srv.address() as net.AddressInfo).port
  await new Promise<void>((r) => srv.close(() => r()))
  return port
}

export async function until<T>(fn: () => T | Promise<T>, ms = 30_000): Promise<NonNullable<T>> {
  const end = Date.now() + ms
  for (;;) {
    const v = await fn()
    if (v) return v as NonNullable<T>
    if (Date.now() > end) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 50))
  }
}

export function readLines(file: string): string[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
}
