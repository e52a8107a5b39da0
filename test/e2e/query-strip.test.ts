/// <reference lib="dom" />
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Locator, Page } from 'playwright-core'
import { launchBrowser, watchConsole } from '../helpers/browser'
import { startHost } from '../helpers/headless'
import { tempDir } from '../helpers/tmp'
import { CATALOGUE_DIR, catalogueName } from '../helpers/images'

/**
 * Issue 13, point 2: "a pro tool keeps the query and its results in view together". After a
 * search the query folds into a strip (thumbnail with its region, options as chips, "Edit query");
 * the strip and the first row of results are both inside the window at 1360×880 and 1000×700, in
 * en-US and zh-CN, light and dark; the strip works from the keyboard, and a picture dropped on it
 * or pasted searches again at once. Search by name folds the same way.
 */
const SHOTS = process.env.LOUPE_SHOTS
const CASES = [
  { locale: 'en-US', width: 1360, height: 880, theme: 'dark' },
  { locale: 'en-US', width: 1000, height: 700, theme: 'light' },
  { locale: 'zh-CN', width: 1360, height: 880, theme: 'light' },
  { locale: 'zh-CN', width: 1000, height: 700, theme: 'dark' },
] as const
const PICS = [420, 421, 422, 423, 424, 425, 426, 427]

async function inView(page: Page, what: Locator, name: string): Promise<string[]> {
  const box = await what.boundingBox()
  const vp = page.viewportSize()!
  if (!box) return [`${name}: not shown`]
  if (box.y < -1 || box.y + box.height > vp.height + 1 || box.x + box.width > vp.width + 1)
    return [`${name}: outside the ${vp.width}×${vp.height} window (${JSON.stringify(box)})`]
  return []
}

/** Cards of the first row of the results grid (same top as the first card). */
async function firstRow(page: Page): Promise<Locator[]> {
  const cards = page.locator('[data-testid="results-grid"] > [data-testid^="result-"]')
  const n = await cards.count()
  const top = (await cards.first().boundingBox())!.y
  const row: Locator[] = []
  for (let i = 0; i < n; i++) {
    const b = await cards.nth(i).boundingBox()
    if (b && Math.abs(b.y - top) < 2) row.push(cards.nth(i))
  }
  return row
}

async function settle(page: Page) {
  await page.waitForFunction(() => !document.querySelector('[data-testid="results-loading"]'))
  await page.waitForTimeout(700) // the smooth scroll
}

