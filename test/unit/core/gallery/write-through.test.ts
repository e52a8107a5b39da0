/**
 * One write path into the gallery cache: an add, an update and a delete made through each feature
 * — a single add (the contract), a bulk-add job, a batch task, the engine API over HTTP (the
 * official SDK against the headless host's wire server), a watched folder and the gallery's bulk
 * edit — land in the cache the same way; a write the engine refuses leaves the cache as it was.
 * Real core, local engine, SQLite and imaging in a temp folder, real HTTP on 127.0.0.1.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHeadless } from '../../../../electron/server/headless'
import { createKeyStore } from '../../../../electron/core/engines/wire/keys'
import { tempDir } from '../../../helpers/tmp'
import { catalogueItem } from '../../../helpers/images'
import { makeClient, sdk } from '../engines/wire/sdk'

type Reply<T> = { result?: T; error?: { code: string; message: string } }
type Row = Record<string, unknown> & { productId: string; picName: string; sourcePath: string }

const PIC = 'a.jpg'
/** The attributes every feature sends, in the contract's and in increment.meta's spelling. */
const ATTRS = {
  categoryId: 0,
  customContent: 'k:v 自定义',
  intAttr: 7,
  intAttr2: -3,
  strAttr: 'red',
  strAttr2: '红色',
}
const META_ATTRS = {
  CategoryId: 0,
  CustomContent: 'k:v 自定义',
  IntAttr: 7,
  IntAttr2: -3,
  StrAttr: 'red',
  StrAttr2: '红色',
}
const REGION = '20,150,30,200'
const FEATURES = ['single', 'bulk', 'batch', 'wire', 'watch'] as const

