/**
 * The gallery copy's fast path (core/copy/fast-path.ts) end to end over real HTTP, with faults:
 * the items go as one increment.meta batch task — pictures and increment.meta uploaded with
 * ali-oss to an OSS server on 127.0.0.1 (V1 signatures checked) behind a fault proxy (500s and
 * dropped connections), IncreaseInstance / IncreaseList through the official SDK to another Loupe
 * acting as the cloud, behind a second fault proxy (ServiceUnavailable, DeniedRequest, dropped
 * connections). The OSS server stores bucket `local` in that Loupe's batch root, so its engine
 * really reads what was uploaded. Every item must end done exactly once or failed with its
 * reason; the target is listed afterwards (count + every key).
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHeadless } from '../../../../electron/server/headless'
import { createKeyStore } from '../../../../electron/core/engines/wire/keys'
import { createFileSecretStore } from '../../../../electron/core/profiles/file-secret-store'
import {
  choosePath,
  runFastPath,
  type FastPathItem,
  type FastPathOutcome,
} from '../../../../electron/core/copy/fast-path'
import { startFakeOss, type FakeOss } from '../tasks/batch/oss-server'
import { call, cleanupTmp, item, makeCore, tmp } from '../tasks/batch/helpers'
import { startFaultProxy, type FaultProxy } from '../../../helpers/fault-proxy'

afterAll(() => cleanupTmp())

let remote: Awaited<ReturnType<typeof startHeadless>>
let oss: FakeOss
let ossFaults: FaultProxy
let apiFaults: FaultProxy
let clientDir = ''
let core: ReturnType<typeof makeCore>

/** The first time each object is PUT: every 3rd answers 500, every 4th loses its connection. */
function ossFault() {
  const seen = new Set<string>()
  let objects = 0
  return (r: { method: string; url: string }) => {
    if (r.method !== 'PUT' || seen.has(r.url)) return 'pass' as const
    seen.add(r.url)
    objects++
    if (objects % 3 === 0)
      return { status: 500, code: 'InternalError', message: 'Please try again.', xml: true }
    if (objects % 4 === 0) return 'drop' as const
    return 'pass' as const
  }
}

/** The engine API: the first IncreaseInstance 503, the first IncreaseLists denied and dropped. */
function apiFault() {
  let submits = 0
  let lists = 0
  return (r: { action: string | null }) => {
    if (r.action === 'IncreaseInstance' && ++submits === 1) {
      return { status: 503, code: 'ServiceUnavailable', message: 'The service is unavailable.' }
    }
    if (r.action === 'IncreaseList') {
      lists++
      if (lists === 1 || lists === 3)
        return { status: 403, code: 'DeniedRequest', message: 'Denied due to flow control.' }
      if (lists === 2) return 'drop' as const
    }
    return 'pass' as const
  }
}

beforeAll(async () => {
  const remoteDir = tmp('loupe-copy-remote-')
  remote = await startHeadless({ dataDir: remoteDir, port: 0, rendererDir: remoteDir })
  await call(remote.core.dispatch, 'profiles.create', { kind: 'local', name: 'inst' })
  const k = await createKeyStore(remoteDir).create({ description: 'copy fast path test' })
  const batchRoot = path.join(remote.core.profiles.dirOf('inst'), 'batch')
  oss = await startFakeOss({
    keys: { [k.accessKeyId]: k.accessKeySecret },
    bucketDir: (b) => (b === 'local' ? batchRoot : path.join(remoteDir, 'other-buckets', b)),
  })
  ossFaults = await startFaultProxy(oss.port, ossFault())
  apiFaults = await startFaultProxy(remote.port, apiFault())
  clientDir = tmp('loupe-copy-client-')
  core = client()
  for (const [name, secret] of [
    ['cloud', k.accessKeySecret],
    ['badkey', 'not-the-secret-at-all'],
  ]) {
    await call(core.dispatch, 'profiles.create', {
      kind: 'cloud',
      name,
      cloud: {
        instanceName: 'inst',
        region: 'cn-shanghai',
        endpoint: `127.0.0.1:${apiFaults.port}`,
        protocol: 'http',
        accessKeyId: k.accessKeyId,
        accessKeySecret: secret,
      },
    })
  }
  expect(await core.batch.start()).toEqual({ ok: true })
}, 120_000)

afterAll(async () => {
  await core?.close()
  await ossFaults?.close()
  await apiFaults?.close()
  await oss?.close()
  await remote?.close()
})

