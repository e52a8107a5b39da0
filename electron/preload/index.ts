import { contextBridge, ipcRenderer, webUtils } from 'electron'
import { METHODS } from '../api/contract'
import type { HostStatus } from '../api/host-status'
import type { LoupePreload } from '../api/preload'
import { createPortClient, wrapMessagePort } from './port-client'

/**
 * `window.loupe` (typed once: `LoupePreload`, electron/api/preload.ts), derived from the
 * contract's method list: `invoke` only reaches listed methods, `subscribe` receives the core's
 * events. The calls travel over a MessagePort main hands to this
 * page (only to our own page) and that reaches the core process directly; nothing else of
 * Electron or Node reaches the page.
 */
const client = createPortClient(METHODS.map(([name]) => name))

// A fresh port at start-up and after every restart of the core process.
ipcRenderer.on('loupe:port', (e) => {
  const port = e.ports[0]
  if (port) client.attach(wrapMessagePort(port))
})
ipcRenderer.on('loupe:status', (_e, s: HostStatus) => client.setStatus(s))
// The desktop host's own events (files handed over by the OS, menu navigation).
ipcRenderer.on('loupe:event', (_e, name: string, payload: unknown) => client.deliver(name, payload))
// Ask for the port now, and again once the page is parsed in case main could not yet tell this
// was our page; one token per page load, so main answers once.
const token = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`
const hello = () => ipcRenderer.send('loupe:hello', token)
hello()
const page = globalThis as { addEventListener?: (ev: string, fn: () => void, o: object) => void }
page.addEventListener?.('DOMContentLoaded', hello, { once: true })

const loupe = {
  methods: METHODS.map(([name]) => name),
  invoke(name: string, input: unknown): Promise<unknown> {
    return client.invoke(name, input)
  },
  pathForFile(file: File): string {
    return webUtils.getPathForFile(file)
  },
  setLocale(locale: string): void {
    ipcRenderer.send('loupe:locale', locale === 'zh-CN' ? 'zh-CN' : 'en-US')
  },
  subscribe(listener: (name: string, payload: unknown) => void): () => void {
    return client.subscribe(listener)
  },
} satisfies LoupePreload

contextBridge.exposeInMainWorld('loupe', loupe)
