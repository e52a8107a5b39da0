import fs from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseCsv } from '../../../../../electron/core/jobs/csv'
import { tempDir } from '../../../../helpers/tmp'
import { call, callError, closedPort, makeCore, pic, readLines, recordEvents } from './helpers'

type Img = { productId: string; picName: string; intAttr: number | null; strAttr: string | null }
type Page = { total: number; items: Img[] }
type Bulk = {
  opId: string
  mode: string
  jobId: number | null
  total: number
  done: number
  failed: number
  skipped: number
  stopped: { code: string; message: string; hint?: string } | null
  failures: { productId: string; code: string }[]
}

/** Eight catalogue pictures: products p1 (3 pictures), p2 (3), p3 (2). */
const IMAGES = [
  { n: 10, productId: 'p1', intAttr: 1, strAttr: 'red' },
  { n: 11, productId: 'p1', intAttr: 2, strAttr: 'red' },
  { n: 12, productId: 'p1', intAttr: 3, strAttr: 'blue' },
  { n: 13, productId: 'p2', intAttr: 4, strAttr: 'blue' },
  { n: 14, productId: 'p2', intAttr: 5, strAttr: '红色' },
  { n: 15, productId: 'p2', intAttr: 6, strAttr: 'green' },
  { n: 16, productId: 'p3', intAttr: 7, strAttr: 'green' },
  { n: 17, productId: 'p3', intAttr: 8, strAttr: 'green' },
]