/** The client's core; secrets in its data folder, so a restarted core has them. */
const client = () => makeCore(clientDir, { secrets: createFileSecretStore(clientDir) })

const engine = () => remote.core.engines.get('inst')

/** Items of catalogue pictures under product `p<n>`, picture `<prefix>/<n>.jpg`. */
function items(prefix: string, ns: number[]): FastPathItem[] {
  return ns.map((n) => ({
    key: `${prefix}-${n}`,
    productId: `p${n}`,
    picName: `${prefix}/${n}.jpg`,
    file: item(n),
    fields: { categoryId: 88_888_888, customContent: `item ${n}`, intAttr: n, strAttr: `s${n}` },
  }))
}

/** One outcome per item, in order, each with a known state. */
function expectOneEach(list: FastPathItem[], out: FastPathOutcome[]) {
  expect(out.map((o) => o.key)).toEqual(list.map((i) => i.key))
  for (const o of out) {
    expect(['done', 'failed', 'addImage']).toContain(o.state)
    if (o.state === 'failed')
      expect([o.code.length > 0, o.message.length > 0]).toEqual([true, true])
    if (o.state === 'addImage') expect(o.reason).toBeTruthy()
  }
}

/** What the target holds now: its count and whether each key exists. */
async function target(keys: { productId: string; picName: string }[]) {
  const e = await engine()
  const count = (await e.detail()).instance.totalCount
  const exist = await Promise.all(keys.map((k) => e.checkImageExists(k).then((r) => r.exist)))
  return { count, missing: keys.filter((_, i) => !exist[i]) }
}

