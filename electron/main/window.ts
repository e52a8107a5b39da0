import type { BrowserWindowConstructorOptions, WebContents } from 'electron'

/** The only window options Loupe uses: sandboxed, isolated, no Node in the page. */
export function secureWebPreferences(
  preload: string,
): BrowserWindowConstructorOptions['webPreferences'] {
  return {
    preload,
    sandbox: true,
    contextIsolation: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    spellcheck: false,
  }
}

export const APP_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob: loupe-thumb:; " +
  "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"

/** Deny every navigation away from our page and every window.open. */
export function lockNavigation(wc: WebContents, isOurs: (url: string) => boolean): void {
  wc.on('will-navigate', (e, url) => {
    if (!isOurs(url)) e.preventDefault()
  })
  wc.on('will-redirect', (e, url) => {
    if (!isOurs(url)) e.preventDefault()
  })
  wc.setWindowOpenHandler(() => ({ action: 'deny' }))
  wc.on('will-attach-webview', (e) => e.preventDefault())
}
