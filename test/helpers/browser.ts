import { chromium, type Browser, type Page } from 'playwright-core'
import { findBrowser, systemSearch } from './find-browser'

let found: string | undefined

/**
 * The installed Chrome / Chromium / Edge the browser tests use (`CHROMIUM_PATH`, else the usual
 * places for this OS, else the PATH). Throws a message saying what to install when there is none.
 */
export function browserPath(): string {
  found ??= findBrowser(systemSearch(() => chromium.executablePath()))
  return found
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: browserPath(),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
    ],
  })
}

/** Collects console errors and page errors so a test can assert there were none. */
export function watchConsole(page: Page): string[] {
  const errors: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text())
  })
  page.on('pageerror', (e) => errors.push(e.message))
  return errors
}
