import fs from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { WatchFile, WatchRule } from '../../../../electron/api/domains/watch'
import { cleanupTmp, place, tmp, until } from '../tasks/batch/helpers'
import { AS_ROOT, giveToChild, startChildCore, type ChildCore } from '../../../helpers/unprivileged'

// Registered first, so it runs last (after hooks run in reverse order).
afterAll(() => cleanupTmp())

/**
 * Files and folders the watcher cannot read are failures with the OS reason, retried on request
 * and periodically; links leaving the folder are skipped unless the rule follows them. The core
 * runs in a child process as `nobody` when this test runs as root (root reads any file).
 */

const base = tmp('loupe-watch-unreadable-')
fs.chmodSync(base, 0o755)
const dataDir = path.join(base, 'data')
const watched = path.join(base, 'watched')
const outside = path.join(base, 'outside')
fs.mkdirSync(dataDir)
giveToChild(dataDir)
// Closed to the child: root's folder mode 700 (a server running as another user); for a
// non-root run, the owner itself is shut out by 000.
const CLOSED = AS_ROOT ? 0o700 : 0o000
const at = (...p: string[]) => path.join(watched, ...p)

let core: ChildCore | null = null
afterAll(async () => {
  await core?.close()
  // let the cleanup remove everything (a non-root owner cannot enter a 000 folder)
  for (const d of ['private', 'a', 'c']) {
    try {
      fs.chmodSync(at(d), 0o755)
    } catch {
      /* not made */
    }
  }
})

async function rule(id: number): Promise<WatchRule> {
  const r = await core!.call<{ rules: WatchRule[] }>('watch.list', {})
  return r.rules.find((x) => x.id === id)!
}
async function files(id: number, states?: WatchFile['state'][]): Promise<Map<string, WatchFile>> {
  const r = await core!.call<{ files: WatchFile[] }>('watch.files', { id, states })
  return new Map(r.files.map((f) => [f.relPath, f]))
}
const inGallery = (productId: string, picName: string) =>
  core!.op<{ sha256: string | null } | null>('gallery', productId, picName)
/** How many times each picture of the folder was sent (add items across jobs). */
async function sentCount(): Promise<Map<string, number>> {
  const m = new Map<string, number>()
  for (const [rel, op] of await core!.op<[string, string, string][]>('sent', watched)) {
    if (op === 'add') m.set(rel, (m.get(rel) ?? 0) + 1)
  }
  return m
}

