/**
 * Stage `uploading` (cloud only): every staged picture, then increment.meta last (the engine never
 * sees a meta file whose pictures are not all there), to the task's OSS bucket and path, with the
 * profile's AccessKey. Resumable: pictures already uploaded are skipped, multipart uploads resume
 * from their checkpoint.
 */

import fs from 'node:fs'
import path from 'node:path'
import { CoreError } from '../../errors'
import type { StageHandler } from './context'
import { keyPrefix, ossEndpointFor, regionFromEndpoint, uploadToOss } from './oss'

export const upload: StageHandler = async (ctx, { task: t, signal }) => {
  const db = ctx.db
  const creds = await ctx.deps.engines.cloudCredentials(t.profile)
  const region =
    creds.region ??
    regionFromEndpoint(creds.endpoint) ??
    /oss-([a-z]{2}-[a-z0-9-]+?)(?:-internal)?\.aliyuncs\.com/.exec(
      t.options.ossEndpoint ?? '',
    )?.[1] ??
    null
  if (!region && !t.options.ossEndpoint) {
    throw new CoreError(
      'MissingRegion',
      `Profile "${t.profile}" has no region, so the OSS endpoint is unknown.`,
      { hint: 'Set the region in the profile, or give the OSS endpoint of the bucket.' },
    )
  }
  const dir = t.stagingDir!
  const prefix = keyPrefix(t.path!)
  const files = new Map<string, { size: number; seqs: number[] }>()
  let doneBytes = 0
  let doneFiles = 0
  for (const l of db().iterateLines(t.id, ['staged', 'uploaded'])) {
    if (l.op !== 'add') continue
    const pic = l.meta.PicName!
    const f = files.get(pic) ?? { size: l.bytes, seqs: [] }
    f.seqs.push(l.seq)
    files.set(pic, f)
    if (l.state === 'uploaded' && f.seqs.length === 1) {
      doneBytes += l.bytes
      doneFiles++
    }
  }
  const uploadedPics = new Set(
    [...db().iterateLines(t.id, ['uploaded'])].map((l) => l.meta.PicName),
  )
  const items = [...files]
    .filter(([pic]) => !uploadedPics.has(pic))
    .map(([pic, f]) => ({
      file: path.join(dir, ...pic.split('/')),
      key: prefix + pic,
      size: f.size,
    }))
  const inflight = new Map<string, number>()
  const target = {
    endpoint: t.options.ossEndpoint ?? ossEndpointFor(region!),
    region: region ?? 'cn-hangzhou',
    bucket: t.bucket!,
    accessKeyId: creds.accessKeyId,
    accessKeySecret: creds.accessKeySecret,
    securityToken: creds.securityToken,
  }
  const progress = (item: { key: string; size: number }, bytes: number, done: boolean) => {
    if (done) {
      inflight.delete(item.key)
      doneBytes += item.size
      doneFiles++
      const pic = item.key.slice(prefix.length)
      if (pic !== 'increment.meta') {
        db().transaction(() => {
          for (const seq of files.get(pic)?.seqs ?? [])
            db().updateLine(t.id, seq, { state: 'uploaded' })
        })
      }
    } else inflight.set(item.key, bytes)
    const partial = [...inflight.values()].reduce((a, b) => a + b, 0)
    ctx.update(
      t.id,
      {
        filesDone: doneFiles,
        bytesDone: doneBytes + partial,
        detail: `Uploading to OSS: ${doneFiles} of ${t.filesTotal} files`,
      },
      done && doneFiles === t.filesTotal,
    )
  }
  const checkpoints = {
    get: (k: string) => db().getCheckpoint(t.id, k),
    set: (k: string, cp: unknown) => db().setCheckpoint(t.id, k, cp),
    delete: (k: string) => db().deleteCheckpoint(t.id, k),
  }
  const oss = ctx.deps.oss
  await uploadToOss(target, items, { ...oss, signal, checkpoints, onProgress: progress })
  // increment.meta last: the batch never sees a meta file whose pictures are not there yet.
  const metaFile = path.join(dir, 'increment.meta')
  await uploadToOss(
    target,
    [{ file: metaFile, key: prefix + 'increment.meta', size: fs.statSync(metaFile).size }],
    { ...oss, signal, checkpoints, onProgress: progress },
  )
  return {
    state: 'submitting',
    uploadedAt: Date.now(),
    filesDone: t.filesTotal,
    bytesDone: t.bytesTotal,
    detail: 'Uploaded; submitting the batch task',
  }
}
