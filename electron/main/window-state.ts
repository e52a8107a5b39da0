import fs from 'node:fs'
import path from 'node:path'
import type { BrowserWindow, Rectangle, Screen } from 'electron'
import { PRIVATE_FILE, ensurePrivateDir } from '../core/util/private-fs'

/** What is remembered of the window between launches (`<userData>/window-state.json`). */
export interface WindowState {
  /** The window's normal (not maximised) bounds; x/y absent: centred on the primary display. */
  x?: number
  y?: number
  width: number
  height: number
  maximized: boolean
  fullScreen: boolean
}

type Size = { width: number; height: number }
type Area = { workArea: Rectangle }

const int = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? Math.round(v) : undefined

/** The saved state, or the defaults when the file is missing, unreadable or not what we wrote. */
export function readWindowState(file: string, defaults: Size): WindowState {
  const fallback = { ...defaults, maximized: false, fullScreen: false }
  let raw: unknown
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch {
    return fallback
  }
  if (!raw || typeof raw !== 'object') return fallback
  const r = raw as Record<string, unknown>
  const width = int(r.width)
  const height = int(r.height)
  if (!width || !height || width <= 0 || height <= 0) return fallback
  const x = int(r.x)
  const y = int(r.y)
  return {
    ...(x !== undefined && y !== undefined ? { x, y } : {}),
    width,
    height,
    maximized: r.maximized === true,
    fullScreen: r.fullScreen === true,
  }
}

/** Written next to the file, then renamed over it: a crash never leaves half a file. */
export function writeWindowState(file: string, state: WindowState): void {
  ensurePrivateDir(path.dirname(file))
  const tmp = `${file}.${process.pid}.tmp`
  fs.writeFileSync(tmp, JSON.stringify(state, null, 2), { mode: PRIVATE_FILE })
  fs.renameSync(tmp, file)
}

function overlap(a: Rectangle, b: Rectangle): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)
  return w > 0 && h > 0 ? w * h : 0
}

/**
 * Bounds for a saved state on the displays connected now: on the display showing most of it, made
 * to fit its work area (never below the minimum size unless the display is smaller) and moved fully
 * inside it. Saved bounds that are off every display (a monitor unplugged, resolution changed) or
 * unknown are centred on the primary display.
 */
export function fitToDisplays(
  state: Pick<WindowState, 'x' | 'y' | 'width' | 'height'>,
  displays: readonly Area[],
  primary: Area,
  min: Size,
): Rectangle {
  const saved =
    state.x !== undefined && state.y !== undefined
      ? { x: state.x, y: state.y, width: state.width, height: state.height }
      : null
  let area = primary.workArea
  let best = 0
  if (saved) {
    for (const d of displays) {
      const o = overlap(saved, d.workArea)
      if (o > best) {
        best = o
        area = d.workArea
      }
    }
  }
  // A sliver on screen (less than a title bar's worth) is as good as off screen.
  const visible = saved && best >= Math.min(saved.width, 100) * Math.min(saved.height, 40)
  const width = Math.min(Math.max(state.width, min.width), area.width)
  const height = Math.min(Math.max(state.height, min.height), area.height)
  if (!visible) {
    return {
      x: area.x + Math.round((area.width - width) / 2),
      y: area.y + Math.round((area.height - height) / 2),
      width,
      height,
    }
  }
  const x = Math.min(Math.max(saved.x, area.x), area.x + area.width - width)
  const y = Math.min(Math.max(saved.y, area.y), area.y + area.height - height)
  return { x, y, width, height }
}

/**
 * Remembers the window's bounds and maximised / full-screen state across launches.
 *
 *   const ws = createWindowState({ screen, file, defaults, min })
 *   const win = new BrowserWindow({ ...ws.bounds(), minWidth, minHeight, show: false, … })
 *   ws.manage(win)                       // saves on move/resize (debounced) and on close
 *   win.once('ready-to-show', () => ws.show(win))   // shows it maximised / full screen again
 */
export function createWindowState(deps: {
  screen: Pick<Screen, 'getAllDisplays' | 'getPrimaryDisplay'>
  file: string
  defaults: Size
  min: Size
  debounceMs?: number
  log?: (line: string) => void
}) {
  const debounceMs = deps.debounceMs ?? 500
  const state = readWindowState(deps.file, deps.defaults)

  function bounds(): Rectangle {
    return fitToDisplays(
      state,
      deps.screen.getAllDisplays(),
      deps.screen.getPrimaryDisplay(),
      deps.min,
    )
  }

  function show(win: BrowserWindow): void {
    if (win.isDestroyed()) return
    if (state.fullScreen) win.setFullScreen(true)
    else if (state.maximized) win.maximize()
    win.show()
  }

  function save(win: BrowserWindow): void {
    if (win.isDestroyed()) return
    const fullScreen = win.isFullScreen()
    const maximized = win.isMaximized()
    // While maximised, minimised or full screen, remember the bounds to come back to.
    const b = fullScreen || maximized || win.isMinimized() ? win.getNormalBounds() : win.getBounds()
    Object.assign(state, { ...b, maximized, fullScreen })
    try {
      writeWindowState(deps.file, state)
    } catch (e) {
      deps.log?.(`window state: not saved: ${(e as Error).message}`)
    }
  }

  function manage(win: BrowserWindow): () => void {
    let timer: ReturnType<typeof setTimeout> | null = null
    const later = () => {
      if (timer) clearTimeout(timer)
      timer = setTimeout(() => {
        timer = null
        save(win)
      }, debounceMs)
    }
    const now = () => {
      if (timer) clearTimeout(timer)
      timer = null
      save(win)
    }
    const events = [
      'resize',
      'move',
      'maximize',
      'unmaximize',
      'enter-full-screen',
      'leave-full-screen',
    ] as const
    for (const ev of events) win.on(ev as 'resize', later)
    win.on('close', now)
    return () => {
      if (timer) clearTimeout(timer)
      for (const ev of events) win.off(ev as 'resize', later)
      win.off('close', now)
    }
  }

  return { bounds, show, manage, save, state: state as Readonly<WindowState> }
}
