import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron'
import { METHODS } from '../api/contract'
import type { DispatchReply } from '../api/dispatch'
import type { EventBus } from '../core/events'

export const IPC_PREFIX = 'loupe:'
export const IPC_EVENT = 'loupe:event'

/**
 * The Electron IPC adapter, derived from the contract's method list: one `ipcMain.handle` per
 * method. Every call's sender is checked: it must be one of our windows showing our own page.
 */
export function registerIpc(deps: {
  ipcMain: IpcMain
  dispatch: (name: string, input: unknown) => Promise<DispatchReply>
  isTrustedSender: (e: IpcMainInvokeEvent) => boolean
  log?: (line: string) => void
}): () => void {
  const names = METHODS.map(([name]) => name)
  for (const name of names) {
    deps.ipcMain.handle(IPC_PREFIX + name, async (e, input: unknown) => {
      if (!deps.isTrustedSender(e)) {
        deps.log?.(`refused IPC ${name} from untrusted sender ${e.senderFrame?.url ?? '?'}`)
        return { error: { code: 'Forbidden', message: 'Untrusted IPC sender' } }
      }
      return deps.dispatch(name, input)
    })
  }
  return () => names.forEach((n) => deps.ipcMain.removeHandler(IPC_PREFIX + n))
}

/** Forward the core's events to a window. */
export function forwardEvents(events: EventBus, target: () => WebContents | null): () => void {
  return events.onAny((name, payload) => {
    const wc = target()
    if (wc && !wc.isDestroyed()) wc.send(IPC_EVENT, name, payload)
  })
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