describe('the gallery cache follows every engine write the same way', { timeout: 240_000 }, () => {
  const t = tempDir('loupe-write-through-')
  let h: Awaited<ReturnType<typeof startHeadless>>
  let wire: ReturnType<typeof makeClient>
  const bytes = fs.readFileSync(catalogueItem(12))

  async function call<T>(name: string, input: unknown): Promise<Reply<T>> {
    const res = await fetch(`${h.url}/api/call/${name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(input),
    })
    return (await res.json()) as Reply<T>
  }
  async function ok<T = Record<string, unknown>>(name: string, input: unknown): Promise<T> {
    const r = await call<T>(name, input)
    expect(r.error, `${name}: ${JSON.stringify(r.error)}`).toBeUndefined()
    return r.result as T
  }
  async function until<T>(what: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
    const end = Date.now() + 120_000
    for (;;) {
      const v = await what()
      if (done(v)) return v
      if (Date.now() > end) throw new Error(`timed out: ${JSON.stringify(v)}`)
      await new Promise((r) => setTimeout(r, 200))
    }
  }
  const row = async (productId: string) =>
    (await ok<{ image: Row | null }>('gallery.get', { productId, picName: PIC })).image
  const rows = async () =>
    Object.fromEntries(await Promise.all(FEATURES.map(async (f) => [f, await row(f)])))
  /** A cache row without what names it (key, source file) or when it was written. */
  const content = (r: Row | null) => {
    if (!r) return null
    const {
      productId: _p,
      picName: _n,
      sourcePath: _s,
      addedAt: _a,
      updatedAt: _u,
      seenAt: _e,
      ...rest
    } = r
    return rest
  }
  /** A folder of its own with the picture (and increment.meta lines, when given). */
  function folder(name: string, meta?: Record<string, unknown>[]): string {
    const dir = path.join(t.dir, 'in', name)
    fs.mkdirSync(dir, { recursive: true })
    fs.writeFileSync(path.join(dir, PIC), bytes)
    if (meta) {
      fs.writeFileSync(
        path.join(dir, 'increment.meta'),
        meta.map((m) => JSON.stringify(m)).join('\n') + '\n',
      )
    }
    return dir
  }
  async function bulkJob(dir: string) {
    const { jobId } = await ok<{ jobId: number }>('bulk.start', {
      sources: [path.join(dir, 'increment.meta')],
      duplicates: 'add',
      skipUnchanged: false,
    })
    return until(
      () => ok<{ state: string; done: number; failed: number }>('jobs.get', { jobId }),
      (j) => j.state === 'done' || j.state === 'failed',
    )
  }
  async function batchTask(dir: string) {
    const task = await ok<{ id: number }>('batch.create', {
      source: { type: 'manifest', path: path.join(dir, 'increment.meta') },
    })
    return until(
      () =>
        ok<{ state: string; linesOk: number; linesFailed: number }>('batch.get', { id: task.id }),
      (x) => ['success', 'failed', 'cancelled'].includes(x.state),
    )
  }

  beforeAll(async () => {
    const key = await createKeyStore(t.dir).create({ description: 'write-through test' })
    h = await startHeadless({ dataDir: t.dir, port: 0, rendererDir: t.dir })
    wire = makeClient({
      port: h.port,
      accessKeyId: key.accessKeyId,
      accessKeySecret: key.accessKeySecret,
    })
  })
  afterAll(async () => {
    await h?.close()
    t.cleanup()
  })

  it('adds through each feature give the same cache row', async () => {
    const single = folder('single')
    await ok('images.add', {
      image: { path: path.join(single, PIC) },
      productId: 'single',
      picName: PIC,
      region: REGION,
      ...ATTRS,
    })

    const bulk = folder('bulk', [
      { OperationType: 'ADD', ProductId: 'bulk', PicName: PIC, Region: REGION, ...META_ATTRS },
    ])
    expect(await bulkJob(bulk)).toMatchObject({ state: 'done', done: 1, failed: 0 })

    const batch = folder('batch', [
      { OperationType: 'ADD', ProductId: 'batch', PicName: PIC, Region: REGION, ...META_ATTRS },
    ])
    expect(await batchTask(batch)).toMatchObject({ state: 'success', linesOk: 1 })

    const added = await wire.addImage(
      new sdk.AddImageRequest({
        instanceName: 'local',
        productId: 'wire',
        picName: PIC,
        picContent: bytes.toString('base64'),
        region: REGION,
        ...ATTRS,
      }),
    )
    expect(added.body?.success).toBe(true)

    // a watched folder named "watch" (naming: folder → productId "watch")
    const watched = folder('watch')
    await ok('watch.add', {
      folder: watched,
      defaults: { ...ATTRS, region: REGION },
      onDelete: 'remove',
    })
    await until(
      () => row('watch'),
      (x) => x !== null,
    )

    const r = await rows()
    expect(r.single).toMatchObject({
      ...ATTRS,
      strAttr3: null,
      region: REGION,
      syncState: 'synced',
      sourcePath: path.join(single, PIC),
    })
    expect(r.single!.sha256).toMatch(/^[0-9a-f]{64}$/)
    expect(r.single!.phash).toMatch(/^[0-9a-f]{16}$/)
    expect(r.single!.thumbnail).toMatch(/\.(webp|jpg|jpeg|png)$/)
    // The files are the same picture: the same row, each with its own source file.
    expect(content(r.bulk)).toEqual(content(r.single))
    expect(r.bulk!.sourcePath).toBe(path.join(bulk, PIC))
    expect(content(r.batch)).toEqual(content(r.single))
    expect(r.batch!.sourcePath).toBe(path.join(batch, PIC))
    // The engine API knows only the bytes: no source file, perceptual hash or thumbnail.
    expect(content(r.wire)).toEqual({ ...content(r.single), phash: null, thumbnail: null })
    expect(r.wire!.sourcePath).toBeNull()
    expect(content(r.watch)).toEqual(content(r.single))
    expect(r.watch!.sourcePath).toBe(path.join(watched, PIC))
  })

  it('updates through the contract, the engine API and the gallery bulk edit land alike', async () => {
    const change = { intAttr: 42, strAttr3: 'new' }
    await ok('images.update', { productId: 'single', picName: PIC, ...change })
    const updated = await wire.updateImage(
      new sdk.UpdateImageRequest({
        instanceName: 'local',
        productId: 'wire',
        picName: PIC,
        ...change,
      }),
    )
    expect(updated.body?.success).toBe(true)
    const bulkEdit = await ok<{ done: number }>('gallery.update', {
      selection: {
        keys: [
          { productId: 'bulk', picName: PIC },
          { productId: 'batch', picName: PIC },
          { productId: 'watch', picName: PIC },
        ],
      },
      attributes: change,
    })
    expect(bulkEdit.done).toBe(3)

    const r = await rows()
    expect(r.single).toMatchObject({ ...ATTRS, ...change })
    expect(content(r.bulk)).toEqual(content(r.single))
    expect(content(r.batch)).toEqual(content(r.single))
    expect(content(r.wire)).toEqual({ ...content(r.single), phash: null, thumbnail: null })
    expect(content(r.watch)).toEqual(content(r.single))
  })

  it('a write the engine refuses leaves the cache as it was', async () => {
    const before = await rows()
    // an unknown category (the engine refuses it) on an add over an existing image
    const add = await call('images.add', {
      image: { path: path.join(t.dir, 'in', 'single', PIC) },
      productId: 'single',
      picName: PIC,
      categoryId: 77,
    })
    expect(add.error?.code).toBe('InvalidCategory')
    // a character the cloud does not support in a string attribute
    await expect(
      wire.updateImage(
        new sdk.UpdateImageRequest({
          instanceName: 'local',
          productId: 'wire',
          picName: PIC,
          strAttr: 'a$b',
        }),
      ),
    ).rejects.toMatchObject({ code: 'BadRequest' })
    // an add of bytes that are no picture
    await expect(
      wire.addImage(
        new sdk.AddImageRequest({
          instanceName: 'local',
          productId: 'broken',
          picName: PIC,
          picContent: Buffer.from('not a picture').toString('base64'),
        }),
      ),
    ).rejects.toMatchObject({ statusCode: 400 })
    expect(await rows()).toEqual(before)
    expect(await row('broken')).toBeNull()
  })

  it('deletes through each feature remove the row', async () => {
    await ok('images.remove', { productId: 'single', picName: PIC })
    const bulk = folder('bulk-delete', [
      { OperationType: 'DELETE', ProductId: 'bulk', PicName: PIC },
    ])
    expect(await bulkJob(bulk)).toMatchObject({ state: 'done', done: 1 })
    const batch = folder('batch-delete', [{ OperationType: 'DELETE', ProductId: 'batch' }])
    expect(await batchTask(batch)).toMatchObject({ state: 'success', linesOk: 1 })
    const deleted = await wire.deleteImage(
      new sdk.DeleteImageRequest({ instanceName: 'local', productId: 'wire', picName: PIC }),
    )
    expect(deleted.body?.success).toBe(true)
    // the watched picture is deleted from its folder (on delete: remove)
    fs.rmSync(path.join(t.dir, 'in', 'watch', PIC))
    await until(
      () => row('watch'),
      (x) => x === null,
    )

    expect(await rows()).toEqual({
      single: null,
      bulk: null,
      batch: null,
      wire: null,
      watch: null,
    })
    for (const f of FEATURES) {
      const e = await ok<{ exist: boolean }>('images.exists', { productId: f, picName: PIC })
      expect(e.exist, f).toBe(false)
    }
    expect((await ok<{ total: number }>('gallery.list', { limit: 10 })).total).toBe(0)
  })
})
