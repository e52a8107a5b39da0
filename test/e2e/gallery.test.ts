/// <reference lib="dom" />
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { launchBrowser, watchConsole } from '../helpers/browser'
import { startHost } from '../helpers/headless'
import { tempDir } from '../helpers/tmp'
import { CATALOGUE_DIR } from '../helpers/images'

const DS = CATALOGUE_DIR
/** Six catalogue pictures: products cat-0 … cat-2, int_attr 1 … 6. */
const PICS = [400, 401, 402, 403, 404, 405].map((n, i) => ({
  file: `item0${n}.jpg`,
  productId: `cat-${i % 3}`,
  intAttr: i + 1,
}))
const SHOTS = process.env.LOUPE_SHOTS

async function shot(page: Page, dir: string, name: string) {
  await page.screenshot({ path: path.join(SHOTS ?? dir, `${name}.png`) })
}
const texts = (page: Page, id: string) => page.getByTestId(id).allTextContents()
const countText = async (page: Page) =>
  ((await page.getByTestId('gallery-count').textContent()) ?? '').trim()

async function closedPort(): Promise<number> {
  const srv = net.createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()))
  const port = (srv.address() as net.AddressInfo).port
  await new Promise<void>((r) => srv.close(() => r()))
  return port
}

describe('Gallery and Tasks views in Chromium (headless host)', () => {
  const t = tempDir()
  let host: Awaited<ReturnType<typeof startHost>>
  let browser: Browser
  let page: Page
  let consoleErrors: string[]
  let dumpFile = ''

  beforeAll(async () => {
    host = await startHost(t.dir)
    for (const p of PICS) {
      const r = (await host.core.dispatch('images.add', {
        image: { path: path.join(DS, p.file) },
        productId: p.productId,
        picName: p.file,
        intAttr: p.intAttr,
        strAttr: 'catalogue',
      })) as { error?: unknown }
      expect(r.error).toBeUndefined()
    }
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

  it('shows the cached images as a grid and as a table', async () => {
    await page.goto(`${host.url}/#/gallery`)
    await page.getByTestId('gallery-card').first().waitFor()
    await expect(countText(page)).resolves.toBe('6 images')
    expect((await texts(page, 'gallery-card-product')).map((s) => s.trim()).sort()).toEqual([
      'cat-0',
      'cat-0',
      'cat-1',
      'cat-1',
      'cat-2',
      'cat-2',
    ])
    // Thumbnails come from the cache.
    await page.waitForFunction(
      () =>
        Array.from(
          document.querySelectorAll<HTMLImageElement>('[data-testid=gallery-card] img'),
        ).filter((i) => i.complete && i.naturalWidth > 0).length === 6,
    )
    expect(await page.getByTestId('gallery-stats').textContent()).toContain('6 images · 3 products')
    await shot(page, t.dir, 'gallery-grid')

    await page.getByTestId('gallery-mode-table').click()
    await page.getByTestId('gallery-row').first().waitFor()
    await expect(page.getByTestId('gallery-row').count()).resolves.toBe(6)
    // Sorted by product ID through the column header.
    await page.getByRole('button', { name: 'Product ID' }).click()
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid=gallery-row-product]')?.textContent?.trim() ===
        'cat-0',
    )
    await page.getByRole('button', { name: /Product ID/ }).click()
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid=gallery-row-product]')?.textContent?.trim() ===
        'cat-2',
    )
    expect(consoleErrors).toEqual([])
  })

  it('filters by attribute expression and text, and refuses a malformed filter', async () => {
    const filter = page.getByTestId('gallery-filter').locator('input')
    await filter.fill('int_attr >= 4')
    await filter.press('Enter')
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid=gallery-count]')?.textContent?.trim() === '3 images',
    )
    expect((await texts(page, 'gallery-row-product')).map((s) => s.trim()).sort()).toEqual([
      'cat-0',
      'cat-1',
      'cat-2',
    ])
    // A malformed expression is explained and not applied.
    await filter.fill('int_attr >> 4')
    await page.getByTestId('gallery-filter-error').waitFor()
    expect(await page.getByTestId('gallery-filter-error').textContent()).toContain('Position 10')
    await filter.press('Enter')
    await expect(countText(page)).resolves.toBe('3 images')
    await filter.fill('')
    await filter.press('Enter')
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid=gallery-count]')?.textContent?.trim() === '6 images',
    )
    await page.getByTestId('gallery-search').locator('input').fill('item0403')
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid=gallery-count]')?.textContent?.trim() === '1 image',
    )
    await page.getByTestId('gallery-search').locator('input').fill('')
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid=gallery-count]')?.textContent?.trim() === '6 images',
    )
  })

  it('opens the detail drawer and edits an image’s attributes through the engine', async () => {
    await page.getByTestId('gallery-mode-grid').click()
    await page.getByTestId('gallery-card').first().waitFor()
    const card = page.getByTestId('gallery-card').filter({ hasText: 'item0401.jpg' })
    await card.click()
    await page.getByTestId('gallery-detail-product').waitFor()
    expect(await page.getByTestId('gallery-detail-product').textContent()).toBe('cat-1')
    expect(await page.getByTestId('gallery-detail-pic').textContent()).toBe('item0401.jpg')
    expect(await page.getByTestId('gallery-detail-source').textContent()).toBe(
      path.join(DS, 'item0401.jpg'),
    )
    // The region in the one display format of every view, the API's x1,x2,y1,y2 beside it.
    const region = page.getByTestId('detail-region')
    const shown = (await region.getByTestId('region-label').textContent()) ?? ''
    const m = /^\((\d+), (\d+)\) – \((\d+), (\d+)\) · \d+ × \d+ px$/.exec(shown)
    expect(m, shown).not.toBeNull()
    const [x1, y1, x2, y2] = m!.slice(1)
    expect(await region.getByTestId('region-api').textContent()).toBe(`${x1},${x2},${y1},${y2}`)
    // Reveal needs the desktop app: not offered in a browser.
    await expect(page.getByTestId('gallery-detail-reveal').count()).resolves.toBe(0)
    await shot(page, t.dir, 'gallery-detail')
    await page.getByTestId('gallery-detail-edit').click()
    await page.getByTestId('gallery-edit-strAttr').locator('input').fill('edited')
    await page.getByTestId('gallery-edit-save').click()
    await page.getByTestId('gallery-edit-dialog').waitFor({ state: 'detached' })
    await page.getByTestId('gallery-detail').getByText('edited').waitFor()
    const r = (await host.core.dispatch('search.byFilter', { filter: 'str_attr = "edited"' })) as {
      result: { auctions: { picName: string }[] }
    }
    expect(r.result.auctions.map((a) => a.picName)).toEqual(['item0401.jpg'])
    await page.keyboard.press('Escape')
    await page.getByTestId('gallery-detail-product').waitFor({ state: 'detached' })
  })

  it('selects two images and deletes them in bulk', async () => {
    await page.getByTestId('gallery-card').filter({ hasText: 'item0404.jpg' }).hover()
    await page
      .getByTestId('gallery-card')
      .filter({ hasText: 'item0404.jpg' })
      .getByTestId('gallery-card-check')
      .click()
    await page.getByTestId('gallery-card').filter({ hasText: 'item0405.jpg' }).hover()
    await page
      .getByTestId('gallery-card')
      .filter({ hasText: 'item0405.jpg' })
      .getByTestId('gallery-card-check')
      .click()
    await expect(page.getByTestId('gallery-bulk-count').textContent()).resolves.toContain(
      '2 selected',
    )
    await shot(page, t.dir, 'gallery-selection')
    await page.getByTestId('gallery-bulk-delete').click()
    await page.locator('.n-dialog').getByText('Delete 2 images from the gallery?').waitFor()
    await page.locator('.n-dialog').getByRole('button', { name: 'Delete' }).click()
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid=gallery-count]')?.textContent?.trim() === '4 images',
    )
    for (const pic of ['item0404.jpg', 'item0405.jpg']) {
      const e = (await host.core.dispatch('images.exists', {
        productId: pic === 'item0404.jpg' ? 'cat-1' : 'cat-2',
        picName: pic,
      })) as { result: { exist: boolean } }
      expect(e.result.exist).toBe(false)
    }
    expect(consoleErrors).toEqual([])
  })

  it('exports the metadata from the Tasks view, watched to completion with a notification', async () => {
    await page.getByTestId('nav').getByText('Tasks', { exact: true }).click()
    await page.getByTestId('dump-table').waitFor()
    await page.getByTestId('dump-create').click()
    await page
      .locator('.n-notification')
      .getByText('Metadata export 1 finished')
      .waitFor({ timeout: 30_000 })
    await page.getByTestId('dump-file-1').waitFor()
    expect(await page.getByTestId('dump-status-1').textContent()).toBe('Finished')
    dumpFile = path.join(host.core.profiles.dirOf('local'), 'dumps', 'meta-1.jsonl')
    expect(fs.readFileSync(dumpFile, 'utf8').trim().split('\n')).toHaveLength(4)
    await shot(page, t.dir, 'tasks')
    // Importing it into the same cache changes nothing.
    await page.getByTestId('dump-import-1').click()
    await page.getByTestId('dump-diff').waitFor()
    expect(await page.getByTestId('dump-diff-added').textContent()).toContain('0')
    await page.getByTestId('dump-import-dialog').getByRole('button', { name: 'Cancel' }).click()
  })

  it('imports the dump into a fresh cloud profile’s cache and browses it offline', async () => {
    const port = await closedPort()
    const created = (await host.core.dispatch('profiles.create', {
      kind: 'cloud',
      name: 'shop',
      cloud: {
        instanceName: 'shopinst',
        endpoint: `127.0.0.1:${port}`,
        protocol: 'http',
        accessKeyId: 'LTAI-e2e',
        accessKeySecret: 'e2e-secret-0123456789',
      },
    })) as { error?: unknown }
    expect(created.error).toBeUndefined()
    await page.reload()
    await page.getByTestId('profile-switch').click()
    await page.locator('.n-base-select-option', { hasText: 'shop' }).first().click()
    // The Tasks view of an unreachable engine: remembered exports only, import from a file.
    await page.getByTestId('dump-offline').waitFor()
    await page.getByTestId('dump-import-file').click()
    await page.getByTestId('dump-import-path').locator('input').fill(dumpFile)
    await page.getByTestId('dump-import-path-go').click()
    await page.getByTestId('dump-diff').waitFor()
    expect((await page.getByTestId('dump-diff-added').textContent())?.replace(/\D/g, '')).toBe('4')
    await page.getByTestId('dump-import-apply').click()
    await page.getByTestId('dump-import-done').waitFor()
    expect(await page.getByTestId('dump-import-done').textContent()).toContain('4 added')
    await page.getByTestId('dump-open-gallery').click()

    await page.getByTestId('gallery-offline').waitFor()
    expect(await page.getByTestId('gallery-offline').textContent()).toContain('ECONNREFUSED')
    await page.getByTestId('gallery-card').first().waitFor()
    await expect(countText(page)).resolves.toBe('4 images')
    // item0404 (cat-1) and item0405 (cat-2) were deleted before the export.
    expect((await texts(page, 'gallery-card-product')).map((s) => s.trim()).sort()).toEqual([
      'cat-0',
      'cat-0',
      'cat-1',
      'cat-2',
    ])
    // Browsing and filtering work offline; writes are refused with the reason.
    await page.getByTestId('gallery-filter').locator('input').fill('str_attr = "edited"')
    await page.getByTestId('gallery-filter').locator('input').press('Enter')
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid=gallery-count]')?.textContent?.trim() === '1 image',
    )
    await page.getByTestId('gallery-card').first().click()
    await page.getByTestId('gallery-detail-product').waitFor()
    await expect(page.getByTestId('gallery-detail-edit').isDisabled()).resolves.toBe(true)
    await expect(page.getByTestId('gallery-detail-delete').isDisabled()).resolves.toBe(true)
    expect(await page.getByTestId('gallery-detail').textContent()).toContain(
      'The engine cannot be reached',
    )
    await shot(page, t.dir, 'gallery-offline')
    expect(consoleErrors).toEqual([])
  })
})
