import fs from 'node:fs'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createLocalEngine, type LocalEngine } from '../../../../electron/core/engines/local/index'
import { createFeaturizer } from '../../../../electron/core/engines/local/featurizer/index'
import type { Featurizer } from '../../../../electron/core/engines/local/featurizer/types'
import type { Engine } from '../../../../electron/core/engines/types'
import { openGallery, type Gallery } from '../../../../electron/core/gallery/index'
import { createImaging } from '../../../../electron/core/imaging/index'
import type { Imaging } from '../../../../electron/core/imaging/types'
import { parseCsv } from '../../../../electron/core/jobs/csv'
import { collectPlan, planBulkAdd } from '../../../../electron/core/jobs/bulk-add/plan'
import {
  bulkAddFingerprint,
  enqueueBulkAdd,
  findResumableBulkAdd,
  registerBulkAdd,
} from '../../../../electron/core/jobs/bulk-add/run'
import type {
  BulkAddResult,
  BulkAddRuntime,
  PlanItem,
} from '../../../../electron/core/jobs/bulk-add/types'
import type { JobQueue } from '../../../../electron/core/jobs/queue'
import { writeThrough } from '../../../../electron/core/gallery/write-through'
import { copyCatalogue, put } from './fixtures/pictures'
import { openQueue, sleep, tempDir } from './helpers'

let dir: string
let featurizer: Featurizer
let engine: LocalEngine
let imaging: Imaging
let gallery: Gallery
const queues: JobQueue[] = []

beforeEach(async () => {
  dir = tempDir()
  featurizer = createFeaturizer({ workers: 0 })
  engine = await createLocalEngine({ dir: path.join(dir, 'engine'), name: 'test', featurizer })
  imaging = createImaging({ workers: 0 })
  gallery = openGallery(path.join(dir, 'gallery.db'))
})

afterEach(async () => {
  for (const q of queues.splice(0)) await q.close()
  gallery.close()
  await engine.close()
  await featurizer.close()
  await imaging.close()
})

/** The real engine, counting AddImage calls that reached it. */
function counting(e: Engine): Engine & { adds: string[] } {
  const adds: string[] = []
  const c = Object.create(e) as Engine & { adds: string[] }
  c.adds = adds
  c.addImage = async (req) => {
    adds.push(`${req.productId}/${req.picName}`)
    return e.addImage(req)
  }
  return c
}

/** As in the app: the engine writes through to the gallery cache. */
function runtime(eng: Engine): BulkAddRuntime {
  const saveThumb = (sha256: string, data: Buffer) => {
    const rel = `${sha256.slice(0, 2)}/${sha256}.webp`
    fs.mkdirSync(path.dirname(gallery.thumbnailPath(rel)), { recursive: true })
    fs.writeFileSync(gallery.thumbnailPath(rel), data)
    return rel
  }
  return {
    engineFor: () => writeThrough(eng, { gallery: () => gallery, saveThumb }),
    imaging,
  }
}

function queue(opts: Parameters<typeof openQueue>[1] = {}): JobQueue {
  const q = openQueue(dir, opts)
  queues.push(q)
  return q
}

