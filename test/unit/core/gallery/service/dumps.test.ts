import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHeadless } from '../../../../../electron/server/headless'
import { tempDir } from '../../../../helpers/tmp'
import type { Engine } from '../../../../../electron/core/engines/types'
import { call, callError, closedPort, pic, readLines, recordEvents, until } from './helpers'

type Task = {
  id: number
  status: string
  metaUrl: string | null
  expiresAt: number | null
  watching: boolean
  file: { path: string; url: string | null; bytes: number } | null
  imported: { added: number; changed: number; gone: number } | null
}

describe('dump → download → import diff on a local engine (headless host)', () => {
  const t = tempDir()
  let h: Awaited<ReturnType<typeof startHeadless>>
  let d: (name: string, input: unknown) => Promise<unknown>

  beforeAll(async () => {
    h = await startHeadless({ dataDir: t.dir, port: 0, rendererDir: t.dir })
    d = h.core.dispatch
    for (const n of [20, 21, 22, 23]) {
      await call(d, 'images.add', {
        image: { base64: fs.readFileSync(pic(n)).toString('base64') },
        productId: `prod-${n % 2}`,
        picName: `img-${n}.jpg`,
        intAttr: n,
        strAttr: 'dump',
      })
    }
  })
  afterAll(async () => {
    await h?.close()
    t.cleanup()
  })

  it('creates an export, watches it to completion, downloads its file over HTTP and notifies', async () => {
    const ev = recordEvents(h.core.events)
    const created = await call<Task>(d, 'tasks.dumpCreate', {})
    expect(created.status).toBe('PROCESSING')
    expect(created.watching).toBe(true)
    const note = await until(() =>
      ev.of('notification').find((n) => n.key === 'dumps.notify.dumpDone'),
    )
    ev.off()
    expect(note.params).toMatchObject({ id: created.id, count: '4' })
    // a click on the desktop notification opens this export
    expect(note.target).toMatchObject({ kind: 'dump', id: created.id })
    // PROCESSING, then SUCCESS (again once the file is downloaded, for views to reload).
    expect([...new Set(ev.of('task.status').map((s) => s.status))]).toEqual([
      'PROCESSING',
      'SUCCESS',
    ])

    const task = await call<Task>(d, 'tasks.dumpGet', { id: created.id })
    expect(task.status).toBe('SUCCESS')
    expect(task.watching).toBe(false)
    // The engine's MetaUrl is served by the headless host; the local engine's links never expire.
    expect(task.metaUrl).toMatch(
      new RegExp(`^${h.url}/files/local/engine/dumps/meta-${created.id}\\.jsonl$`),
    )
    expect(task.expiresAt).toBeNull()
    // The file was downloaded into the profile's dumps/ folder and is kept there.
    expect(task.file?.path).toBe(
      path.join(h.core.profiles.dirOf('local'), 'dumps', `meta-${created.id}.jsonl`),
    )
    const lines = readLines(task.file!.path).map(
      (l) => JSON.parse(l) as { PicName: string; IntAttr: number },
    )
    expect(lines.map((l) => l.PicName).sort()).toEqual([
      'img-20.jpg',
      'img-21.jpg',
      'img-22.jpg',
      'img-23.jpg',
    ])
    expect(task.file?.bytes).toBe(fs.statSync(task.file!.path).size)
    // …and can be downloaded by a browser.
    const res = await fetch(task.file!.url!)
    expect(res.status).toBe(200)
    expect(await res.text()).toBe(fs.readFileSync(task.file!.path, 'utf8'))

    const list = await call<{ items: Task[]; offline: unknown }>(d, 'tasks.dumpList', {})
    expect(list.offline).toBeNull()
    expect(list.items.map((i) => i.id)).toContain(created.id)
  })

  it('previews added / changed / gone, then applies them in one import with progress', async () => {
    // Changes the cache does not know about: made on the engine directly, as another tool would
    // (the engine underneath the registry's write-through wrapper, which is its prototype), and a
    // stale cache row.
    const engine = Object.getPrototypeOf(await h.core.engines.get('local')) as Engine
    await engine.updateImage({ productId: 'prod-0', picName: 'img-20.jpg', intAttr: 999 })
    await engine.deleteImage({ productId: 'prod-1', picName: 'img-21.jpg' })
    await engine.addImage({
      productId: 'prod-9',
      picName: 'img-24.jpg',
      picContent: fs.readFileSync(pic(24)),
      strAttr: 'direct',
    })
    h.core.galleries
      .get('local')
      .recordAdded({ productId: 'ghost', picName: 'gone.jpg', strAttr: 'stale' })

    const created = await call<Task>(d, 'tasks.dumpCreate', {})
    const done = await until(async () => {
      const x = await call<Task>(d, 'tasks.dumpGet', { id: created.id })
      return x.file ? x : null
    })
    const diff = await call<{
      added: number
      changed: number
      gone: number
      unchanged: number
      examples: {
        added: { productId: string }[]
        changed: { picName: string }[]
        gone: { productId: string }[]
      }
    }>(d, 'tasks.dumpDiff', { source: { id: done.id } })
    expect(diff).toMatchObject({ added: 1, changed: 1, gone: 2, unchanged: 2 })
    expect(diff.examples.added).toEqual([{ productId: 'prod-9', picName: 'img-24.jpg' }])
    expect(diff.examples.changed).toEqual([{ productId: 'prod-0', picName: 'img-20.jpg' }])
    expect(diff.examples.gone.map((g) => g.productId).sort()).toEqual(['ghost', 'prod-1'])
    // A preview changes nothing.
    expect((await call<{ count: number }>(d, 'gallery.stats', {})).count).toBe(5)

    const ev = recordEvents(h.core.events)
    const imp = await call<{ added: number; changed: number; gone: number }>(
      d,
      'tasks.dumpImport',
      {
        source: { id: done.id },
        opId: 'imp-1',
      },
    )
    ev.off()
    expect(imp).toMatchObject({ added: 1, changed: 1, gone: 2 })
    const prog = ev.of('gallery.progress').filter((p) => p.opId === 'imp-1')
    expect(prog.at(-1)).toMatchObject({ kind: 'import', phase: 'done' })
    expect(prog.at(-1)!.done).toBe(prog.at(-1)!.total)
    expect(ev.of('gallery.changed')).toContainEqual({ profile: 'local', reason: 'import' })

    const all = await call<{ items: { picName: string; intAttr: number | null }[] }>(
      d,
      'gallery.list',
      {
        sort: 'picName',
        order: 'asc',
      },
    )
    expect(all.items.map((i) => [i.picName, i.intAttr])).toEqual([
      ['img-20.jpg', 999],
      ['img-22.jpg', 22],
      ['img-23.jpg', 23],
      ['img-24.jpg', null],
    ])
    const task = await call<Task>(d, 'tasks.dumpGet', { id: done.id })
    expect(task.imported).toMatchObject({ added: 1, changed: 1, gone: 2 })
  })

  it('imports a large dump file in one transaction, reporting progress', async () => {
    await call(d, 'profiles.create', { kind: 'local', name: 'big' })
    const file = path.join(t.dir, 'big.jsonl')
    const n = 20_000
    const out: string[] = []
    for (let i = 0; i < n; i++) {
      out.push(
        JSON.stringify({
          ProductId: `b${i % 5000}`,
          PicName: `p${i}.jpg`,
          CategoryId: '3',
          IntAttr: i,
        }),
      )
    }
    fs.writeFileSync(file, out.join('\n') + '\n')
    const ev = recordEvents(h.core.events)
    const imp = await call<{ added: number }>(d, 'tasks.dumpImport', {
      profile: 'big',
      source: { file },
    })
    ev.off()
    expect(imp.added).toBe(n)
    const last = ev.of('gallery.progress').at(-1)!
    expect(last).toMatchObject({
      profile: 'big',
      kind: 'import',
      phase: 'done',
      total: fs.statSync(file).size,
    })
    const s = await call<{ count: number; products: number }>(d, 'gallery.stats', {
      profile: 'big',
    })
    expect(s).toMatchObject({ count: n, products: 5000 })
    // A malformed line applies nothing.
    fs.appendFileSync(file, '{"ProductId": "x"}\n')
    const e = await callError(d, 'tasks.dumpImport', { profile: 'big', source: { file } })
    expect(e.code).toBe('InvalidDumpLine')
    expect(e.message).toContain(`line ${n + 1}`)
    expect((await call<{ count: number }>(d, 'gallery.stats', { profile: 'big' })).count).toBe(n)
  })

  it('lists remembered exports with the reason when the engine cannot be reached', async () => {
    const port = await closedPort()
    await call(d, 'profiles.create', {
      kind: 'cloud',
      name: 'cloudy',
      cloud: {
        instanceName: 'inst',
        endpoint: `127.0.0.1:${port}`,
        protocol: 'http',
        accessKeyId: 'LTAI-key',
        accessKeySecret: 'secret-0123456789',
      },
    })
    const list = await call<{ items: Task[]; offline: { code: string } | null }>(
      d,
      'tasks.dumpList',
      {
        profile: 'cloudy',
      },
    )
    expect(list.items).toEqual([])
    expect(list.offline?.code).toBe('ECONNREFUSED')
    expect((await callError(d, 'tasks.dumpCreate', { profile: 'cloudy' })).code).toBe(
      'ECONNREFUSED',
    )
    expect(
      (
        await callError(d, 'tasks.dumpImport', {
          profile: 'cloudy',
          source: { file: '/nonexistent/x' },
        })
      ).code,
    ).toBe('DumpReadFailed')
  })
})
