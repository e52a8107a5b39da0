/**
 * A second Loupe acting as the cloud for the copy tests: a headless host (its own data folder)
 * whose local engine answers Image Search's API on 127.0.0.1, reached through a cloud profile —
 * the official SDK underneath, as a remote Loupe is used for real.
 */
import fs from 'node:fs'
import path from 'node:path'
import { startHeadless } from '../../../../electron/server/headless'
import { createKeyStore } from '../../../../electron/core/engines/wire/keys'
import { tempDir } from '../../../helpers/tmp'
import { makeClient, sdk, type ImageSearchClient } from '../engines/wire/sdk'
import { call } from '../../../helpers/dispatch'
import type { Dispatch } from '../../../helpers/dispatch'

export interface RemoteLoupe {
  url: string
  port: number
  dir: string
  accessKeyId: string
  accessKeySecret: string
  /** The official SDK client of the remote's engine API (instance `local`). */
  sdk: ImageSearchClient
  /** The remote host's core (its engines, to look at what arrived). */
  core: Awaited<ReturnType<typeof startHeadless>>['core']
  close(): Promise<void>
}

/**
 * `capacity`: the remote instance's, in images — by default 1,000,000, an instance the cloud lets
 * take AddImage at 5/s (1/s at 100,000 and below: the client learns it from Detail).
 */
export async function startRemote(opts: { capacity?: number } = {}): Promise<RemoteLoupe> {
  const t = tempDir('loupe-copy-remote-')
  const renderer = path.join(t.dir, 'renderer')
  fs.mkdirSync(renderer)
  fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>remote</title>')
  const data = path.join(t.dir, 'data')
  const key = await createKeyStore(data).create({ description: 'copy test' })
  const host = await startHeadless({ dataDir: data, port: 0, rendererDir: renderer, log: () => {} })
  await call(host.core.dispatch as Dispatch, 'profiles.update', {
    name: 'local',
    patch: { local: { capacity: opts.capacity ?? 1_000_000 } },
  })
  const client = makeClient({
    port: host.port,
    accessKeyId: key.accessKeyId,
    accessKeySecret: key.accessKeySecret,
    timeoutMs: 30_000,
  })
  return {
    url: host.url,
    port: host.port,
    dir: data,
    accessKeyId: key.accessKeyId,
    accessKeySecret: key.accessKeySecret,
    sdk: client,
    core: host.core,
    async close() {
      await host.close()
      t.cleanup()
    },
  }
}

/** The cloud profile input of a remote Loupe (its local profile `instance`, default `local`). */
export function remoteProfile(name: string, r: RemoteLoupe, instance = 'local') {
  return {
    kind: 'cloud' as const,
    name,
    cloud: {
      instanceName: instance,
      region: 'cn-shanghai',
      endpoint: `127.0.0.1:${r.port}`,
      protocol: 'http' as const,
      accessKeyId: r.accessKeyId,
      accessKeySecret: r.accessKeySecret,
    },
  }
}

export { sdk }