describe('gallery domain through the contract (real core, local engine)', () => {
  const t = tempDir()
  const revealed: string[] = []
  let core: ReturnType<typeof makeCore>
  let d: (name: string, input: unknown) => Promise<unknown>

  beforeAll(async () => {
    core = makeCore(t.dir, { revealPath: (p) => revealed.push(p) })
    d = core.dispatch
    for (const [i, im] of IMAGES.entries()) {
      // The first by path (Loupe knows its source file), the others as uploaded bytes.
      const image =
        i === 0
          ? { path: pic(im.n) }
          : { base64: fs.readFileSync(pic(im.n)).toString('base64'), name: `item${im.n}.jpg` }
      await call(d, 'images.add', {
        image,
        productId: im.productId,
        picName: `pic-${im.n}.jpg`,
        intAttr: im.intAttr,
        strAttr: im.strAttr,
        customContent: `catalogue item ${im.n}`,
      })
    }
  })
  afterAll(async () => {
    await core?.close()
    t.cleanup()
  })

  it('lists the cache with totals, text, filter, category, product, sort and paging', async () => {
    const all = await call<Page>(d, 'gallery.list', { sort: 'picName', order: 'asc' })
    expect(all.total).toBe(8)
    expect(all.items.map((i) => i.picName)).toEqual(IMAGES.map((im) => `pic-${im.n}.jpg`))

    const page2 = await call<Page>(d, 'gallery.list', {
      sort: 'picName',
      order: 'asc',
      limit: 3,
      offset: 3,
    })
    expect(page2.total).toBe(8)
    expect(page2.items.map((i) => i.picName)).toEqual(['pic-13.jpg', 'pic-14.jpg', 'pic-15.jpg'])

    const text = await call<Page>(d, 'gallery.list', { text: '红色' })
    expect(text.items.map((i) => i.picName)).toEqual(['pic-14.jpg'])

    const filtered = await call<Page>(d, 'gallery.list', {
      filter: 'int_attr >= 3 AND str_attr = "green"',
      sort: 'picName',
      order: 'asc',
    })
    expect(filtered.items.map((i) => i.picName)).toEqual(['pic-15.jpg', 'pic-16.jpg', 'pic-17.jpg'])

    const product = await call<Page>(d, 'gallery.list', { productId: 'p3' })
    expect(product.total).toBe(2)

    const stats = await call<{
      count: number
      products: number
      byCategory: { categoryId: number; count: number }[]
    }>(d, 'gallery.stats')
    expect(stats.count).toBe(8)
    expect(stats.products).toBe(3)
    const cat = stats.byCategory[0].categoryId
    const byCat = await call<Page>(d, 'gallery.list', { categoryId: cat })
    expect(byCat.total).toBe(stats.byCategory[0].count)
  })

  it('refuses a malformed filter with the engine filter error, and bad input as InvalidArgument', async () => {
    const e = await callError(d, 'gallery.list', { filter: 'int_attr >> 3' })
    expect(e.code).toBe('InvalidFilterClause')
    expect((await callError(d, 'gallery.list', { limit: 5000 })).code).toBe('InvalidArgument')
    expect(
      (
        await callError(d, 'gallery.update', {
          selection: { keys: [] },
          attributes: { intAttr: 1 },
        })
      ).code,
    ).toBe('InvalidArgument')
    expect(
      (await callError(d, 'gallery.update', { selection: { query: {} }, attributes: {} })).code,
    ).toBe('InvalidArgument')
  })

  it('groups by product with counts and a cover', async () => {
    const g = await call<{
      total: number
      items: { productId: string; count: number; cover: Img }[]
    }>(d, 'gallery.groups', { sort: 'count', order: 'desc' })
    expect(g.total).toBe(3)
    expect(g.items.map((x) => [x.productId, x.count])).toEqual(
      expect.arrayContaining([
        ['p1', 3],
        ['p2', 3],
        ['p3', 2],
      ]),
    )
    expect(g.items[2]).toMatchObject({ productId: 'p3', count: 2 })
    expect(g.items[2].cover.productId).toBe('p3')
    const filtered = await call<{ total: number; items: { productId: string; count: number }[] }>(
      d,
      'gallery.groups',
      { filter: 'str_attr = "green"', sort: 'productId' },
    )
    expect(filtered.items).toEqual([
      expect.objectContaining({ productId: 'p2', count: 1 }),
      expect.objectContaining({ productId: 'p3', count: 2 }),
    ])
  })

  it('updates the attributes of a selection through the engine, with progress, and the cache follows', async () => {
    const ev = recordEvents(core.events)
    const r = await call<Bulk>(d, 'gallery.update', {
      selection: { query: { productId: 'p3' } },
      attributes: { strAttr: 'sale', intAttr2: 42 },
      opId: 'upd-1',
    })
    ev.off()
    expect(r).toMatchObject({
      opId: 'upd-1',
      total: 2,
      done: 2,
      failed: 0,
      skipped: 0,
      stopped: null,
    })
    // It ran as a job of the persistent queue, listed with the other jobs.
    expect(r.mode).toBe('job')
    const jobs = await call<{ jobs: { jobId: number; kind: string; state: string }[] }>(
      d,
      'jobs.list',
      {},
    )
    expect(jobs.jobs.find((j) => j.jobId === r.jobId)).toMatchObject({
      kind: 'gallery-update',
      state: 'done',
    })
    // The engine has the new attributes...
    const found = await call<{ auctions: { productId: string; picName: string }[] }>(
      d,
      'search.byFilter',
      {
        filter: 'str_attr = "sale" AND int_attr2 = 42',
      },
    )
    expect(found.auctions.map((a) => a.picName).sort()).toEqual(['pic-16.jpg', 'pic-17.jpg'])
    // ... and so has the cache.
    const cached = await call<Page>(d, 'gallery.list', { filter: 'str_attr = "sale"' })
    expect(cached.total).toBe(2)
    const progress = ev.of('gallery.progress').filter((p) => p.opId === 'upd-1')
    expect(progress.at(-1)).toMatchObject({ kind: 'update', phase: 'done', done: 2, total: 2 })
    expect(ev.of('gallery.changed')).toContainEqual({ profile: 'local', reason: 'update' })
  })

  it('exports a selection as CSV text, JSON lines and increment.meta files', async () => {
    const csv = await call<{ text: string; count: number }>(d, 'gallery.export', {
      format: 'csv',
      to: 'text',
      selection: { query: { productId: 'p2' } },
    })
    expect(csv.count).toBe(3)
    const { records } = parseCsv(csv.text)
    expect(records[0].fields.slice(0, 5)).toEqual([
      'productId',
      'picName',
      'categoryId',
      'customContent',
      'intAttr',
    ])
    expect(records.slice(1).map((r) => r.fields[1])).toEqual([
      'pic-13.jpg',
      'pic-14.jpg',
      'pic-15.jpg',
    ])
    const strCol = records[0].fields.indexOf('strAttr')
    expect(records[2].fields[strCol]).toBe('红色')

    const jl = await call<{ path: string; count: number; url: string | null }>(
      d,
      'gallery.export',
      {
        format: 'jsonl',
        selection: {
          keys: [
            { productId: 'p1', picName: 'pic-11.jpg' },
            { productId: 'p3', picName: 'pic-16.jpg' },
          ],
        },
      },
    )
    expect(jl.path.startsWith(core.profiles.dirOf('local'))).toBe(true)
    expect(jl.path).toMatch(/exports[\\/]gallery-local-\d{8}-\d{6}\.jsonl$/)
    const lines = readLines(jl.path).map((l) => JSON.parse(l) as Img & { intAttr2: number | null })
    expect(lines.map((l) => [l.picName, l.intAttr, l.strAttr, l.intAttr2])).toEqual([
      ['pic-11.jpg', 2, 'red', null],
      ['pic-16.jpg', 7, 'sale', 42],
    ])

    const meta = await call<{ path: string; count: number; fileName: string }>(
      d,
      'gallery.export',
      {
        format: 'meta',
      },
    )
    expect(meta.fileName).toBe('increment.meta')
    expect(meta.count).toBe(8)
    const metaLines = readLines(meta.path).map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(metaLines[0]).toMatchObject({
      OperationType: 'ADD',
      ProductId: 'p1',
      PicName: 'pic-10.jpg',
      IntAttr: 1,
      StrAttr: 'red',
    })
    expect(typeof metaLines[0].CustomContent).toBe('string')
    // The cache imports its own increment.meta back unchanged.
    const diff = await call<{ added: number; changed: number; gone: number; unchanged: number }>(
      d,
      'tasks.dumpDiff',
      {
        source: { file: meta.path },
      },
    )
    expect(diff).toMatchObject({ added: 0, changed: 0, gone: 0, unchanged: 8 })
  })

  it('reveals the source file of an image added from a file, and explains when there is none', async () => {
    const r = await call<{ path: string; revealed: boolean }>(d, 'gallery.revealSource', {
      productId: 'p1',
      picName: 'pic-10.jpg',
    })
    expect(r).toEqual({ path: pic(10), revealed: true })
    expect(revealed).toEqual([pic(10)])
    const e = await callError(d, 'gallery.revealSource', { productId: 'p1', picName: 'pic-11.jpg' })
    expect(e.code).toBe('NoSourceFile')
    expect(
      (await callError(d, 'gallery.revealSource', { productId: 'nope', picName: 'x.jpg' })).code,
    ).toBe('ImageNotCached')
  })

  it('deletes a selection through the engine; the cache and the engine both lose it', async () => {
    const r = await call<Bulk>(d, 'gallery.remove', {
      selection: { query: { filter: 'str_attr = "blue"' } },
    })
    expect(r).toMatchObject({ total: 2, done: 2, failed: 0 })
    const left = await call<Page>(d, 'gallery.list', { sort: 'picName', order: 'asc' })
    expect(left.items.map((i) => i.picName)).toEqual([
      'pic-10.jpg',
      'pic-11.jpg',
      'pic-14.jpg',
      'pic-15.jpg',
      'pic-16.jpg',
      'pic-17.jpg',
    ])
    const exists = await call<{ exist: boolean }>(d, 'images.exists', {
      productId: 'p2',
      picName: 'pic-13.jpg',
    })
    expect(exists.exist).toBe(false)
  })

  it('browses a cloud profile whose engine is unreachable, and refuses writes with the reason', async () => {
    const port = await closedPort()
    await call(d, 'profiles.create', {
      kind: 'cloud',
      name: 'away',
      cloud: {
        instanceName: 'inst',
        endpoint: `127.0.0.1:${port}`,
        protocol: 'http',
        accessKeyId: 'LTAI-test-key',
        accessKeySecret: 'secret-for-tests-0123',
      },
    })
    // Its cache was filled by an import (the local profile's export).
    const exported = await call<{ path: string }>(d, 'gallery.export', { format: 'meta' })
    const imp = await call<{ added: number }>(d, 'tasks.dumpImport', {
      profile: 'away',
      source: { file: exported.path },
    })
    expect(imp.added).toBe(6)
    const st = await call<{ online: boolean; error: { code: string } | null; kind: string }>(
      d,
      'gallery.status',
      {
        profile: 'away',
      },
    )
    expect(st.online).toBe(false)
    expect(st.kind).toBe('cloud')
    expect(st.error?.code).toBe('ECONNREFUSED')
    // Browsing still works.
    const page = await call<Page>(d, 'gallery.list', { profile: 'away', text: 'catalogue item 14' })
    expect(page.items.map((i) => i.picName)).toEqual(['pic-14.jpg'])
    // A write is refused up front, with the reason, and nothing changes.
    const e = await callError(d, 'gallery.update', {
      profile: 'away',
      selection: { keys: [{ productId: 'p1', picName: 'pic-10.jpg' }] },
      attributes: { strAttr: 'x' },
    })
    expect(e.code).toBe('ECONNREFUSED')
    expect(e.message).toContain('nothing was changed')
    expect(e.hint).toMatch(/browses offline/)
    const same = await call<{ image: Img }>(d, 'gallery.get', {
      profile: 'away',
      productId: 'p1',
      picName: 'pic-10.jpg',
    })
    expect(same.image.strAttr).toBe('red')
    // The local profile's engine is reachable.
    expect((await call<{ online: boolean }>(d, 'gallery.status', {})).online).toBe(true)
  })
})
