/**
 * The copy job under faults, both paths, against a second Loupe acting as the cloud (a headless
 * host whose engine API limits writes as the cloud does — `cloudWriteLimits`), reached through a
 * cloud profile (official SDK) and a fault proxy:
 * - AddImage path: 500s, 503s, DeniedRequest, connections dropped before forwarding and after the
 *   engine added the picture (the answer lost), one picture the target always refuses;
 * - batch path (`batch.bucket`): the pictures uploaded to an OSS server on 127.0.0.1 storing bucket
 *   `local` in the remote's batch root, behind a fault proxy (500s, dropped connections), and a
 *   PicName two products share (sent by AddImage).
 * Every item must end done exactly once or failed with its reason; the target is listed
 * afterwards (its count and every key) and the verification report agrees.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CopyPlan, CopyReport } from '../../../../electron/api/domains/copy'
import type { JobItemView } from '../../../../electron/api/domains/jobs'
import { startHeadless } from '../../../../electron/server/headless'
import { createKeyStore } from '../../../../electron/core/engines/wire/keys'
import { startFakeOss, type FakeOss } from '../tasks/batch/oss-server'
import { call, cleanupTmp, item, makeCore, tmp, until } from '../tasks/batch/helpers'
import { startFaultProxy, type FaultDecision, type FaultProxy } from '../../../helpers/fault-proxy'

afterAll(() => cleanupTmp())

let remote: Awaited<ReturnType<typeof startHeadless>>
let api: FaultProxy
let oss: FakeOss
let ossFaults: FaultProxy
let core: ReturnType<typeof makeCore>
const N = 10
const d = <T>(name: string, input: unknown = {}) => call<T>(core.dispatch, name, input)

/** AddImage faults by request number; a picture of product `refused` is always refused. */
function addImageFaults(r: { action: string | null; n: number; body: Buffer }): FaultDecision {
  if (r.action !== 'AddImage') return 'pass'
  if (r.body.toString('latin1').includes('ProductId=refused'))
    return { status: 400, code: 'InvalidParameter', message: 'The picture is not accepted.' }
  const n = r.n
  if (n % 9 === 1) return { status: 500, code: 'InternalError', message: 'Unknown error.' }
  if (n % 9 === 4) return { status: 503, code: 'ServiceUnavailable', message: 'Try again.' }
  if (n % 11 === 3) return { status: 403, code: 'DeniedRequest', message: 'Flow control.' }
  if (n % 13 === 6) return 'drop'
  if (n % 7 === 5) return 'drop-after'
  return 'pass'
}

beforeAll(async () => {
  const remoteDir = tmp('loupe-copyfault-remote-')
  remote = await startHeadless({
    dataDir: remoteDir,
    port: 0,
    rendererDir: remoteDir,
    cloudWriteLimits: true,
    log: () => {},
  })
  const k = await createKeyStore(remoteDir).create({ description: 'copy faults test' })
  for (const name of ['addimage', 'batch']) {
    await call(remote.core.dispatch, 'profiles.create', { kind: 'local', name })
    // Above 100,000 pictures the cloud allows AddImage 5/s (1/s below): as the client assumes.
    await call(remote.core.dispatch, 'profiles.update', {
      name,
      patch: { local: { capacity: 1_000_000 } },
    })
  }
  api = await startFaultProxy(remote.port, addImageFaults)
  oss = await startFakeOss({
    keys: { [k.accessKeyId]: k.accessKeySecret },
    bucketDir: () => path.join(remote.core.profiles.dirOf('batch'), 'batch'),
  })
  const seenPut = new Set<string>()
  ossFaults = await startFaultProxy(oss.port, (r) => {
    if (r.method !== 'PUT' || seenPut.has(r.url)) return 'pass'
    seenPut.add(r.url)
    if (seenPut.size % 3 === 0)
      return { status: 500, code: 'InternalError', message: 'x', xml: true }
    return seenPut.size % 4 === 0 ? 'drop' : 'pass'
  })

  core = makeCore(tmp('loupe-copyfault-client-'))
  await core.start()
  for (const inst of ['addimage', 'batch']) {
    await d('profiles.create', {
      kind: 'cloud',
      name: `to-${inst}`,
      cloud: {
        instanceName: inst,
        region: 'cn-shanghai',
        endpoint: `127.0.0.1:${api.port}`,
        protocol: 'http',
        accessKeyId: k.accessKeyId,
        accessKeySecret: k.accessKeySecret,
      },
    })
  }
  const src = tmp('loupe-copyfault-pictures-')
  const add = async (i: number, productId: string, picName: string) => {
    const file = path.join(src, `${productId}-${picName}`)
    fs.copyFileSync(item(i), file)
    await d('images.add', {
      profile: 'local',
      image: { path: file },
      productId,
      picName,
      customContent: `item ${i}`,
      intAttr: i,
    })
  }
  for (let i = 0; i < N; i++) await add(i, `sku-${i}`, `p${i}.jpg`)
  // Two products whose pictures have the same name: one batch folder cannot hold both.
  await add(N, 'twin-a', 'front.jpg')
  await add(N + 1, 'twin-b', 'front.jpg')
}, 240_000)

afterAll(async () => {
  await core?.close()
  await api?.close()
  await ossFaults?.close()
  await oss?.close()
  await remote?.close()
})

