/// <reference lib="dom" />
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { launchBrowser, watchConsole } from '../helpers/browser'
import { RENDERER_DIR, rendererBuilt } from '../helpers/headless'
import { tempDir } from '../helpers/tmp'
import { catalogueItem } from '../helpers/images'
import { AS_ROOT, forkUnprivileged, giveToChild, type ChildCore } from '../helpers/unprivileged'

const SHOTS = process.env.LOUPE_SHOTS
const HERE = typeof __dirname === 'string' ? __dirname : import.meta.dirname

/**
 * The Folders view of a rule whose folder holds a file and a sub-folder the server cannot read
 * and a link leaving the folder: they show as failed / skipped with the reason (en-US and zh-CN),
 * and Rescan now picks them up once the permissions are fixed. The headless host runs as
 * `nobody` when this test runs as root (root reads any file).
 */
describe('Folders view: files and folders that cannot be read (headless host)', () => {
  const t = tempDir('loupe-e2e-unreadable-')
  fs.chmodSync(t.dir, 0o755)
  const watched = path.join(t.dir, 'watched pictures')
  const outside = path.join(t.dir, 'outside')
  const data = path.join(t.dir, 'data')
  const CLOSED = AS_ROOT ? 0o700 : 0o000
  let host: ChildCore
  let browser: Browser
  const pages: Page[] = []
  const consoleErrors: string[][] = []

  async function shot(page: Page, name: string) {
    await page.screenshot({ path: path.join(SHOTS ?? t.dir, `${name}.png`), fullPage: true })
  }
  async function openPage(locale: 'en-US' | 'zh-CN'): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 } })
    consoleErrors.push(watchConsole(page))
    await page.addInitScript((l) => localStorage.setItem('loupe.locale', l), locale)
    pages.push(page)
    return page
  }

  beforeAll(async () => {
    if (!rendererBuilt()) throw new Error('run `npx electron-vite build` first')
    for (const [rel, n] of [
      ['shoe/1.jpg', 600],
      ['shoe/locked.jpg', 601],
      ['private/2.jpg', 602],
    ] as const) {
      fs.mkdirSync(path.dirname(path.join(watched, rel)), { recursive: true })
      fs.copyFileSync(catalogueItem(n), path.join(watched, rel))
    }
    fs.mkdirSync(outside)
    fs.copyFileSync(catalogueItem(603), path.join(outside, 'secret.jpg'))
    fs.symlinkSync(path.join(outside, 'secret.jpg'), path.join(watched, 'shoe', 'out.jpg'))
    fs.chmodSync(path.join(watched, 'shoe', 'locked.jpg'), 0o000)
    fs.chmodSync(path.join(watched, 'private'), CLOSED)
    fs.mkdirSync(data)
    giveToChild(data)
    host = await forkUnprivileged(path.join(HERE, '../helpers/unprivileged-host.ts'), {
      LOUPE_TEST_DATA: data,
      LOUPE_TEST_RENDERER: RENDERER_DIR,
      HOME: data,
    })
    const who = await host.op<{ uid: number; readable: boolean }>(
      'whoami',
      path.join(watched, 'shoe', 'locked.jpg'),
    )
    if (AS_ROOT) expect(who.uid).toBe(65534)
    expect(who.readable).toBe(false)
    browser = await launchBrowser()
  })
  afterAll(async () => {
    for (const p of pages) await p.close().catch(() => {})
    await browser?.close()
    await host?.close()
    try {
      fs.chmodSync(path.join(watched, 'private'), 0o755)
    } catch {
      /* fine */
    }
    t.cleanup()
  })

  it('shows the unreadable file and folder as failed with the reason, and the link as skipped', async () => {
    const page = await openPage('en-US')
    await page.goto(`${host.info.url}/#/folders`)
    await page.getByTestId('folders-add').click()
    await page.getByTestId('rule-folder').locator('input').fill(watched)
    // the rule editor offers following links that leave the folder, off by default
    await page.getByText('Only these (globs) / Except these (globs)').click()
    const follow = page.getByTestId('rule-follow-symlinks')
    await follow.waitFor()
    expect(await follow.textContent()).toContain('Follow links that leave the folder')
    expect(await follow.getAttribute('aria-checked')).toBe('false')
    await shot(page, 'watch-rule-editor-en')
    await page.getByTestId('rule-save').click()
    await page.locator('[data-state="watching"]').waitFor({ timeout: 60_000 })
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid=rule-failed]')?.textContent?.trim() === '2 failed' &&
        document.querySelector('[data-testid=rule-synced]')?.textContent?.trim() === '1 synced',
      undefined,
      { timeout: 60_000 },
    )
    expect(await page.getByTestId('rule-skipped').textContent()).toContain('1 skipped')
    expect(await page.getByTestId('rule-unreadable').textContent()).toContain(
      'Cannot be read: 2 (files or folders',
    )
    await page.getByTestId('rule-files-toggle').click()
    const failed = page.getByTestId('rule-file-failed')
    await failed.first().waitFor()
    const rows = await failed.allTextContents()
    expect(rows).toHaveLength(2)
    const file = rows.find((r) => r.includes('shoe/locked.jpg'))!
    expect(file).toContain('WatchFileUnreadable')
    expect(file).toContain('permission denied (EACCES)')
    const folder = rows.find((r) => r.includes('private/'))!
    expect(folder).toContain('WatchFolderUnreadable')
    expect(folder).toContain('permission denied (EACCES)')
    const skipped = await page.getByTestId('rule-file-skipped').allTextContents()
    expect(skipped).toHaveLength(1)
    expect(skipped[0]).toContain('shoe/out.jpg')
    expect(skipped[0]).toContain('WatchLinkOutside')
    await shot(page, 'watch-unreadable-en')
  })

  it('says the same in Chinese', async () => {
    const page = await openPage('zh-CN')
    await page.goto(`${host.info.url}/#/folders`)
    await page.getByTestId('rule-unreadable').waitFor()
    expect(await page.getByTestId('rule-failed').textContent()).toContain('失败 2')
    expect(await page.getByTestId('rule-unreadable').textContent()).toContain(
      '无法读取:2 个文件或文件夹',
    )
    await page.getByTestId('rule-files-toggle').click()
    await page.getByTestId('rule-file-failed').first().waitFor()
    const rows = (await page.getByTestId('rule-file-failed').allTextContents()).join('\n')
    expect(rows).toContain('权限不足 (EACCES)')
    expect(rows).toContain('无法打开此文件夹')
    expect(await page.getByTestId('rule-rescan').textContent()).toContain('立即重新扫描')
    await shot(page, 'watch-unreadable-zh')
  })

  it('Rescan now picks the files up once their permissions are fixed', async () => {
    fs.chmodSync(path.join(watched, 'shoe', 'locked.jpg'), 0o644)
    fs.chmodSync(path.join(watched, 'private'), 0o755)
    const page = pages[0]
    await page.getByTestId('rule-rescan').click()
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid=rule-failed]')?.textContent?.trim() === '0 failed' &&
        document.querySelector('[data-testid=rule-synced]')?.textContent?.trim() === '3 synced',
      undefined,
      { timeout: 60_000 },
    )
    expect(await page.getByTestId('rule-unreadable').count()).toBe(0)
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid=rule-file-failed]').length === 0,
    )
    expect(await page.getByTestId('rule-file-skipped').count()).toBe(1) // the link stays skipped
    await shot(page, 'watch-unreadable-fixed-en')

    // sent once each; the gallery has them, not the picture behind the link
    await page.goto(`${host.info.url}/#/gallery`)
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid=gallery-card]').length === 3,
      undefined,
      { timeout: 30_000 },
    )
    const names = (await page.getByTestId('gallery-card').allTextContents()).join(' ')
    expect(names).toContain('locked.jpg')
    expect(names).toContain('2.jpg')
    expect(names).not.toContain('out.jpg')
    // two syncs: the readable picture, then the two fixed ones — nothing sent twice
    expect(
      ((await host.op<[string, number, number][]>('jobs')) ?? []).map((j) => j[1]).sort(),
    ).toEqual([1, 2])
    for (const errors of consoleErrors) expect(errors).toEqual([])
  })
})
