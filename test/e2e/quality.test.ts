/// <reference lib="dom" />
/**
 * The Quality view in Chromium against a headless host (local engine), with real pictures:
 * - the search-quality lab: a test set of grocery store photos (val split) against a gallery of
 *   train photos + catalogue images (test/helpers/quality-set.ts, the shared datasets when there):
 *   preview, run (a job), the summary and charts, the per-query drill-down with thumbnails and the
 *   failures filter, a second run and the comparison, the CSV / HTML exports — every figure the
 *   page shows is checked against what the core answers;
 * - the near-duplicate audit on another local profile: catalogue-hm pictures with copies planted
 *   under other ids (re-encoded, resized) and one within its product; the scan must find every
 *   planted one (its precision on the rest is reported), keep-one is staged, undone, staged again
 *   and applied, and the Gallery no longer shows the deleted copy.
 * Screenshots at 1360×880 and 1000×700 in en-US and zh-CN (LOUPE_SHOTS), each checked for layout,
 * language and raw error codes (test/helpers/screens.ts).
 */
import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import type { EvalRow, EvalSummary } from '../../electron/api/domains/eval'
import type { JobView } from '../../electron/api/domains/jobs'
import { launchBrowser, watchConsole } from '../helpers/browser'
import { startHost } from '../helpers/headless'
import { tempDir } from '../helpers/tmp'
import { call, type Dispatch } from '../helpers/dispatch'
import { catalogueName, realCatalogueDir } from '../helpers/images'
import { makeQualitySet, type QualitySet } from '../helpers/quality-set'
import {
  SCREEN_LOCALES,
  SCREEN_SIZES,
  pageProblems,
  settle,
  switchLanguageTheme,
} from '../helpers/screens'

const SHOTS = process.env.LOUPE_SHOTS
const SIZES = SCREEN_SIZES
const LOCALES = SCREEN_LOCALES
const HM = realCatalogueDir()
const hm = (n: number) => path.join(HM, catalogueName(n))

async function waitJob(dispatch: Dispatch, jobId: number): Promise<JobView> {
  for (;;) {
    const r = await call<{ settled: boolean; job: JobView }>(dispatch, 'jobs.wait', {
      jobId,
      timeoutMs: 60_000,
    })
    if (r.settled) return r.job
  }
}

interface RunAnswer {
  summary: EvalSummary
  recallByRank: number[]
  rows: EvalRow[]
  total: number
}

const pct = (v: number) =>
  new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1 }).format(v)

/** The planted duplicates: [original n, its product, the copy's product, the copy's picture]. */
const PLANTED: { n: number; product: string; copyProduct: string; copyName: string }[] = [
  { n: 3, product: 'hm-0003', copyProduct: 'dup-a', copyName: 'copy-a.jpg' },
  { n: 7, product: 'hm-0007', copyProduct: 'dup-b', copyName: 'copy-b.jpg' },
  { n: 12, product: 'hm-0012', copyProduct: 'dup-c', copyName: 'copy-c.jpg' },
  // within one product: a second, re-encoded picture of the same product
  { n: 15, product: 'hm-0015', copyProduct: 'hm-0015', copyName: 'again.jpg' },
]
const HM_COUNT = 40

