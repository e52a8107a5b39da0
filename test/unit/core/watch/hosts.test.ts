import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { WatchRule } from '../../../../electron/api/domains/watch'
import type { BatchTask } from '../../../../electron/api/domains/batch'
import { call, makeCore, place, tmp, until, cleanupTmp } from '../tasks/batch/helpers'

// Registered first, so it runs last (after hooks run in reverse order).
afterAll(() => cleanupTmp())

/** Two Loupe hosts on one data folder: only one runs the watchers and the batch tasks. */
describe('one runner per data folder', () => {
  it('a host does not run the watchers or batch tasks another live process runs', async () => {
    const dataDir = tmp('loupe-watch-hosts-')
    // Another process (alive) holds both runner locks, as `loupe serve` would.
    const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
      stdio: 'ignore',
    })
    const lock = (f: string) =>
      fs.writeFileSync(
        path.join(dataDir, f),
        JSON.stringify({ pid: other.pid, host: 'headless', since: Date.now() }),
      )
    lock('watch-runner.lock')
    lock('batch-runner.lock')
    const core = makeCore(dataDir)
    try {
      expect(await core.watch.start()).toMatchObject({ ok: false, owner: { pid: other.pid } })
      expect(await core.batch.start()).toMatchObject({ ok: false, owner: { pid: other.pid } })
      const w = await call<{ runner: { pid: number; self: boolean } }>(
        core.dispatch,
        'watch.list',
        {},
      )
      expect(w.runner).toEqual({ pid: other.pid, host: 'headless', self: false })
      const b = await call<{ runner: { pid: number; self: boolean } }>(
        core.dispatch,
        'batch.list',
        {},
      )
      expect(b.runner).toEqual({ pid: other.pid, host: 'headless', self: false })
      // Once that process is gone, this host takes over.
      other.kill('SIGKILL')
      await new Promise((r) => other.once('exit', r))
      expect(await core.watch.start()).toEqual({ ok: true })
      expect(await core.batch.start()).toEqual({ ok: true })
    } finally {
      other.kill('SIGKILL')
      await core.close()
    }
  })

  it('rules added through another connection (the CLI) are picked up by the running watchers', async () => {
    const dataDir = tmp('loupe-watch-hosts2-')
    const a = makeCore(dataDir)
    const b = makeCore(dataDir)
    try {
      expect(await a.watch.start()).toEqual({ ok: true })
      const folder = tmp('loupe-watch-hosts-folder-')
      place(folder, { 'x/1.jpg': 150 })
      // `b` only writes the rule in watch.db (as the CLI does); `a` runs the watchers and sees it.
      const rule = await call<WatchRule>(b.dispatch, 'watch.add', { folder })
      await until(() => a.galleries.get('local').get('x', '1.jpg'), 30_000)
      await until(async () => {
        const seen = await call<{ rules: WatchRule[] }>(b.dispatch, 'watch.list', {})
        return seen.rules.find((r) => r.id === rule.id)?.counts.synced === 1
      })
      // A rescan asked through `b` is done by `a` (within its poll interval), and is seen done.
      const asked = await call<{ running: boolean; delegated: boolean; requestedAt: number }>(
        b.dispatch,
        'watch.rescan',
        { id: rule.id },
      )
      expect(asked).toMatchObject({ running: true, delegated: true })
      await until(async () => {
        const seen = await call<{ rules: WatchRule[] }>(b.dispatch, 'watch.list', {})
        const r = seen.rules.find((x) => x.id === rule.id)!
        return (r.lastScanAt ?? 0) >= asked.requestedAt
      }, 30_000)
      expect(a.watch.store().rule(rule.id)!.rescanRequest).toBeNull()
    } finally {
      await b.close()
      await a.close()
    }
  })
})

describe('batch tasks across restarts', () => {
  it('a task queued while no host runs is run by the next host', async () => {
    const dataDir = tmp('loupe-batch-restart-')
    const src = tmp('loupe-batch-restart-src-')
    place(src, { 'q/1.jpg': 160, 'q/2.jpg': 161 })
    const first = makeCore(dataDir)
    const t = await call<BatchTask>(first.dispatch, 'batch.create', {
      source: { type: 'folder', path: src },
    })
    expect(t.state).toBe('queued')
    await first.close()

    const second = makeCore(dataDir)
    try {
      expect((await call<BatchTask>(second.dispatch, 'batch.get', { id: t.id })).state).toBe(
        'queued',
      )
      expect(await second.batch.start()).toEqual({ ok: true })
      const done = (await second.batch.waitFor(t.id)) as BatchTask
      expect(done).toMatchObject({ state: 'success', linesOk: 2 })
      expect(second.galleries.get('local').get('q', 'q/2.jpg')).not.toBeNull()
    } finally {
      await second.close()
    }
  })

  it('a lock left by a process that is gone is taken over', async () => {
    const dataDir = tmp('loupe-batch-stale-')
    fs.mkdirSync(dataDir, { recursive: true })
    // pid 2^22+ is never a live process on Linux
    fs.writeFileSync(
      path.join(dataDir, 'batch-runner.lock'),
      JSON.stringify({ pid: 4_194_999, host: 'headless', since: 1 }),
    )
    fs.writeFileSync(
      path.join(dataDir, 'watch-runner.lock'),
      JSON.stringify({ pid: 4_194_999, host: 'electron', since: 1 }),
    )
    const core = makeCore(dataDir)
    try {
      expect(await core.batch.start()).toEqual({ ok: true })
      expect(await core.watch.start()).toEqual({ ok: true })
    } finally {
      await core.close()
    }
    // released on close
    expect(fs.existsSync(path.join(dataDir, 'batch-runner.lock'))).toBe(false)
    expect(fs.existsSync(path.join(dataDir, 'watch-runner.lock'))).toBe(false)
  })
})
