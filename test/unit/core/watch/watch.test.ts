import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ReconcilePreview, WatchRule } from '../../../../electron/api/domains/watch'
import {
  call,
  callError,
  item,
  makeCore,
  place,
  recordEvents,
  tmp,
  until,
  cleanupTmp,
} from '../tasks/batch/helpers'

// Registered first, so it runs last (after hooks run in reverse order).
afterAll(() => cleanupTmp())

type Core = ReturnType<typeof makeCore>

const dataDir = tmp('loupe-watch-data-')
let core: Core
let events: ReturnType<typeof recordEvents>

async function rules(c: Core = core): Promise<WatchRule[]> {
  return (await call<{ rules: WatchRule[] }>(c.dispatch, 'watch.list', {})).rules
}
async function rule(id: number, c: Core = core): Promise<WatchRule> {
  return (await rules(c)).find((r) => r.id === id)!
}
const g = (c: Core = core) => c.galleries.get('local')

beforeAll(async () => {
  core = makeCore(dataDir)
  events = recordEvents(core.events)
  expect(await core.watch.start()).toEqual({ ok: true })
})
afterAll(async () => {
  await core?.close()
})

describe('a watched folder', () => {
  let folder: string
  let id: number

  it('syncs what the folder holds when the rule is added', async () => {
    folder = tmp('loupe-watched-')
    place(folder, { 'shoe/a.jpg': 100, 'shoe/b.jpg': 101, 'bag/c.jpg': 102 })
    const r = await call<WatchRule>(core.dispatch, 'watch.add', {
      folder,
      naming: 'folder',
      onDelete: 'remove',
      defaults: { strAttr: 'watched' },
    })
    id = r.id
    expect(r.folder).toBe(folder)
    await until(() => g().get('bag', 'c.jpg'))
    await core.watch.whenIdle(id)
    expect(g().get('shoe', 'a.jpg')).toMatchObject({
      sourcePath: path.join(folder, 'shoe', 'a.jpg'),
      strAttr: 'watched',
    })
    const after = await rule(id)
    expect(after.state).toBe('watching')
    expect(after.counts).toMatchObject({ tracked: 3, synced: 3, pending: 0, failed: 0 })
    expect(after.lastSyncAt).toBeGreaterThan(0)
    const states = events
      .of('watch.changed')
      .filter((e) => e.ruleId === id)
      .map((e) => e.state)
    expect(states).toEqual(expect.arrayContaining(['scanning', 'syncing', 'watching']))
  })

  it('adds a new picture, updates a changed one', async () => {
    place(folder, { 'hat/d.jpg': 103 })
    const d = await until(() => g().get('hat', 'd.jpg'))
    expect(d.sha256).toBeTruthy()
    const before = g().get('shoe', 'a.jpg')!.sha256
    // the same name, another picture (written in two chunks: taken once complete)
    const bytes = fs.readFileSync(item(104))
    const fd = fs.openSync(path.join(folder, 'shoe', 'a.jpg'), 'w')
    fs.writeSync(fd, bytes.subarray(0, 1000))
    await new Promise((r) => setTimeout(r, 100))
    fs.writeSync(fd, bytes.subarray(1000))
    fs.closeSync(fd)
    await until(() => g().get('shoe', 'a.jpg')!.sha256 !== before)
    const engine = await core.engines.get('local')
    const hit = await engine.searchImageByPic({ picContent: bytes, num: 1 })
    expect(hit.auctions[0]).toMatchObject({ productId: 'shoe', picName: 'a.jpg' })
  })

  it('follows a rename and a delete (on delete: remove)', async () => {
    fs.renameSync(path.join(folder, 'shoe', 'b.jpg'), path.join(folder, 'shoe', 'b2.jpg'))
    await until(() => g().get('shoe', 'b2.jpg') && !g().get('shoe', 'b.jpg'))
    fs.rmSync(path.join(folder, 'bag', 'c.jpg'))
    await until(() => !g().get('bag', 'c.jpg'))
    await core.watch.whenIdle(id)
    const files = await call<{ files: { relPath: string; state: string }[] }>(
      core.dispatch,
      'watch.files',
      { id },
    )
    expect(files.files.map((f) => f.relPath).sort()).toEqual([
      'hat/d.jpg',
      'shoe/a.jpg',
      'shoe/b2.jpg',
    ])
    expect(files.files.every((f) => f.state === 'synced')).toBe(true)
  })

  it('keeps deleted pictures in the gallery when the rule says keep', async () => {
    const f2 = tmp('loupe-watched-keep-')
    place(f2, { 'k/1.jpg': 110, 'k/2.jpg': 111 })
    const r = await call<WatchRule>(core.dispatch, 'watch.add', { folder: f2, onDelete: 'keep' })
    await until(() => g().get('k', '2.jpg'))
    await core.watch.whenIdle(r.id)
    fs.rmSync(path.join(f2, 'k', '1.jpg'))
    place(f2, { 'k/3.jpg': 112 })
    await until(() => g().get('k', '3.jpg'))
    await core.watch.whenIdle(r.id)
    expect(g().get('k', '1.jpg')).not.toBeNull()
    expect((await rule(r.id)).counts.tracked).toBe(2)
    await call(core.dispatch, 'watch.remove', { id: r.id })
  })

  it('takes a burst of 500 files', async () => {
    const f3 = tmp('loupe-watched-burst-')
    const r = await call<WatchRule>(core.dispatch, 'watch.add', { folder: f3, naming: 'file' })
    await core.watch.whenIdle(r.id)
    for (let i = 0; i < 500; i++) {
      fs.copyFileSync(item(200 + i), path.join(f3, `burst${String(i).padStart(3, '0')}.jpg`))
    }
    await until(async () => (await rule(r.id)).counts.synced === 500, 300_000)
    await core.watch.whenIdle(r.id)
    const after = await rule(r.id)
    expect(after.counts).toMatchObject({ tracked: 500, synced: 500, failed: 0, pending: 0 })
    for (const i of [0, 137, 499]) {
      const name = `burst${String(i).padStart(3, '0')}`
      expect(g().get(name, `${name}.jpg`)?.sha256).toBeTruthy()
    }
    await call(core.dispatch, 'watch.remove', { id: r.id })
  }, 360_000)

  it('pauses when its folder disappears, removing nothing, and resumes when it is back', async () => {
    const f4 = tmp('loupe-watched-gone-')
    place(f4, { 'z/1.jpg': 120, 'z/2.jpg': 121 })
    const r = await call<WatchRule>(core.dispatch, 'watch.add', { folder: f4, onDelete: 'remove' })
    await until(() => g().get('z', '2.jpg'))
    await core.watch.whenIdle(r.id)
    const moved = f4 + '-moved'
    fs.renameSync(f4, moved)
    const paused = await until(async () => {
      const x = await rule(r.id)
      return x.state === 'paused' ? x : null
    }, 15_000)
    expect(paused.pauseReason).toBe('folder-missing')
    expect(paused.detail).toContain(f4)
    expect(g().get('z', '1.jpg')).not.toBeNull()
    expect(g().get('z', '2.jpg')).not.toBeNull()
    fs.renameSync(moved, f4)
    place(f4, { 'z/3.jpg': 122 })
    await until(() => g().get('z', '3.jpg'), 20_000)
    expect((await rule(r.id)).pauseReason).toBeNull()
    await call(core.dispatch, 'watch.remove', { id: r.id })
  })

  it('refuses a folder that does not exist, and a second rule for the same folder', async () => {
    expect((await callError(core.dispatch, 'watch.add', { folder: '/no/such/folder' })).code).toBe(
      'FolderNotFound',
    )
    expect((await callError(core.dispatch, 'watch.add', { folder })).code).toBe('RuleExists')
    expect(
      (await callError(core.dispatch, 'watch.add', { folder: tmp(), naming: '{nope}' })).code,
    ).toBe('InvalidNamingRule')
  })
})

