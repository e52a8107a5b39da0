/**
 * Copying and syncing a gallery between profiles (issue 14), against a second Loupe acting as the
 * cloud (a headless host whose engine API a cloud profile reaches through the official SDK):
 * local → remote copy with its dry run and verification, a capacity refusal before any write, a
 * sync with an edit and a delete (confirmed first), and cloud → local from a fresh dump with the
 * pictures no source has listed as such.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CopyPlan, CopyReport } from '../../../../electron/api/domains/copy'
import type { Core } from '../../../../electron/core/app'
import { catalogueItem } from '../../../helpers/images'
import { tempDir } from '../../../helpers/tmp'
import { call, callError, makeCore, recordEvents, until } from '../gallery/service/helpers'
import { startFakeOss, type FakeOss } from '../tasks/batch/oss-server'
import { remoteProfile, sdk, startRemote, type RemoteLoupe } from './helpers'

const N = 12
let remote: RemoteLoupe
let core: Core
let t: ReturnType<typeof tempDir>
let oss: FakeOss | null = null
const d = <T = unknown>(name: string, input: unknown = {}) => call<T>(core.dispatch, name, input)

/** Every picture of the remote's gallery through the SDK (each has int_attr set). */
async function remoteGallery() {
  const r = await remote.sdk.searchImageByFilter(
    new sdk.SearchImageByFilterRequest({ instanceName: 'local', filter: 'int_attr>=0', num: 100 }),
  )
  return (r.body!.auctions ?? [])
    .map((a) => ({
      key: `${a.productId}/${a.picName}`,
      categoryId: a.categoryId,
      customContent: a.customContent,
      intAttr: a.intAttr,
      strAttr: a.strAttr,
    }))
    .sort((a, b) => a.key.localeCompare(b.key))
}

/** The remote's gallery of one of its instances, read from its engine: key → record. */
async function remoteRecords(instance: string) {
  const e = (await remote.core.engines.get(instance)) as unknown as {
    listImages(
      after: number,
      limit: number,
    ): {
      productId: string
      picName: string
      customContent: string | null
      strAttr: string | null
    }[]
  }
  return new Map(e.listImages(0, 1000).map((r) => [`${r.productId}/${r.picName}`, r]))
}

async function runCopy(plan: CopyPlan, confirmDeletes = false): Promise<CopyReport> {
  const { jobId } = await d<{ jobId: number }>('copy.start', {
    planId: plan.planId,
    confirmDeletes,
  })
  const job = await until(async () => {
    const w = await d<{ settled: boolean; job: { state: string } }>('jobs.wait', {
      jobId,
      timeoutMs: 5000,
    })
    return w.settled && w.job.state !== 'paused' ? w.job : null
  }, 120_000)
  expect(job.state).toBe('done')
  const report = await until(async () => {
    const r = await d<CopyReport>('copy.report', { jobId })
    return r.state === 'done' ? r : null
  }, 60_000)
  if (report.counts.failed) {
    // Say which and why when a test expects none.
    const failed = await d<{ items: unknown[] }>('jobs.items', { jobId, states: ['failed'] })
    console.log(JSON.stringify(failed.items, null, 1))
  }
  return report
}

beforeAll(async () => {
  t = tempDir('loupe-copy-')
  remote = await startRemote()
  core = makeCore(path.join(t.dir, 'data'))
  await core.start()
  await d('profiles.create', remoteProfile('shop', remote))
  // The pictures are added from files in a folder of their own (the source files the copy
  // finds again by their SHA-256).
  const src = path.join(t.dir, 'pictures')
  fs.mkdirSync(src)
  for (let i = 0; i < N; i++) {
    const file = path.join(src, `p${i}.jpg`)
    fs.copyFileSync(catalogueItem(i), file)
    await d('images.add', {
      profile: 'local',
      image: { path: file },
      productId: `sku-${i % 6}`,
      picName: `p${i}.jpg`,
      categoryId: i % 3,
      customContent: `item ${i} 自定义`,
      intAttr: i,
      strAttr: i % 2 ? 'red' : 'blue',
    })
  }
  // One file is gone: that picture comes from the local engine's stored copy.
  fs.rmSync(path.join(src, 'p11.jpg'))
}, 180_000)

