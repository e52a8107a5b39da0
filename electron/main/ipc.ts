import type { IpcMain, IpcMainEvent, MessagePortMain, WebContents } from 'electron'
import type { HostStatus } from '../api/host-status'
import { logf } from '../core/log-text'

/** The preload asks for its connection to the core (at start-up and after every reload). */
export const IPC_HELLO = 'loupe:hello'
/** Main hands a MessagePort to the core process to the page's preload. */
export const IPC_PORT = 'loupe:port'
/** The core process's state (starting, ready, restarting, failed). */
export const IPC_STATUS = 'loupe:status'
/** Events of the desktop host itself (`desktop.open-paths`, `desktop.navigate`), not the core's. */
export const IPC_EVENT = 'loupe:event'

/** Delivers a desktop host event to a page: its `subscribe` listeners get it like a core event. */
export function sendHostEvent(wc: WebContents, name: string, payload: unknown): void {
  if (!wc.isDestroyed()) wc.send(IPC_EVENT, name, payload)
}

/** What the window wiring needs of the core supervisor. */
export interface CoreConnections {
  readonly status: HostStatus
  connect(): MessagePortMain | null
  onSpawn(fn: () => void): () => void
  onStatus(fn: (s: HostStatus) => void): () => void
}

/**
 * Connects our windows to the core process. There is no IPC handler per method: a window's preload
 * says hello, and if the sender is one of our windows showing our own page it gets a MessagePort
 * that reaches the core process directly, and the core's status. After a restart of the core
 * every window that said hello gets a fresh port (if it still shows our page).
 */
export function connectWindows(deps: {
  ipcMain: Pick<IpcMain, 'on' | 'removeListener'>
  core: CoreConnections
  isTrustedSender: (e: IpcMainEvent) => boolean
  /** Still one of our windows showing our own page (checked again before every new port). */
  isTrustedContents: (wc: WebContents) => boolean
  log?: (line: string) => void
}): () => void {
  const windows = new Set<WebContents>()
  /** The page (its preload's token) each window's current port was given to. */
  const served = new WeakMap<WebContents, string>()

  function give(wc: WebContents) {
    if (wc.isDestroyed()) return void windows.delete(wc)
    wc.send(IPC_STATUS, deps.core.status)
    const port = deps.core.connect()
    if (port) wc.postMessage(IPC_PORT, null, [port])
  }

  // The preload says hello as it starts and again once the page is parsed (in case the frame's
  // URL was not settled yet the first time), with one token per page: a page gets one port.
  const hello = (e: IpcMainEvent, token?: unknown) => {
    if (!deps.isTrustedSender(e)) {
      deps.log?.(logf`refused a core connection to an untrusted page ${e.senderFrame?.url ?? '?'}`)
      return
    }
    const wc = e.sender
    const page = typeof token === 'string' ? token : ''
    if (page && served.get(wc) === page) return
    served.set(wc, page)
    if (!windows.has(wc)) {
      windows.add(wc)
      wc.once('destroyed', () => windows.delete(wc))
    }
    give(wc)
  }

  const offSpawn = deps.core.onSpawn(() => {
    for (const wc of [...windows]) {
      if (!wc.isDestroyed() && deps.isTrustedContents(wc)) give(wc)
      else windows.delete(wc)
    }
  })
  const offStatus = deps.core.onStatus((s) => {
    for (const wc of windows) if (!wc.isDestroyed()) wc.send(IPC_STATUS, s)
  })
  deps.ipcMain.on(IPC_HELLO, hello)
  return () => {
    offSpawn()
    offStatus()
    deps.ipcMain.removeListener(IPC_HELLO, hello)
    windows.clear()
  }
}

/** Our page is the dev server URL (development) or the packaged file / app protocol. */
export function isTrustedUrl(url: string | undefined, devServerUrl: string | undefined): boolean {
  if (!url) return false
  try {
    const u = new URL(url)
    if (devServerUrl) {
      const d = new URL(devServerUrl)
      if (u.origin === d.origin) return true
    }
    return u.protocol === 'loupe-app:' && u.host === 'app'
  } catch {
    return false
  }
}
