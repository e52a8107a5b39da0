/// <reference lib="dom" />
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { launchBrowser, watchConsole } from '../helpers/browser'
import { startHost } from '../helpers/headless'
import { tempDir } from '../helpers/tmp'
import { CATALOGUE_DIR, catalogueName } from '../helpers/images'

const SHOTS = process.env.LOUPE_SHOTS
const SIZES = [
  { width: 1000, height: 700 },
  { width: 1360, height: 880 },
] as const
const VIEWS = [
  'search',
  'gallery',
  'add',
  'add?mode=bulk',
  'folders',
  'tasks',
  'instance',
  'profiles',
  'settings',
] as const

/**
 * What the page shows wider than the window, and controls that stick out of their card: a
 * button, input or table cell whose box goes past its card's right (or left) edge.
 */
async function layoutProblems(page: Page, scope = 'main'): Promise<string[]> {
  return page.evaluate((scope) => {
    const out: string[] = []
    const se = document.scrollingElement!
    if (se.scrollWidth > se.clientWidth + 1)
      out.push(`page scrolls sideways: ${se.scrollWidth} > ${se.clientWidth}`)
    const main = document.querySelector('main.main') as HTMLElement | null
    if (main) {
      const box = main.getBoundingClientRect()
      if (box.right > window.innerWidth + 1)
        out.push(`main ends at ${Math.round(box.right)} > ${window.innerWidth}`)
    }
    const controls = document.querySelectorAll<HTMLElement>(
      ['button', 'input', '.n-input', '.n-base-selection', 'th', 'td', '.n-tag']
        .map((c) => `${scope} ${c}`)
        .join(', '),
    )
    for (const el of Array.from(controls)) {
      const card = el.closest('.n-card') as HTMLElement | null
      const r = el.getBoundingClientRect()
      if (r.width === 0 || r.height === 0) continue
      // Inside a container that scrolls sideways on purpose (a wide table), clipping is fine
      // only when that container is itself within the card — checked for the container instead.
      let scroller: HTMLElement | null = el.parentElement
      while (scroller && scroller !== card) {
        const cs = getComputedStyle(scroller)
        if (
          /(auto|scroll|hidden)/.test(cs.overflowX) &&
          scroller.scrollWidth > scroller.clientWidth + 1
        )
          break
        scroller = scroller.parentElement
      }
      if (scroller && scroller !== card) {
        if (el.tagName === 'TH' || el.tagName === 'TD') {
          const s = scroller.getBoundingClientRect()
          if (r.right > s.right + 1 && !scroller.dataset.reported) {
            scroller.dataset.reported = '1'
            out.push(
              `table scrolls sideways (${scroller.scrollWidth} > ${scroller.clientWidth}): ${(scroller.closest('[data-testid]') as HTMLElement | null)?.dataset.testid ?? scroller.className}`,
            )
          }
        }
        continue
      }
      const limit = card ? card.getBoundingClientRect() : { left: 0, right: window.innerWidth }
      if (r.right > limit.right + 1 || r.left < limit.left - 1) {
        const id =
          el.dataset.testid ??
          (el.closest('[data-testid]') as HTMLElement | null)?.dataset.testid ??
          el.className
        out.push(
          `${el.tagName.toLowerCase()} ${id} (${Math.round(r.left)}–${Math.round(r.right)}) outside ${card ? 'its card' : 'the window'} (${Math.round(limit.left)}–${Math.round(limit.right)})`,
        )
      }
    }
    document
      .querySelectorAll<HTMLElement>('[data-reported]')
      .forEach((e) => delete e.dataset.reported)
    return out
  }, scope)
}