afterAll(async () => {
  await core?.close()
  await oss?.close()
  await remote?.close()
  t?.cleanup()
})

describe('copy local → remote Loupe (cloud profile, official SDK)', () => {
  it('plans without writing: counts, picture sources, capacity, rate', async () => {
    const plan = await d<CopyPlan>('copy.plan', { from: 'local', to: 'shop' })
    expect(plan.counts).toMatchObject({ source: N, target: 0, add: N, update: 0, delete: 0 })
    expect(plan.sources).toEqual({ sourceFile: N - 1, localStore: 1, ossObject: 0, none: 0 })
    expect(plan.items.find((i) => i.picName === 'p11.jpg')).toMatchObject({
      action: 'add',
      source: 'localStore',
    })
    expect(plan.capacity).toMatchObject({ used: 0, afterCopy: N, fits: true, short: 0 })
    expect(plan.rate.qps).toBeGreaterThan(0)
    expect(plan.path).toBe('addImage')
    // A dry run: the remote has nothing.
    expect(await remoteGallery()).toEqual([])
    await d('copy.discardPlan', { planId: plan.planId })
    expect((await callError(core.dispatch, 'copy.start', { planId: plan.planId })).code).toBe(
      'CopyPlanNotFound',
    )
  })

  it('copies every picture with its attributes and verifies it', async () => {
    const plan = await d<CopyPlan>('copy.plan', { from: 'local', to: 'shop' })
    const report = await runCopy(plan)
    expect(report.counts).toMatchObject({
      source: N,
      target: N,
      copied: N,
      failed: 0,
      noPicture: 0,
    })
    expect(report.missing).toEqual([])
    expect(report.sample.n).toBeGreaterThan(0)
    expect(report.sample.agreed).toBe(report.sample.n)
    const got = await remoteGallery()
    expect(got).toHaveLength(N)
    expect(got.find((g) => g.key === 'sku-1/p7.jpg')).toMatchObject({
      categoryId: 1,
      customContent: 'item 7 自定义',
      intAttr: 7,
      strAttr: 'red',
    })
    // Copying again finds nothing to do.
    const again = await d<CopyPlan>('copy.plan', { from: 'local', to: 'shop' })
    expect(again.counts).toMatchObject({ add: 0, update: 0, unchanged: N })
  }, 180_000)
})

