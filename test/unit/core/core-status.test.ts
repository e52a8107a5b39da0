import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createCore, type Core } from '../../../electron/core/app'
import { createStatusReporter, type CoreStatus } from '../../../electron/core/core-status'
import { createMemorySecretStore } from '../../../electron/core/profiles/secrets'
import { DIM, VERSION } from '../../../electron/core/engines/local/featurizer/constants'
import { seedStore } from './engines/local/seed'
import { recordEvents } from './gallery/service/helpers'
import { tempDir } from '../../helpers/tmp'

describe('core.status reporting', () => {
  it('sends the first update at once, coalesces the rest, and ends with one final event', async () => {
    const seen: CoreStatus[] = []
    const report = createStatusReporter((s) => seen.push(s), 50)
    const t = report('p', 'engine-load')
    for (let d = 0; d <= 1000; d += 10) t.progress(d, 1000)
    expect(seen).toEqual([
      { profile: 'p', task: 'engine-load', phase: 'running', done: 0, total: 1000 },
    ])
    // The latest values follow once the interval has passed…
    await new Promise((r) => setTimeout(r, 80))
    expect(seen.at(-1)).toMatchObject({ phase: 'running', done: 1000 })
    expect(seen.length).toBe(2)
    t.progress(1000, 1000)
    t.end(true)
    t.progress(5, 1000)
    t.end(false)
    // … and nothing after the end, which is reported once, complete.
    expect(seen.at(-1)).toEqual({
      profile: 'p',
      task: 'engine-load',
      phase: 'done',
      done: 1000,
      total: 1000,
    })
    expect(seen.filter((s) => s.phase !== 'running')).toHaveLength(1)
    await new Promise((r) => setTimeout(r, 80))
    expect(seen.at(-1)?.phase).toBe('done')
  })

  it('stages are reported in order and a failure ends the task', () => {
    const seen: CoreStatus[] = []
    const t = createStatusReporter((s) => seen.push(s), 1000)('p', 'dump-import')
    t.progress(10, 100, 'reading')
    t.progress(100, 100, 'reading')
    t.progress(1, 8, 'applying')
    t.end(false)
    expect(seen.map((s) => [s.stage, s.phase, s.done, s.total])).toEqual([
      ['reading', 'running', 10, 100],
      ['reading', 'running', 100, 100],
      ['applying', 'failed', 1, 8],
    ])
  })
})

describe('the core while a local engine opens', () => {
  let core: Core | null = null
  let cleanupDir: (() => void) | null = null
  afterEach(async () => {
    await core?.close()
    cleanupDir?.()
  })

  it('answers other calls meanwhile, then the search from the complete index', async () => {
    const t = tempDir()
    cleanupDir = t.cleanup
    core = createCore({
      dataDir: t.dir,
      secrets: createMemorySecretStore(),
      host: 'headless',
      featurizerWorkers: 0,
    })
    const n = 20_000
    seedStore(
      path.join(core.profiles.dirOf('local'), 'engine'),
      {
        dim: DIM,
        version: VERSION,
      },
      n,
    )
    const ev = recordEvents(core.events)
    const order: string[] = []
    const loadEnded = () => ev.of('core.status').some((s) => s.phase !== 'running')
    const track = <T>(name: string, p: Promise<T>) =>
      p.then((v) => {
        order.push(`${name}${loadEnded() ? ' (after load)' : ''}`)
        return v
      })
    // The first engine call opens the engine: 20,000 vectors to load.
    const search = track(
      'search',
      core.api.search.byName({ productId: 'P42', picName: '42.jpg', num: 5 }),
    )
    const others = Promise.all([
      track('app.info', core.api.app.info({})),
      track('gallery.stats', core.api.gallery.stats({})),
      track('jobs.list', core.api.jobs.list({})),
    ])
    const [found] = await Promise.all([search, others])
    expect(order.slice(0, 3).sort()).toEqual(['app.info', 'gallery.stats', 'jobs.list'])
    expect(order[3]).toBe('search (after load)')
    expect(found.auctions[0]).toMatchObject({ productId: 'P42', picName: '42.jpg', score: 1 })
    expect(found.head.docsFound).toBe(n)

    const load = ev.of('core.status').filter((s) => s.task === 'engine-load')
    expect(load.length).toBeGreaterThanOrEqual(2)
    expect(load.every((s) => s.profile === 'local' && s.total === n)).toBe(true)
    expect(load.map((s) => s.done)).toEqual(load.map((s) => s.done).sort((a, b) => a - b))
    expect(load.slice(0, -1).every((s) => s.phase === 'running')).toBe(true)
    expect(load.at(-1)).toMatchObject({ phase: 'done', done: n, total: n })
  })
})