describe('the query folds into a strip after a search', () => {
  const t = tempDir('loupe-e2e-strip-')
  let host: Awaited<ReturnType<typeof startHost>>
  let browser: Browser

  beforeAll(async () => {
    host = await startHost(path.join(t.dir, 'data'))
    for (const n of PICS) {
      const r = (await host.core.dispatch('images.add', {
        image: { path: path.join(CATALOGUE_DIR, catalogueName(n)) },
        productId: `sku-${n}`,
        picName: catalogueName(n),
        intAttr: n,
      })) as { error?: unknown }
      expect(r.error).toBeUndefined()
    }
    browser = await launchBrowser()
    if (SHOTS) fs.mkdirSync(SHOTS, { recursive: true })
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    await host?.close()
    t.cleanup()
  })

  for (const c of CASES) {
    it(`${c.locale} ${c.width}×${c.height} ${c.theme}: strip and first row of results in view; keyboard; drop and paste`, async () => {
      const page = await browser.newPage({ viewport: { width: c.width, height: c.height } })
      const errors = watchConsole(page)
      await page.addInitScript(
        ([l, th]) => {
          localStorage.setItem('loupe.locale', l)
          localStorage.setItem('loupe.theme', th)
        },
        [c.locale, c.theme],
      )
      const shot = async (name: string) => {
        if (SHOTS)
          await page.screenshot({
            path: path.join(SHOTS, `strip-${c.locale}-${c.width}-${name}.png`),
          })
      }
      await page.goto(`${host.url}/#/search`)
      await page
        .getByTestId('search-drop-input')
        .setInputFiles(path.join(CATALOGUE_DIR, catalogueName(PICS[2])))
      await page.getByTestId('region-stage').waitFor()
      // an option that shows as a chip
      await page.getByTestId('pic-opts-distinct').click()
      await page.getByTestId('search-pic').click()
      await page.getByTestId('query-strip').waitFor({ timeout: 60_000 })
      await page.getByTestId('results-grid').waitFor()
      await settle(page)
      const problems: string[] = []
      problems.push(...(await inView(page, page.getByTestId('query-strip'), 'strip')))
      const row = await firstRow(page)
      expect(row.length).toBeGreaterThan(0)
      for (const [i, card] of row.entries())
        problems.push(...(await inView(page, card, `result ${i + 1} of the first row`)))
      expect(problems).toEqual([])
      // the form is folded away; the strip shows the picture, the subject searched and the options
      expect(await page.getByTestId('search-tabs').isVisible()).toBe(false)
      await page.getByTestId('query-strip-thumb').locator('img').waitFor()
      await page.getByTestId('query-strip-box').waitFor()
      const chips = await page.getByTestId('query-strip-chips').innerText()
      if (c.locale === 'en-US') {
        expect(chips).toContain('Main subject')
        expect(chips).toContain('Category: detect')
        expect(chips).toContain('20 per page')
        expect(chips).toContain('One per product')
      } else {
        expect(chips).toContain('主体')
        expect(chips).toContain('每页 20 条')
        expect(chips).toContain('每个商品一条')
        expect(await page.getByTestId('query-strip').innerText()).not.toMatch(
          /Edit query|per page|Search with/,
        )
      }
      await shot('folded')

      // Keyboard: Tab reaches "Edit query"; Enter unfolds the form and puts the focus in it.
      const edit = page.getByTestId('query-strip-edit')
      await edit.focus()
      expect(await edit.evaluate((e) => e === document.activeElement)).toBe(true)
      await page.keyboard.press('Enter')
      await page.getByTestId('search-tabs').waitFor()
      expect(await page.getByTestId('query-strip').count()).toBe(0)
      expect(
        await page.evaluate(() =>
          document.querySelector('[data-testid="search-tabs"]')!.contains(document.activeElement),
        ),
      ).toBe(true)
      await shot('unfolded')
      // …and "Fold the query" folds it again, the focus on "Edit query".
      await page.getByTestId('query-fold').focus()
      await page.keyboard.press('Enter')
      await edit.waitFor()
      expect(await edit.evaluate((e) => e === document.activeElement)).toBe(true)

      // A picture dropped on the strip searches again at once, with the same options.
      const dropped = catalogueName(PICS[5])
      const b64 = fs.readFileSync(path.join(CATALOGUE_DIR, dropped)).toString('base64')
      await page.getByTestId('query-strip').evaluate(
        (el, [data, name]) => {
          const bin = Uint8Array.from(atob(data), (ch) => ch.charCodeAt(0))
          const dt = new DataTransfer()
          dt.items.add(new File([bin], name, { type: 'image/jpeg' }))
          el.dispatchEvent(
            new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }),
          )
        },
        [b64, dropped],
      )
      await page.waitForFunction(
        (name) =>
          document.querySelector('[data-testid="results-summary"]')?.textContent?.includes(name),
        dropped,
      )
      await settle(page)
      expect(await page.getByTestId('result-product-id').first().textContent()).toBe(
        `sku-${PICS[5]}`,
      )
      expect(await page.getByTestId('query-strip-chips').innerText()).toContain(
        c.locale === 'en-US' ? 'One per product' : '每个商品一条',
      )
      // …and so does one pasted with Ctrl+V while the query is folded.
      const pasted = catalogueName(PICS[6])
      const p64 = fs.readFileSync(path.join(CATALOGUE_DIR, pasted)).toString('base64')
      await page.evaluate(
        ([data, name]) => {
          const bin = Uint8Array.from(atob(data), (ch) => ch.charCodeAt(0))
          const dt = new DataTransfer()
          dt.items.add(new File([bin], name, { type: 'image/jpeg' }))
          window.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true }))
        },
        [p64, pasted],
      )
      await page.waitForFunction(
        (name) =>
          document.querySelector('[data-testid="results-summary"]')?.textContent?.includes(name),
        pasted,
      )
      await settle(page)
      expect(await page.getByTestId('result-product-id').first().textContent()).toBe(
        `sku-${PICS[6]}`,
      )
      expect(await page.getByTestId('search-tabs').isVisible()).toBe(false)

      // Search by name ("Similar" on a result) folds the same way, strip and results in view.
      await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight))
      await page.getByTestId('result-similar-1').click()
      await page.getByTestId('query-strip-name').waitFor()
      await settle(page)
      expect(await page.getByTestId('query-strip-name').innerText()).toContain(`sku-`)
      const again: string[] = []
      again.push(...(await inView(page, page.getByTestId('query-strip'), 'strip (by name)')))
      for (const [i, card] of (await firstRow(page)).entries())
        again.push(...(await inView(page, card, `result ${i + 1} (by name)`)))
      expect(again).toEqual([])
      await shot('by-name')
      expect(errors.filter((e) => !e.includes('Failed to load resource'))).toEqual([])
      await page.close()
    })
  }
})
