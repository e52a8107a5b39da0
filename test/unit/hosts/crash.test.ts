import { describe, expect, it, vi } from 'vitest'
import type { App, BrowserWindow } from 'electron'
import { installCrashHandling } from '../../../electron/main/crash'
import { FakeApp, FakeWindow, fakeDialog, fakeShell } from './fake-electron'

const LOG = '/data/Loupe/logs/loupe.log'

function setup(answers: number[] = [], locale: 'en-US' | 'zh-CN' = 'en-US') {
  const app = new FakeApp()
  const win = new FakeWindow()
  const d = fakeDialog(answers)
  const { shell, opened } = fakeShell()
  const log = vi.fn()
  let clock = 1_000_000
  const crash = installCrashHandling({
    app: app as unknown as App,
    dialog: d.dialog as never,
    shell,
    logFile: LOG,
    log,
    locale,
    isCoreProcess: (p) => p.serviceName === 'loupe-core',
    now: () => clock,
  })
  crash.watch(win as unknown as BrowserWindow)
  const gone = (reason: string, exitCode = 1) =>
    win.webContents.emit('render-process-gone', {}, { reason, exitCode })
  return {
    app,
    win,
    d,
    opened,
    log,
    crash,
    gone,
    later: (ms: number) => (clock += ms),
  }
}

describe('crash handling', () => {
  it('a crashed page is logged and reloaded once; crashing again soon asks Reload / Open log / Quit', async () => {
    const s = setup([1, 0])
    s.gone('crashed', 139)
    expect(s.log).toHaveBeenCalledWith('error', 'renderer: process gone: crashed (exit code 139)')
    expect(s.win.webContents.reloads).toBe(1)
    expect(s.d.shown).toHaveLength(0)
    s.later(5_000)
    s.gone('oom')
    expect(s.win.webContents.reloads).toBe(1)
    // "Open log" opens the log and asks again; "Reload" reloads
    await vi.waitFor(() => expect(s.win.webContents.reloads).toBe(2))
    expect(s.opened).toEqual([LOG])
    expect(s.d.shown).toHaveLength(2)
    expect(s.d.shown[0].parent).toBe(s.win)
    expect(s.d.shown[0].opts).toMatchObject({
      type: 'error',
      buttons: ['Reload', 'Open Log', 'Quit'],
      detail: expect.stringContaining('oom'),
    })
  })

  it('Quit in the crash dialog quits', async () => {
    const s = setup([2])
    s.gone('crashed')
    s.gone('crashed')
    await vi.waitFor(() => expect(s.app.quits).toBe(1))
    expect(s.win.webContents.reloads).toBe(1)
  })

  it('a crash long after the last one reloads again without asking; a clean exit does nothing', () => {
    const s = setup()
    s.gone('crashed')
    s.later(61_000)
    s.gone('killed')
    expect(s.win.webContents.reloads).toBe(2)
    s.gone('clean-exit', 0)
    expect(s.win.webContents.reloads).toBe(2)
    expect(s.d.shown).toHaveLength(0)
  })

  it('while quitting, a page or process that ends is neither reloaded nor reported', () => {
    const s = setup()
    s.app.emit('before-quit')
    s.gone('killed', 9)
    s.app.emit('child-process-gone', {}, { type: 'GPU', reason: 'crashed', exitCode: 11 })
    expect(s.win.webContents.reloads).toBe(0)
    expect(s.d.shown).toHaveLength(0)
  })

  it('a hung page asks Wait / Reload, and the question goes away when it responds again', async () => {
    const s = setup([], 'zh-CN')
    s.win.emit('unresponsive')
    s.win.emit('unresponsive')
    expect(s.d.shown).toHaveLength(1)
    expect(s.d.shown[0].opts).toMatchObject({ buttons: ['等待', '重新加载'] })
    expect(s.log).toHaveBeenCalledWith('warn', 'renderer: the window stopped responding')
    s.win.emit('responsive')
    await vi.waitFor(() => expect((s.d.shown[0].opts.signal as AbortSignal).aborted).toBe(true))
    expect(s.win.webContents.reloads).toBe(0)
    // hung again; this time the user reloads
    s.win.emit('unresponsive')
    await vi.waitFor(() => expect(s.d.pending).toHaveLength(2))
    s.d.pending[1].resolve({ response: 1 })
    await vi.waitFor(() => expect(s.win.webContents.reloads).toBe(1))
  })

  it('other processes: logged; an abnormal end is told once per kind; the core process is left to its supervisor', async () => {
    const s = setup([0])
    s.app.emit('child-process-gone', {}, { type: 'GPU', reason: 'crashed', exitCode: 11 })
    s.app.emit('child-process-gone', {}, { type: 'GPU', reason: 'crashed', exitCode: 11 })
    s.app.emit(
      'child-process-gone',
      {},
      {
        type: 'Utility',
        reason: 'killed',
        exitCode: 9,
        name: 'Network Service',
      },
    )
    s.app.emit(
      'child-process-gone',
      {},
      {
        type: 'Utility',
        reason: 'crashed',
        exitCode: 1,
        serviceName: 'loupe-core',
      },
    )
    expect(s.log.mock.calls).toEqual([
      ['error', 'child process gone: GPU: crashed (exit code 11)'],
      ['error', 'child process gone: GPU: crashed (exit code 11)'],
      ['info', 'child process gone: Utility (Network Service): killed (exit code 9)'],
    ])
    expect(s.d.shown).toHaveLength(1)
    expect(s.d.shown[0].parent).toBe(null)
    expect(s.d.shown[0].opts).toMatchObject({
      type: 'warning',
      message: "Loupe's graphics process stopped unexpectedly.",
    })
    s.crash.dispose()
    expect(s.app.listenerCount('child-process-gone')).toBe(0)
    expect(s.app.listenerCount('before-quit')).toBe(0)
  })
})