describe('the Quality view in Chromium (headless host, local engine, real pictures)', () => {
  const t = tempDir('loupe-e2e-quality-')
  let host: Awaited<ReturnType<typeof startHost>>
  let browser: Browser
  let page: Page
  let errors: string[]
  let set: QualitySet
  const dispatch: Dispatch = (name, input) => host.core.dispatch(name as never, input as never)

  async function shots(name: string, scope = 'main') {
    const problems: string[] = []
    for (const locale of LOCALES) {
      await switchLanguageTheme(page, locale, 'light')
      for (const size of SIZES) {
        await page.setViewportSize(size)
        await settle(page)
        for (const p of await pageProblems(page, { locale, theme: 'light', scope }))
          problems.push(`${name} (${locale} ${size.width}×${size.height}): ${p}`)
        if (SHOTS)
          await page.screenshot({
            path: path.join(SHOTS, `${name}__${locale}__${size.width}x${size.height}.png`),
          })
      }
    }
    await switchLanguageTheme(page, 'en-US', 'light')
    await page.setViewportSize(SIZES[0]!)
    return problems
  }

  beforeAll(async () => {
    set = makeQualitySet(path.join(t.dir, 'sets'), { classes: 12, queriesPerClass: 2 })
    host = await startHost(path.join(t.dir, 'data'))
    const { jobId } = await call<{ jobId: number }>(dispatch, 'bulk.start', {
      profile: 'local',
      sources: [set.gallery],
      naming: 'folder',
      duplicates: 'add',
    })
    const job = await waitJob(dispatch, jobId)
    expect(job.state).toBe('done')
    expect(job.failed).toBe(0)

    // The audit's gallery: catalogue pictures, and re-encoded copies planted among them.
    await call(dispatch, 'profiles.create', { kind: 'local', name: 'hm' })
    for (let i = 0; i < HM_COUNT; i++)
      await call(dispatch, 'images.add', {
        profile: 'hm',
        image: { path: hm(i) },
        productId: `hm-${String(i).padStart(4, '0')}`,
        picName: catalogueName(i),
        intAttr: i,
      })
    for (const p of PLANTED) {
      const meta = await sharp(hm(p.n)).metadata()
      const copy = await sharp(hm(p.n))
        .resize(Math.round(meta.width! * 0.9))
        .jpeg({ quality: 70 })
        .toBuffer()
      await call(dispatch, 'images.add', {
        profile: 'hm',
        image: { base64: copy.toString('base64'), name: p.copyName },
        productId: p.copyProduct,
        picName: p.copyName,
      })
    }

    browser = await launchBrowser()
    page = await browser.newPage({ viewport: SIZES[0] })
    errors = watchConsole(page)
    await page.addInitScript(() => {
      if (!localStorage.getItem('loupe.locale')) localStorage.setItem('loupe.locale', 'en-US')
    })
    if (SHOTS) fs.mkdirSync(SHOTS, { recursive: true })
  }, 600_000)
  afterAll(async () => {
    await browser?.close()
    await host?.close()
    t.cleanup()
  })

  it('the lab: empty, preview, run, summary, drill-down with thumbnails, failures', async () => {
    await page.goto(`${host.url}/#/quality`)
    await page.getByTestId('eval-runs-empty').waitFor()
    expect(await shots('quality-empty')).toEqual([])

    await page.getByTestId('eval-path').locator('input').fill(set.testSet)
    await page.getByTestId('eval-preview').click()
    await page.getByTestId('eval-set-counts').waitFor()
    expect(await page.getByTestId('eval-set-counts').textContent()).toBe(
      `${set.queries} queries for ${set.classes.length} products`,
    )
    const sampled = await page.getByTestId('eval-sample-product').allTextContents()
    expect(sampled.length).toBeGreaterThan(0)
    for (const p of sampled) expect(set.classes).toContain(p)
    await page.getByTestId('eval-name').locator('input').fill('baseline')
    await page.getByTestId('eval-start').click()
    await page.getByTestId('quality-job').first().waitFor()
    // the run is shown while it runs, and once its job is done
    await page.getByTestId('eval-run').waitFor()
    await page
      .locator('[data-testid="eval-run-row"][data-state="done"]')
      .waitFor({ timeout: 180_000 })
    const runs = await call<{ runs: { runId: string; name: string }[] }>(dispatch, 'eval.runs', {})
    expect(runs.runs.map((r) => r.name)).toEqual(['baseline'])
    const runId = runs.runs[0]!.runId
    const core = await call<RunAnswer>(dispatch, 'eval.run', {
      runId,
      profile: 'local',
      limit: 1000,
    })
    expect(core.summary.answered).toBe(set.queries)

    // the figures the page shows are the core's
    const stat = (k: string) =>
      page.getByTestId(`eval-stat-${k}`).locator('.n-statistic-value').textContent()
    await page.waitForFunction(
      (want) =>
        document
          .querySelector('[data-testid="eval-stat-r1"] .n-statistic-value')
          ?.textContent?.trim() === want,
      pct(core.summary.r1),
      { timeout: 20_000 },
    )
    expect((await stat('r5'))?.trim()).toBe(pct(core.summary.r5))
    expect((await stat('notFound'))?.trim()).toBe(String(core.summary.notFound))
    expect((await stat('apiCalls'))?.trim()).toBe(String(core.summary.apiCalls))
    // the chart has one column per rank
    expect(await page.getByTestId('eval-chart-rank').locator('.rc-col').count()).toBe(
      core.recallByRank.length,
    )

    // drill-down: every query, with the query's, the expected and the first picture
    const rows = page.getByTestId('eval-row')
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid="eval-row"]').length === n,
      set.queries,
    )
    await page.waitForFunction(
      () =>
        Array.from(document.querySelectorAll('[data-testid="eval-thumb-query"]')).every(
          (e) => e.getAttribute('data-state') === 'ready',
        ),
      undefined,
      { timeout: 30_000 },
    )
    const src = await rows
      .first()
      .getByTestId('eval-thumb-query')
      .locator('img')
      .getAttribute('src')
    expect(src).toMatch(/^data:image\/jpeg;base64,/)
    // the expected picture and the first result, from Loupe's own copies, where the row has them
    await page.waitForFunction(
      () => !document.querySelector('[data-testid^="eval-thumb-"][data-state="loading"]'),
      undefined,
      { timeout: 30_000 },
    )
    const thumbStates = await rows.evaluateAll((els) =>
      els.map((e) => [
        e.querySelector('[data-testid="eval-thumb-expected"]')?.getAttribute('data-state'),
        e.querySelector('[data-testid="eval-thumb-first"]')?.getAttribute('data-state'),
      ]),
    )
    expect(thumbStates).toEqual(
      core.rows
        .slice(0, set.queries)
        .map((r) => [r.expected ? 'ready' : 'none', r.top.length ? 'ready' : 'none']),
    )
    const shownRanks = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-rank')))
    expect(shownRanks).toEqual(core.rows.slice(0, set.queries).map((r) => String(r.rank ?? '')))
    expect(await shots('quality-run')).toEqual([])

    // failures only: the rows not found first, each with its reason
    const failed = core.rows.filter((r) => r.rank !== 1)
    await page.getByTestId('eval-rows-failed').click()
    await page.waitForFunction(
      (n) =>
        document.querySelector('[data-testid="eval-rows-total"]')?.textContent?.includes(`${n}`),
      failed.length,
    )
    if (failed.length) {
      await page.waitForFunction(
        (n) => document.querySelectorAll('[data-testid="eval-row"]').length === n,
        Math.min(failed.length, 25),
      )
      const reasons = await page
        .getByTestId('eval-row-reason')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-reason')))
      expect(reasons).toEqual(
        failed
          .slice(0, 25)
          .filter((r) => r.reason)
          .map((r) => r.reason),
      )
      // Each reason in a sentence of the page's language, built from the row (ranks, ids).
      const details = await page
        .getByTestId('eval-row')
        .evaluateAll((rows) =>
          rows.map((e) => e.querySelector('[data-testid="eval-row-reason-detail"]')?.textContent),
        )
      failed.slice(0, 25).forEach((r, i) => {
        if (r.reason === 'lowRank') expect(details[i]).toContain(`Found at rank ${r.rank}, after`)
        if (r.reason === 'notFound' && r.top.length)
          expect(details[i]).toBe(`Not in the first ${r.top.length} results.`)
        if (r.reason) expect(details[i], r.query.file).toBeTruthy()
      })
      await page.waitForFunction(
        () => !document.querySelector('[data-testid^="eval-thumb-"][data-state="loading"]'),
        undefined,
        { timeout: 30_000 },
      )
      await page.getByTestId('eval-queries').scrollIntoViewIfNeeded()
      expect(await shots('quality-failures')).toEqual([])
    } else {
      await page.getByTestId('eval-rows-empty').waitFor()
    }
    await page.getByTestId('eval-rows-all').click()
  }, 300_000)

  it('a second run, the comparison, the exports', async () => {
    // the form kept the test set and its preview
    await page.getByTestId('eval-new').click()
    await page.getByTestId('eval-set-counts').waitFor()
    await page.getByTestId('eval-name').locator('input').fill('five results')
    await page.getByTestId('eval-num').locator('input').fill('5')
    await page.getByTestId('eval-num').locator('input').blur()
    await page.getByTestId('eval-start').click()
    await page.waitForFunction(
      () =>
        document.querySelectorAll('[data-testid="eval-run-row"][data-state="done"]').length === 2,
      undefined,
      { timeout: 180_000 },
    )
    const { runs } = await call<{
      runs: { runId: string; name: string; options: { crop: boolean } }[]
    }>(dispatch, 'eval.runs', {})
    const [b, a] = runs
    expect(b!.name).toBe('five results')
    // the runs list says how each run searched (subject detection on or off)
    const crops = await page
      .getByTestId('eval-run-crop')
      .evaluateAll((els) => els.map((e) => [e.getAttribute('data-crop'), e.textContent?.trim()]))
    expect(crops).toEqual(
      runs.map((r) => [
        r.options.crop ? 'on' : 'off',
        `subject detection ${r.options.crop ? 'on' : 'off'}`,
      ]),
    )
    // … and which descriptor the local profile searched with (no adapted space here: the plain one)
    const spaces = await page
      .getByTestId('eval-run-space')
      .evaluateAll((els) => els.map((e) => [e.getAttribute('data-space'), e.textContent?.trim()]))
    expect(spaces).toEqual(runs.map(() => ['0', '· plain descriptor']))
    const want = await call<{ better: unknown[]; worse: unknown[]; same: number }>(
      dispatch,
      'eval.compare',
      { a: { runId: a!.runId, profile: 'local' }, b: { runId: b!.runId, profile: 'local' } },
    )
    await page.getByTestId('eval-compare-go').click()
    await page.getByTestId('eval-compare-counts').waitFor()
    expect(await page.getByTestId('eval-compare-counts').textContent()).toContain(
      `${want.better.length} better, ${want.worse.length} worse, ${want.same} unchanged`,
    )
    await page.getByTestId('eval-compare').scrollIntoViewIfNeeded()
    expect(await shots('quality-compare')).toEqual([])

    // exports of the run shown (the second one)
    for (const format of ['csv', 'html'] as const) {
      const download = page.waitForEvent('download')
      await page.getByTestId(`eval-export-${format}`).click()
      const d = await download
      const file = path.join(t.dir, d.suggestedFilename())
      await d.saveAs(file)
      const text = fs.readFileSync(file, 'utf8')
      if (format === 'csv') {
        // a header and one line per query
        expect(text.trim().split(/\r?\n/).length).toBe(set.queries + 1)
      } else {
        expect(text).toMatch(/^<!doctype html>/i)
        expect(text).toContain('data:image/jpeg;base64,')
      }
    }
    expect(errors).toEqual([])
  }, 300_000)

  it('the audit finds every planted duplicate; keep one is staged, undone, applied; the gallery follows', async () => {
    await page.getByTestId('quality-part-duplicates').click()
    await page.waitForURL(/part=duplicates/)
    // the audit's profile, chosen in the header as a user does
    await page.getByTestId('profile-switch').click()
    await page.locator('.n-base-select-option').getByText('hm ·').click()
    await page.getByTestId('dup-never').waitFor()
    expect(await shots('quality-duplicates-empty')).toEqual([])
    // re-encoded, resized copies: a threshold of 0.9 catches them
    await page.getByTestId('dup-threshold-input').locator('input').fill('0.9')
    await page.getByTestId('dup-threshold-input').locator('input').blur()
    await page.getByTestId('dup-scan-start').click()
    await page.getByTestId('dup-status').waitFor({ timeout: 120_000 })
    await page.getByTestId('dup-preview').waitFor()
    await page.getByTestId('dup-group').first().waitFor()

    // every planted copy is in a group with its original, of the right kind
    const groups = await page.getByTestId('dup-group').evaluateAll((els) =>
      els.map((g) => ({
        id: g.getAttribute('data-group')!,
        kind: g.getAttribute('data-kind')!,
        members: Array.from(g.querySelectorAll('[data-testid="dup-member-product"]')).map((m) =>
          m.textContent!.trim(),
        ),
      })),
    )
    for (const p of PLANTED) {
      const g = groups.find(
        (x) =>
          x.members.includes(p.product) &&
          x.members.filter((m) => m === p.copyProduct).length >=
            (p.copyProduct === p.product ? 2 : 1),
      )
      expect(g, `${p.copyProduct} with ${p.product}: ${JSON.stringify(groups)}`).toBeTruthy()
      expect(g!.kind).toBe(p.copyProduct === p.product ? 'within' : 'across')
    }
    const planted = groups.filter((g) =>
      PLANTED.some((p) => g.members.includes(p.product) && g.members.includes(p.copyProduct)),
    )
    console.log(
      `duplicate audit (${path.basename(HM)}, ${HM_COUNT + PLANTED.length} pictures): ` +
        `${PLANTED.length}/${PLANTED.length} planted found; precision ${planted.length}/${groups.length} groups`,
    )
    expect(await shots('quality-duplicates')).toEqual([])

    // keep the original of the first planted pair: staged, undone, staged again, applied
    const first = PLANTED[0]!
    const group = page.getByTestId('dup-group').filter({
      has: page.getByTestId('dup-member-product').getByText(first.copyProduct, { exact: true }),
    })
    const keep = group
      .locator('.dg-m')
      .filter({
        has: page.getByTestId('dup-member-product').getByText(first.product, { exact: true }),
      })
      .getByTestId('dup-keep')
    await keep.click()
    await group.getByTestId('dup-staged').waitFor()
    expect(await page.getByTestId('dup-staged-summary').textContent()).toContain('1 to delete')
    expect(await shots('quality-duplicates-staged')).toEqual([])
    await group.getByTestId('dup-undo').click()
    await page.getByTestId('dup-staged-bar').waitFor({ state: 'detached' })
    expect((await call<{ actions: unknown[] }>(dispatch, 'duplicates.staged', {})).actions).toEqual(
      [],
    )
    // again from the keyboard: keep, Apply, Esc backs out of the confirmation, Apply, confirm
    const focused = () =>
      page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.testid ?? '')
    await keep.focus()
    await page.keyboard.press('Enter')
    await group.getByTestId('dup-staged').waitFor()
    // with it: the second copy moved to its original's id, the within-product pair not a duplicate
    const groupOf = (id: string) =>
      page.getByTestId('dup-group').filter({
        has: page.getByTestId('dup-member-product').getByText(id, { exact: true }),
      })
    const second = PLANTED[1]!
    const moving = groupOf(second.copyProduct)
    await moving.getByTestId('dup-move-to').click()
    await page.locator('.n-base-select-option').getByText(second.product, { exact: true }).click()
    await moving.getByTestId('dup-move').click()
    await moving.getByTestId('dup-staged').waitFor()
    const within = page.locator(`[data-testid="dup-group"][data-kind="within"]`).filter({
      has: page.getByTestId('dup-member-product').getByText(PLANTED[3]!.product, { exact: true }),
    })
    await within.getByTestId('dup-not').click()
    await within.getByTestId('dup-staged').waitFor()
    expect(await page.getByTestId('dup-staged-summary').textContent()).toContain(
      'Decided for 3 groups: 1 to delete, 1 to move, 1 not duplicates',
    )
    await page.getByTestId('dup-apply').focus()
    await page.keyboard.press('Enter')
    await page.getByTestId('dup-apply-confirm').waitFor()
    await page.keyboard.press('Escape')
    await page.getByTestId('dup-apply-confirm').waitFor({ state: 'hidden' })
    expect(await focused()).toBe('dup-apply')
    await page.keyboard.press('Enter')
    await page.getByTestId('dup-apply-confirm').waitFor()
    const yes = page.locator('.n-popconfirm').getByRole('button', { name: 'Apply' })
    for (let i = 0; i < 4 && !(await yes.evaluate((b) => b === document.activeElement)); i++)
      await page.keyboard.press('Tab')
    await page.keyboard.press('Enter')
    // the copy leaves the gallery (engine and cache), the original stays
    await expect
      .poll(
        async () =>
          (
            await call<{ exist: boolean }>(dispatch, 'images.exists', {
              productId: first.copyProduct,
              picName: first.copyName,
            })
          ).exist,
        { timeout: 60_000 },
      )
      .toBe(false)
    expect(
      (
        await call<{ exist: boolean }>(dispatch, 'images.exists', {
          productId: first.product,
          picName: catalogueName(first.n),
        })
      ).exist,
    ).toBe(true)
    // the moved copy is under its original's id now; the pair marked not a duplicate stays apart
    await expect
      .poll(
        async () =>
          (
            await call<{ exist: boolean }>(dispatch, 'images.exists', {
              productId: second.product,
              picName: second.copyName,
            })
          ).exist,
        { timeout: 60_000 },
      )
      .toBe(true)
    expect(
      (
        await call<{ exist: boolean }>(dispatch, 'images.exists', {
          productId: second.copyProduct,
          picName: second.copyName,
        })
      ).exist,
    ).toBe(false)
    const after = await call<{ groups: { members: { productId: string }[] }[] }>(
      dispatch,
      'duplicates.groups',
      { threshold: 0.9 },
    )
    expect(
      after.groups.some((g) => g.members.every((m) => m.productId === PLANTED[3]!.product)),
    ).toBe(false)
    // the group is gone from the review
    await page.waitForFunction(
      (id) =>
        !Array.from(document.querySelectorAll('[data-testid="dup-member-product"]')).some(
          (e) => e.textContent?.trim() === id,
        ),
      first.copyProduct,
      { timeout: 30_000 },
    )
    // and the Gallery shows the original, not the copy
    await page.getByTestId('nav').getByText('Gallery', { exact: true }).click()
    await page.getByTestId('gallery-card').first().waitFor({ timeout: 60_000 })
    await page.getByTestId('gallery-search').locator('input').fill(first.copyProduct)
    await page.waitForFunction(
      () => !document.querySelector('[data-testid="gallery-card"]'),
      undefined,
      { timeout: 15_000 },
    )
    await page.getByTestId('gallery-search').locator('input').fill(first.product)
    await page.getByTestId('gallery-card').first().waitFor({ timeout: 60_000 })
    expect(await page.getByTestId('gallery-card-product').allTextContents()).toContain(
      first.product,
    )
    expect(errors).toEqual([])
  }, 300_000)
})