describe('every view at 1000×700 and 1360×880, en-US and zh-CN', () => {
  const t = tempDir('loupe-e2e-layout-')
  let host: Awaited<ReturnType<typeof startHost>>
  let browser: Browser
  let jobId = 0

  beforeAll(async () => {
    host = await startHost(path.join(t.dir, 'data'))
    for (const n of [400, 401, 402, 403, 404, 405]) {
      const r = (await host.core.dispatch('images.add', {
        image: { path: path.join(CATALOGUE_DIR, catalogueName(n)) },
        productId: `sku-${n % 3}`,
        picName: catalogueName(n),
        strAttr: 'catalogue',
      })) as { error?: unknown }
      expect(r.error).toBeUndefined()
    }
    // one finished bulk job, for the Jobs drawer
    const src = path.join(t.dir, 'src', 'p')
    fs.mkdirSync(src, { recursive: true })
    for (const n of [410, 411, 412])
      fs.copyFileSync(path.join(CATALOGUE_DIR, catalogueName(n)), path.join(src, `${n}.jpg`))
    const started = (await host.core.dispatch('bulk.start', {
      profile: 'local',
      sources: [src],
    })) as {
      result: { jobId: number }
    }
    jobId = started.result.jobId
    browser = await launchBrowser()
    if (SHOTS) fs.mkdirSync(SHOTS, { recursive: true })
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    await host?.close()
    t.cleanup()
  })

  for (const locale of ['en-US', 'zh-CN'] as const) {
    for (const size of SIZES) {
      const theme = size.width === 1000 ? 'light' : 'dark'
      it(`${locale} ${size.width}×${size.height} ${theme}: no view is wider than the window`, async () => {
        const page = await browser.newPage({ viewport: size })
        const errors = watchConsole(page)
        await page.addInitScript(
          ([l, th]) => {
            localStorage.setItem('loupe.locale', l)
            localStorage.setItem('loupe.theme', th)
          },
          [locale, theme],
        )
        const problems: string[] = []
        for (const view of VIEWS) {
          await page.goto(`${host.url}/#/${view}`)
          await page.locator('main.main h2').first().waitFor()
          await page.waitForLoadState('networkidle')
          await page.waitForTimeout(150)
          if (view === 'search') {
            // a filter row in the options card: value box and × stay inside the card
            await page.getByTestId('pic-opts-filter-add').click()
            await page.getByTestId('pic-opts-filter-value-0').waitFor()
          }
          for (const p of await layoutProblems(page)) problems.push(`${view}: ${p}`)
          if (view === 'search') {
            // after a search its results are in view (no scrolling to find them)
            await page.getByTestId('search-tabs').locator('.n-tabs-tab').nth(2).click()
            await page.getByTestId('filter-query-mode-raw').click()
            const raw = page.getByTestId('filter-query-raw').locator('textarea')
            await raw.fill('str_attr = "catalogue"')
            await raw.press('Enter')
            await page.getByTestId('results-summary').waitFor()
            await page.waitForTimeout(700)
            const box = await page.getByTestId('results-summary').boundingBox()
            if (!box || box.y < 0 || box.y + box.height > size.height)
              problems.push(`search: the results are not in view (${JSON.stringify(box)})`)
          }
          if (view === 'add') {
            // the primary action is in view without scrolling (sticky bar)
            const box = await page.getByTestId('add-submit').boundingBox()
            if (!box || box.y < 0 || box.y + box.height > size.height)
              problems.push(`add: "Add to the gallery" is not in view (${JSON.stringify(box)})`)
          }
          if (SHOTS)
            await page.screenshot({
              path: path.join(SHOTS, `${locale}-${size.width}-${view.replace(/\W+/g, '_')}.png`),
            })
        }
        // the Jobs drawer's per-file table keeps its detail column in view
        await page.getByTestId('jobs-indicator').click()
        await page.getByTestId(`jobs-drawer-job-${jobId}`).waitFor()
        if (!(await page.getByTestId(`job-panel-${jobId}`).isVisible()))
          await page.getByTestId(`jobs-drawer-job-${jobId}`).locator('.ji-row').click()
        await page.locator('.n-drawer [data-testid="job-items"]').waitFor()
        await page.waitForTimeout(300)
        for (const p of await layoutProblems(page, '.n-drawer')) problems.push(`jobs drawer: ${p}`)
        if (SHOTS)
          await page.screenshot({ path: path.join(SHOTS, `${locale}-${size.width}-jobs.png`) })
        await page.keyboard.press('Escape')
        // the sidebar shows icons only in a narrow window, and every icon keeps its name
        const sider = page.getByTestId('sider')
        expect(await sider.getAttribute('data-collapsed')).toBe(
          size.width < 1100 ? 'true' : 'false',
        )
        const labels = await page
          .locator('[data-nav]')
          .evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')))
        expect(labels).toHaveLength(8)
        expect(labels.every((l) => !!l)).toBe(true)
        expect(problems).toEqual([])
        expect(errors).toEqual([])
        await page.close()
      })
    }
  }

  it('the sidebar toggle works from the keyboard and is remembered', async () => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 700 } })
    await page.goto(`${host.url}/#/gallery`)
    const sider = page.getByTestId('sider')
    await sider.waitFor()
    expect(await sider.getAttribute('data-collapsed')).toBe('true')
    const toggle = page.getByTestId('sider-toggle')
    expect(await toggle.getAttribute('aria-label')).toBe('Expand the sidebar')
    await toggle.focus()
    await page.keyboard.press('Enter')
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid="sider"]')?.getAttribute('data-collapsed') === 'false',
    )
    expect(await toggle.getAttribute('aria-label')).toBe('Collapse the sidebar')
    await page.reload()
    await sider.waitFor()
    expect(await sider.getAttribute('data-collapsed')).toBe('false')
    // a wide window keeps its own default (expanded)
    await page.setViewportSize({ width: 1360, height: 880 })
    expect(await sider.getAttribute('data-collapsed')).toBe('false')
    await page.close()
  })
})
