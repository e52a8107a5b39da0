import fs from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  START_ORDER,
  createBackground,
  type BackgroundService,
  type ServiceName,
} from '../../../electron/core/background'
import { lockOwner } from '../../../electron/core/util/lock'
import { cleanupTmp, makeCore, tmp } from './tasks/batch/helpers'

afterAll(() => cleanupTmp())

/** Services that say what was asked of them, in order, and take a moment to do it. */
function recording() {
  const calls: string[] = []
  const make = (name: ServiceName): BackgroundService => ({
    async start() {
      calls.push(`start ${name}`)
      await new Promise((r) => setTimeout(r, 5))
      return { ok: true }
    },
    async stop() {
      calls.push(`stop ${name}`)
    },
    async close() {
      calls.push(`close ${name}`)
    },
  })
  const services = Object.fromEntries(START_ORDER.map((n) => [n, make(n)])) as Record<
    ServiceName,
    BackgroundService
  >
  return { calls, services }
}

describe('core.start() / core.close()', () => {
  it('start in one order (the queue first), stop then close in the reverse one, each once', async () => {
    const { calls, services } = recording()
    const bg = createBackground(services, () => {})
    const [a, b] = await Promise.all([bg.start(), bg.start()])
    expect(a).toBe(b)
    expect(calls).toEqual([
      'start jobs',
      'start gallery',
      'start dumps',
      'start batch',
      'start watch',
    ])
    calls.length = 0
    await Promise.all([bg.close(), bg.close()])
    await bg.close()
    expect(calls).toEqual([
      'stop watch',
      'stop batch',
      'stop dumps',
      'stop gallery',
      'stop jobs',
      'close watch',
      'close batch',
      'close dumps',
      'close gallery',
      'close jobs',
    ])
    await expect(bg.start()).rejects.toThrow(/closing/)
  })

  it('a close during the start waits for the service being started; a failing start does not stop the others', async () => {
    const { calls, services } = recording()
    services.dumps.start = async () => {
      calls.push('start dumps')
      throw new Error('no disk')
    }
    const logged: string[] = []
    const bg = createBackground(services, (_l, line) => logged.push(line))
    const started = bg.start()
    const closed = bg.close()
    const r = await started
    await closed
    // jobs had begun when close came: it finished starting, nothing after it started.
    expect(calls.slice(0, 2)).toEqual(['start jobs', 'stop watch'])
    expect(r).toEqual({ jobs: { ok: true } })

    const second = recording()
    second.services.dumps.start = async () => {
      throw new Error('no disk')
    }
    const bg2 = createBackground(second.services, (_l, line) => logged.push(line))
    const r2 = await bg2.start()
    expect(r2.dumps).toEqual({ ok: false, error: 'no disk' })
    expect(r2.watch).toEqual({ ok: true })
    expect(logged).toContain('dumps: not started: no disk')
    await bg2.close()
  })

  it('a real core: start takes the locks of the queue, the batch runner and the watchers; close gives them back', async () => {
    const dataDir = tmp('loupe-core-start-')
    const core = makeCore(dataDir)
    const locks = ['jobs.lock', 'batch-runner.lock', 'watch-runner.lock'].map((f) =>
      path.join(dataDir, f),
    )
    // Creating the core starts nothing.
    for (const f of locks) expect(fs.existsSync(f)).toBe(false)
    const r = await core.start()
    expect(r).toEqual({
      jobs: { ok: true },
      gallery: { ok: true },
      dumps: { ok: true },
      batch: { ok: true },
      watch: { ok: true },
    })
    expect(await core.start()).toBe(r)
    const owners = locks.map((f) => lockOwner(f))
    for (const o of owners) expect(o).toMatchObject({ pid: process.pid, host: 'headless' })
    // In the start order: the queue's lock was taken first.
    expect(owners[0]!.since).toBeLessThanOrEqual(owners[1]!.since)
    expect(owners[1]!.since).toBeLessThanOrEqual(owners[2]!.since)
    expect((await core.api.batch.list({})).runner).toMatchObject({ pid: process.pid, self: true })

    await Promise.all([core.close(), core.close()])
    for (const f of locks) expect(fs.existsSync(f)).toBe(false)
    await expect(core.start()).rejects.toThrow(/closing/)

    // The next core on the same folder starts again.
    const next = makeCore(dataDir)
    try {
      expect((await next.start()).batch).toEqual({ ok: true })
    } finally {
      await next.close()
    }
  })
})

describe('the kinds of work of the one queue', () => {
  it('are every kind of background work, each named in the Jobs panel in en-US and zh-CN', async () => {
    const core = makeCore(tmp('loupe-core-kinds-'))
    try {
      const kinds = core.jobs.kinds().sort()
      expect(kinds).toEqual([
        'batch-prepare',
        'bulk-add',
        'dump-import',
        'duplicate-audit',
        'duplicate-move',
        'gallery-adapt',
        'gallery-category',
        'gallery-copy',
        'gallery-delete',
        'gallery-update',
        'quality-eval',
      ])
      // The renderer's messages (loaded by path: they belong to the web project's types).
      const section = '../../../renderer/src/i18n/sections/bulk'
      const bulkMessages = (await import(section)).default as Record<
        'en-US' | 'zh-CN',
        { bulk: { jobKind: Record<string, string> } }
      >
      for (const locale of ['en-US', 'zh-CN'] as const) {
        const labels = bulkMessages[locale].bulk.jobKind
        for (const k of kinds) expect(labels[k], `${locale} ${k}`).toBeTruthy()
      }
    } finally {
      await core.close()
    }
  })
})
