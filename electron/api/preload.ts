/**
 * `window.loupe`: what the desktop app's preload gives its page, declared once here. The preload
 * builds its object with `satisfies LoupePreload`; the renderer reads `window.loupe` as this type
 * (absent in a browser, where the page talks to the headless host over HTTP).
 */
export interface LoupePreload {
  /** The contract's method names (`domain.method`): `invoke` reaches these and nothing else. */
  readonly methods: readonly string[]
  /** Calls a contract method; resolves with `{ result }` or `{ error }` (the contract's shapes). */
  invoke(name: string, input: unknown): Promise<unknown>
  /** The real path of a dropped or chosen file (bulk add passes paths, not bytes). */
  pathForFile(file: File): string
  /** The page's language, for the menus, tray and dialogs the desktop host shows. */
  setLocale(locale: string): void
  /** The core's events, and `host.status` (the core process starting, restarting…). */
  subscribe(listener: (name: string, payload: unknown) => void): () => void
}