async function runJob(plan: CopyPlan) {
  const { jobId } = await d<{ jobId: number }>('copy.start', { planId: plan.planId })
  const job = await until(async () => {
    const w = await d<{ settled: boolean; job: { state: string; done: number; failed: number } }>(
      'jobs.wait',
      { jobId, timeoutMs: 5000 },
    )
    return w.settled && w.job.state !== 'paused' ? w.job : null
  }, 200_000)
  const items = (await d<{ items: JobItemView[] }>('jobs.items', { jobId, limit: 1000 })).items
  const report = await until(async () => {
    const r = await d<CopyReport>('copy.report', { jobId })
    return r.state === 'done' ? r : null
  }, 60_000)
  return { jobId, job, items, report }
}

/** What an instance of the remote holds: its count and the keys of `want` it lacks. */
async function listed(inst: string, want: { productId: string; picName: string }[]) {
  const e = await remote.core.engines.get(inst)
  const count = (await e.detail()).instance.totalCount
  const missing: string[] = []
  for (const k of want) if (!(await e.checkImageExists(k)).exist) missing.push(k.productId)
  return { count, missing }
}

const keysOf = (items: JobItemView[]) =>
  items.map((i) => ({ productId: i.productId!, picName: i.picName! }))

describe('the copy job under faults', () => {
  it('AddImage path: every item done once or failed with its reason; the target holds each once', async () => {
    // One picture the target refuses, whatever the attempt.
    const file = path.join(tmp(), 'refused.jpg')
    fs.copyFileSync(item(30), file)
    await d('images.add', {
      profile: 'local',
      image: { path: file },
      productId: 'refused',
      picName: 'r.jpg',
    })
    const plan = await d<CopyPlan>('copy.plan', { from: 'local', to: 'to-addimage' })
    expect(plan.path).toBe('addImage')
    const total = N + 3
    expect(plan.counts.add).toBe(total)
    const { job, items, report } = await runJob(plan)
    expect(job.state).toBe('done')
    expect(items).toHaveLength(total)
    for (const i of items) {
      if (i.productId === 'refused') {
        expect(i.state).toBe('failed')
        expect(i.error).toMatchObject({ code: 'InvalidParameter' })
        expect(i.error!.message).toBeTruthy()
      } else expect(i.state).toBe('done')
    }
    // The faults happened: the answer of an add that was made was lost, and retried.
    const adds = api.log.filter((l) => l.action === 'AddImage')
    for (const kind of [
      '500 InternalError',
      '503 ServiceUnavailable',
      '403 DeniedRequest',
      'drop',
      'drop-after',
    ])
      expect(adds.map((l) => l.decision)).toContain(kind)
    // Listed afterwards: every copied key once, nothing else.
    const done = items.filter((i) => i.state === 'done')
    expect(await listed('addimage', keysOf(done))).toEqual({ count: done.length, missing: [] })
    expect(report.counts).toMatchObject({ copied: done.length, failed: 1 })
    expect(report.missing).toEqual([])
    await d('images.remove', { profile: 'local', productId: 'refused', picName: 'r.jpg' })
  }, 300_000)

  it('batch path: increment.meta tasks through OSS faults, each picture once; one PicName never twice in a task', async () => {
    const plan = await d<CopyPlan>('copy.plan', {
      from: 'local',
      to: 'to-batch',
      batch: { bucket: 'local', path: '/copy/job', ossEndpoint: ossFaults.endpoint, threshold: 5 },
    })
    expect(plan.path).toBe('batch')
    const total = N + 2
    expect(plan.counts.add).toBe(total)
    const before = api.log.length
    const { jobId, job, items, report } = await runJob(plan)
    expect(job.state).toBe('done')
    expect(items.map((i) => i.state)).toEqual(Array(total).fill('done'))
    // Batch tasks carried all but one twin, each picture once; that twin went by AddImage.
    const tasks = core.batch.tagged(`copy-job-${jobId}`)
    expect(tasks.length).toBeGreaterThanOrEqual(1)
    expect(tasks.map((t) => t.state)).toEqual(tasks.map(() => 'success'))
    const ok = tasks.flatMap((t) =>
      [...core.batch.store().iterateLines(t.id, ['ok'])].map(
        (l) => `${l.meta.ProductId}/${l.meta.PicName}`,
      ),
    )
    expect(new Set(ok).size).toBe(ok.length)
    // No task holds one PicName twice (a batch folder holds one file per PicName): a twin that
    // met its twin in a task went by AddImage; twins in two different tasks both went by batch.
    for (const t of tasks) {
      const pics = [...core.batch.store().iterateLines(t.id, ['ok'])].map((l) => l.meta.PicName)
      expect(new Set(pics).size, `task ${t.id}`).toBe(pics.length)
    }
    const adds = api.log.slice(before).filter((l) => l.action === 'AddImage' && l.upstream === 200)
    const viaAdd = new Set(adds.map((l) => l.digest)).size
    expect(viaAdd).toBeLessThanOrEqual(1)
    expect(ok.length + viaAdd).toBe(total)
    expect(ossFaults.log.some((l) => l.decision.startsWith('500'))).toBe(true)
    expect(ossFaults.log.some((l) => l.decision === 'drop')).toBe(true)
    expect(await listed('batch', keysOf(items))).toEqual({ count: total, missing: [] })
    expect(report.counts).toMatchObject({ copied: total, failed: 0 })
    expect(report.missing).toEqual([])
    // The target's cache knows each copied picture (for verification and later syncs).
    expect(core.galleries.get('to-batch').get('sku-3', 'p3.jpg')).toBeTruthy()
  }, 300_000)
})
