import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BatchLine, BatchTask } from '../../../../../electron/api/domains/batch'
import { call, callError, item, makeCore, place, recordEvents, tmp, cleanupTmp } from './helpers'

// Registered first, so it runs last (after hooks run in reverse order).
afterAll(() => cleanupTmp())

type Core = ReturnType<typeof makeCore>

let core: Core
let events: ReturnType<typeof recordEvents>

beforeAll(async () => {
  core = makeCore(tmp('loupe-batch-data-'))
  events = recordEvents(core.events)
  expect(await core.batch.start()).toEqual({ ok: true })
})
afterAll(async () => {
  await core.close()
})

async function finished(id: number): Promise<BatchTask> {
  return (await core.batch.waitFor(id)) as BatchTask
}

async function lines(id: number, states?: string[]): Promise<BatchLine[]> {
  const r = await call<{ lines: BatchLine[] }>(core.dispatch, 'batch.lines', {
    id,
    ...(states ? { states } : {}),
    limit: 1000,
  })
  return r.lines
}

describe('a batch task on the local engine', () => {
  it('runs a folder to completion, sets apart the pictures that cannot be sent, fills the gallery', async () => {
    const dir = tmp()
    place(dir, {
      'shoes/a.jpg': 10,
      'shoes/b.jpg': 11,
      'bags/c.jpg': 12,
      'bags/d.jpg': 13,
      'hats/e.jpg': 14,
    })
    fs.writeFileSync(path.join(dir, 'hats', 'broken.jpg'), crypto.randomBytes(3000))
    await sharp({ create: { width: 40, height: 40, channels: 3, background: '#c00' } })
      .jpeg()
      .toFile(path.join(dir, 'hats', 'tiny.jpg'))

    const created = await call<BatchTask>(core.dispatch, 'batch.create', {
      source: { type: 'folder', path: dir },
      naming: 'folder',
      defaults: { strAttr: 'batch-test' },
    })
    expect(created.state).toBe('queued')
    expect(created.bucket).toBe('local')
    expect(created.path).toBe(`/loupe-${created.id}`)
    expect(created.linesTotal).toBe(7)

    const t = await finished(created.id)
    expect(t.state).toBe('success')
    expect(t.engineTaskId).toBeGreaterThan(0)
    expect(t.linesOk).toBe(5)
    expect(t.linesRejected).toBe(2)
    expect(t.linesFailed).toBe(0)
    expect(t.finishedAt).toBeGreaterThanOrEqual(t.submittedAt!)

    const apart = await lines(t.id, ['rejected'])
    expect(apart.map((l) => l.picName).sort()).toEqual(['hats/broken.jpg', 'hats/tiny.jpg'])
    for (const l of apart) {
      expect(l.code).toBeTruthy()
      expect(l.message).toContain(l.picName!.split('/')[1])
    }

    // The gallery knows the pictures that made it, with their source and thumbnail…
    const g = core.galleries.get('local')
    const a = g.get('shoes', 'shoes/a.jpg')!
    expect(a.sourcePath).toBe(path.join(dir, 'shoes', 'a.jpg'))
    expect(a.strAttr).toBe('batch-test')
    expect(a.sha256).toMatch(/^[0-9a-f]{64}$/)
    expect(a.thumbnail).toBeTruthy()
    expect(g.get('hats', 'hats/broken.jpg')).toBeNull()
    // …and the engine finds them.
    const engine = await core.engines.get('local')
    const found = await engine.searchImageByName({
      productId: 'bags',
      picName: 'bags/c.jpg',
      num: 5,
    })
    expect(found.auctions[0]).toMatchObject({ productId: 'bags', picName: 'bags/c.jpg' })

    // The staged folder under the batch root is gone once the task is over.
    expect(fs.existsSync(path.join(core.profiles.dirOf('local'), 'batch', `loupe-${t.id}`))).toBe(
      false,
    )

    const statuses = events
      .of('task.status')
      .filter((e) => e.id === t.id)
      .map((e) => e.status)
    expect(statuses).toEqual(
      expect.arrayContaining(['queued', 'preparing', 'submitting', 'processing', 'success']),
    )
    expect(statuses.indexOf('submitting')).toBeLessThan(statuses.indexOf('processing'))
    const note = events.of('notification').find((n) => n.title.includes(`task ${t.id}`))
    expect(note?.level).toBe('warning')
    expect(note?.body).toMatch(/5 lines done.*2 set apart/)
    expect(note?.target).toEqual({ kind: 'batch', id: t.id, profile: t.profile })
  })

  it('lists the engine’s failures from the error file, and retries the failed lines', async () => {
    const dir = tmp()
    place(dir, { 'p1/good.jpg': 20, 'p2/also.jpg': 21 })
    const broken = path.join(dir, 'p3', 'broken.jpg')
    fs.mkdirSync(path.dirname(broken))
    fs.writeFileSync(broken, crypto.randomBytes(5000))
    // Sent untouched: the engine itself meets the corrupt picture and writes it to its error file.
    const created = await call<BatchTask>(core.dispatch, 'batch.create', {
      source: { type: 'folder', path: dir },
      prepare: false,
    })
    const t = await finished(created.id)
    expect(t.state).toBe('success')
    expect(t.errorUrl).toMatch(/^file:/)
    expect(t.linesOk).toBe(2)
    expect(t.linesFailed).toBe(1)
    const failed = await lines(t.id, ['failed'])
    expect(failed).toHaveLength(1)
    expect(failed[0]).toMatchObject({ productId: 'p3', picName: 'p3/broken.jpg', metaLine: 3 })
    expect(failed[0].code).toBeTruthy()
    expect(failed[0].code).not.toBe('Failed')
    expect(failed[0].message).toBeTruthy()

    // Fix the picture, retry the failed lines: a new task with just that line.
    fs.copyFileSync(item(22), broken)
    const retry = await call<BatchTask>(core.dispatch, 'batch.retryFailed', { id: t.id })
    expect(retry.source).toEqual({ type: 'retry', of: t.id })
    expect(retry.linesTotal).toBe(1)
    const r = await finished(retry.id)
    expect(r.state).toBe('success')
    expect(r.linesOk).toBe(1)
    expect(core.galleries.get('local').get('p3', 'p3/broken.jpg')).not.toBeNull()
  })

  it('refuses a manifest escaping its folder at creation, and queues nothing', async () => {
    const dir = tmp()
    place(dir, { 'in/ok.jpg': 1, 'outside.jpg': 2 })
    const meta = path.join(dir, 'in', 'increment.meta')
    fs.writeFileSync(
      meta,
      [
        JSON.stringify({ OperationType: 'ADD', ProductId: 'a', PicName: 'ok.jpg' }),
        JSON.stringify({ OperationType: 'ADD', ProductId: 'b', PicName: '../outside.jpg' }),
      ].join('\n'),
    )
    const before = (await call<{ total: number }>(core.dispatch, 'batch.list', {})).total
    const err = await callError(core.dispatch, 'batch.create', {
      source: { type: 'manifest', path: meta },
    })
    expect(err.code).toBe('InvalidPicName')
    expect(err.message).toContain('increment.meta:2')
    expect(err.hint).toBeTruthy()
    expect((await call<{ total: number }>(core.dispatch, 'batch.list', {})).total).toBe(before)
  })

  it('runs one task at a time and queues the next', async () => {
    const a = tmp()
    const b = tmp()
    place(a, { 'x/1.jpg': 30, 'x/2.jpg': 31, 'x/3.jpg': 32 })
    place(b, { 'y/1.jpg': 33 })
    const seen: string[] = []
    const off = core.events.onAny((name, p) => {
      if (name === 'task.status') {
        const s = p as { id: number; status: string }
        seen.push(`${s.id}:${s.status}`)
      }
    })
    const t1 = await call<BatchTask>(core.dispatch, 'batch.create', {
      source: { type: 'folder', path: a },
    })
    const t2 = await call<BatchTask>(core.dispatch, 'batch.create', {
      source: { type: 'folder', path: b },
    })
    await finished(t2.id)
    off()
    const first = (await finished(t1.id)).finishedAt!
    const second = (await call<BatchTask>(core.dispatch, 'batch.get', { id: t2.id })).startedAt!
    expect(second).toBeGreaterThanOrEqual(first)
    // t2 did not start preparing before t1 was over
    const t1Done = seen.indexOf(`${t1.id}:success`)
    const t2Prep = seen.indexOf(`${t2.id}:preparing`)
    expect(t1Done).toBeGreaterThan(-1)
    expect(t2Prep).toBeGreaterThan(t1Done)
  })

  it('cancels a queued task', async () => {
    await core.batch.stop()
    try {
      const dir = tmp()
      place(dir, { 'z/1.jpg': 40 })
      const t = await call<BatchTask>(core.dispatch, 'batch.create', {
        source: { type: 'folder', path: dir },
      })
      const c = await call<BatchTask>(core.dispatch, 'batch.cancel', { id: t.id })
      expect(c.state).toBe('cancelled')
    } finally {
      expect(await core.batch.start()).toEqual({ ok: true })
    }
  })
})
