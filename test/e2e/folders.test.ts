/// <reference lib="dom" />
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { launchBrowser, watchConsole } from '../helpers/browser'
import { startHost } from '../helpers/headless'
import { tempDir } from '../helpers/tmp'
import { CATALOGUE_DIR } from '../helpers/images'

const DS = CATALOGUE_DIR
const item = (n: number) => path.join(DS, `item${String(n).padStart(4, '0')}.jpg`)
const SHOTS = process.env.LOUPE_SHOTS

async function shot(page: Page, dir: string, name: string) {
  await page.screenshot({ path: path.join(SHOTS ?? dir, `${name}.png`), fullPage: true })
}
const productsShown = async (page: Page) =>
  (await page.getByTestId('gallery-card-product').allTextContents()).map((s) => s.trim()).sort()

describe('Folders view in Chromium (headless host)', () => {
  const t = tempDir()
  const watched = path.join(t.dir, 'watched catalogue')
  let host: Awaited<ReturnType<typeof startHost>>
  let browser: Browser
  let page: Page
  let consoleErrors: string[]

  beforeAll(async () => {
    fs.mkdirSync(watched)
    host = await startHost(path.join(t.dir, 'data'))
    browser = await launchBrowser()
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } })
    consoleErrors = watchConsole(page)
    await page.addInitScript(() => {
      localStorage.setItem('loupe.locale', 'en-US')
      localStorage.setItem('loupe.gallery.mode', 'grid')
    })
  })
  afterAll(async () => {
    await browser?.close()
    await host?.close()
    t.cleanup()
  })

  it('adds a watch rule for a folder from the Folders view', async () => {
    await page.goto(`${host.url}/#/folders`)
    await page.getByTestId('folders-empty').waitFor()
    await page.getByTestId('folders-add').click()
    await page.getByTestId('rule-folder').locator('input').fill(watched)
    await page.getByTestId('rule-ondelete-remove').click()
    await page.getByTestId('rule-save').click()
    const card = page.locator('[data-testid^="rule-"][data-state]')
    await card.first().waitFor()
    expect(await card.getByTestId('rule-folder-path').textContent()).toBe(watched)
    await page.locator('[data-state="watching"]').waitFor({ timeout: 20_000 })
    expect((await card.getByTestId('rule-state').textContent())?.trim()).toBe('Watching')
  })

  it('sends the pictures copied into the folder; they appear in the Gallery view', async () => {
    for (const [rel, n] of [
      ['dress-1/front.jpg', 500],
      ['dress-1/back.jpg', 501],
      ['coat-2/front.jpg', 502],
      ['coat-2/side.jpg', 503],
    ] as const) {
      fs.mkdirSync(path.dirname(path.join(watched, rel)), { recursive: true })
      fs.copyFileSync(item(n), path.join(watched, rel))
    }
    // the rule's counts follow live (watch.changed events)
    await page.waitForFunction(
      () => document.querySelector('[data-testid=rule-synced]')?.textContent?.trim() === '4 synced',
      undefined,
      { timeout: 60_000 },
    )
    await shot(page, t.dir, 'folders-watching')

    await page.goto(`${host.url}/#/gallery`)
    await page.getByTestId('gallery-card').first().waitFor()
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid=gallery-card]').length === 4,
    )
    expect(await productsShown(page)).toEqual(['coat-2', 'coat-2', 'dress-1', 'dress-1'])
    await page.waitForFunction(
      () =>
        Array.from(
          document.querySelectorAll<HTMLImageElement>('[data-testid=gallery-card] img'),
        ).filter((i) => i.complete && i.naturalWidth > 0).length === 4,
    )
  })

  it('removes a deleted picture (on delete: remove), and applies a reconcile on confirmation', async () => {
    fs.rmSync(path.join(watched, 'coat-2', 'side.jpg'))
    await page.goto(`${host.url}/#/folders`)
    await page.waitForFunction(
      () => document.querySelector('[data-testid=rule-synced]')?.textContent?.trim() === '3 synced',
      undefined,
      { timeout: 30_000 },
    )

    // Paused, the rule sends nothing by itself: a new picture waits for Reconcile → Apply.
    await page.getByTestId('rule-pause').click()
    await page.locator('[data-state="paused"]').waitFor()
    fs.copyFileSync(item(504), path.join(watched, 'coat-2', 'back.jpg'))
    await page.getByTestId('rule-reconcile').click()
    await page.getByTestId('reconcile-counts').waitFor()
    const stat = async (id: string) =>
      (await page.getByTestId(id).locator('.n-statistic-value').textContent())?.trim()
    expect(await stat('reconcile-add')).toBe('1')
    expect(await stat('reconcile-unchanged')).toBe('3')
    expect(await stat('reconcile-delete')).toBe('0')
    expect(await page.getByTestId('reconcile-list-add').textContent()).toContain('coat-2/back.jpg')
    await shot(page, t.dir, 'folders-reconcile')
    await page.getByTestId('reconcile-apply').click()
    await page.waitForFunction(
      () => document.querySelector('[data-testid=rule-synced]')?.textContent?.trim() === '4 synced',
      undefined,
      { timeout: 30_000 },
    )

    await page.goto(`${host.url}/#/gallery`)
    await page.getByTestId('gallery-card').first().waitFor()
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid=gallery-card]').length === 4,
      undefined,
      { timeout: 30_000 },
    )
    expect(await productsShown(page)).toEqual(['coat-2', 'coat-2', 'dress-1', 'dress-1'])
    const names = await page.getByTestId('gallery-card').allTextContents()
    expect(names.join(' ')).toContain('back.jpg')
    expect(names.join(' ')).not.toContain('side.jpg')
    expect(consoleErrors).toEqual([])
  })
})
