import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CATALOGUE, catalogue, harness, rejection, type Harness } from './helpers'

const readLines = (url: string) =>
  fs
    .readFileSync(fileURLToPath(url), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>)

describe('local engine: DumpMeta', () => {
  let h: Harness
  beforeAll(async () => {
    h = await harness()
    await h.engine.addImage({
      productId: 'bag_100000',
      picName: 'T17.jpg',
      picContent: catalogue(1),
      categoryId: 3,
      customContent: 'https://example.com/T17.jpg',
      intAttr: 123,
      strAttr: '男装',
      intAttr4: -4,
      strAttr2: 'two',
    })
    await h.engine.addImage({
      productId: 'p2',
      picName: 'plain.jpg',
      picContent: catalogue(2),
      categoryId: 0,
    })
  })
  afterAll(async () => {
    await h.cleanup()
  })

  it('writes a JSON-lines file in the console export format and lists the task', async () => {
    const r = await h.engine.dumpMeta()
    expect(r).toMatchObject({ dumpMetaStatus: 'PROCESSING' })
    await h.engine.whenIdle()
    const list = await h.engine.dumpMetaList({ id: r.id })
    expect(list.totalCount).toBe(1)
    const t = list.dumpMetaList[0]
    expect(t).toMatchObject({ id: r.id, status: 'SUCCESS', code: '0' })
    expect(t.metaUrl).toMatch(/^file:\/\//)
    const file = fileURLToPath(t.metaUrl!)
    expect(file.startsWith(h.dir)).toBe(true)
    const lines = readLines(t.metaUrl!)
    expect(lines).toEqual([
      {
        ProductId: 'bag_100000',
        PicName: 'T17.jpg',
        CategoryId: '3',
        CustomContent: 'https://example.com/T17.jpg',
        IntAttr: 123,
        StrAttr: '男装',
        StrAttr2: 'two',
        IntAttr4: -4,
      },
      { ProductId: 'p2', PicName: 'plain.jpg', CategoryId: '0' },
    ])
  })

  it('uses fileUrl for MetaUrl, pages the list newest first, and keeps the newest 30', async () => {
    const second = await rejection(h.open())
    expect(second.code).toBe('InstanceStatusError')
    expect(second.message).toContain('already open')
    await h.engine.close()
    const e = await h.open({
      fileUrl: (abs) => `http://127.0.0.1:9/files?p=${encodeURIComponent(abs)}`,
    })
    const ids: number[] = []
    for (let i = 0; i < 32; i++) ids.push((await e.dumpMeta()).id)
    await e.whenIdle()
    const p1 = await e.dumpMetaList({ pageNumber: 1, pageSize: 10 })
    expect(p1.totalCount).toBe(30)
    expect(p1.dumpMetaList.map((t) => t.id)).toEqual(ids.slice(-10).reverse())
    expect(p1.dumpMetaList[0].metaUrl).toMatch(/^http:\/\/127\.0\.0\.1:9\/files\?p=/)
    const p3 = await e.dumpMetaList({ pageNumber: 3, pageSize: 10 })
    expect(p3.dumpMetaList.map((t) => t.id)).toEqual(ids.slice(2, 12).reverse())
    expect((await rejection(e.dumpMetaList({ pageSize: 31 }))).code).toBe('BadRequest')
    expect(fs.readdirSync(path.join(h.dir, 'dumps'))).toHaveLength(30)
  })
})

describe('local engine: IncreaseInstance (batch tasks)', () => {
  let h: Harness
  let batch: string
  beforeAll(async () => {
    h = await harness()
    batch = path.join(h.root, 'batch')
    fs.mkdirSync(path.join(batch, 'job1', 'girlCloth'), { recursive: true })
    for (const n of [1, 2, 3])
      fs.copyFileSync(
        path.join(CATALOGUE, `item000${n}.jpg`),
        path.join(batch, 'job1', `c${n}.jpg`),
      )
    fs.copyFileSync(
      path.join(CATALOGUE, 'item0004.jpg'),
      path.join(batch, 'job1', 'girlCloth', 'c4.jpg'),
    )
    fs.writeFileSync(path.join(batch, 'job1', 'broken.jpg'), 'not an image')
    await h.engine.addImage({ productId: 'old', picName: 'o1.jpg', picContent: catalogue(9) })
    await h.engine.addImage({ productId: 'old', picName: 'o2.jpg', picContent: catalogue(10) })
    await h.engine.addImage({ productId: 'gone', picName: 'g.jpg', picContent: catalogue(11) })
  })
  afterAll(async () => {
    await h.cleanup()
  })

  it('runs ADD and DELETE lines in the background and lists failures in an error file', async () => {
    const meta = [
      {
        OperationType: 'ADD',
        ProductId: '1000',
        PicName: 'c1.jpg',
        CategoryId: 0,
        IntAttr: 5,
        StrAttr: 'v1',
        CustomContent: 'k1:v1',
        Region: '20,180,20,200',
      },
      {
        OperationType: 'ADD',
        ProductId: '1001',
        PicName: 'c2.jpg',
        CategoryId: 1,
        CustomContent: 'k',
        Crop: false,
      },
      { OperationType: 'ADD', ProductId: '1006', PicName: 'girlCloth/c4.jpg', IntAttr2: 9 },
      { OperationType: 'ADD', ProductId: '1007', PicName: 'missing.jpg' },
      { OperationType: 'ADD', ProductId: '1008', PicName: 'broken.jpg' },
      { OperationType: 'ADD', ProductId: '1009', PicName: '../job1/c3.jpg' },
      { OperationType: 'ADD', ProductId: '1010', PicName: 'c3.jpg', CategoryId: 17 },
      { OperationType: 'DELETE', ProductId: 'old', PicName: 'o1.jpg' },
      { OperationType: 'DELETE', ProductId: 'gone' },
      { OperationType: 'RENAME', ProductId: 'x', PicName: 'c1.jpg' },
    ]
    const text = meta.map((m) => JSON.stringify(m)).join('\n') + '\n\n{not json\n'
    fs.writeFileSync(path.join(batch, 'job1', 'increment.meta'), text)

    const r = await h.engine.increaseInstance({ bucketName: 'local', path: '/job1' })
    expect(r.incrementStatus).toBe('PROCESSING')
    await h.engine.whenIdle()

    const list = await h.engine.increaseList({ id: r.id })
    const t = list.increments[0]
    expect(t).toMatchObject({
      id: r.id,
      bucketName: 'local',
      path: '/job1',
      status: 'SUCCESS',
      code: '0',
    })
    expect(t.message).toMatch(/6 of 11/)
    const errors = readLines(t.errorUrl!)
    expect(errors.map((e) => [e.Line, e.ProductId, e.Code])).toEqual([
      [4, '1007', 'BadRequest'],
      [5, '1008', 'UnsupportedPicFormat'],
      [6, '1009', 'BadRequest'],
      [7, '1010', 'InvalidCategory'],
      [10, 'x', 'InvalidMetaItem'],
      [12, null, 'InvalidMetaItem'],
    ])
    expect(String(errors[0].Message)).toContain('missing.jpg')

    const exists = async (productId: string, picName: string) =>
      (await h.engine.checkImageExists({ productId, picName })).exist
    expect(await exists('1000', 'c1.jpg')).toBe(true)
    expect(await exists('1001', 'c2.jpg')).toBe(true)
    expect(await exists('1006', 'girlCloth/c4.jpg')).toBe(true)
    expect(await exists('1010', 'c3.jpg')).toBe(false)
    expect(await exists('old', 'o1.jpg')).toBe(false)
    expect(await exists('old', 'o2.jpg')).toBe(true)
    expect(await exists('gone', 'g.jpg')).toBe(false)
    const added = await h.engine.searchImageByFilter({ filter: 'int_attr = 5' })
    expect(added.auctions[0]).toMatchObject({
      productId: '1000',
      categoryId: 0,
      strAttr: 'v1',
      customContent: 'k1:v1',
    })
    // The region from the meta line was used.
    const byName = await h.engine.searchImageByName({
      productId: '1000',
      picName: 'c1.jpg',
      num: 1,
    })
    expect(byName.picInfo!.region).toBe('20,180,20,200')
  })

  it('fails a task whose folder has no increment.meta, and filters the list', async () => {
    fs.mkdirSync(path.join(batch, 'empty'), { recursive: true })
    const r = await h.engine.increaseInstance({ bucketName: 'local', path: '/empty' })
    await h.engine.whenIdle()
    const t = (await h.engine.increaseList({ id: r.id })).increments[0]
    expect(t.status).toBe('FAIL')
    expect(t.message).toMatch(/no increment\.meta/)
    expect(t.errorUrl).toBeNull()
    const fails = await h.engine.increaseList({ status: 'FAIL' })
    expect(fails.increments.map((x) => x.id)).toEqual([r.id])
    const byPath = await h.engine.increaseList({ bucketName: 'local', path: '/job1' })
    expect(byPath.totalCount).toBe(1)
    const paged = await h.engine.increaseList({ pageSize: 1, pageNumber: 2 })
    expect(paged).toMatchObject({ totalCount: 2, pageNumber: 2, pageSize: 1 })
    expect(paged.increments).toHaveLength(1)
  })

  it('refuses buckets other than "local" and paths that escape the batch root', async () => {
    const bad: [string, string][] = [
      ['oss-bucket', '/job1'],
      ['local', 'job1'],
      ['local', '/job1/'],
      ['local', '/../engine'],
      ['local', '/job1/../..'],
      ['local', '/./job1'],
      ['local', '//job1'],
      ['local', '/job1\\..\\..'],
      ['local', ''],
    ]
    for (const [bucketName, p] of bad) {
      const e = await rejection(h.engine.increaseInstance({ bucketName, path: p }))
      expect(e.code, `${bucketName} ${p}`).toBe('BadRequest')
    }
    expect(
      (
        await rejection(
          h.engine.increaseInstance({
            bucketName: 'local',
            path: '/job1',
            callbackAddress: 'ftp://x',
          }),
        )
      ).code,
    ).toBe('BadRequest')
  })

  it('refuses symlinks that lead out of the batch root, for folders and pictures', async () => {
    const outside = path.join(h.root, 'outside')
    fs.mkdirSync(outside, { recursive: true })
    fs.copyFileSync(path.join(CATALOGUE, 'item0005.jpg'), path.join(outside, 'secret.jpg'))
    fs.writeFileSync(
      path.join(outside, 'increment.meta'),
      JSON.stringify({ OperationType: 'ADD', ProductId: 's', PicName: 'secret.jpg' }) + '\n',
    )
    fs.symlinkSync(outside, path.join(batch, 'linked'))
    const r1 = await h.engine.increaseInstance({ bucketName: 'local', path: '/linked' })
    await h.engine.whenIdle()
    const t1 = (await h.engine.increaseList({ id: r1.id })).increments[0]
    expect(t1.status).toBe('FAIL')
    expect(t1.message).toMatch(/outside the batch root/)

    fs.mkdirSync(path.join(batch, 'job2'))
    fs.symlinkSync(path.join(outside, 'secret.jpg'), path.join(batch, 'job2', 'link.jpg'))
    fs.writeFileSync(
      path.join(batch, 'job2', 'increment.meta'),
      JSON.stringify({ OperationType: 'ADD', ProductId: 's', PicName: 'link.jpg' }) + '\n',
    )
    const r2 = await h.engine.increaseInstance({ bucketName: 'local', path: '/job2' })
    await h.engine.whenIdle()
    const t2 = (await h.engine.increaseList({ id: r2.id })).increments[0]
    expect(t2.status).toBe('SUCCESS')
    expect(readLines(t2.errorUrl!)[0].Message).toMatch(/outside the batch root/)
    expect((await h.engine.checkImageExists({ productId: 's', picName: 'link.jpg' })).exist).toBe(
      false,
    )
  })

  it('names the bucket path, never the batch root on disk, in its errors', async () => {
    // The engine API's callers may be other machines: no message shows where the data lives.
    const unknown = await rejection(h.engine.increaseInstance({ bucketName: 'oss', path: '/x' }))
    expect(unknown.message).toContain('"local"')
    expect(unknown.message).not.toContain(h.root)

    fs.mkdirSync(path.join(batch, 'job-loop'))
    fs.symlinkSync('loop.jpg', path.join(batch, 'job-loop', 'loop.jpg'))
    fs.writeFileSync(
      path.join(batch, 'job-loop', 'increment.meta'),
      ['loop.jpg', 'missing.jpg']
        .map((n) => JSON.stringify({ OperationType: 'ADD', ProductId: 'l', PicName: n }))
        .join('\n') + '\n',
    )
    const r = await h.engine.increaseInstance({ bucketName: 'local', path: '/job-loop' })
    await h.engine.whenIdle()
    const t = (await h.engine.increaseList({ id: r.id })).increments[0]
    const lines = readLines(t.errorUrl!).map((l) => String(l.Message))
    expect(lines[0]).toMatch(/^Picture loop\.jpg cannot be read \(ELOOP/)
    expect(lines[1]).toBe('Picture missing.jpg does not exist.')
    for (const m of [t.message ?? '', ...lines]) expect(m).not.toContain(h.root)

    fs.mkdirSync(path.join(batch, 'meta-dir', 'increment.meta'), { recursive: true })
    const r2 = await h.engine.increaseInstance({ bucketName: 'local', path: '/meta-dir' })
    await h.engine.whenIdle()
    const t2 = (await h.engine.increaseList({ id: r2.id })).increments[0]
    expect(t2.status).toBe('FAIL')
    expect(t2.message).toBe('increment.meta in /meta-dir is not a file.')
    expect(t2.message).not.toContain(h.root)
  })

  it('runs one task at a time, queueing the others, and calls the callback address', async () => {
    const posted: Record<string, unknown>[] = []
    const server = http.createServer((req, res) => {
      let body = ''
      req.on('data', (c) => (body += c))
      req.on('end', () => {
        posted.push(JSON.parse(body))
        res.end('ok')
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cb`
    try {
      const ids: number[] = []
      for (const n of [1, 2, 3]) {
        const d = path.join(batch, `q${n}`)
        fs.mkdirSync(d)
        fs.copyFileSync(path.join(CATALOGUE, `item002${n}.jpg`), path.join(d, 'x.jpg'))
        fs.writeFileSync(
          path.join(d, 'increment.meta'),
          JSON.stringify({
            OperationType: 'ADD',
            ProductId: `q${n}`,
            PicName: 'x.jpg',
            IntAttr3: n,
          }) + '\n',
        )
        ids.push(
          (
            await h.engine.increaseInstance({
              bucketName: 'local',
              path: `/q${n}`,
              callbackAddress: url,
            })
          ).id,
        )
      }
      const queued = await h.engine.increaseList({ status: 'PROCESSING' })
      expect(queued.increments.map((t) => t.id).sort()).toEqual(ids)
      await h.engine.whenIdle()
      const done = await Promise.all(
        ids.map(async (id) => (await h.engine.increaseList({ id })).increments[0]),
      )
      for (const t of done) expect(t.status).toBe('SUCCESS')
      // In order, never overlapping: each finished before the next one's modification time.
      for (let i = 1; i < done.length; i++)
        expect(done[i].utcModified).toBeGreaterThanOrEqual(done[i - 1].utcModified)
      expect(posted.map((p) => p.taskId)).toEqual(ids)
      expect(posted[0]).toMatchObject({
        instanceName: 'test',
        status: 'NORMAL',
        message: 'success',
      })
    } finally {
      server.close()
    }
  })

  it('resumes a task left PROCESSING by a previous run', async () => {
    const d = path.join(batch, 'resume')
    fs.mkdirSync(d)
    fs.copyFileSync(path.join(CATALOGUE, 'item0030.jpg'), path.join(d, 'r.jpg'))
    fs.writeFileSync(
      path.join(d, 'increment.meta'),
      JSON.stringify({ OperationType: 'ADD', ProductId: 'resumed', PicName: 'r.jpg' }) + '\n',
    )
    // Write the task row as a crashed run would have left it, then open the engine.
    const Database = (await import('better-sqlite3')).default
    const db = new Database(path.join(h.dir, 'engine.db'))
    db.prepare(
      "INSERT INTO increase_tasks (bucket_name, path, status, message, utc_create, utc_modified) VALUES ('local', '/resume', 'PROCESSING', 'running', 1, 1)",
    ).run()
    db.close()
    await h.engine.close()
    const e = await h.open()
    await e.whenIdle()
    expect((await e.checkImageExists({ productId: 'resumed', picName: 'r.jpg' })).exist).toBe(true)
    expect((await e.increaseList({ path: '/resume' })).increments[0].status).toBe('SUCCESS')
  })
})
