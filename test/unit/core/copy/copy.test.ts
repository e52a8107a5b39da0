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
import { call, callError, makeCore, until } from '../gallery/service/helpers'
import { remoteProfile, sdk, startRemote, type RemoteLoupe } from './helpers'

const N = 12
let remote: RemoteLoupe
let core: Core
let t: ReturnType<typeof tempDir>
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
  return until(async () => {
    const r = await d<CopyReport>('copy.report', { jobId })
    return r.state === 'done' ? r : null
  }, 60_000)
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
