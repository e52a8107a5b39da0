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
 * Issue 13, point 2: the primary action in view. After Preview of a folder of catalogue photos
 * the plan is longer than the window, yet "Add N pictures" is inside the window (a sticky bar at
 * its bottom) at 1000×700 and 1360×880, and it works from the keyboard; single add's "Add to the
 * gallery" likewise.
 *
 * The photos: the real catalogue-hm set (1,006 fashion photos) when the datasets are there
 * (`LOUPE_DATASETS`, else ../shared/datasets beside the checkout; see bench/README.md), else the
 * generated catalogue pictures the other tests use — the test runs either way and says which.
 */
const SHOTS = process.env.LOUPE_SHOTS
const REPO = path.resolve(import.meta.dirname, '../..')
const HM = [process.env.LOUPE_DATASETS, path.resolve(REPO, '../shared/datasets')]
  .filter((d): d is string => !!d)
  .map((d) => path.join(d, 'catalogue-hm'))
  .find((d) => fs.existsSync(path.join(d, 'item0000.jpg')))
const SOURCE = HM ?? CATALOGUE_DIR
const SOURCE_NAME = HM ? 'catalogue-hm photos' : 'generated catalogue pictures'
const PER_RUN = 36

const CASES = [
  { width: 1000, height: 700, locale: 'en-US', theme: 'light', first: 0 },
  { width: 1360, height: 880, locale: 'zh-CN', theme: 'dark', first: 100 },
] as const

/** Inside the window and on top there (the centre of the button is the button itself). */
async function visibleInWindow(page: Page, el: Locator, name: string): Promise<string[]> {
  const box = await el.boundingBox()
  const vp = page.viewportSize()!
  if (!box) return [`${name}: not shown`]
  const out: string[] = []
  if (box.y < 0 || box.y + box.height > vp.height || box.x < 0 || box.x + box.width > vp.width)
    out.push(`${name}: outside the ${vp.width}×${vp.height} window (${JSON.stringify(box)})`)
  const onTop = await el.evaluate((e) => {
    const r = e.getBoundingClientRect()
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2)
    return !!hit && e.contains(hit)
  })
  if (!onTop) out.push(`${name}: covered by another element`)
  return out
}

describe(`the primary action stays in view (${SOURCE_NAME})`, () => {
  const t = tempDir('loupe-e2e-sticky-')
  let host: Awaited<ReturnType<typeof startHost>>
  let browser: Browser

  beforeAll(async () => {
    for (const c of CASES) {
      const dir = path.join(t.dir, `photos-${c.width}`)
      fs.mkdirSync(dir, { recursive: true })
      for (let i = 0; i < PER_RUN; i++) {
        const name = catalogueName(c.first + i)
        fs.copyFileSync(path.join(SOURCE, name), path.join(dir, name))
        // The datasets are read-only (0444), and playwright's setInputFiles stalls on such files.
        fs.chmodSync(path.join(dir, name), 0o644)
      }
      const one = catalogueName(c.first + PER_RUN)
      fs.copyFileSync(path.join(SOURCE, one), path.join(t.dir, one))
      fs.chmodSync(path.join(t.dir, one), 0o644)
    }
    host = await startHost(path.join(t.dir, 'data'))
    browser = await launchBrowser()
    if (SHOTS) fs.mkdirSync(SHOTS, { recursive: true })
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    await host?.close()
    t.cleanup()
  })

  for (const c of CASES) {
    it(`${c.locale} ${c.width}×${c.height}: "Add ${PER_RUN} pictures" after Preview and "Add to the gallery", in view and by keyboard`, async () => {
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
            path: path.join(SHOTS, `sticky-${c.locale}-${c.width}-${name}.png`),
          })
      }

      // Bulk add: a folder, Preview, then the plan.
      await page.goto(`${host.url}/#/add`)
      await page.getByTestId('add-tab-bulk').click()
      await page
        .getByTestId('bulk-folder-input')
        .setInputFiles(path.join(t.dir, `photos-${c.width}`))
      await page.getByTestId('bulk-files').waitFor({ timeout: 60_000 })
      await page.getByTestId('bulk-preview').click()
      const start = page.getByTestId('bulk-start')
      await page.waitForFunction(
        () => !document.querySelector('[data-testid="bulk-start"]')?.hasAttribute('disabled'),
        undefined,
        { timeout: 120_000 },
      )
      await page.waitForTimeout(800) // the preview card's smooth scroll into view
      expect(await start.textContent()).toContain(
        c.locale === 'en-US' ? `Add ${PER_RUN} pictures` : `添加 ${PER_RUN} 张图片`,
      )
      expect(await visibleInWindow(page, start, 'bulk "Add N pictures"')).toEqual([])
      // The page is taller than the window; at its top (the naming options on screen) and at its
      // bottom the button is in view all the same.
      const scroller = page
        .locator('main.main')
        .locator('xpath=ancestor::div[contains(@class,"n-scrollbar-container")][1]')
      const extent = await scroller.evaluate((e) => e.scrollHeight - e.clientHeight)
      expect(extent).toBeGreaterThan(200)
      for (const [where, top] of [
        ['top', 0],
        ['bottom', extent],
      ] as const) {
        await scroller.evaluate((e, y) => e.scrollTo({ top: y }), top)
        await page.waitForTimeout(200)
        expect(await visibleInWindow(page, start, `bulk "Add N pictures" (page ${where})`)).toEqual(
          [],
        )
        if (where === 'top') {
          await shot('bulk-top')
        }
      }
      await shot('bulk-preview')
      // The keyboard starts the job.
      await start.focus()
      expect(await start.evaluate((e) => e === document.activeElement)).toBe(true)
      await page.keyboard.press('Enter')
      await page.getByTestId('job-done').waitFor({ timeout: 180_000 })
      expect(await page.getByTestId('job-stats').textContent()).toContain(
        c.locale === 'en-US' ? `${PER_RUN} added` : `${PER_RUN}`,
      )
      const detail = (await host.core.dispatch('instance.detail', {})) as {
        result: { instance: { totalCount: number } }
      }
      // this case's pictures, those of the cases before and their single adds
      const before = CASES.findIndex((x) => x === c)
      expect(detail.result.instance.totalCount).toBe(PER_RUN * (before + 1) + before)

      // Single add: a picture chosen, "Add to the gallery" in view, pressed with Enter.
      await page.goto(`${host.url}/#/add`)
      await page.getByTestId('add-tab-single').click()
      const one = catalogueName(c.first + PER_RUN)
      await page.getByTestId('add-drop-input').setInputFiles(path.join(t.dir, one))
      await page.getByTestId('region-stage').waitFor()
      await page.getByTestId('add-product-id').locator('input').fill(`single-${c.width}`)
      await page.waitForTimeout(200)
      const submit = page.getByTestId('add-submit')
      expect(await visibleInWindow(page, submit, '"Add to the gallery"')).toEqual([])
      await shot('single')
      await submit.focus()
      await page.keyboard.press('Enter')
      await page.getByTestId('add-outcome').waitFor({ timeout: 60_000 })
      const exists = (await host.core.dispatch('images.exists', {
        productId: `single-${c.width}`,
        picName: one,
      })) as { result: { exist: boolean } }
      expect(exists.result.exist).toBe(true)
      expect(errors.filter((e) => !e.includes('Failed to load resource'))).toEqual([])
      await page.close()
    })
  }
})
