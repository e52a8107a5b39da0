import fs from 'node:fs'
import net from 'node:net'
import { createCore, type CoreOptions } from '../../../../../electron/core/app'
import { createFileSecretStore } from '../../../../../electron/core/profiles/file-secret-store'
import { until as untilValue } from '../../../../helpers/dispatch'
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

export { call, callError, recordEvents } from '../../../../helpers/dispatch'

/** A 127.0.0.1 port nothing listens on (bound, then closed). */
export async function closedPort(): Promise<number> {
  const srv = net.createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()))
  const port = (srv.address() as net.AddressInfo).port
  await new Promise<void>((r) => srv.close(() => r()))
  return port
}

/** Polls `fn` until it gives a truthy value (returned), for at most `ms`. */
export const until = <T>(fn: () => T | Promise<T>, ms = 30_000) => untilValue(fn, ms)

export function readLines(file: string): string[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
}
