/**
 * The third picture source of a copy: the OSS object a batch task of the source profile uploaded
 * the picture to (its line added by the engine). Found from the batch tasks Loupe ran (batch.db:
 * bucket, path, each line's PicName — the object is `<path>/<PicName>`; the newest task wins) and
 * read back with ali-oss under the profile's AccessKey, at the endpoint the task used.
 */
import type { EngineRegistry } from '../engines/registry'
import { createOssClient, keyPrefix, ossEndpointFor, regionFromEndpoint } from '../tasks/batch/oss'
import type { BatchService } from '../tasks/batch/service'
import type { OssRef } from './sources'
import { keyOf } from './types'

/** How long one profile's index of uploaded objects is reused (a plan probes many items). */
const INDEX_TTL_MS = 30_000
const MAX_OBJECT_BYTES = 64 * 1024 * 1024

export function createOssSource(d: {
  batch: BatchService
  engines: Pick<EngineRegistry, 'cloudCredentials'>
}) {
  const indexes = new Map<string, { at: number; refs: Map<string, OssRef> }>()

  function index(profile: string): Map<string, OssRef> {
    const cached = indexes.get(profile)
    if (cached && Date.now() - cached.at < INDEX_TTL_MS) return cached.refs
    const refs = new Map<string, OssRef>()
    const store = d.batch.store()
    // Oldest first: a picture uploaded again by a later task is found there.
    const tasks = store
      .list({ profile, limit: 100_000 })
      .tasks.filter((t) => t.engineKind === 'cloud' && t.bucket && t.path)
      .reverse()
    for (const t of tasks) {
      const prefix = keyPrefix(t.path!)
      for (const l of store.iterateLines(t.id, ['ok'])) {
        if (l.op !== 'add' || !l.meta.ProductId || !l.meta.PicName) continue
        refs.set(keyOf(l.meta.ProductId, l.meta.PicName), {
          taskId: t.id,
          bucket: t.bucket!,
          key: prefix + l.meta.PicName,
        })
      }
    }
    indexes.set(profile, { at: Date.now(), refs })
    return refs
  }

  return {
    ossObject(profile: string, productId: string, picName: string): OssRef | null {
      try {
        return index(profile).get(keyOf(productId, picName)) ?? null
      } catch {
        return null
      }
    },

    async fetchOss(profile: string, ref: OssRef): Promise<Buffer | null> {
      const task = d.batch.store().get(ref.taskId)
      const creds = await d.engines.cloudCredentials(profile)
      const region = creds.region ?? regionFromEndpoint(creds.endpoint) ?? 'cn-hangzhou'
      const client = createOssClient({
        endpoint: task?.options.ossEndpoint ?? ossEndpointFor(region),
        region,
        bucket: ref.bucket,
        accessKeyId: creds.accessKeyId,
        accessKeySecret: creds.accessKeySecret,
        ...(creds.securityToken ? { securityToken: creds.securityToken } : {}),
        timeoutMs: 60_000,
      })
      try {
        const res = await client.get(ref.key)
        const body = res.content as Buffer | undefined
        return body && body.length <= MAX_OBJECT_BYTES ? body : null
      } catch (e) {
        if ((e as { status?: number }).status === 404) return null
        throw e
      }
    },
  }
}
