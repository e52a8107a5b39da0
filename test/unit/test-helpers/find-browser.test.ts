import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { findBrowser, systemSearch, type BrowserSearch } from '../../helpers/find-browser'

/** A search over a made-up machine: `files` exist, nothing else does. */
function machine(
  platform: NodeJS.Platform,
  files: string[],
  env: Record<string, string | undefined> = {},
  playwright?: string,
): BrowserSearch {
  const set = new Set(files)
  return {
    platform,
    env,
    isFile: (p) => set.has(p),
    playwrightChromium: playwright ? () => playwright : undefined,
  }
}

/** The error findBrowser throws (fails the test if it finds something). */
function failure(s: BrowserSearch): string {
  try {
    const p = findBrowser(s)
    throw new Error(`found ${p}`)
  } catch (e) {
    return (e as Error).message
  }
}

describe('findBrowser', () => {
  it('takes CHROMIUM_PATH first, and refuses one that points nowhere', () => {
    const mine = '/home/dev/browsers/chrome-linux/chrome'
    expect(
      findBrowser(machine('linux', [mine, '/usr/bin/chromium'], { CHROMIUM_PATH: mine })),
    ).toBe(mine)
    const m = failure(machine('linux', ['/usr/bin/chromium'], { CHROMIUM_PATH: '/nope/chrome' }))
    expect(m).toContain('CHROMIUM_PATH is set to /nope/chrome, which is not a file')
  })

  it('Linux: the distribution packages, Chrome, Edge and snap, Chromium preferred', () => {
    expect(findBrowser(machine('linux', ['/usr/bin/chromium', '/usr/bin/google-chrome']))).toBe(
      '/usr/bin/chromium',
    )
    for (const p of [
      '/usr/bin/chromium-browser',
      '/usr/bin/google-chrome-stable',
      '/usr/bin/microsoft-edge',
      '/snap/bin/chromium',
    ]) {
      expect(findBrowser(machine('linux', [p]))).toBe(p)
    }
  })

  it('Linux and macOS: finds a browser on the PATH like `which`', () => {
    const env = { PATH: '/usr/local/sbin:/home/dev/.local/bin' }
    expect(findBrowser(machine('linux', ['/home/dev/.local/bin/google-chrome'], env))).toBe(
      '/home/dev/.local/bin/google-chrome',
    )
    expect(findBrowser(machine('darwin', ['/home/dev/.local/bin/chromium'], env))).toBe(
      '/home/dev/.local/bin/chromium',
    )
  })

  it('macOS: Chrome, Chromium or Edge in /Applications or ~/Applications', () => {
    const chrome = '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome'
    const edge = '/Users/dev/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge'
    const chromium = '/Applications/Chromium.app/Contents/MacOS/Chromium'
    expect(findBrowser(machine('darwin', [edge, chrome], { HOME: '/Users/dev' }))).toBe(chrome)
    expect(findBrowser(machine('darwin', [edge], { HOME: '/Users/dev' }))).toBe(edge)
    expect(findBrowser(machine('darwin', [chromium]))).toBe(chromium)
    // Linux locations mean nothing on a Mac.
    expect(failure(machine('darwin', ['/usr/bin/chromium']))).toContain('No Chrome')
  })

  it('Windows: Program Files, Program Files (x86) and the user install, Edge too; PATH with ;', () => {
    const env = {
      PROGRAMFILES: 'C:\\Program Files',
      'PROGRAMFILES(X86)': 'C:\\Program Files (x86)',
      LOCALAPPDATA: 'C:\\Users\\dev\\AppData\\Local',
    }
    const chromeX86 = 'C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe'
    const edge = 'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe'
    const userChrome = 'C:\\Users\\dev\\AppData\\Local\\Google\\Chrome\\Application\\chrome.exe'
    expect(findBrowser(machine('win32', [edge, chromeX86], env))).toBe(chromeX86)
    expect(findBrowser(machine('win32', [edge], env))).toBe(edge)
    expect(findBrowser(machine('win32', [userChrome], env))).toBe(userChrome)
    // Without the variables, the default folders are still searched.
    expect(findBrowser(machine('win32', [edge]))).toBe(edge)
    const onPath = 'D:\\tools\\chrome-win\\chrome.exe'
    expect(
      findBrowser(machine('win32', [onPath], { Path: 'C:\\Windows;D:\\tools\\chrome-win' })),
    ).toBe(onPath)
  })

  it('falls back to a Chromium downloaded by playwright-core', () => {
    const managed = '/home/dev/.cache/ms-playwright/chromium-1255/chrome-linux64/chrome'
    expect(findBrowser(machine('linux', [managed], {}, managed))).toBe(managed)
  })

  it('says what to install for the OS, and where it looked, when there is no browser', () => {
    const linux = failure(machine('linux', [], { PATH: '/usr/bin' }))
    expect(linux).toContain('No Chrome, Chromium or Edge found for the browser tests (linux)')
    expect(linux).toContain('sudo apt-get install chromium')
    expect(linux).toContain('npx playwright-core install chromium')
    expect(linux).toContain('set CHROMIUM_PATH')
    expect(linux).toContain('/usr/bin/google-chrome-stable')
    // Each place once, although /usr/bin is also on the PATH.
    expect(linux.split('/usr/bin/chromium,').length).toBe(2)
    const mac = failure(machine('darwin', []))
    expect(mac).toContain('brew install --cask chromium')
    expect(mac).toContain('/Applications/Google Chrome.app/Contents/MacOS/Google Chrome')
    const win = failure(machine('win32', [], {}, 'C:\\ms-playwright\\chrome.exe'))
    expect(win).toContain('Microsoft Edge')
    expect(win).toContain('CHROMIUM_PATH')
    expect(win).toContain('C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe')
    expect(win).toContain('C:\\ms-playwright\\chrome.exe')
  })
})

describe.skipIf(process.platform === 'win32')('systemSearch', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-browser-'))
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

  it('accepts an executable file only: not a plain file, a folder or nothing', () => {
    const exe = path.join(dir, 'chrome')
    const plain = path.join(dir, 'readme')
    fs.writeFileSync(exe, '#!/bin/sh\n', { mode: 0o755 })
    fs.writeFileSync(plain, 'x', { mode: 0o644 })
    const s = systemSearch()
    expect(s.isFile(exe)).toBe(true)
    expect(s.isFile(plain)).toBe(false)
    expect(s.isFile(dir)).toBe(false)
    expect(s.isFile(path.join(dir, 'missing'))).toBe(false)
    expect(findBrowser({ ...s, env: { CHROMIUM_PATH: exe } })).toBe(exe)
  })
})
