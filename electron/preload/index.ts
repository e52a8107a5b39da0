import { contextBridge, ipcRenderer, webUtils } from 'electron'
import { METHODS } from '../api/contract'

/**
 * `window.loupe`, derived from the contract's method list: `invoke` only reaches listed methods,
 * `subscribe` receives the core's events. Nothing else of Electron or Node reaches the page.
 */
const allowed = new Set<string>(METHODS.map(([name]) => name))

const loupe = {
  methods: [...allowed],
  invoke(name: string, input: unknown): Promise<unknown> {
    if (!allowed.has(name))
      return Promise.resolve({ error: { code: 'UnknownMethod', message: name } })
    return ipcRenderer.invoke('loupe:' + name, input)
  },
  /** The real path of a dropped or chosen file (bulk add passes paths, not bytes). */
  pathForFile(file: File): string {
    return webUtils.getPathForFile(file)
  },
  subscribe(listener: (name: string, payload: unknown) => void): () => void {
    const l = (_e: unknown, name: string, payload: unknown) => listener(name, payload)
    ipcRenderer.on('loupe:event', l)
    return () => ipcRenderer.removeListener('loupe:event', l)
  },
}

contextBridge.exposeInMainWorld('loupe', loupe)

export type LoupePreload = typeof loupe
