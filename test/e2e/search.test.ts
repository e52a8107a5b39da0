/// <reference lib="dom" />
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page, Request } from 'playwright-core'
import { launchBrowser, watchConsole } from '../helpers/browser'
import { startHost } from '../helpers/headless'
import { tempDir } from '../helpers/tmp'
import { CATALOGUE_DIR } from '../helpers/images'

const DS = CATALOGUE_DIR
/** Seeded through the core (to have more results than a page); their product ids are `seed-N`. */
const SEED = Array.from({ length: 22 }, (_, i) => `item${String(100 + i).padStart(4, '0')}.jpg`)
/** Added through the Add view, one after another. */
const ADDED = [
  { file: 'item0300.jpg', productId: 'shop-A', intAttr: '7' },
  { file: 'item0301.jpg', productId: 'shop-B', intAttr: '8' },
  { file: 'item0302.jpg', productId: 'shop-C', intAttr: '9' },
]

const ids = (page: Page) => page.getByTestId('result-product-id').allTextContents()

describe('Search and Add views in Chromium (headless host, local engine)', () => {
  const t = tempDir()
  let host: Awaited<ReturnType<typeof startHost>>
  let browser: Browser
  let page: Page
  let consoleErrors: string[]

  beforeAll(async () => {
    host = await startHost(t.dir)
    for (const [i, n] of SEED.entries()) {
      const r = (await host.core.dispatch('images.add', {
        image: { base64: fs.readFileSync(path.join(DS, n)).toString('base64'), name: n },
        productId: `seed-${i}`,
        picName: n,
        intAttr: 100 + i,
        strAttr: 'seed',
      })) as { error?: unknown }
      expect(r.error).toBeUndefined()
    }
    browser = await launchBrowser()
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } })
    consoleErrors = watchConsole(page)
    await page.addInitScript(() => localStorage.setItem('loupe.locale', 'en-US'))
  })
  afterAll(async () => {
    await browser?.close()
    await host?.close()
    t.cleanup()
  })

  it('adds three catalogue pictures through the Add view', async () => {
    await page.goto(`${host.url}/#/add`)
    for (const [i, a] of ADDED.entries()) {
      if (i > 0) await page.getByTestId('add-another').click()
      await page.getByTestId('add-drop-input').setInputFiles(path.join(DS, a.file))
      await page.getByTestId('region-stage').waitFor()
      await expect(page.getByTestId('add-pic-name').locator('input').inputValue()).resolves.toBe(
        a.file,
      )
      await page.getByTestId('add-product-id').locator('input').fill(a.productId)
      await page.getByTestId('add-attrs-intAttr').locator('input').fill(a.intAttr)
      await page.getByTestId('add-attrs-strAttr').locator('input').fill('e2e')
      await page.getByTestId('add-submit').click()
      await page.getByTestId('add-outcome').waitFor({ timeout: 60_000 })
      const outcome = (await page.getByTestId('add-outcome').textContent()) ?? ''
      expect(outcome).toContain(`${a.productId} / ${a.file} is in the gallery.`)
      const region = page.getByTestId('add-outcome-region')
      expect(await region.getByTestId('region-label').textContent()).toMatch(
        /^\(\d+, \d+\) – \(\d+, \d+\) · \d+ × \d+ px$/,
      )
      expect(await region.getByTestId('region-api').textContent()).toMatch(/^\d+,\d+,\d+,\d+$/)
      // The indexed region is drawn on the picture.
      await page.getByTestId('region-box-result-0').waitFor()
    }
    const r = (await host.core.dispatch('search.byFilter', { filter: 'str_attr = "e2e"' })) as {
      result: { auctions: { productId: string }[] }
    }
    expect(r.result.auctions.map((a) => a.productId).sort()).toEqual(['shop-A', 'shop-B', 'shop-C'])
  })

  it('searches with a drawn region, then with a detected box, and pages with “load more”', async () => {
    await page.getByTestId('nav').getByText('Search', { exact: true }).click()
    await page.getByTestId('search-drop-input').setInputFiles(path.join(DS, 'item0301.jpg'))
    const stage = page.getByTestId('region-stage')
    await stage.waitFor()
    // A first search lets the engine find the subject.
    await page.getByTestId('search-pic').click()
    await page.getByTestId('results-grid').waitFor({ timeout: 60_000 })
    expect((await ids(page))[0]).toBe('shop-B')
    // The query folded into a strip that offers the other subjects the engine found.
    await page.getByTestId('query-strip').waitFor()
    expect(await page.getByTestId('search-tabs').isVisible()).toBe(false)
    // “Compare with this result”: the renderer names the result and the core compares its own
    // copy of it (here the local engine's stored copy of the uploaded picture: 0.9…–1.0000).
    // Thumbnails are blocked meanwhile, as the desktop's CSP forbids the renderer to fetch them.
    const compareCalls: unknown[] = []
    const onRequest = (req: Request) => {
      if (req.url().endsWith('/api/call/search.compare')) compareCalls.push(req.postDataJSON())
    }
    page.on('request', onRequest)
    await page.route('**/thumb/**', (route) => route.abort())
    await page.getByTestId('result-compare-0').click()
    await page.getByTestId('result-compare').first().waitFor()
    await page.waitForFunction(() =>
      /: (0\.9\d{3}|1\.0000)$/.test(
        document.querySelector('[data-testid="result-compare"]')?.textContent?.trim() ?? '',
      ),
    )
    expect(await page.getByTestId('result-compare').first().textContent()).toMatch(
      /^Compared with your picture: (0\.9\d{3}|1\.0000)$/,
    )
    await page.unroute('**/thumb/**')
    page.off('request', onRequest)
    expect(compareCalls).toEqual([
      expect.objectContaining({ secondary: { productId: 'shop-B', picName: 'item0301.jpg' } }),
    ])

    // Draw a region with the mouse over most of the product (starting below the subject's label).
    await page.getByTestId('query-strip-edit').click()
    await stage.waitFor()
    await stage.scrollIntoViewIfNeeded()
    const box = (await stage.boundingBox())!
    await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.18)
    await page.mouse.down()
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5, { steps: 4 })
    await page.mouse.move(box.x + box.width * 0.88, box.y + box.height * 0.9, { steps: 4 })
    await page.mouse.up()
    await page.getByTestId('region-selection').waitFor()
    const x1 = Number(await page.getByTestId('region-x1').locator('input').inputValue())
    const x2 = Number(await page.getByTestId('region-x2').locator('input').inputValue())
    // Coordinates are in the original picture's pixels (the catalogue photos are about 218 wide).
    expect(x1).toBeGreaterThan(35)
    expect(x1).toBeLessThan(52)
    expect(x2).toBeGreaterThan(180)
    expect(x2).toBeLessThanOrEqual(218)
    // Keyboard: nudge it 1 px right.
    await stage.focus()
    await page.keyboard.press('ArrowRight')
    await expect(page.getByTestId('region-x1').locator('input').inputValue()).resolves.toBe(
      String(x1 + 1),
    )
    await page.getByTestId('search-pic').click()
    await page.waitForFunction(() =>
      document.querySelector('[data-testid="results-summary"]')?.textContent?.includes('region'),
    )
    expect((await ids(page))[0]).toBe('shop-B')

    // The strip names the region searched; one of the other subjects found, clicked there,
    // becomes the region and the search runs with it.
    expect(await page.getByTestId('query-strip-chip-region').textContent()).toContain(
      `(${x1 + 1}, `,
    )
    await page
      .getByTestId('query-strip')
      .locator('[data-testid^="query-strip-subject-"]')
      .first()
      .click()
    await page.waitForFunction(
      (old) =>
        (document.querySelector('[data-testid="region-x1"] input') as HTMLInputElement | null)
          ?.value !== old,
      String(x1 + 1),
    )
    await page.waitForFunction(() => !document.querySelector('[data-testid="results-loading"]'))
    expect((await ids(page))[0]).toBe('shop-B')
    expect(await page.getByTestId('results-count').textContent()).toBe('20 of 25 results')

    await page.getByTestId('load-more').click()
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="result-product-id"]').length === 25,
    )
    expect(await page.getByTestId('results-count').textContent()).toBe('25 of 25 results')
    await page.getByTestId('results-end').waitFor()
    expect(new Set(await ids(page)).size).toBe(25)
  })

  it('filters: a builder condition on the search by picture, and an expression checked as typed', async () => {
    await page.getByTestId('query-strip-edit').click()
    await page.getByTestId('pic-opts-filter-value-0').locator('input').fill('8')
    expect(await page.getByTestId('pic-opts-filter-preview').textContent()).toBe('int_attr = 8')
    await page.getByTestId('search-pic').click()
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="result-product-id"]').length === 1,
    )
    expect(await ids(page)).toEqual(['shop-B'])
    expect(await page.getByTestId('query-strip-chip-filter').textContent()).toContain(
      'int_attr = 8',
    )

    await page.getByTestId('query-strip-edit').click()
    await page.getByTestId('search-tabs').getByText('By filter', { exact: true }).click()
    await page.getByTestId('filter-query-mode-raw').click()
    const raw = page.getByTestId('filter-query-raw').locator('textarea')
    await raw.fill('str_attr = "e2e" AND int_attr in (7, 9')
    expect(await page.getByTestId('filter-query-error').textContent()).toContain('Position 38')
    await raw.fill('str_attr = "e2e" AND int_attr in (7, 9)')
    await page.getByTestId('filter-query-ok').waitFor()
    await raw.press('Enter')
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="result-product-id"]').length === 2,
    )
    expect((await ids(page)).sort()).toEqual(['shop-A', 'shop-C'])

    // Delete one from its card, after confirming.
    const idx = (await ids(page)).indexOf('shop-C')
    await page.getByTestId(`result-more-${idx}`).click()
    await page.locator('.n-dropdown-option', { hasText: 'Delete from the gallery' }).click()
    await page.locator('.n-dialog').getByText('Delete shop-C / item0302.jpg').waitFor()
    await page.locator('.n-dialog').getByRole('button', { name: 'Remove' }).click()
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="result-product-id"]').length === 1,
    )
    const left = (await host.core.dispatch('search.byFilter', { filter: 'str_attr = "e2e"' })) as {
      result: { auctions: { productId: string }[] }
    }
    expect(left.result.auctions.map((a) => a.productId).sort()).toEqual(['shop-A', 'shop-B'])
    expect(consoleErrors.filter((e) => !e.includes('Failed to load resource'))).toEqual([])
  })

  it('a picture pasted with Ctrl+V becomes the query; “Similar” searches by name', async () => {
    await page.getByTestId('query-strip-edit').click()
    await page.getByTestId('search-tabs').getByText('By picture', { exact: true }).click()
    await page.getByTestId('pic-opts-filter-remove-0').click()
    const b64 = fs.readFileSync(path.join(DS, 'item0300.jpg')).toString('base64')
    await page.evaluate((data) => {
      const bin = Uint8Array.from(atob(data), (c) => c.charCodeAt(0))
      const dt = new DataTransfer()
      dt.items.add(new File([bin], 'clipboard.jpg', { type: 'image/jpeg' }))
      window.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true }))
    }, b64)
    await page.getByText('clipboard.jpg', { exact: false }).first().waitFor()
    await page.getByTestId('region-stage').waitFor()
    await page.getByTestId('region-stage').focus()
    await page.keyboard.press('Enter')
    await page.waitForFunction(() =>
      document
        .querySelector('[data-testid="results-summary"]')
        ?.textContent?.includes('clipboard.jpg'),
    )
    expect((await ids(page))[0]).toBe('shop-A')
    await page.getByTestId('result-similar-0').click()
    await page.waitForFunction(() =>
      document
        .querySelector('[data-testid="results-summary"]')
        ?.textContent?.includes('like shop-A / item0300.jpg'),
    )
    expect((await ids(page))[0]).toBe('shop-A')
    expect(consoleErrors.filter((e) => !e.includes('Failed to load resource'))).toEqual([])
  })
})
