/**
 * A batch task on a cloud profile, end to end over real HTTP: Loupe uploads the pictures and
 * increment.meta to an OSS server on 127.0.0.1 (which checks every V1 signature), then calls
 * IncreaseInstance through the official SDK. The "cloud" is another Loupe serving its local engine
 * with the Image Search wire protocol; the OSS server stores bucket `local` in that engine's batch
 * root, so the engine really reads what was uploaded, and its error file comes back over HTTP.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BatchLine, BatchTask } from '../../../../../electron/api/domains/batch'
import { startHeadless } from '../../../../../electron/server/headless'
import { createKeyStore } from '../../../../../electron/core/engines/wire/keys'
import { startFakeOss, type FakeOss } from './oss-server'
import { call, makeCore, place, tmp, cleanupTmp } from './helpers'

// Registered first, so it runs last (after hooks run in reverse order).
afterAll(() => cleanupTmp())

let remote: Awaited<ReturnType<typeof startHeadless>>
let oss: FakeOss
let core: ReturnType<typeof makeCore>
let keyId = ''
let secret = ''

beforeAll(async () => {
  const remoteDir = tmp('loupe-batch-remote-')
  remote = await startHeadless({ dataDir: remoteDir, port: 0, rendererDir: remoteDir })
  await call(remote.core.dispatch, 'profiles.create', { kind: 'local', name: 'inst' })
  const k = await createKeyStore(remoteDir).create({ description: 'batch test' })
  keyId = k.accessKeyId
  secret = k.accessKeySecret
  const batchRoot = path.join(remote.core.profiles.dirOf('inst'), 'batch')
  oss = await startFakeOss({
    keys: { [keyId]: secret },
    bucketDir: (b) => (b === 'local' ? batchRoot : path.join(remoteDir, 'other-buckets', b)),
  })
  core = makeCore(tmp('loupe-batch-client-'))
  await call(core.dispatch, 'profiles.create', {
    kind: 'cloud',
    name: 'cloud',
    cloud: {
      instanceName: 'inst',
      region: 'cn-shanghai',
      endpoint: `127.0.0.1:${remote.port}`,
      protocol: 'http',
      accessKeyId: keyId,
      accessKeySecret: secret,
    },
  })
  await call(core.dispatch, 'profiles.create', {
    kind: 'cloud',
    name: 'badkey',
    cloud: {
      instanceName: 'inst',
      region: 'cn-shanghai',
      endpoint: `127.0.0.1:${remote.port}`,
      protocol: 'http',
      accessKeyId: keyId,
      accessKeySecret: 'certainly-not-the-secret',
    },
  })
  expect(await core.batch.start()).toEqual({ ok: true })
})

afterAll(async () => {
  await core?.close()
  await oss?.close()
  await remote?.close()
})

describe('a batch task on a cloud profile', () => {
  it('uploads to OSS, submits, follows the task to the end and lists the failed lines', async () => {
    const dir = tmp()
    place(dir, { 'dress/1.jpg': 50, 'dress/2.jpg': 51, 'coat/3.jpg': 52 })
    fs.mkdirSync(path.join(dir, 'coat', 'raw'))
    // A corrupt picture sent untouched: the remote engine fails it and lists it in its error file.
    fs.writeFileSync(path.join(dir, 'coat', 'raw', 'bad.jpg'), crypto.randomBytes(4000))
    const t0 = await call<BatchTask>(core.dispatch, 'batch.create', {
      profile: 'cloud',
      source: { type: 'folder', path: dir },
      naming: '{product}/{name}',
      prepare: false,
      bucket: 'local',
      path: '/uploads/one',
      ossEndpoint: oss.endpoint,
    })
    expect(t0.engineKind).toBe('cloud')
    const t = (await core.batch.waitFor(t0.id)) as BatchTask
    expect(t.error).toBeNull()
    expect(t.state).toBe('success')
    expect(t.uploadedAt).toBeGreaterThan(0)
    expect(t.filesDone).toBe(5) // 4 pictures + increment.meta
    expect(t.bytesDone).toBe(t.bytesTotal)
    expect(t.linesOk).toBe(3)
    expect(t.linesFailed).toBe(1)
    expect(t.errorUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/files\/inst\//)

    // Every upload was signed; increment.meta went last.
    const puts = oss.log.filter((l) => l.method === 'PUT')
    expect(puts.every((p) => p.status === 200)).toBe(true)
    expect(puts.map((p) => p.key).at(-1)).toBe('uploads/one/increment.meta')
    expect(puts.map((p) => p.key).sort()).toEqual(
      [
        'uploads/one/coat/3.jpg',
        'uploads/one/coat/raw/bad.jpg',
        'uploads/one/dress/1.jpg',
        'uploads/one/dress/2.jpg',
        'uploads/one/increment.meta',
      ].sort(),
    )

    const failed = (
      await call<{ lines: BatchLine[] }>(core.dispatch, 'batch.lines', {
        id: t.id,
        states: ['failed'],
      })
    ).lines
    expect(failed).toHaveLength(1)
    expect(failed[0]).toMatchObject({ productId: 'raw', picName: 'coat/raw/bad.jpg' })
    expect(failed[0].message).toBeTruthy()

    // The remote engine has the good ones; this profile's gallery cache too.
    const found = await remote.core.engines
      .get('inst')
      .then((e) => e.searchImageByName({ productId: 'dress', picName: 'dress/1.jpg', num: 3 }))
    expect(found.auctions[0]).toMatchObject({ productId: 'dress', picName: 'dress/1.jpg' })
    expect(core.galleries.get('cloud').get('coat', 'coat/3.jpg')?.sourcePath).toBe(
      path.join(dir, 'coat', '3.jpg'),
    )
    // No secret in the task's record.
    expect(JSON.stringify(t)).not.toContain(secret)
  })

  it('fails with the OSS error and its hint when the secret is wrong, before submitting', async () => {
    const dir = tmp()
    place(dir, { 'p/1.jpg': 60 })
    const before = oss.log.length
    const t0 = await call<BatchTask>(core.dispatch, 'batch.create', {
      profile: 'badkey',
      source: { type: 'folder', path: dir },
      bucket: 'local',
      path: '/uploads/bad',
      ossEndpoint: oss.endpoint,
    })
    const t = (await core.batch.waitFor(t0.id)) as BatchTask
    expect(t.state).toBe('failed')
    expect(t.error?.code).toBe('SignatureDoesNotMatch')
    expect(t.error?.hint).toMatch(/secret/i)
    expect(t.submittedAt).toBeNull()
    expect(oss.log.slice(before).every((l) => l.status === 403)).toBe(true)
    expect(JSON.stringify(t)).not.toContain('certainly-not-the-secret')
  })

  it('needs a bucket for a cloud profile', async () => {
    const dir = tmp()
    place(dir, { 'p/1.jpg': 61 })
    const r = (await core.dispatch('batch.create', {
      profile: 'cloud',
      source: { type: 'folder', path: dir },
    })) as { error?: { code: string; message: string } }
    expect(r.error?.code).toBe('BadRequest')
    expect(r.error?.message).toMatch(/bucket/)
  })
})