describe('a watched folder with unreadable files and folders, and links', () => {
  let id: number

  it('runs the core as a user that chmod shuts out', async () => {
    fs.mkdirSync(watched)
    fs.mkdirSync(outside)
    place(watched, {
      'a/1.jpg': 300,
      'a/2.jpg': 301,
      'a/locked.jpg': 302,
      'private/3.jpg': 303,
      'private/4.jpg': 304,
    })
    place(outside, { 'secret.jpg': 305, 'dir/5.jpg': 306 })
    fs.mkdirSync(at('links'))
    fs.symlinkSync(path.join(outside, 'secret.jpg'), at('links', 'out.jpg'))
    fs.symlinkSync('../a/1.jpg', at('links', 'in.jpg'))
    fs.symlinkSync('loop.jpg', at('links', 'loop.jpg'))
    fs.symlinkSync(path.join(outside, 'dir'), at('extdir'))
    fs.chmodSync(at('a', 'locked.jpg'), 0o000)
    fs.chmodSync(at('private'), CLOSED)

    core = await startChildCore(dataDir, { retryMs: 600_000, retryMaxMs: 600_000 })
    const who = await core.op<{ uid: number; readable: boolean }>('whoami', at('a', 'locked.jpg'))
    if (AS_ROOT) expect(who.uid).toBe(65534)
    // Whoever it runs as, it really cannot read the chmod-000 file (else the test proves nothing).
    expect(who.readable).toBe(false)
    expect(await core.op('start')).toEqual({ ok: true })
  })

  it('counts unreadable files and folders as failed with the OS reason; links leaving the folder are skipped', async () => {
    const r = await core!.call<WatchRule>('watch.add', {
      folder: watched,
      naming: 'folder',
      onDelete: 'remove',
    })
    id = r.id
    expect(r.followSymlinks).toBe(false)
    await until(async () => (await rule(id)).lastScanAt)
    await core!.op('whenIdle', id)
    const after = await rule(id)
    expect(after.state).toBe('watching')
    expect(after.counts).toMatchObject({ synced: 3, failed: 3, unreadable: 3, skipped: 2 })
    expect(after.detail).toContain('3 failed')
    expect(after.nextRetryAt).toBeGreaterThan(Date.now())

    const f = await files(id)
    expect(f.get('a/locked.jpg')).toMatchObject({
      state: 'failed',
      error: { code: 'WatchFileUnreadable', reason: 'EACCES' },
    })
    expect(f.get('a/locked.jpg')!.error!.message).toContain('permission denied')
    expect(f.get('private/')).toMatchObject({
      state: 'failed',
      error: { code: 'WatchFolderUnreadable', reason: 'EACCES' },
    })
    expect(f.get('links/loop.jpg')).toMatchObject({
      state: 'failed',
      error: { code: 'WatchFileUnreadable', reason: 'ELOOP' },
    })
    expect(f.get('links/out.jpg')).toMatchObject({
      state: 'skipped',
      error: { code: 'WatchLinkOutside' },
    })
    expect(f.get('extdir/')).toMatchObject({
      state: 'skipped',
      error: { code: 'WatchLinkOutside' },
    })
    // no server path in the reasons
    for (const x of f.values()) expect(x.error?.message ?? '').not.toContain(base)
    // the failed list is what the UI asks for
    const failed = await files(id, ['failed'])
    expect([...failed.keys()].sort()).toEqual(['a/locked.jpg', 'links/loop.jpg', 'private/'])

    expect(await inGallery('a', '1.jpg')).not.toBeNull()
    expect(await inGallery('links', 'in.jpg')).not.toBeNull() // a link inside the folder
    expect(await inGallery('links', 'out.jpg')).toBeNull()
    expect(await inGallery('extdir', '5.jpg')).toBeNull()
    expect(await inGallery('private', '3.jpg')).toBeNull()
    expect(await inGallery('a', 'locked.jpg')).toBeNull()
  })

  it('does not take pictures the rule tracked under a folder that became unreadable for deleted', async () => {
    fs.chmodSync(at('a'), CLOSED)
    await core!.call('watch.rescan', { id })
    await until(async () => (await files(id)).get('a/')?.state === 'failed', 30_000)
    await core!.op('whenIdle', id)
    expect(await inGallery('a', '1.jpg')).not.toBeNull() // on delete: remove, yet kept
    expect(await inGallery('a', '2.jpg')).not.toBeNull()
    const f = await files(id)
    expect(f.get('a/1.jpg')?.state).toBe('synced')
    expect(f.get('a/')!.error).toMatchObject({ code: 'WatchFolderUnreadable', reason: 'EACCES' })
    fs.chmodSync(at('a'), 0o755)
  })

  it('picks the files up, once, after the permissions are fixed and the user asks for a rescan', async () => {
    fs.chmodSync(at('a', 'locked.jpg'), 0o644)
    fs.chmodSync(at('private'), 0o755)
    // Without a rescan (the next retry is minutes away) the folder's pictures are not seen.
    await new Promise((r) => setTimeout(r, 2500))
    expect(await inGallery('private', '3.jpg')).toBeNull()
    const res = await core!.call<{ running: boolean; delegated: boolean; requestedAt: number }>(
      'watch.rescan',
      { id },
    )
    expect(res).toMatchObject({ running: true, delegated: false })
    await until(async () => ((await rule(id)).lastScanAt ?? 0) >= res.requestedAt, 30_000)
    await core!.op('whenIdle', id)
    for (const [p, n] of [
      ['a', 'locked.jpg'],
      ['private', '3.jpg'],
      ['private', '4.jpg'],
    ]) {
      expect(await inGallery(p, n), `${p}/${n}`).not.toBeNull()
    }
    const f = await files(id)
    expect(f.has('private/')).toBe(false)
    expect(f.has('a/')).toBe(false)
    expect(f.get('a/locked.jpg')).toMatchObject({ state: 'synced', error: null })
    expect(f.get('private/3.jpg')?.state).toBe('synced')
    const r = await rule(id)
    expect(r.counts).toMatchObject({ failed: 1, unreadable: 1, skipped: 2, synced: 6 })

    // The folder is watched live again: a new picture in it arrives by itself.
    place(watched, { 'private/6.jpg': 307 })
    await until(() => inGallery('private', '6.jpg'), 30_000)
    await core!.op('whenIdle', id)

    const sent = await sentCount()
    for (const rel of ['a/1.jpg', 'a/2.jpg', 'a/locked.jpg', 'private/3.jpg', 'private/6.jpg']) {
      expect(sent.get(rel), rel).toBe(1)
    }
    expect(sent.has('links/out.jpg')).toBe(false)
  })

  it('retries by itself (periodically) after a restart, picking up what became readable once', async () => {
    await core!.close()
    core = null
    place(watched, { 'b/7.jpg': 308, 'c/8.jpg': 309 })
    fs.chmodSync(at('b', '7.jpg'), 0o000)
    fs.chmodSync(at('c'), CLOSED)
    core = await startChildCore(dataDir, { retryMs: 800, retryMaxMs: 3000 })
    expect(await core.op('start')).toEqual({ ok: true })
    await until(async () => {
      const f = await files(id, ['failed'])
      return f.get('b/7.jpg') && f.get('c/')
    }, 30_000)
    // retried every 0.8 s, then less often while nothing changes (at most every 3 s)
    const r = await until(async () => {
      const x = await rule(id)
      return x.nextRetryAt && x.nextRetryAt - Date.now() <= 3000 ? x : null
    }, 30_000)
    expect(r.counts.unreadable).toBe(3) // b/7.jpg, c/, links/loop.jpg
    const scans = new Set<number>()
    await until(async () => {
      scans.add((await rule(id)).lastScanAt!)
      return scans.size >= 3
    }, 30_000)

    fs.chmodSync(at('b', '7.jpg'), 0o644)
    fs.chmodSync(at('c'), 0o755)
    // no rescan asked: the periodic retry finds them
    await until(
      async () => (await inGallery('b', '7.jpg')) && (await inGallery('c', '8.jpg')),
      30_000,
    )
    await core.op('whenIdle', id)
    const f = await files(id)
    expect(f.get('b/7.jpg')?.state).toBe('synced')
    expect(f.has('c/')).toBe(false)
    const sent = await sentCount()
    expect(sent.get('b/7.jpg')).toBe(1)
    expect(sent.get('c/8.jpg')).toBe(1)
    expect(sent.get('a/locked.jpg')).toBe(1) // not sent again by the restart or the retries
  })

  it('follows links that leave the folder when the rule says so', async () => {
    const r = await core!.call<WatchRule>('watch.update', { id, patch: { followSymlinks: true } })
    expect(r.followSymlinks).toBe(true)
    await until(
      async () => (await inGallery('links', 'out.jpg')) && (await inGallery('extdir', '5.jpg')),
      30_000,
    )
    await core!.op('whenIdle', id)
    const f = await files(id)
    expect(f.get('links/out.jpg')?.state).toBe('synced')
    expect(f.has('extdir/')).toBe(false)
    expect((await rule(id)).counts.skipped).toBe(0)
    // the loop stays a failure, with its reason
    expect(f.get('links/loop.jpg')?.error?.reason).toBe('ELOOP')
  })

  it('a watched folder that itself cannot be opened is a failure, and is watched live once fixed', async () => {
    const root = path.join(base, 'closed root')
    place(root, { 'z/1.jpg': 310 })
    fs.chmodSync(root, CLOSED)
    try {
      const r = await core!.call<WatchRule>('watch.add', { folder: root })
      await until(async () => (await files(r.id)).get('./')?.state === 'failed', 30_000)
      expect((await files(r.id)).get('./')!.error).toMatchObject({
        code: 'WatchFolderUnreadable',
        reason: 'EACCES',
      })
      expect((await rule(r.id)).counts).toMatchObject({ failed: 1, unreadable: 1, synced: 0 })
      fs.chmodSync(root, 0o755)
      await core!.call('watch.rescan', { id: r.id })
      await until(() => inGallery('z', '1.jpg'), 30_000)
      await core!.op('whenIdle', r.id)
      expect((await files(r.id)).has('./')).toBe(false)
      place(root, { 'z/2.jpg': 311 })
      await until(() => inGallery('z', '2.jpg'), 30_000)
    } finally {
      fs.chmodSync(root, 0o755)
    }
  })
})
