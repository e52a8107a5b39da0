import { afterEach, describe, expect, it, vi } from 'vitest'
import type { BrowserWindow } from 'electron'
import { aggregateProgress, installTaskbarProgress } from '../../../electron/main/progress'
import { FakeWindow, batchTask, fakeCore, jobView } from './fake-electron'

const disposers: (() => void)[] = []
afterEach(() => {
  disposers.splice(0).forEach((d) => d())
  vi.useRealTimers()
})

function setup(
  platform: NodeJS.Platform,
  jobs = [] as ReturnType<typeof jobView>[],
  batches = [] as ReturnType<typeof batchTask>[],
) {
  const core = fakeCore(jobs, batches)
  const win = new FakeWindow()
  const p = installTaskbarProgress({
    getWindow: () => win as unknown as BrowserWindow,
    onCoreEvent: core.onCoreEvent,
    callCore: core.callCore,
    platform,
    intervalMs: 100,
  })
  disposers.push(() => p.dispose())
  return { core, win, p }
}

const progress = (jobId: number, state: string, done: number, total: number, extra = {}) => ({
  jobId,
  kind: 'bulk-add',
  profile: 'local',
  title: 't',
  state,
  total,
  done,
  failed: 0,
  skipped: 0,
  pending: total - done,
  running: 1,
  rate: 1,
  etaSeconds: 10,
  ...extra,
})

describe('taskbar / dock progress', () => {
  it('follows a bulk add: its fraction while it runs, removed when it ends; updates coalesced', async () => {
    vi.useFakeTimers()
    const { core, win } = setup('linux')
    await vi.advanceTimersByTimeAsync(0)
    for (let i = 1; i <= 30; i++) core.emit('job.progress', progress(5, 'running', i, 100))
    expect(win.progress).toEqual([])
    await vi.advanceTimersByTimeAsync(100)
    // one update for 30 events, no Windows-only mode on Linux
    expect(win.progress).toEqual([[0.3]])
    core.emit('job.progress', progress(5, 'running', 30, 100))
    await vi.advanceTimersByTimeAsync(100)
    expect(win.progress).toHaveLength(1)
    // a second job: the bar is the sum of both
    core.emit('job.progress', progress(6, 'queued', 0, 100))
    await vi.advanceTimersByTimeAsync(100)
    expect(win.progress.at(-1)).toEqual([0.15])
    core.emit('job.progress', progress(5, 'done', 100, 100))
    core.emit('job.progress', progress(6, 'cancelled', 0, 100))
    await vi.advanceTimersByTimeAsync(100)
    expect(win.progress.at(-1)).toEqual([-1])
  })

  it('Windows: paused when every job is paused, error when one stopped by itself', async () => {
    vi.useFakeTimers()
    const { core, win } = setup('win32')
    core.emit('job.progress', progress(1, 'running', 50, 100))
    await vi.advanceTimersByTimeAsync(100)
    expect(win.progress.at(-1)).toEqual([0.5, { mode: 'normal' }])
    core.emit('job.progress', progress(1, 'paused', 50, 100))
    await vi.advanceTimersByTimeAsync(100)
    expect(win.progress.at(-1)).toEqual([0.5, { mode: 'paused' }])
    core.emit(
      'job.progress',
      progress(1, 'paused', 50, 100, { error: { code: 'InvalidAccessKeyId', message: 'bad key' } }),
    )
    await vi.advanceTimersByTimeAsync(100)
    expect(win.progress.at(-1)).toEqual([0.5, { mode: 'error' }])
  })

  it('a batch task: indeterminate while the engine works, its upload figures while it uploads', async () => {
    vi.useFakeTimers()
    const task = batchTask({ id: 4, state: 'preparing' })
    const { core, win } = setup('win32', [], [task])
    const status = (status: string) => ({
      profile: 'local',
      kind: 'batch',
      id: 4,
      status,
      message: null,
    })
    core.emit('task.status', status('preparing'))
    await vi.advanceTimersByTimeAsync(100)
    expect(win.progress.at(-1)).toEqual([2, { mode: 'indeterminate' }])
    Object.assign(task, { state: 'uploading', filesDone: 30, filesTotal: 120 })
    core.emit('task.status', status('uploading'))
    await vi.advanceTimersByTimeAsync(100)
    expect(core.calls).toContainEqual(['batch.get', { id: 4 }])
    expect(win.progress.at(-1)).toEqual([0.25, { mode: 'normal' }])
    core.emit('task.status', status('processing'))
    await vi.advanceTimersByTimeAsync(100)
    expect(win.progress.at(-1)).toEqual([2, { mode: 'indeterminate' }])
    // dumps have no progress of their own here
    core.emit('task.status', { ...status('PROCESSING'), kind: 'dump' })
    core.emit('task.status', status('success'))
    await vi.advanceTimersByTimeAsync(100)
    expect(win.progress.at(-1)).toEqual([-1, { mode: 'none' }])
  })

  it('long gallery operations count too, and one that fell silent is dropped after a minute', async () => {
    vi.useFakeTimers()
    const { core, win } = setup('darwin')
    const g = (done: number, phase = 'running') => ({
      profile: 'local',
      opId: 'op1',
      kind: 'import',
      phase,
      done,
      total: 400,
    })
    core.emit('gallery.progress', g(100))
    await vi.advanceTimersByTimeAsync(100)
    expect(win.progress.at(-1)).toEqual([0.25])
    await vi.advanceTimersByTimeAsync(60_000)
    expect(win.progress.at(-1)).toEqual([-1])
  })

  it('jobs already running at start show at once (read from the core)', async () => {
    const { win, core } = setup('linux', [
      jobView({ jobId: 2, total: 10, done: 4 }),
      jobView({ jobId: 3, state: 'done', total: 10, done: 10 }),
    ])
    await vi.waitFor(() => expect(win.progress).toEqual([[0.4]]))
    expect(core.calls).toEqual([['jobs.list', { active: true }]])
  })

  it('aggregates done over total, clamped; nothing running removes the bar', () => {
    expect(aggregateProgress([])).toEqual({ value: -1, mode: 'none' })
    expect(
      aggregateProgress([
        { done: 150, total: 100, state: 'running' },
        { done: 0, total: 100, state: 'paused' },
      ]),
    ).toEqual({ value: 0.5, mode: 'normal' })
  })
})
