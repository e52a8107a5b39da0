/// <reference lib="dom" />
/**
 * The screenshot suite: every view and its states (empty, with real content, one error each)
 * in en-US / zh-CN × light / dark at 1000×700 and 1360×880, in one browser page against one
 * headless host in remote mode (its sign-in screen is the first view). Language, theme and size
 * are switched in place. Each state fails on a page that scrolls sideways, a control clipped by
 * its card or the window, an untranslated word on a zh-CN page, an error code without its title
 * (test/helpers/screens.ts). With LOUPE_SHOTS=dir every state is kept as
 * `<state>__<locale>__<theme>__<w>x<h>.png` (scripts/contact-sheet.ts tiles them).
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { launchBrowser, watchConsole } from '../helpers/browser'
import { RENDERER_DIR, rendererBuilt } from '../helpers/headless'
import { tempDir } from '../helpers/tmp'
import { catalogueName, realCatalogueDir } from '../helpers/images'
import {
  SCREEN_LOCALES,
  SCREEN_SIZES,
  pageProblems,
  settle,
  switchLanguageTheme,
  type Theme,
} from '../helpers/screens'
import { startHeadless } from '../../electron/server/headless'

const SHOTS = process.env.LOUPE_SHOTS
const SIZES = SCREEN_SIZES
const LOCALES = SCREEN_LOCALES
const THEMES: Theme[] = ['light', 'dark']
const ALL = SIZES.flatMap((size) =>
  LOCALES.flatMap((locale) => THEMES.map((theme) => ({ size, locale, theme }))),
)
/** Every combination, in CI too (issue 13: en-US/zh-CN × light/dark × both window sizes). */
const COMBOS = ALL
type Combo = (typeof COMBOS)[number]
const label = (c: Combo) => `${c.locale} ${c.theme} ${c.size.width}×${c.size.height}`

const PICS = realCatalogueDir()
const pic = (n: number) => path.join(PICS, catalogueName(n))

/** One state of a view: how to get there from anywhere, and what to check. */
interface State {
  name: string
  open: (page: Page, c: Combo) => Promise<void>
  /** Where controls are checked for clipping (default: the view). */
  scope?: string
  /** What else must hold in this state (a problem line each). */
  check?: (page: Page, c: Combo) => Promise<string[]>
  /** Back to a neutral state afterwards (close a drawer or dialog). */
  close?: (page: Page) => Promise<void>
}

/** `testid` is within the window (no scrolling to find it). */
async function inView(page: Page, testid: string, c: Combo): Promise<string[]> {
  const box = await page.getByTestId(testid).first().boundingBox()
  return box && box.y >= 0 && box.y + box.height <= c.size.height
    ? []
    : [`${testid} is not in view (${JSON.stringify(box)})`]
}

async function go(page: Page, route: string, ready: string) {
  await page.evaluate((r) => (location.hash = r), `#/${route}`)
  await page.getByTestId(ready).first().waitFor()
}
/** Esc closes the drawer or dialog on top. */
const escape = async (page: Page) => {
  await page.keyboard.press('Escape')
  await page.waitForFunction(() => !document.querySelector('.n-drawer, .n-modal'))
}

const EMPTY: State[] = [
  { name: 'search-empty', open: (p) => go(p, 'search', 'search-tabs') },
  { name: 'gallery-empty', open: (p) => go(p, 'gallery', 'gallery-empty') },
  { name: 'tasks-empty', open: (p) => go(p, 'tasks', 'batch-tasks') },
  { name: 'watch-empty', open: (p) => go(p, 'folders', 'folders-empty') },
  { name: 'quality-empty', open: (p) => go(p, 'quality', 'eval-runs-empty') },
  { name: 'duplicates-empty', open: (p) => go(p, 'quality?part=duplicates', 'dup-never') },
  {
    name: 'jobs-empty',
    open: async (p) => {
      await p.getByTestId('jobs-indicator').click()
      await p.locator('.n-drawer').waitFor()
    },
    scope: '.n-drawer',
    close: escape,
  },
]

