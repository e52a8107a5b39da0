/**
 * Finds an installed Chrome, Chromium or Edge for the browser tests: `CHROMIUM_PATH` first, then
 * the usual install locations of the current OS, then the PATH, then a browser downloaded by
 * `npx playwright-core install chromium`. Fails with a message that says what to install.
 * Everything the search depends on is injected, so it is unit-tested for every OS on any OS.
 */
import fs from 'node:fs'
import path from 'node:path'

export interface BrowserSearch {
  platform: NodeJS.Platform
  env: Record<string, string | undefined>
  /** True when the path is an existing file (executable, where that means something). */
  isFile(p: string): boolean
  /** Where playwright-core keeps its own Chromium (it may not be downloaded). */
  playwrightChromium?: () => string | undefined
}

/** Executable names looked up on the PATH, most specific first. */
function pathNames(platform: NodeJS.Platform): string[] {
  if (platform === 'win32') return ['chrome.exe', 'msedge.exe', 'chromium.exe']
  if (platform === 'darwin') return ['chromium', 'google-chrome', 'microsoft-edge']
  return [
    'chromium',
    'chromium-browser',
    'google-chrome',
    'google-chrome-stable',
    'microsoft-edge',
    'microsoft-edge-stable',
  ]
}

/** The usual install locations of Chrome, Chromium and Edge on this OS, in order of preference. */
export function knownLocations(
  platform: NodeJS.Platform,
  env: Record<string, string | undefined>,
): string[] {
  if (platform === 'win32') {
    const w = path.win32
    const roots = [env.PROGRAMFILES, env['PROGRAMFILES(X86)'], env.LOCALAPPDATA].filter(
      (r): r is string => !!r,
    )
    if (!env.PROGRAMFILES) roots.push('C:\\Program Files')
    if (!env['PROGRAMFILES(X86)']) roots.push('C:\\Program Files (x86)')
    return [
      ...roots.map((r) => w.join(r, 'Google', 'Chrome', 'Application', 'chrome.exe')),
      ...roots.map((r) => w.join(r, 'Chromium', 'Application', 'chrome.exe')),
      ...roots.map((r) => w.join(r, 'Microsoft', 'Edge', 'Application', 'msedge.exe')),
    ]
  }
  if (platform === 'darwin') {
    const apps = ['/Applications', ...(env.HOME ? [path.posix.join(env.HOME, 'Applications')] : [])]
    const bundles = [
      ['Google Chrome.app', 'Google Chrome'],
      ['Chromium.app', 'Chromium'],
      ['Microsoft Edge.app', 'Microsoft Edge'],
      ['Google Chrome Canary.app', 'Google Chrome Canary'],
    ]
    return bundles.flatMap(([app, exe]) =>
      apps.map((a) => path.posix.join(a, app, 'Contents', 'MacOS', exe)),
    )
  }
  return [
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
    '/usr/bin/microsoft-edge',
    '/usr/bin/microsoft-edge-stable',
    '/snap/bin/chromium',
    '/opt/google/chrome/chrome',
    '/opt/microsoft/msedge/msedge',
    '/var/lib/flatpak/exports/bin/org.chromium.Chromium',
  ]
}

/** Candidates found on the PATH (`which`-style). */
function onPath(platform: NodeJS.Platform, env: Record<string, string | undefined>): string[] {
  const p = platform === 'win32' ? path.win32 : path.posix
  const raw = env.PATH ?? env.Path ?? ''
  const dirs = raw.split(platform === 'win32' ? ';' : ':').filter(Boolean)
  return dirs.flatMap((d) => pathNames(platform).map((n) => p.join(d, n)))
}

/** What to install, for the message when nothing is found. */
export function installAdvice(platform: NodeJS.Platform): string {
  const playwright = '`npx playwright-core install chromium` downloads one for this project'
  if (platform === 'win32') {
    return `Install Google Chrome (https://www.google.com/chrome/) or Microsoft Edge, or ${playwright}; or set CHROMIUM_PATH to the browser's .exe (e.g. C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe).`
  }
  if (platform === 'darwin') {
    return `Install Google Chrome (https://www.google.com/chrome/) or Chromium (\`brew install --cask chromium\`), or ${playwright}; or set CHROMIUM_PATH to the executable inside the .app (e.g. "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome").`
  }
  return `Install Chromium (Debian/Ubuntu: \`sudo apt-get install chromium\`, Fedora: \`sudo dnf install chromium\`, Arch: \`sudo pacman -S chromium\`) or Google Chrome (https://www.google.com/chrome/), or ${playwright}; or set CHROMIUM_PATH to the browser's executable.`
}

/** The browser to run the tests with; throws a message saying what to install when none is found. */
export function findBrowser(s: BrowserSearch): string {
  const given = s.env.CHROMIUM_PATH?.trim()
  if (given) {
    if (s.isFile(given)) return given
    throw new Error(
      `CHROMIUM_PATH is set to ${given}, which is not a file. Point it at a Chrome, Chromium or Edge executable, or unset it to let the tests look for one.`,
    )
  }
  const looked = [...new Set([...knownLocations(s.platform, s.env), ...onPath(s.platform, s.env)])]
  for (const c of looked) if (s.isFile(c)) return c
  let managed: string | undefined
  try {
    managed = s.playwrightChromium?.()
  } catch {
    managed = undefined
  }
  if (managed) {
    if (s.isFile(managed)) return managed
    looked.push(managed)
  }
  throw new Error(
    `No Chrome, Chromium or Edge found for the browser tests (${s.platform}). ${installAdvice(s.platform)}\nLooked in: ${looked.join(', ')}`,
  )
}

/** The real machine: process.env, process.platform and the file system. */
export function systemSearch(playwrightChromium?: () => string | undefined): BrowserSearch {
  return {
    platform: process.platform,
    env: process.env,
    playwrightChromium,
    isFile(p) {
      try {
        if (!fs.statSync(p).isFile()) return false
        if (process.platform !== 'win32') fs.accessSync(p, fs.constants.X_OK)
        return true
      } catch {
        return false
      }
    },
  }
}