describe('rules across restarts, and reconcile', () => {
  it('survive a restart; changes made meanwhile are picked up, unchanged files are not sent', async () => {
    const folder = tmp('loupe-watched-restart-')
    place(folder, { 'r/1.jpg': 130, 'r/2.jpg': 131 })
    const r = await call<WatchRule>(core.dispatch, 'watch.add', {
      folder,
      onDelete: 'remove',
      include: ['r/**'],
      exclude: ['**/skip*'],
    })
    await until(() => g().get('r', '2.jpg'))
    await core.watch.whenIdle(r.id)
    await core.close()

    // while no host runs: one picture added, one removed, one excluded
    place(folder, { 'r/3.jpg': 132, 'r/skip4.jpg': 133 })
    fs.rmSync(path.join(folder, 'r', '1.jpg'))

    core = makeCore(dataDir)
    const before = await rule(r.id)
    expect(before).toMatchObject({ folder, onDelete: 'remove', include: ['r/**'] })
    expect(before.state).toBe('idle') // nobody watches yet
    const lastJob = Math.max(
      0,
      ...core.jobs
        .queue()
        .listJobs({ limit: 1000 })
        .map((j) => j.id),
    )
    expect(await core.watch.start()).toEqual({ ok: true })
    await until(() => g().get('r', '3.jpg') && !g().get('r', '1.jpg'))
    await core.watch.whenIdle(r.id)
    expect(g().get('r', 'skip4.jpg')).toBeNull()
    // one job: 1 new + 1 removed; the unchanged r/2.jpg was not sent again
    const mine = core.jobs
      .queue()
      .listJobs({ limit: 1000 })
      .filter((j) => j.id > lastJob && (j.params as { sources?: string[] }).sources?.[0] === folder)
    expect(mine).toHaveLength(1)
    expect(mine[0].counts.total).toBe(2)
  })

  it('previews a reconcile and applies it only on confirmation', async () => {
    const folder = tmp('loupe-watched-recon-')
    place(folder, { 'p/1.jpg': 140, 'p/2.jpg': 141, 'p/3.jpg': 142 })
    const r = await call<WatchRule>(core.dispatch, 'watch.add', { folder, onDelete: 'remove' })
    await until(() => g().get('p', '3.jpg'))
    await core.watch.whenIdle(r.id)
    await call(core.dispatch, 'watch.pause', { id: r.id })
    expect((await rule(r.id)).state).toBe('paused')

    // while paused: a new picture, a changed one, a deleted one
    place(folder, { 'p/4.jpg': 143 })
    fs.copyFileSync(item(144), path.join(folder, 'p', '2.jpg'))
    fs.rmSync(path.join(folder, 'p', '3.jpg'))

    const p = await call<ReconcilePreview>(core.dispatch, 'watch.reconcile', { id: r.id })
    expect(p.counts).toMatchObject({ add: 1, update: 1, delete: 1, unchanged: 1 })
    expect(p.add.map((x) => x.relPath)).toEqual(['p/4.jpg'])
    expect(p.update.map((x) => x.relPath)).toEqual(['p/2.jpg'])
    expect(p.delete).toEqual([{ relPath: 'p/3.jpg', productId: 'p', picName: '3.jpg' }])
    // nothing happened yet
    expect(g().get('p', '4.jpg')).toBeNull()
    expect(g().get('p', '3.jpg')).not.toBeNull()

    const a = await call<{ jobId: number; delegated: boolean }>(core.dispatch, 'watch.apply', {
      id: r.id,
      token: p.token,
    })
    expect(a.delegated).toBe(false)
    await core.jobs.whenSettled(a.jobId)
    expect(g().get('p', '4.jpg')).not.toBeNull()
    expect(g().get('p', '3.jpg')).toBeNull()
    expect(g().get('p', '2.jpg')!.sha256).not.toBe(g().get('p', '1.jpg')!.sha256)
  })
})