describe('capacity, sync, cloud → local, fast path', () => {
  it('refuses up front when the target cannot hold the copy, saying by how much', async () => {
    await d('profiles.create', { kind: 'local', name: 'small', local: { capacity: 5 } })
    const plan = await d<CopyPlan>('copy.plan', { from: 'local', to: 'small' })
    expect(plan.capacity).toMatchObject({
      target: 5,
      used: 0,
      afterCopy: N,
      fits: false,
      short: N - 5,
    })
    const err = await callError(core.dispatch, 'copy.start', { planId: plan.planId })
    expect(err.code).toBe('CopyTargetFull')
    expect(err.message).toContain(`${N - 5} too many`)
    expect((err as { details?: { short?: number } }).details?.short).toBe(N - 5)
    const detail = await d<{ instance: { totalCount: number } }>('instance.detail', {
      profile: 'small',
    })
    expect(detail.instance.totalCount).toBe(0)
  }, 60_000)

  it('syncs an edit, a new picture and a delete — the delete listed and confirmed first', async () => {
    await d('images.update', {
      profile: 'local',
      productId: 'sku-3',
      picName: 'p3.jpg',
      customContent: 'edited',
      strAttr: 'green',
    })
    await d('images.remove', { profile: 'local', productId: 'sku-4', picName: 'p4.jpg' })
    // Another picture under the same key: the picture itself changed.
    const other = path.join(t.dir, 'pictures', 'p5-new.jpg')
    fs.copyFileSync(catalogueItem(50), other)
    await d('images.add', {
      profile: 'local',
      image: { path: other },
      productId: 'sku-5',
      picName: 'p5.jpg',
      categoryId: 2,
      customContent: 'item 5 自定义',
      intAttr: 5,
      strAttr: 'red',
    })
    const plan = await d<CopyPlan>('copy.plan', { from: 'local', to: 'shop', sync: true })
    expect(plan.counts).toMatchObject({ add: 0, update: 2, delete: 1, unchanged: N - 3 })
    expect(plan.deletes).toEqual([{ productId: 'sku-4', picName: 'p4.jpg' }])
    const byName = new Map(plan.items.map((i) => [i.picName, i]))
    expect(byName.get('p3.jpg')).toMatchObject({ action: 'update' })
    expect(byName.get('p3.jpg')!.detail).toContain('customContent')
    expect(byName.get('p5.jpg')).toMatchObject({ action: 'update', source: 'sourceFile' })
    expect(byName.get('p5.jpg')!.detail).toContain('picture')
    // Not confirmed: refused, nothing deleted.
    const err = await callError(core.dispatch, 'copy.start', { planId: plan.planId })
    expect(err.code).toBe('CopyDeletesNotConfirmed')
    expect((await remoteRecords('local')).has('sku-4/p4.jpg')).toBe(true)

    const report = await runCopy(plan, true)
    expect(report.counts).toMatchObject({ copied: 2, deleted: 1, failed: 0, target: N - 1 })
    expect(report.missing).toEqual([])
    const after = await remoteRecords('local')
    expect(after.size).toBe(N - 1)
    expect(after.has('sku-4/p4.jpg')).toBe(false)
    expect(after.get('sku-3/p3.jpg')).toMatchObject({ customContent: 'edited', strAttr: 'green' })
    // The new picture is the one found by a search with it.
    const found = await remote.sdk.searchImageByPic(
      new sdk.SearchImageByPicRequest({
        instanceName: 'local',
        picContent: fs.readFileSync(other).toString('base64'),
        num: 1,
      }),
    )
    expect(found.body!.auctions![0]).toMatchObject({ productId: 'sku-5', picName: 'p5.jpg' })
    // In step: nothing left to do.
    const again = await d<CopyPlan>('copy.plan', { from: 'local', to: 'shop', sync: true })
    expect(again.counts).toMatchObject({ add: 0, update: 0, delete: 0, unchanged: N - 1 })
  }, 180_000)

  it('copies cloud → local from a fresh dump; pictures no source has are listed, not skipped', async () => {
    // Changes made on the "cloud" behind this Loupe's back: its gallery cache does not know them.
    for (const n of [60, 61]) {
      await remote.sdk.addImage(
        new sdk.AddImageRequest({
          instanceName: 'local',
          productId: `direct-${n}`,
          picName: `d${n}.jpg`,
          picContent: fs.readFileSync(catalogueItem(n)).toString('base64'),
          intAttr: n,
        }),
      )
    }
    await remote.sdk.updateImage(
      new sdk.UpdateImageRequest({
        instanceName: 'local',
        productId: 'sku-0',
        picName: 'p6.jpg',
        customContent: 'changed in the cloud',
      }),
    )
    await d('profiles.create', { kind: 'local', name: 'mirror' })
    const events = recordEvents(core.events)
    const plan = await d<CopyPlan>('copy.plan', { from: 'shop', to: 'mirror' })
    // The copy's own dump raises no "Metadata export finished — import it" notification.
    events.off()
    expect(events.of('notification')).toEqual([])
    expect(plan.counts).toMatchObject({ source: N + 1, target: 0, add: N - 2, noPicture: 3 })
    const none = plan.items.filter((i) => i.action === 'noPicture').map((i) => i.picName)
    // Added in the cloud directly, and the one whose file was gone (sent from the engine's copy).
    expect(none.sort()).toEqual(['d60.jpg', 'd61.jpg', 'p11.jpg'])
    for (const i of plan.items.filter((x) => x.action === 'noPicture')) {
      expect(i).toMatchObject({ source: 'none', detail: 'no picture available' })
    }
    const report = await runCopy(plan)
    expect(report.counts).toMatchObject({ copied: N - 2, noPicture: 3, failed: 0, target: N - 2 })
    expect(report.missing).toEqual([])
    expect(report.sample.agreed).toBe(report.sample.n)
    // The metadata came from the fresh dump, not from this Loupe's cache of the cloud.
    const mirrored = await d<{ image: { customContent: string | null } }>('gallery.get', {
      profile: 'mirror',
      productId: 'sku-0',
      picName: 'p6.jpg',
    })
    expect(mirrored.image.customContent).toBe('changed in the cloud')
    // The items without a picture are in the job, failed with the reason.
    const jobs = await d<{ jobs: { jobId: number; kind: string }[] }>('jobs.list', {})
    const job = jobs.jobs.find((j) => j.kind === 'gallery-copy')!
    const failed = await d<{ items: { picName: string; error: { code: string } }[] }>(
      'jobs.items',
      { jobId: job.jobId, states: ['failed'] },
    )
    expect(failed.items.map((i) => [i.picName, i.error.code]).sort()).toEqual([
      ['d60.jpg', 'CopyNoPicture'],
      ['d61.jpg', 'CopyNoPicture'],
      ['p11.jpg', 'CopyNoPicture'],
    ])
  }, 180_000)

  it('takes the fast path (increment.meta through OSS) when asked, and verifies it the same way', async () => {
    await call(remote.core.dispatch, 'profiles.create', { kind: 'local', name: 'inst2' })
    const batchRoot = path.join(remote.core.profiles.dirOf('inst2'), 'batch')
    oss = await startFakeOss({
      keys: { [remote.accessKeyId]: remote.accessKeySecret },
      bucketDir: (b) => (b === 'local' ? batchRoot : path.join(t.dir, 'other-buckets', b)),
    })
    await d('profiles.create', remoteProfile('shop2', remote, 'inst2'))
    const plan = await d<CopyPlan>('copy.plan', {
      from: 'local',
      to: 'shop2',
      batch: { bucket: 'local', ossEndpoint: `http://127.0.0.1:${oss.port}`, threshold: 1 },
    })
    expect(plan.path).toBe('batch')
    expect(plan.counts.add).toBe(N - 1)
    const report = await runCopy(plan)
    expect(report.counts).toMatchObject({ copied: N - 1, failed: 0, target: N - 1 })
    expect(report.missing).toEqual([])
    const got = await remoteRecords('inst2')
    expect(got.size).toBe(N - 1)
    expect(got.get('sku-3/p3.jpg')).toMatchObject({ customContent: 'edited', strAttr: 'green' })
    // Every picture really went through OSS: one PUT per picture (and the meta file).
    expect(oss.log.filter((r) => r.method === 'PUT').length).toBeGreaterThanOrEqual(N - 1)
  }, 180_000)

  it('finds a picture whose file is gone in the OSS object its batch task uploaded', async () => {
    // shop2 got its pictures by a batch task; the engine's copy of p11 was staged for it and
    // that staging is gone: its OSS object is what is left.
    await d('profiles.create', { kind: 'local', name: 'mirror2' })
    const plan = await d<CopyPlan>('copy.plan', { from: 'shop2', to: 'mirror2' })
    expect(plan.counts).toMatchObject({ add: N - 1, noPicture: 0 })
    expect(plan.sources).toEqual({ sourceFile: N - 2, localStore: 0, ossObject: 1, none: 0 })
    expect(plan.items.find((i) => i.picName === 'p11.jpg')).toMatchObject({ source: 'ossObject' })
    const gets = () => oss!.log.filter((r) => r.method === 'GET').length
    const before = gets()
    const report = await runCopy(plan)
    expect(report.counts).toMatchObject({ copied: N - 1, failed: 0, noPicture: 0 })
    expect(report.missing).toEqual([])
    expect(gets()).toBeGreaterThan(before)
  }, 180_000)
})
