import type { BrowserWindow } from 'electron'
import type { DispatchReply } from '../api/dispatch'
import type { EventPayload } from '../api/events'

/**
 * What the desktop-habit modules (menu, tray, progress, single instance, crash handling) need from
 * the rest of the host. They never reach the core directly: the host hands them these callbacks,
 * wired to wherever the core runs (in process or in its utility process).
 */

/** A contract call, answered like the contract's dispatch (`{ result }` or `{ error }`). */
export type CallCore = (method: string, input: unknown) => Promise<DispatchReply>
/** Subscribe to the core's events (`job.progress`, `task.status`, …); returns the unsubscribe. */
export type OnCoreEvent = (listener: (name: string, payload: unknown) => void) => () => void
/** Messages the main process sends the page itself (not the core's events). */
export type DesktopEventName = 'desktop.open-paths' | 'desktop.navigate'
export type SendToRenderer = <E extends DesktopEventName>(name: E, payload: EventPayload<E>) => void
export type HostLog = (level: 'info' | 'warn' | 'error', line: string) => void
export type GetWindow = () => BrowserWindow | null

/** The window, brought to the front: shown, restored if minimised, focused. False: no window. */
export function showWindow(win: BrowserWindow | null | undefined): win is BrowserWindow {
  if (!win || win.isDestroyed()) return false
  if (win.isMinimized()) win.restore()
  if (!win.isVisible()) win.show()
  win.focus()
  return true
}

/** The language of the main process's own texts (menus, tray, dialogs). */
export type HostLocale = 'en-US' | 'zh-CN'
export function hostLocale(appLocale: string | undefined): HostLocale {
  return appLocale?.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en-US'
}