describe('bulk add', () => {
  it('adds every planned picture to the engine and records it in the gallery', async () => {
    const src = path.join(dir, 'photos')
    for (let i = 0; i < 12; i++) copyCatalogue(src, `item${String(i).padStart(4, '0')}.jpg`, i)
    const manifest = put(
      dir,
      'extra.csv',
      'productId,path,categoryId\nX1,photos/item0000.jpg,999\n',
    )
    const eng = counting(engine)
    const q = queue()
    registerBulkAdd(q, runtime(eng))
    q.start()
    const plan = planBulkAdd(
      [src, manifest],
      { naming: 'file', defaults: { strAttr: 'hm' } },
      { imaging, gallery },
    )
    const { jobId, resumed, added } = await enqueueBulkAdd(q, plan, { profile: 'p', title: 'H&M' })
    expect(resumed).toBe(false)
    expect(added).toBe(13)
    const job = await q.whenSettled(jobId)
    expect(job).toMatchObject({ state: 'done', title: 'H&M' })
    expect(job.counts).toEqual({
      total: 13,
      pending: 0,
      running: 0,
      done: 12,
      failed: 1,
      skipped: 0,
    })
    expect(eng.adds).toHaveLength(12)
    expect((await engine.detail()).instance.totalCount).toBe(12)
    for (let i = 0; i < 12; i++) {
      const id = `item${String(i).padStart(4, '0')}`
      expect((await engine.checkImageExists({ productId: id, picName: `${id}.jpg` })).exist).toBe(
        true,
      )
    }
    const rec = gallery.get('item0003', 'item0003.jpg')!
    expect(rec).toMatchObject({ strAttr: 'hm', sourcePath: path.join(src, 'item0003.jpg') })
    expect(rec.sha256).toMatch(/^[0-9a-f]{64}$/)
    expect(rec.phash).toMatch(/^[0-9a-f]{16}$/)
    expect(rec.categoryId).not.toBeNull()
    expect(fs.existsSync(gallery.thumbnailPath(rec.thumbnail!))).toBe(true)
    const done = q.listItems(jobId, { states: ['done'], limit: 1 })[0]
    const result = done.result as BulkAddResult
    expect(result.requestId).toMatch(/^[0-9A-F-]{36}$/)
    expect(typeof result.categoryId).toBe('number')

    const csv = parseCsv(q.exportFailuresCsv(jobId)).records.map((r) => r.fields)
    expect(csv).toHaveLength(2)
    expect(csv[1].slice(0, 5)).toEqual([
      '!extra.csv:2',
      'X1',
      'item0000.jpg',
      path.join(dir, 'photos', 'item0000.jpg'),
      'InvalidCategory',
    ])
    expect(csv[1][5]).toMatch(/extra\.csv:2: categoryId 999 is not a known category/)
  })

  it('a second enqueue of the same sources and options resumes the unfinished job', async () => {
    const src = path.join(dir, 'photos')
    for (let i = 0; i < 16; i++) copyCatalogue(src, `P${i}/front.jpg`, 20 + i)
    const options = { naming: 'folder' }
    const fp = bulkAddFingerprint('p', [src], options)
    expect(bulkAddFingerprint('p', [src + '/'], { naming: ' folder ' })).toBe(fp)
    expect(bulkAddFingerprint('p', [src], { naming: 'file' })).not.toBe(fp)
    expect(bulkAddFingerprint('q', [src], options)).not.toBe(fp)

    const first = counting(engine)
    let q = queue({ rateLimits: () => ({ add: 40 }) })
    registerBulkAdd(q, runtime(first))
    q.start()
    const a = await enqueueBulkAdd(q, planBulkAdd([src], options, { imaging }), {
      profile: 'p',
      fingerprint: fp,
      concurrency: 1,
    })
    while (q.getJob(a.jobId)!.counts.done < 4) await sleep(5)
    q.pause(a.jobId)
    const paused = await q.whenSettled(a.jobId)
    expect(paused.state).toBe('paused')
    expect(paused.counts.done).toBeLessThan(16)
    await q.close()

    // the app restarts; the user starts the same bulk add again
    const second = counting(engine)
    q = queue()
    registerBulkAdd(q, runtime(second))
    q.start()
    expect(findResumableBulkAdd(q, 'p', [src], options)?.id).toBe(a.jobId)
    let planRead = false
    async function* plan(): AsyncGenerator<PlanItem> {
      planRead = true
      yield* planBulkAdd([src], options, { imaging })
    }
    const b = await enqueueBulkAdd(q, plan(), { profile: 'p', fingerprint: fp })
    expect(b).toMatchObject({ jobId: a.jobId, resumed: true })
    expect(planRead).toBe(false)
    const job = await q.whenSettled(b.jobId)
    expect(job.state).toBe('done')
    expect(job.counts.done).toBe(16)
    // nothing was sent twice: the paused job's finished items were not redone
    expect(first.adds.length + second.adds.length).toBe(16)
    expect(new Set([...first.adds, ...second.adds]).size).toBe(16)
    expect((await engine.detail()).instance.totalCount).toBe(16)
    // finished: a third enqueue starts a new job
    expect(findResumableBulkAdd(q, 'p', [src], options)).toBeUndefined()
  })

  it('an enqueue interrupted while planning is completed by the same enqueue, nothing sent twice', async () => {
    const src = path.join(dir, 'photos')
    for (let i = 0; i < 10; i++) copyCatalogue(src, `P${i}/front.jpg`, 60 + i)
    const fp = bulkAddFingerprint('p', [src], {})
    const eng = counting(engine)
    const q = queue()
    registerBulkAdd(q, runtime(eng))
    q.start()
    async function* broken(): AsyncGenerator<PlanItem> {
      let n = 0
      for await (const item of planBulkAdd([src], {}, { imaging })) {
        if (n++ === 6) throw new Error('disk went away')
        yield item
      }
    }
    await expect(
      enqueueBulkAdd(q, broken(), { profile: 'p', fingerprint: fp, chunkSize: 2 }),
    ).rejects.toThrow('disk went away')
    const [job0] = q.listJobs()
    const paused = await q.whenSettled(job0.id)
    expect(paused).toMatchObject({
      state: 'paused',
      sealed: false,
      error: { message: 'disk went away' },
    })
    expect(paused.counts.total).toBe(6)

    const again = await enqueueBulkAdd(q, planBulkAdd([src], {}, { imaging }), {
      profile: 'p',
      fingerprint: fp,
    })
    expect(again).toEqual({ jobId: job0.id, resumed: true, added: 4, ignored: 6 })
    const job = await q.whenSettled(job0.id)
    expect(job.state).toBe('done')
    expect(job.counts.done).toBe(10)
    expect(eng.adds).toHaveLength(10)
    expect(new Set(eng.adds).size).toBe(10)
  })

  it('runs increment.meta ADD and DELETE lines; bad lines and vanished files fail with reasons', async () => {
    const src = path.join(dir, 'seed')
    copyCatalogue(src, 'P1/a.jpg', 40)
    copyCatalogue(src, 'P1/b.jpg', 41)
    copyCatalogue(src, 'P2/c.jpg', 42)
    const q = queue()
    registerBulkAdd(q, runtime(engine))
    q.start()
    const seed = await enqueueBulkAdd(q, await collectPlan([src], {}, { imaging }), {
      profile: 'p',
    })
    await q.whenSettled(seed.jobId)
    expect((await engine.detail()).instance.totalCount).toBe(3)

    const batch = path.join(dir, 'batch')
    copyCatalogue(batch, 'girl_cloth1.jpg', 43)
    copyCatalogue(batch, 'sub/girl_cloth2.jpg', 44)
    const gone = copyCatalogue(batch, 'gone.jpg', 45)
    put(
      batch,
      'increment.meta',
      [
        '{"OperationType": "ADD","ProductId": "1000","PicName": "girl_cloth1.jpg","CategoryId": 0,"IntAttr": 7,"StrAttr": "v1","CustomContent": "k1:v1","Region": "20,150,30,200"}',
        '{"OperationType": "ADD","ProductId": "1000","PicName": "sub/girl_cloth2.jpg","Crop": false}',
        '{"OperationType": "DELETE","ProductId": "P1","PicName": "a.jpg"}',
        '{"OperationType": "DELETE","ProductId": "P2"}',
        '{"OperationType": "ADD","ProductId": "1001","PicName": "../escape.jpg"}',
        '{"OperationType": "ADD","ProductId": "1002","PicName": "gone.jpg"}',
      ].join('\n'),
    )
    const plan = await collectPlan([path.join(batch, 'increment.meta')], {}, { imaging })
    expect(plan.map((p) => p.action)).toEqual(['add', 'add', 'delete', 'delete', 'reject', 'add'])
    fs.rmSync(gone) // vanishes between planning and sending
    const { jobId } = await enqueueBulkAdd(q, plan, { profile: 'p' })
    const job = await q.whenSettled(jobId)
    expect(job.counts).toMatchObject({ total: 6, done: 4, failed: 2 })

    const exists = async (productId: string, picName: string) =>
      (await engine.checkImageExists({ productId, picName })).exist
    expect(await exists('1000', 'girl_cloth1.jpg')).toBe(true)
    expect(await exists('1000', 'sub/girl_cloth2.jpg')).toBe(true)
    expect(await exists('P1', 'a.jpg')).toBe(false)
    expect(await exists('P1', 'b.jpg')).toBe(true)
    expect(await exists('P2', 'c.jpg')).toBe(false)
    expect(gallery.get('P1', 'a.jpg')).toBeNull()
    expect(gallery.get('P2', 'c.jpg')).toBeNull()
    const added = gallery.get('1000', 'girl_cloth1.jpg')!
    expect(added).toMatchObject({
      intAttr: 7,
      strAttr: 'v1',
      customContent: 'k1:v1',
      categoryId: 0,
    })
    expect(added.region).toBe('20,150,30,200')

    const rows = parseCsv(q.exportFailuresCsv(jobId))
      .records.slice(1)
      .map((r) => r.fields)
    expect(rows.map((r) => [r[0], r[4]])).toEqual([
      ['!increment.meta:5', 'InvalidManifestLine'],
      [expect.stringContaining('1002/gone.jpg'), 'ImageUnreadable'],
    ])
    expect(rows[0][5]).toMatch(/increment\.meta line 5: .*must stay inside the folder/)
    expect(rows[1][5]).toMatch(/does not exist/)
  })
})