describe('the screenshot suite: every view, en-US/zh-CN × light/dark × 1360×880/1000×700', () => {
  const t = tempDir('loupe-e2e-layout-')
  let host: Awaited<ReturnType<typeof startHeadless>>
  let browser: Browser
  let page: Page
  let errors: string[]
  const ids = { done: 0, failed: 0 }
  const fake = path.join(t.dir, 'not-a-picture.jpg')

  const CONTENT: State[] = [
    {
      name: 'search',
      // the search (picture, query strip, results) is kept by its store
      open: (p) => go(p, 'search', 'results-grid'),
      // after a search its results are in view
      check: (p, c) => inView(p, 'results-summary', c),
    },
    {
      name: 'add-error',
      open: async (p) => {
        await go(p, 'add', 'add-tabs')
        await p.getByTestId('add-drop-input').setInputFiles(fake)
        await p.getByTestId('image-drop-problem').waitFor()
      },
    },
    {
      name: 'add',
      open: async (p) => {
        await go(p, 'add', 'add-tabs')
        await p.getByTestId('add-drop-input').setInputFiles(pic(12))
        await p.getByTestId('region-stage').waitFor()
      },
      // the primary action is in view without scrolling (sticky bar)
      check: (p, c) => inView(p, 'add-submit', c),
    },
    {
      name: 'bulk',
      open: (p) => go(p, 'add?mode=bulk', 'bulk-counts'),
      // after Preview, "Add N pictures" is in view (sticky bar)
      check: (p, c) => inView(p, 'bulk-start', c),
    },
    { name: 'gallery', open: (p) => go(p, 'gallery', 'gallery-card') },
    {
      name: 'gallery-detail',
      open: async (p) => {
        await go(p, 'gallery', 'gallery-card')
        await p.getByTestId('gallery-card').first().click()
        await p.getByTestId('gallery-detail').waitFor()
      },
      scope: '.n-drawer',
      close: escape,
    },
    {
      name: 'gallery-error',
      open: async (p) => {
        await go(p, 'gallery', 'gallery-card')
        await p.getByTestId('gallery-filter').locator('input').fill('int_attr >> 4')
        await p.getByTestId('gallery-filter-error').waitFor()
      },
      close: async (p) => {
        await p.getByTestId('gallery-filter').locator('input').fill('')
      },
    },
    { name: 'tasks', open: (p) => go(p, 'tasks', 'batch-tasks') },
    { name: 'watch', open: (p) => go(p, 'folders', 'folders-list') },
    { name: 'instance', open: (p) => go(p, 'instance', 'instance-name') },
    {
      name: 'quality',
      open: async (p) => {
        await go(p, 'quality', 'eval-run-open')
        await p.getByTestId('eval-run-open').first().click()
        await p.getByTestId('eval-row').first().waitFor()
      },
    },
    {
      name: 'quality-error',
      open: async (p) => {
        await go(p, 'quality', 'eval-runs')
        // the lab shows the run chosen before: back to a new run
        if (await p.getByTestId('eval-new').isVisible()) await p.getByTestId('eval-new').click()
        await p.getByTestId('eval-path').locator('input').fill(path.join(t.dir, 'no-such-set'))
        await p.getByTestId('eval-preview').click()
        // a test set that is not there: no query, the reason explained
        await p.getByTestId('eval-set-problem').first().waitFor()
      },
      close: async (p) => {
        await p.getByTestId('eval-path').locator('input').fill('')
      },
    },
    {
      name: 'duplicates',
      open: async (p) => {
        await go(p, 'quality?part=duplicates', 'dup-status')
        await p.getByTestId('dup-groups-total').waitFor()
      },
    },
    {
      name: 'jobs',
      open: async (p) => {
        await p.getByTestId('jobs-indicator').click()
        await openJob(p, ids.done)
      },
      scope: '.n-drawer',
      close: escape,
    },
    {
      name: 'jobs-failed',
      open: async (p) => {
        await p.getByTestId('jobs-indicator').click()
        await openJob(p, ids.failed)
      },
      scope: '.n-drawer',
      close: escape,
    },
    { name: 'profiles', open: (p) => go(p, 'profiles', 'profile-card-shop') },
    {
      name: 'profile-error',
      open: async (p) => {
        await go(p, 'profiles', 'profile-card-shop')
        await p.getByTestId('profile-test-shop').click()
        await p.getByTestId('profile-test-result-shop').getByTestId('error-alert').waitFor()
      },
    },
    {
      name: 'profile-form',
      open: async (p) => {
        await go(p, 'profiles', 'profile-new')
        await p.getByTestId('profile-new').click()
        await p.getByTestId('profile-form').waitFor()
      },
      scope: '.n-modal',
      close: escape,
    },
    {
      name: 'copy-dialog',
      open: async (p) => {
        await go(p, 'profiles', 'profile-copy-local')
        await p.getByTestId('profile-copy-local').click()
        await p.getByTestId('copy-dialog').waitFor()
      },
      scope: '.n-modal',
      close: escape,
    },
    { name: 'settings', open: (p) => go(p, 'settings', 'security') },
  ]

  async function openJob(p: Page, jobId: number) {
    await p.getByTestId(`jobs-drawer-job-${jobId}`).waitFor()
    if (!(await p.getByTestId(`job-panel-${jobId}`).isVisible()))
      await p.getByTestId(`jobs-drawer-job-${jobId}`).locator('.ji-row').click()
    await p.getByTestId(`job-panel-${jobId}`).locator('[data-testid="job-items"]').waitFor()
  }

  /** Walks `states` in every combination; returns the problems found, one line each. */
  async function walk(states: State[]): Promise<string[]> {
    const problems: string[] = []
    for (const c of COMBOS) {
      await page.setViewportSize(c.size)
      await switchLanguageTheme(page, c.locale, c.theme)
      for (const s of states) {
        await s.open(page, c)
        await settle(page)
        for (const p of await pageProblems(page, {
          locale: c.locale,
          theme: c.theme,
          scope: s.scope,
        }))
          problems.push(`${s.name} (${label(c)}): ${p}`)
        for (const p of (await s.check?.(page, c)) ?? [])
          problems.push(`${s.name} (${label(c)}): ${p}`)
        await shot(s.name, c)
        await s.close?.(page)
      }
    }
    return problems
  }

  async function shot(name: string, c: Combo) {
    if (!SHOTS) return
    await page.screenshot({
      path: path.join(
        SHOTS,
        `${name}__${c.locale}__${c.theme}__${c.size.width}x${c.size.height}.png`,
      ),
    })
  }

  beforeAll(async () => {
    if (!rendererBuilt()) throw new Error('Run `npx electron-vite build` first')
    fs.writeFileSync(fake, 'this is a text file with a picture’s name\n')
    host = await startHeadless({
      dataDir: path.join(t.dir, 'data'),
      host: '127.0.0.1',
      auth: 'required',
      port: 0,
      rendererDir: RENDERER_DIR,
      log: () => {},
      control: false,
      sessions: { signInFailures: { max: 100, windowMs: 60_000 } },
    })
    browser = await launchBrowser()
    page = await browser.newPage({ viewport: SIZES[0] })
    errors = watchConsole(page)
    if (SHOTS) fs.mkdirSync(SHOTS, { recursive: true })
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    await host?.close()
    t.cleanup()
  })

  it('the sign-in screen of remote mode, and a wrong token', async () => {
    const problems: string[] = []
    await page.goto(`${host.url}/#/search`)
    for (const c of COMBOS) {
      await page.setViewportSize(c.size)
      await page.evaluate(
        ([l, th]) => {
          localStorage.setItem('loupe.locale', l)
          localStorage.setItem('loupe.theme', th)
        },
        [c.locale, c.theme],
      )
      await page.reload()
      await page.getByTestId('signin-token').waitFor()
      await settle(page)
      for (const p of await pageProblems(page, { locale: c.locale, theme: c.theme, scope: 'body' }))
        problems.push(`sign-in (${label(c)}): ${p}`)
      await shot('sign-in', c)
      await page.getByTestId('signin-token').locator('input').fill('not-a-token')
      await page.getByTestId('signin-submit').click()
      await page.getByTestId('signin-error').waitFor()
      await settle(page)
      for (const p of await pageProblems(page, { locale: c.locale, theme: c.theme, scope: 'body' }))
        problems.push(`sign-in-error (${label(c)}): ${p}`)
      await shot('sign-in-error', c)
    }
    // the rest of the suite runs signed in, starting from the last combination
    await page.getByTestId('signin-token').locator('input').fill(host.auth.createdToken!.token)
    await page.getByTestId('signin-submit').click()
    await page.getByTestId('nav').waitFor()
    expect(problems).toEqual([])
  }, 120_000)

  it('the empty states: no pictures, no tasks, no watched folders, no jobs', async () => {
    expect(await walk(EMPTY)).toEqual([])
  }, 120_000)

  it('every view with real content and one error each', async () => {
    // a gallery of catalogue photos
    for (let i = 0; i < 18; i++) {
      const r = (await host.core.dispatch('images.add', {
        image: { path: pic(i) },
        productId: `hm-${String(100 + (i >> 1)).padStart(4, '0')}`,
        picName: catalogueName(i),
        intAttr: i,
        strAttr: i % 2 ? 'summer' : 'basics',
      })) as { error?: unknown }
      expect(r.error).toBeUndefined()
    }
    // a finished bulk job (3 pictures), a watched folder
    const src = path.join(t.dir, 'drop', 'new-arrivals')
    fs.mkdirSync(src, { recursive: true })
    for (const n of [30, 31, 32]) fs.copyFileSync(pic(n), path.join(src, catalogueName(n)))
    const done = (await host.core.dispatch('bulk.start', { profile: 'local', sources: [src] })) as {
      result: { jobId: number }
    }
    ids.done = done.result.jobId
    const watched = path.join(t.dir, 'watched')
    fs.mkdirSync(path.join(watched, 'coats'), { recursive: true })
    for (const n of [40, 41]) fs.copyFileSync(pic(n), path.join(watched, 'coats', catalogueName(n)))
    expect(
      ((await host.core.dispatch('watch.add', { folder: watched })) as { error?: unknown }).error,
    ).toBeUndefined()
    // a cloud profile whose endpoint does not answer, and a job on it that fails
    const created = (await host.core.dispatch('profiles.create', {
      kind: 'cloud',
      name: 'shop',
      cloud: {
        instanceName: 'shopinst',
        endpoint: '127.0.0.1:9',
        protocol: 'http',
        accessKeyId: 'LTAI5tExampleKey01',
        accessKeySecret: 'example-secret-0123456789',
      },
    })) as { error?: unknown }
    expect(created.error).toBeUndefined()
    const failSrc = path.join(t.dir, 'drop', 'to-the-cloud')
    fs.mkdirSync(failSrc, { recursive: true })
    for (const n of [50, 51]) fs.copyFileSync(pic(n), path.join(failSrc, catalogueName(n)))
    const failed = (await host.core.dispatch('bulk.start', {
      profile: 'shop',
      sources: [failSrc],
    })) as { result: { jobId: number } }
    ids.failed = failed.result.jobId
    for (let i = 0; i < 300; i++) {
      const list = (await host.core.dispatch('jobs.list', {})) as {
        result: { jobs: { jobId: number; state: string }[] }
      }
      const states = list.result.jobs.map((j) => j.state)
      if (states.length >= 2 && states.every((s) => !/queued|running|paused/.test(s))) break
      await new Promise((r) => setTimeout(r, 100))
    }
    // a run of the search-quality lab (a test set of pictures of the gallery, one folder per
    // product) and a near-duplicate audit with one planted copy (Quality)
    const testSet = path.join(t.dir, 'testset')
    for (const n of [0, 3, 5]) {
      const dir = path.join(testSet, `hm-${String(100 + (n >> 1)).padStart(4, '0')}`)
      fs.mkdirSync(dir, { recursive: true })
      fs.copyFileSync(pic(n), path.join(dir, catalogueName(n)))
    }
    const run = (await host.core.dispatch('eval.start', {
      path: testSet,
      profiles: ['local'],
      name: 'spring check',
    })) as { result: { jobId: number } }
    await host.core.dispatch('jobs.wait', { jobId: run.result.jobId, timeoutMs: 60_000 })
    expect(
      (
        (await host.core.dispatch('images.add', {
          image: { path: pic(2) },
          productId: 'hm-copy',
          picName: 'copy.jpg',
        })) as { error?: unknown }
      ).error,
    ).toBeUndefined()
    const scan = (await host.core.dispatch('duplicates.scan', { profile: 'local' })) as {
      result: { jobId: number }
    }
    await host.core.dispatch('jobs.wait', { jobId: scan.result.jobId, timeoutMs: 60_000 })
    // a metadata export of the local engine (Tasks)
    expect(
      ((await host.core.dispatch('tasks.dumpCreate', { profile: 'local' })) as { error?: unknown })
        .error,
    ).toBeUndefined()
    // the app starts over with the new profile (its store reads the list once)
    await page.reload()
    await page.getByTestId('nav').waitFor()
    // a search with results (a picture), and a previewed bulk add (kept by their stores)
    await page.evaluate(() => (location.hash = '#/search'))
    await page.getByTestId('search-drop-input').setInputFiles(pic(3))
    await page.getByTestId('region-stage').waitFor()
    await page.getByTestId('search-pic').click()
    await page.getByTestId('results-grid').waitFor({ timeout: 60_000 })
    await go(page, 'add?mode=bulk', 'add-bulk')
    const bulkDir = path.join(t.dir, 'drop', 'spring')
    for (const [i, n] of [5, 60, 61, 62, 63].entries()) {
      const sub = path.join(bulkDir, i < 3 ? 'dresses' : 'shirts')
      fs.mkdirSync(sub, { recursive: true })
      fs.copyFileSync(pic(n), path.join(sub, catalogueName(n)))
    }
    await page.getByTestId('bulk-folder-input').setInputFiles(bulkDir)
    await page.getByTestId('bulk-preview').click()
    await page.getByTestId('bulk-counts').waitFor({ timeout: 60_000 })

    expect(await walk(CONTENT)).toEqual([])
    expect(errors.filter((e) => !/status of 40[0-9]/.test(e))).toEqual([])
  }, 300_000)

  /** Signed in, in English and light, the sidebar's own choices forgotten. */
  async function freshShell() {
    await page.goto(`${host.url}/#/gallery`)
    await page.evaluate(() => {
      localStorage.setItem('loupe.locale', 'en-US')
      localStorage.setItem('loupe.theme', 'light')
      localStorage.removeItem('loupe.sidebar.narrow')
      localStorage.removeItem('loupe.sidebar.wide')
    })
    await page.reload()
    await page.locator('[data-testid="sign-in"], [data-testid="sider"]').first().waitFor()
    if (await page.getByTestId('sign-in').isVisible()) {
      await page.getByTestId('signin-token').locator('input').fill(host.auth.createdToken!.token)
      await page.getByTestId('signin-submit').click()
    }
    await page.getByTestId('sider').waitFor()
  }

  it('the collapsed sidebar highlights only the new view after navigating', async () => {
    await page.setViewportSize({ width: 1000, height: 700 })
    await freshShell()
    expect(await page.getByTestId('sider').getAttribute('data-collapsed')).toBe('true')
    for (const [from, to] of [
      ['gallery', 'tasks'],
      ['tasks', 'search'],
    ]) {
      await page.locator(`[data-nav="${from}"]`).click()
      await page.waitForFunction((f) => location.hash === `#/${f}`, from)
      await page.waitForTimeout(400)
      // every frame for 0.8 s from the click on the next item: which items look selected
      await page.evaluate(() => {
        const w = window as unknown as { frames_: [number, string][]; clickAt: number }
        w.frames_ = []
        w.clickAt = Infinity
        document.addEventListener('click', () => (w.clickAt = performance.now()), {
          capture: true,
          once: true,
        })
        const lit = () =>
          Array.from(document.querySelectorAll<HTMLElement>('[data-nav]'))
            .filter((el) => {
              const c = el.querySelector('.n-menu-item-content') ?? el
              const bg = getComputedStyle(c, '::before').backgroundColor
              return !/^(transparent|rgba\(0, 0, 0, 0\))$/.test(bg)
            })
            .map((el) => el.dataset.nav)
            .join(',')
        const t0 = performance.now()
        const tick = () => {
          const now = performance.now()
          w.frames_.push([now, lit()])
          if (now - Math.min(w.clickAt, t0 + 3000) < 800) requestAnimationFrame(tick)
        }
        requestAnimationFrame(tick)
      })
      await page.locator(`[data-nav="${to}"]`).click()
      await page.waitForFunction(() => {
        const w = window as unknown as { frames_: [number, string][]; clickAt: number }
        return w.frames_.at(-1)![0] - w.clickAt > 800
      })
      const { frames, clickAt } = await page.evaluate(() => {
        const w = window as unknown as { frames_: [number, string][]; clickAt: number }
        return { frames: w.frames_, clickAt: w.clickAt }
      })
      // from the first frame after the click on, only the next view is highlighted
      const after = frames.filter(([t]) => t > clickAt + 20).map(([, lit]) => lit)
      expect(after.length).toBeGreaterThan(5)
      expect(new Set(after)).toEqual(new Set([to]))
    }
  })

  it('the sidebar toggle works from the keyboard and is remembered', async () => {
    await page.setViewportSize({ width: 1000, height: 700 })
    await freshShell()
    const sider = page.getByTestId('sider')
    expect(await sider.getAttribute('data-collapsed')).toBe('true')
    const labels = await page
      .locator('[data-nav]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')))
    expect(labels).toHaveLength(9)
    expect(labels.every((l) => !!l)).toBe(true)
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
  })
})
