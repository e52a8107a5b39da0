import path from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { BrowserWindow } from 'electron'
import { installTray } from '../../../electron/main/tray'
import {
  FakeImage,
  FakeTray,
  FakeWindow,
  click,
  fakeCore,
  fakeMenu,
  flatten,
  item,
  jobView,
  nativeImage,
} from './fake-electron'

const RES = path.resolve(__dirname, '../../../resources')
const ICON = path.join(RES, 'tray', 'tray.png')
const disposers: (() => void)[] = []
afterEach(() => disposers.splice(0).forEach((d) => d()))

function setup(opts: { iconPath?: string | null; platform?: NodeJS.Platform } = {}) {
  const core = fakeCore([
    jobView({ jobId: 7, title: 'shoes · 120', total: 120, done: 40, failed: 2, skipped: 8 }),
    jobView({ jobId: 8, title: 'bags · 80', total: 80, done: 10, state: 'paused' }),
    jobView({ jobId: 3, title: 'old', state: 'done', total: 5, done: 5 }),
  ])
  const win = new FakeWindow()
  const quit = vi.fn()
  const log = vi.fn()
  const tray = installTray({
    Tray: FakeTray as never,
    Menu: fakeMenu().Menu,
    nativeImage: nativeImage as never,
    iconPath: opts.iconPath === undefined ? ICON : opts.iconPath,
    callCore: core.callCore,
    onCoreEvent: core.onCoreEvent,
    getWindow: () => win as unknown as BrowserWindow,
    quit,
    locale: 'en-US',
    platform: opts.platform ?? 'win32',
    log,
    refreshMs: 40,
  })
  disposers.push(() => tray.dispose())
  return { core, win, quit, log, tray, icon: FakeTray.last! }
}

describe('tray icon', () => {
  it('lists the running and paused jobs; the tooltip sums them up', async () => {
    const { icon, core } = setup()
    await vi.waitFor(() => expect(icon.tooltip).not.toBe('Loupe'))
    expect(core.calls[0]).toEqual(['jobs.list', { active: true }])
    expect(icon.tooltip).toBe('Loupe — 1 job running, 41 % · 1 job paused')
    const labels = flatten(icon.menu).map((i) => i.label ?? i.type)
    expect(labels).toEqual([
      'Loupe — 1 job running, 41 % · 1 job paused',
      'shoes · 120 — 41 %',
      'Pause',
      'bags · 80 — paused',
      'Resume',
      'separator',
      'Open Loupe',
      'separator',
      'Quit Loupe',
    ])
  })

  it('pause and resume go to the core (jobs.pause / jobs.resume) and the menu follows', async () => {
    const { icon, core } = setup()
    await vi.waitFor(() => expect(flatten(icon.menu).some((i) => i.id === 'pause-7')).toBe(true))
    click(icon.menu, 'pause-7')
    await vi.waitFor(() => expect(flatten(icon.menu).some((i) => i.id === 'resume-7')).toBe(true))
    expect(core.calls).toContainEqual(['jobs.pause', { jobId: 7 }])
    expect(core.jobs[0].state).toBe('paused')
    expect(icon.tooltip).toBe('Loupe — 2 jobs paused')
    click(icon.menu, 'resume-8')
    await vi.waitFor(() => expect(icon.tooltip).toBe('Loupe — 1 job running, 12 % · 1 job paused'))
    expect(core.calls).toContainEqual(['jobs.resume', { jobId: 8 }])
  })

  it('a failed call is logged, not thrown', async () => {
    const { icon, core, log } = setup()
    await vi.waitFor(() => expect(flatten(icon.menu).some((i) => i.id === 'pause-7')).toBe(true))
    core.jobs.splice(0, 1) // the job was removed meanwhile
    click(icon.menu, 'pause-7')
    await vi.waitFor(() =>
      expect(log).toHaveBeenCalledWith('warn', expect.stringContaining('jobs.pause 7')),
    )
  })

  it('job progress refreshes the list at most once per interval', async () => {
    const { icon, core } = setup()
    await vi.waitFor(() => expect(core.calls).toHaveLength(1))
    core.jobs[0].done = 100
    for (let i = 0; i < 30; i++) core.emit('job.progress', { jobId: 7 })
    core.emit('watch.changed', { ruleId: 1 })
    await vi.waitFor(() => expect(icon.tooltip).toContain('91 %'))
    expect(core.calls.filter(([m]) => m === 'jobs.list')).toHaveLength(2)
  })

  it('Open Loupe (or a click on the icon) brings the window back; Quit quits', async () => {
    const { icon, win, quit } = setup()
    win.minimized = true
    click(icon.menu, 'open')
    expect(win.calls).toEqual(['restore', 'show', 'focus'])
    icon.emit('click')
    expect(win.calls.filter((c) => c === 'focus')).toHaveLength(2)
    click(icon.menu, 'quit')
    expect(quit).toHaveBeenCalledOnce()
    expect(item(icon.menu, 'summary').enabled).toBe(false)
  })

  it('uses the tray icon as it is; an app-sized icon is brought to tray size; a missing one still gives a working tray', () => {
    const { icon } = setup({ platform: 'darwin' })
    expect((icon.image as FakeImage).path).toBe(ICON)
    expect((icon.image as FakeImage).size).toBe(16)
    const big = setup({ iconPath: path.join(RES, 'icons', '512x512.png'), platform: 'win32' })
    expect((big.icon.image as FakeImage).size).toBe(16)
    // an SVG is not something Electron's nativeImage reads
    const svg = setup({ iconPath: path.join(RES, 'icon.svg') })
    expect(svg.icon.image.isEmpty()).toBe(true)
    const missing = setup({ iconPath: '/nowhere/icon.png' })
    expect(missing.icon.image.isEmpty()).toBe(true)
    expect(missing.log).toHaveBeenCalledWith('warn', expect.stringContaining('/nowhere/icon.png'))
    expect(missing.icon.menu.length).toBeGreaterThan(0)
  })

  it('dispose removes the icon and stops listening', () => {
    const { tray, icon, core } = setup()
    tray.dispose()
    expect(icon.destroyed).toBe(true)
    expect(core.listeners.size).toBe(0)
  })
})
