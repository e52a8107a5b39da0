import { contract, type Contract } from '@api/contract'
import { createClient, type Bridge, type Transport } from '@api/client'
import { HOST_STATUS_EVENT, type HostStatus } from '@api/host-status'
import type { LoupePreload } from '@api/preload'
import { notifyScopeRefused, notifySignInRequired, onSignedIn } from './auth'

export * from './auth'

declare global {
  interface Window {
    /** The desktop preload's API (its type is declared in the api layer); absent in a browser. */
    loupe?: LoupePreload
  }
}

/** Desktop: IPC through the preload's `window.loupe`. */
export function ipcTransport(loupe: Pick<LoupePreload, 'invoke' | 'subscribe'>): Transport {
  return {
    invoke: (name, input) => loupe.invoke(name, input),
    subscribe: (listener) => loupe.subscribe(listener),
  }
}

function hasCode(body: unknown, code: string): boolean {
  return (body as { error?: { code?: unknown } } | null)?.error?.code === code
}

/** Headless: the contract over HTTP on the page's own origin, events by Server-Sent Events. */
export function httpTransport(base = ''): Transport {
  return {
    async invoke(name, input, { slow }) {
      const ctl = new AbortController()
      const timer = setTimeout(() => ctl.abort(), slow ? 15 * 60_000 : 120_000)
      try {
        const res = await fetch(`${base}/api/call/${encodeURIComponent(name)}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(input ?? {}),
          signal: ctl.signal,
        })
        const body = (await res.json().catch(() => null)) as unknown
        // Remote mode: the session ended (signed out elsewhere, expired, token revoked).
        if (res.status === 401) notifySignInRequired()
        if (res.status === 403 && hasCode(body, 'TokenScopeTooNarrow')) notifyScopeRefused(name)
        if (body && typeof body === 'object') return body
        return { error: { code: 'HttpError', message: `HTTP ${res.status} from the Loupe host` } }
      } catch (e) {
        const aborted = (e as Error).name === 'AbortError'
        return {
          error: {
            code: aborted ? 'Timeout' : 'HostUnreachable',
            message: aborted ? `${name} took too long` : 'The Loupe host cannot be reached',
            hint: aborted ? undefined : 'Is `loupe serve` still running?',
          },
        }
      } finally {
        clearTimeout(timer)
      }
    },
    subscribe(listener) {
      let es: EventSource | null = null
      const open = () => {
        es?.close()
        es = new EventSource(`${base}/api/events`)
        es.onmessage = (m) => {
          try {
            const { name, payload } = JSON.parse(m.data as string) as {
              name: string
              payload: unknown
            }
            listener(name, payload)
          } catch {
            /* ignore malformed events */
          }
        }
      }
      open()
      // A stream refused (401) or ended with the session is opened again after a sign-in.
      const off = onSignedIn(open)
      return () => {
        off()
        es?.close()
      }
    },
  }
}

export type LoupeBridge = Bridge<Contract>

let bridge: LoupeBridge | null = null

/** The renderer's bridge: IPC when running in the desktop app, HTTP in a browser. */
export function getBridge(): LoupeBridge {
  bridge ??= createClient(contract, window.loupe ? ipcTransport(window.loupe) : httpTransport())
  return bridge
}

/** For tests: use a given transport. */
export function setBridge(b: LoupeBridge | null): void {
  bridge = b
}

export const isDesktop = () => !!window.loupe

/**
 * Desktop: the state of the core process (starting, ready, restarting, failed), the current state
 * first. A browser's host has no such process: nothing is ever reported there.
 */
/** Desktop: the application menu, tray and dialogs follow the language chosen in the app. */
export function tellHostLocale(locale: string): void {
  window.loupe?.setLocale(locale)
}

export function onHostStatus(listener: (s: HostStatus) => void): () => void {
  if (!window.loupe) return () => {}
  return window.loupe.subscribe((name, payload) => {
    if (name === HOST_STATUS_EVENT) listener(payload as HostStatus)
  })
}

/**
 * URL of a gallery image's thumbnail (from the profile's gallery cache). Desktop: the
 * `loupe-thumb:` protocol; headless: `/thumb/…` on the page's origin. Answers 404 when Loupe has no
 * thumbnail for that image (e.g. added elsewhere): show a placeholder then.
 */
export function thumbUrl(profile: string, productId: string, picName: string): string {
  const path = [profile, productId, picName].map(encodeURIComponent).join('/')
  return window.loupe ? `loupe-thumb://t/${path}` : `/thumb/${path}`
}
