import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { BrowserWindow } from 'electron'
import { createWindowState, fitToDisplays } from '../../../electron/main/window-state'
import { tempDir } from '../../helpers/tmp'
import { FakeWindow, fakeScreen } from './fake-electron'

const temps: { cleanup: () => void }[] = []
afterEach(() => {
  vi.useRealTimers()
  temps.splice(0).forEach((t) => t.cleanup())
})
function stateFile() {
  const t = tempDir('loupe-ws-')
  temps.push(t)
  return path.join(t.dir, 'window-state.json')
}

const LAPTOP = { x: 0, y: 0, width: 1440, height: 875 } // work area (menu bar / taskbar excluded)
const MONITOR = { x: 1440, y: -200, width: 2560, height: 1400 }
const MIN = { width: 960, height: 640 }
const DEFAULTS = { width: 1360, height: 880 }

describe('window bounds and maximised state across launches', () => {
  it('first launch: the default size, centred on the primary display and fitted to it', () => {
    const ws = createWindowState({
      screen: fakeScreen([LAPTOP, MONITOR]),
      file: stateFile(),
      defaults: DEFAULTS,
      min: MIN,
    })
    // 880 px do not fit the laptop's 875 px work area
    expect(ws.bounds()).toEqual({ x: 40, y: 0, width: 1360, height: 875 })
  })

  it('saves moves and resizes (debounced) and the maximised state on close; restores them', () => {
    vi.useFakeTimers()
    const file = stateFile()
    const screen = fakeScreen([LAPTOP, MONITOR])
    const ws = createWindowState({ screen, file, defaults: DEFAULTS, min: MIN, debounceMs: 500 })
    const win = new FakeWindow(ws.bounds())
    ws.manage(win as unknown as BrowserWindow)
    win.moveTo({ x: 1600, y: 0, width: 1200, height: 800 })
    win.moveTo({ x: 1700, y: 10 })
    expect(fs.existsSync(file)).toBe(false)
    vi.advanceTimersByTime(500)
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({
      x: 1700,
      y: 10,
      width: 1200,
      height: 800,
      maximized: false,
      fullScreen: false,
    })
    // maximised, then closed: the normal bounds are kept with the flag, written at once
    win.maximized = true
    win.bounds = { ...MONITOR }
    win.emit('maximize')
    win.emit('close')
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toMatchObject({
      x: 1700,
      width: 1200,
      maximized: true,
    })
    expect(fs.readdirSync(path.dirname(file))).toEqual(['window-state.json'])

    const next = createWindowState({ screen, file, defaults: DEFAULTS, min: MIN })
    expect(next.bounds()).toEqual({ x: 1700, y: 10, width: 1200, height: 800 })
    const again = new FakeWindow(next.bounds())
    next.show(again as unknown as BrowserWindow)
    expect(again.calls).toEqual(['maximize', 'show'])
  })

  it('full screen comes back full screen', () => {
    const file = stateFile()
    fs.writeFileSync(
      file,
      JSON.stringify({ x: 10, y: 10, width: 1000, height: 700, fullScreen: true }),
    )
    const ws = createWindowState({
      screen: fakeScreen([LAPTOP]),
      file,
      defaults: DEFAULTS,
      min: MIN,
    })
    const win = new FakeWindow(ws.bounds())
    ws.show(win as unknown as BrowserWindow)
    expect(win.calls).toEqual(['fullScreen:true', 'show'])
  })

  it('bounds on a display that is gone are centred on the primary display', () => {
    const file = stateFile()
    fs.writeFileSync(file, JSON.stringify({ x: 2000, y: 100, width: 1200, height: 800 }))
    // the external monitor was unplugged: only the laptop is left
    const ws = createWindowState({
      screen: fakeScreen([LAPTOP]),
      file,
      defaults: DEFAULTS,
      min: MIN,
    })
    expect(ws.bounds()).toEqual({ x: 120, y: 38, width: 1200, height: 800 })
  })

  it('bounds partly off screen are moved inside the display showing most of them', () => {
    const displays = [{ workArea: LAPTOP }, { workArea: MONITOR }]
    const primary = { workArea: LAPTOP }
    // hanging off the monitor's right and top edges
    expect(
      fitToDisplays({ x: 3500, y: -400, width: 1000, height: 700 }, displays, primary, MIN),
    ).toEqual({ x: 4000 - 1000, y: -200, width: 1000, height: 700 })
    // bigger than the laptop's work area: made to fit it
    expect(
      fitToDisplays({ x: -50, y: 0, width: 1500, height: 2000 }, displays, primary, MIN),
    ).toEqual({ x: 0, y: 0, width: 1440, height: 875 })
    // smaller than the minimum: the minimum
    expect(
      fitToDisplays({ x: 100, y: 100, width: 200, height: 100 }, displays, primary, MIN),
    ).toEqual({ x: 100, y: 100, width: 960, height: 640 })
    // a sliver of a few pixels visible counts as off screen
    expect(
      fitToDisplays({ x: 1435, y: 870, width: 1000, height: 700 }, [displays[0]], primary, MIN),
    ).toEqual({ x: 220, y: 88, width: 1000, height: 700 })
  })

  it('a corrupt or foreign file gives the defaults', () => {
    for (const text of [
      '{"width": 12',
      '[]',
      '{"width":"wide","height":3}',
      '{"width":-5,"height":600}',
    ]) {
      const file = stateFile()
      fs.writeFileSync(file, text)
      const ws = createWindowState({
        screen: fakeScreen([LAPTOP]),
        file,
        defaults: DEFAULTS,
        min: MIN,
      })
      expect(ws.state).toMatchObject({ width: 1360, height: 880, maximized: false })
      expect(ws.bounds()).toEqual({ x: 40, y: 0, width: 1360, height: 875 })
    }
  })
})