describe('the copy fast path (increment.meta batch task)', () => {
  it('takes the batch path only to a cloud target with a bucket, above the threshold', () => {
    expect(choosePath({ targetKind: 'cloud', sends: 5000, bucket: 'b', threshold: 1000 })).toBe(
      'batch',
    )
    expect(choosePath({ targetKind: 'cloud', sends: 999, bucket: 'b', threshold: 1000 })).toBe(
      'addImage',
    )
    expect(choosePath({ targetKind: 'cloud', sends: 5000, threshold: 1000 })).toBe('addImage')
    expect(choosePath({ targetKind: 'local', sends: 5000, bucket: 'b', threshold: 1 })).toBe(
      'addImage',
    )
  })

  it('sends every item once under OSS and engine API faults; each ends done, failed with its reason, or for AddImage', async () => {
    const good = items('a', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    const dir = tmp()
    const corrupt = path.join(dir, 'corrupt.jpg')
    fs.writeFileSync(corrupt, crypto.randomBytes(5000))
    const list: FastPathItem[] = [
      ...good,
      // imaging refuses it: set apart before upload, failed with imaging's code
      { key: 'bad', productId: 'pbad', picName: 'a/bad.jpg', file: corrupt, fields: {} },
      // the same PicName as item 1, another product: a batch folder holds one file per PicName
      { key: 'twin', productId: 'ptwin', picName: 'a/1.jpg', file: item(20), fields: {} },
      // no extension: not a path a batch folder can hold
      { key: 'noext', productId: 'pnoext', picName: 'front', file: item(21), fields: {} },
    ]
    const tasks: number[] = []
    const out = await runFastPath(
      core.batch,
      {
        profile: 'cloud',
        bucket: 'local',
        path: '/copy/one',
        ossEndpoint: ossFaults.endpoint,
        tag: 'job-1',
      },
      list,
      { onTask: (id) => tasks.push(id) },
    )
    expectOneEach(list, out)
    expect(tasks).toHaveLength(1)
    const by = Object.fromEntries(out.map((o) => [o.key, o]))
    for (const g of good) expect(by[g.key]).toMatchObject({ state: 'done', taskId: tasks[0] })
    expect(by.bad).toMatchObject({ state: 'failed', taskId: tasks[0] })
    expect((by.bad as { code: string }).code).toMatch(/^(Image|UnsupportedPic)/)
    expect(by.twin).toMatchObject({ state: 'addImage' })
    expect((by.twin as { reason: string }).reason).toMatch(/PicName a\/1\.jpg/)
    expect(by.noext).toMatchObject({ state: 'addImage' })

    // The faults happened and were got over.
    expect(ossFaults.log.some((l) => l.decision.startsWith('500'))).toBe(true)
    expect(ossFaults.log.some((l) => l.decision === 'drop')).toBe(true)
    expect(apiFaults.log.filter((l) => l.action === 'IncreaseInstance')[0].decision).toMatch(/^503/)
    expect(apiFaults.log.filter((l) => l.action === 'IncreaseList').map((l) => l.decision)).toEqual(
      expect.arrayContaining(['403 DeniedRequest', 'drop']),
    )

    // The target holds exactly the done items, with their metadata.
    const t = await target(good)
    expect(t).toEqual({ count: good.length, missing: [] })
    const e = await engine()
    const found = await e.searchImageByName({ productId: 'p7', picName: 'a/7.jpg', num: 1 })
    expect(found.auctions[0]).toMatchObject({
      productId: 'p7',
      picName: 'a/7.jpg',
      customContent: 'item 7',
      intAttr: 7,
      strAttr: 's7',
    })
  }, 240_000)

  it('after an error-file failure, the same tag resends only what did not make it (nothing twice)', async () => {
    const dir = tmp()
    const pic = path.join(dir, 'late.jpg')
    // sent untouched (prepare off): the engine fails it and lists it in its error file
    fs.writeFileSync(pic, crypto.randomBytes(6000))
    const list = [
      ...items('b', [30, 31, 32]),
      { key: 'late', productId: 'plate', picName: 'b/late.jpg', file: pic, fields: {} },
    ]
    const where = {
      profile: 'cloud',
      bucket: 'local',
      path: '/copy/two',
      ossEndpoint: ossFaults.endpoint,
      tag: 'job-2',
      prepare: false,
    }
    const first = await runFastPath(core.batch, where, list)
    expectOneEach(list, first)
    expect(first.map((o) => o.state)).toEqual(['done', 'done', 'done', 'failed'])
    expect((first[3] as { message: string }).message).toBeTruthy()

    // The picture is fixed; the copy job retries: only that line goes in a new task.
    fs.copyFileSync(item(33), pic)
    const tasks: number[] = []
    const again = await runFastPath(core.batch, where, list, { onTask: (id) => tasks.push(id) })
    expect(again.map((o) => o.state)).toEqual(['done', 'done', 'done', 'done'])
    expect(tasks).toHaveLength(1)
    const lines = [...core.batch.store().iterateLines(tasks[0])]
    expect(lines.map((l) => l.meta.ProductId)).toEqual(['plate'])
    expect(core.batch.store().get(tasks[0])?.path).toBe('/copy/two-2')
    const t = await target(list)
    expect(t.missing).toEqual([])

    // A third call has nothing left to send.
    const third = await runFastPath(core.batch, where, list, { onTask: (id) => tasks.push(id) })
    expect(third.every((o) => o.state === 'done')).toBe(true)
    expect(tasks).toHaveLength(1)
  }, 240_000)

  it('resumes after the process stops mid-task: the restarted copy waits for the same task', async () => {
    const list = items('c', [40, 41, 42, 43])
    const where = {
      profile: 'cloud',
      bucket: 'local',
      path: '/copy/three',
      ossEndpoint: ossFaults.endpoint,
      tag: 'job-3',
    }
    const stop = new AbortController()
    const created: number[] = []
    const interrupted = runFastPath(core.batch, where, list, {
      signal: stop.signal,
      onTask: (id) => {
        created.push(id)
        stop.abort()
      },
    })
    await expect(interrupted).rejects.toMatchObject({ code: 'JobCancelled' })
    // The process goes away with the task unfinished; another one opens the same data folder.
    await core.close()
    core = client()
    expect(await core.batch.start()).toEqual({ ok: true })
    const resumed: number[] = []
    const out = await runFastPath(core.batch, where, list, { onTask: (id) => resumed.push(id) })
    expect(out.every((o) => o.state === 'done')).toBe(true)
    expect(resumed).toEqual([])
    expect(core.batch.tagged('job-3').map((t) => t.id)).toEqual(created)
    expect((await target(list)).missing).toEqual([])
  }, 240_000)

  it('a task that cannot upload fails every item with the OSS error, nothing done', async () => {
    const list = items('d', [50, 51])
    const before = (await (await engine()).detail()).instance.totalCount
    const out = await runFastPath(
      core.batch,
      {
        profile: 'badkey',
        bucket: 'local',
        path: '/copy/bad',
        ossEndpoint: oss.endpoint,
        tag: 'job-4',
      },
      list,
    )
    expectOneEach(list, out)
    for (const o of out) expect(o).toMatchObject({ state: 'failed', code: 'SignatureDoesNotMatch' })
    expect((await (await engine()).detail()).instance.totalCount).toBe(before)
  }, 120_000)
})
