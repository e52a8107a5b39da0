/// <reference lib="dom" />
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, FileChooser, Page } from 'playwright-core'
import { launchBrowser, watchConsole } from '../helpers/browser'
import { startHost } from '../helpers/headless'
import { tempDir } from '../helpers/tmp'
import { CATALOGUE_DIR, catalogueName } from '../helpers/images'

/**
 * The main tasks driven by the keyboard alone (page.keyboard; the file chooser is answered after
 * the drop zone was activated by Enter): the sidebar, choosing a picture, a region drawn and
 * adjusted with keys, searching with Enter, the gallery's selection and detail drawer, the Jobs
 * drawer with pause/resume, the profile form, the Compare dialog. At every stop the focused
 * control shows a ring (an outline or shadow it does not have unfocused, on it or on the control
 * it is part of) and Esc closes what it opened and gives the focus back to the opener.
 */
const SHOTS = process.env.LOUPE_SHOTS

interface Focus {
  tag: string
  testid: string | null
  nav: string | null
  label: string
  text: string
  ring: string | null
}

/** What has the focus, and the ring that marks it (null: nothing tells the focus from no focus). */
async function focused(page: Page): Promise<Focus> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null
    if (!el || el === document.body)
      return { tag: 'body', testid: null, nav: null, label: '', text: '', ring: null }
    // The element and the controls it is part of (the text box of an input, a radio's button).
    const chain: HTMLElement[] = []
    for (let e: HTMLElement | null = el; e && chain.length < 4; e = e.parentElement) chain.push(e)
    const look = () =>
      chain.map((c) => {
        const s = getComputedStyle(c)
        const outline =
          s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2
            ? `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}`
            : ''
        const shadow = s.boxShadow !== 'none' ? s.boxShadow : ''
        return { outline, shadow }
      })
    const on = look()
    el.blur()
    const off = look()
    el.focus({ preventScroll: true })
    let ring: string | null = null
    on.forEach((o, i) => {
      if (ring) return
      if (o.outline && o.outline !== off[i]!.outline) ring = o.outline
      else if (o.shadow && o.shadow !== off[i]!.shadow) ring = o.shadow
    })
    return {
      tag: el.tagName.toLowerCase(),
      testid: el.closest('[data-testid]')?.getAttribute('data-testid') ?? null,
      nav: el.getAttribute('data-nav'),
      label: el.getAttribute('aria-label') ?? '',
      text: (el.textContent ?? '').trim().slice(0, 60),
      ring,
    }
  })
}

/** The focus is visible where it is: a ring, and the element in view. */
async function expectVisible(page: Page, where: string): Promise<Focus> {
  const f = await focused(page)
  expect(f.tag, `${where}: the focus is on something`).not.toBe('body')
  expect(
    f.ring,
    `${where}: ${f.tag} [${f.testid}] "${f.label || f.text}" shows its focus`,
  ).toBeTruthy()
  return f
}

/** Presses `key` until the focus is on a control matching `want`; every stop shows its focus. */
async function pressUntil(
  page: Page,
  key: string,
  want: (f: Focus) => boolean,
  what: string,
  max = 40,
): Promise<Focus> {
  const seen: string[] = []
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(key)
    const f = await expectVisible(page, `${key} towards ${what}`)
    if (want(f)) return f
    seen.push(f.nav ?? f.testid ?? f.tag)
  }
  throw new Error(`${what} not reached with ${max} × ${key} (went by ${seen.join(', ')})`)
}
const byTestId = (id: string) => (f: Focus) => f.testid === id
const tabTo = (page: Page, id: string, max = 40) => pressUntil(page, 'Tab', byTestId(id), id, max)

/** The view's heading has the focus (a view opened from the keyboard). */
async function expectHeading(page: Page, text: string) {
  await page.waitForFunction(
    (t) => {
      const a = document.activeElement
      return !!a && /^H[12]$/.test(a.tagName) && !!a.closest('#main') && a.textContent!.includes(t)
    },
    text,
    { timeout: 10_000 },
  )
  await expectVisible(page, `the ${text} heading`)
}

/** From anywhere in the view: back to the sidebar, along it with the arrows, Enter opens the view. */
async function openView(page: Page, name: string, heading: string) {
  if ((await focused(page)).nav === null)
    await pressUntil(page, 'Shift+Tab', (f) => f.nav !== null, `the sidebar (for ${name})`, 20)
  if ((await focused(page)).nav !== name)
    await pressUntil(page, 'ArrowUp', (f) => f.nav === name, `the ${name} item`, 9)
  await page.keyboard.press('Enter')
  await page.waitForURL(new RegExp(`#/${name}`))
  await expectHeading(page, heading)
}

describe('keyboard only: every main task without a mouse, with the focus in sight', () => {
  const t = tempDir()
  let host: Awaited<ReturnType<typeof startHost>>
  let browser: Browser
  let page: Page
  let errors: string[]
  let jobId = 0
  let silent: net.Server
  const choosers: ((fc: FileChooser) => void)[] = []
  const sockets: net.Socket[] = []
  const shot = async (name: string) => {
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `keys-${name}.png`) })
  }

  beforeAll(async () => {
    host = await startHost(path.join(t.dir, 'data'))
    for (const n of [400, 401, 402, 403]) {
      const r = (await host.core.dispatch('images.add', {
        image: { path: path.join(CATALOGUE_DIR, catalogueName(n)) },
        productId: `sku-${n}`,
        picName: catalogueName(n),
      })) as { error?: unknown }
      expect(r.error).toBeUndefined()
    }
    // A cloud profile whose engine takes connections and never answers: its jobs stay running.
    silent = net.createServer((sock) => sockets.push(sock))
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()))
    const r = (await host.core.dispatch('profiles.create', {
      kind: 'cloud',
      name: 'elsewhere',
      cloud: {
        instanceName: 'nowhere',
        endpoint: `127.0.0.1:${(silent.address() as net.AddressInfo).port}`,
        protocol: 'http',
        accessKeyId: 'LTAIofflineKey01',
        accessKeySecret: 'offline-secret-0123456789',
      },
    })) as { error?: unknown }
    expect(r.error).toBeUndefined()
    browser = await launchBrowser()
    page = await browser.newPage({ viewport: { width: 1360, height: 880 } })
    errors = watchConsole(page)
    // Listening from the start: the file chooser is intercepted before any key opens one.
    page.on('filechooser', (fc) => choosers.shift()?.(fc))
    await page.addInitScript(() => {
      if (!sessionStorage.getItem('keys-init')) {
        sessionStorage.setItem('keys-init', '1')
        localStorage.setItem('loupe.locale', 'en-US')
        localStorage.setItem('loupe.theme', 'light')
        localStorage.setItem('loupe.gallery.mode', 'grid')
      }
    })
    if (SHOTS) fs.mkdirSync(SHOTS, { recursive: true })
  }, 120_000)
  afterAll(async () => {
    if (jobId) await host?.core.dispatch('jobs.cancel', { jobId }).catch(() => {})
    await browser?.close()
    await host?.close()
    for (const s of sockets) s.destroy()
    await new Promise((r) => silent?.close(r))
    t.cleanup()
  })

  it('reaches every view from the sidebar: skip link first, Enter opens a view at its heading', async () => {
    await page.goto(`${host.url}/#/search`)
    await page.getByTestId('search-drop').waitFor()
    // The first Tab: the skip link, shown; Enter takes the focus to the view.
    await page.keyboard.press('Tab')
    const skip = await expectVisible(page, 'the skip link')
    expect(skip.testid).toBe('skip-link')
    expect(await page.getByTestId('skip-link').isVisible()).toBe(true)
    await shot('skip-link')
    await page.keyboard.press('Enter')
    await expectHeading(page, 'Search')
    // The sidebar: every item is a tab stop, in order.
    await page.keyboard.press('Shift+Tab')
    const order: string[] = []
    for (let f = await focused(page); ;) {
      if (f.nav) order.unshift(f.nav)
      await page.keyboard.press('Shift+Tab')
      f = await expectVisible(page, 'back along the header and sidebar')
      if (f.testid === 'skip-link') break
    }
    expect(order).toEqual([
      'search',
      'gallery',
      'add',
      'folders',
      'tasks',
      'quality',
      'instance',
      'profiles',
      'settings',
    ])
    await page.keyboard.press('Tab')
    await shot('nav-focus')
    for (const [name, heading] of [
      ['gallery', 'Gallery'],
      ['add', 'Add images'],
      ['folders', 'Folders'],
      ['tasks', 'Tasks'],
      ['quality', 'Quality'],
      ['instance', 'Instance'],
      ['profiles', 'Profiles'],
      ['settings', 'Settings'],
      ['search', 'Search'],
    ] as const) {
      await openView(page, name, heading)
      expect(await page.locator(`[data-nav="${name}"]`).getAttribute('aria-current')).toBe('page')
    }
    expect(errors).toEqual([])
  })

  it('chooses a picture, draws and adjusts a region with keys, and searches with Enter', async () => {
    await tabTo(page, 'search-drop')
    const chosen = new Promise<FileChooser>((r) => choosers.push(r))
    await page.keyboard.press('Enter')
    const chooser = await chosen
    await chooser.setFiles(path.join(CATALOGUE_DIR, catalogueName(401)))
    // The drop zone gives way to the picture, which takes the focus (not the start of the page).
    await page.waitForFunction(
      () => document.activeElement?.getAttribute('data-testid') === 'region-stage',
      undefined,
      { timeout: 20_000 },
    )
    await expectVisible(page, 'the picture')
    // No region yet: "Whole picture" starts one; the focus goes back to the picture.
    await tabTo(page, 'region-all')
    await page.keyboard.press('Enter')
    await page.getByTestId('region-selection').waitFor()
    await page.waitForFunction(
      () => document.activeElement?.getAttribute('data-testid') === 'region-stage',
    )
    const x2 = async () => Number(await page.getByTestId('region-x2').locator('input').inputValue())
    const y1 = async () => Number(await page.getByTestId('region-y1').locator('input').inputValue())
    const full = await x2()
    expect(full).toBeGreaterThan(100)
    // Alt+arrows resize (Shift: 10 px), arrows move.
    for (let i = 0; i < 5; i++) await page.keyboard.press('Shift+Alt+ArrowLeft')
    await page.keyboard.press('Shift+Alt+ArrowUp')
    expect(await x2()).toBe(full - 50)
    await page.keyboard.press('ArrowDown')
    expect(await y1()).toBe(1)
    await expectVisible(page, 'the picture with its region')
    await shot('region')
    // Enter on the picture searches.
    await page.keyboard.press('Enter')
    await page.getByTestId('result-0').waitFor({ timeout: 30_000 })
    // The query folds into its strip and the focus goes with it (to "Edit query"), not to the
    // start of the page.
    await page.waitForFunction(
      () => document.activeElement?.getAttribute('data-testid') === 'query-strip-edit',
    )
    await expectVisible(page, 'the query strip')
    await shot('query-strip')
    // The results: reachable by Tab, each card and its buttons showing the focus.
    await tabTo(page, 'result-0', 80)
    await tabTo(page, 'result-similar-0')
    // Back to the query: Enter on "Edit query" unfolds the form with the focus in it.
    await pressUntil(page, 'Shift+Tab', byTestId('query-strip-edit'), 'Edit query', 80)
    await page.keyboard.press('Enter')
    await page.waitForFunction(
      () => !!document.activeElement?.closest('[data-testid="search-tabs"]'),
    )
    await expectVisible(page, 'the unfolded query')
    expect(errors).toEqual([])
  })

  it('Compare: Esc closes the dialog and the focus returns to its button', async () => {
    await pressUntil(page, 'Shift+Tab', byTestId('open-compare'), 'Compare', 80)
    await page.keyboard.press('Enter')
    await page.locator('.n-modal').waitFor()
    await page.waitForFunction(() => !!document.activeElement?.closest('.n-modal'))
    await expectVisible(page, 'in the Compare dialog')
    await page.keyboard.press('Escape')
    await page.locator('.n-modal').waitFor({ state: 'detached' })
    expect((await expectVisible(page, 'after the Compare dialog')).testid).toBe('open-compare')
  })

  it('Gallery: selects with Space, opens the detail with Enter, Esc closes it onto the card', async () => {
    await openView(page, 'gallery', 'Gallery')
    const card = await tabTo(page, 'gallery-card')
    await page.keyboard.press('Space')
    expect(await page.locator('[data-testid="gallery-card"][aria-selected="true"]').count()).toBe(1)
    await page.getByTestId('gallery-bulk-count').waitFor()
    await page.keyboard.press('Enter')
    await page.getByTestId('gallery-detail-product').waitFor()
    await page.waitForFunction(() => !!document.activeElement?.closest('.n-drawer'))
    await expectVisible(page, 'in the detail drawer')
    await shot('gallery-detail')
    // Tab stays in the drawer (it is modal), Esc closes it and the card has the focus again.
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab')
      expect(await page.evaluate(() => !!document.activeElement?.closest('.n-drawer'))).toBe(true)
    }
    await page.keyboard.press('Escape')
    await page.locator('.n-drawer').waitFor({ state: 'detached' })
    const back = await expectVisible(page, 'after the detail drawer')
    expect(back.testid).toBe('gallery-card')
    expect(back.label).toBe(card.label)
    // The table: the mode by arrow keys on its radio buttons, rows selected by Space.
    await pressUntil(page, 'Shift+Tab', byTestId('gallery-mode-grid'), 'the grid mode', 20)
    await page.keyboard.press('ArrowRight')
    await page.getByTestId('gallery-row').first().waitFor()
    await tabTo(page, 'gallery-row')
    const selected = () =>
      page.evaluate(() => document.activeElement?.getAttribute('aria-selected') === 'true')
    const before = await selected()
    await page.keyboard.press('Space')
    await page.waitForFunction(
      (b) => (document.activeElement?.getAttribute('aria-selected') === 'true') !== b,
      before,
    )
    // Arrow keys go from row to row; Space there selects that row too.
    await page.keyboard.press('ArrowDown')
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-index') === '1')
    await expectVisible(page, 'the second row')
    const second = await selected()
    await page.keyboard.press('Space')
    expect(await selected()).toBe(!second)
    await shot('gallery-table')
    expect(errors).toEqual([])
  })

  it('Gallery: Set category… by keyboard — Esc closes it onto its button; a choice is applied', async () => {
    // The selection from before (rows chosen with Space) has the bulk bar's buttons.
    await pressUntil(page, 'Shift+Tab', byTestId('gallery-bulk-category'), 'Set category…', 40)
    await page.keyboard.press('Enter')
    await page.getByTestId('category-dialog').waitFor()
    await page.waitForFunction(() => !!document.activeElement?.closest('.n-modal'))
    await expectVisible(page, 'in the category dialog')
    await page.keyboard.press('Escape')
    await page.getByTestId('category-dialog').waitFor({ state: 'detached' })
    expect((await expectVisible(page, 'after Esc')).testid).toBe('gallery-bulk-category')
    // Again, and this time a category: typed, picked with Enter, applied from the Save button.
    await page.keyboard.press('Enter')
    await page.getByTestId('category-dialog').waitFor()
    await tabTo(page, 'category-dialog-select', 10)
    // Enter opens the list, typing filters it, Enter takes the first match.
    await page.keyboard.press('Enter')
    await page.keyboard.type('88888888')
    await page.locator('.n-base-select-option', { hasText: '88888888' }).waitFor()
    await page.keyboard.press('Enter')
    await page.waitForFunction(() =>
      document
        .querySelector('[data-testid="category-dialog-select"]')
        ?.textContent?.includes('88888888'),
    )
    await tabTo(page, 'category-dialog-save', 10)
    await page.keyboard.press('Enter')
    await page.getByTestId('category-dialog').waitFor({ state: 'detached', timeout: 30_000 })
    // The bar's buttons come back after the change; the focus with them, not lost.
    await page.waitForFunction(
      () => document.activeElement?.getAttribute('data-testid') === 'gallery-bulk-category',
      undefined,
      { timeout: 30_000 },
    )
    await expectVisible(page, 'Set category… after the change')
    expect(errors).toEqual([])
  })

  it('Jobs drawer: opens by Enter, pauses and resumes a job, Esc returns to the indicator', async () => {
    const src = path.join(t.dir, 'src', 'p')
    fs.mkdirSync(src, { recursive: true })
    for (const n of [410, 411, 412, 413, 414, 415])
      fs.copyFileSync(path.join(CATALOGUE_DIR, catalogueName(n)), path.join(src, `${n}.jpg`))
    const started = (await host.core.dispatch('bulk.start', {
      profile: 'elsewhere',
      sources: [src],
    })) as { result: { jobId: number } }
    jobId = started.result.jobId
    await pressUntil(page, 'Shift+Tab', byTestId('jobs-indicator'), 'the Jobs button', 40)
    await page.keyboard.press('Enter')
    await page.getByTestId('jobs-drawer').waitFor()
    await page.waitForFunction(() => !!document.activeElement?.closest('.n-drawer'))
    await expectVisible(page, 'in the Jobs drawer')
    await tabTo(page, `jobs-drawer-row-${jobId}`)
    await page.keyboard.press('Enter')
    await page.getByTestId(`job-panel-${jobId}`).waitFor()
    expect(await page.getByTestId(`jobs-drawer-row-${jobId}`).getAttribute('aria-expanded')).toBe(
      'true',
    )
    // Pause ⇄ Resume: each replaces the other, and the focus moves to the one that appears.
    await page
      .locator('[data-testid="job-pause"], [data-testid="job-resume"]')
      .first()
      .waitFor({ timeout: 20_000 })
    const live = await page.getByTestId('job-pause').isVisible()
    const [first, second] = live
      ? (['job-pause', 'job-resume'] as const)
      : (['job-resume', 'job-pause'] as const)
    for (const [press, then] of [
      [first, second],
      [second, first],
    ] as const) {
      await tabTo(page, press)
      await page.keyboard.press('Enter')
      await page.waitForFunction(
        (id) => document.activeElement?.getAttribute('data-testid') === id,
        then,
        { timeout: 20_000 },
      )
      await expectVisible(page, `${then} after ${press}`)
    }
    await shot('jobs-drawer')
    // Stop asks first: its confirmation takes the focus (on the button that keeps the job
    // running), Esc closes it onto Stop and leaves the drawer open; Tab goes round its two
    // buttons, and "Stop the job" by Enter stops it.
    await tabTo(page, 'job-cancel')
    await page.keyboard.press('Enter')
    await page.getByTestId('job-cancel-confirm').waitFor()
    await page.waitForFunction(() => !!document.activeElement?.closest('.n-popover'))
    expect((await expectVisible(page, 'in the Stop confirmation')).text).toBe('Keep running')
    await page.keyboard.press('Escape')
    await page.getByTestId('job-cancel-confirm').waitFor({ state: 'hidden' })
    await page.waitForFunction(
      () => document.activeElement?.getAttribute('data-testid') === 'job-cancel',
    )
    expect(await page.getByTestId('jobs-drawer').isVisible()).toBe(true)
    await page.keyboard.press('Enter')
    await page.waitForFunction(() => !!document.activeElement?.closest('.n-popover'))
    await pressUntil(page, 'Tab', (f) => f.text === 'Stop the job', '"Stop the job"', 3)
    expect((await focused(page)).text).toBe('Stop the job')
    await page.keyboard.press('Shift+Tab')
    expect((await focused(page)).text).toBe('Keep running')
    await page.keyboard.press('Shift+Tab')
    expect((await focused(page)).text).toBe('Stop the job')
    await page.keyboard.press('Enter')
    await expect
      .poll(
        async () =>
          ((await host.core.dispatch('jobs.get', { jobId })) as { result: { state: string } })
            .result.state,
        { timeout: 20_000 },
      )
      .toBe('cancelled')
    await page.getByTestId('job-cancel-confirm').waitFor({ state: 'hidden' })
    await expectVisible(page, 'after stopping the job')
    await page.keyboard.press('Escape')
    await page.locator('.n-drawer').waitFor({ state: 'detached' })
    expect((await expectVisible(page, 'after the Jobs drawer')).testid).toBe('jobs-indicator')
    expect(errors).toEqual([])
  })

  it('profile form: opens by Enter, Esc closes it onto "New profile"', async () => {
    await pressUntil(page, 'Shift+Tab', (f) => f.nav !== null, 'the sidebar', 20)
    await pressUntil(page, 'ArrowUp', (f) => f.nav === 'profiles', 'the Profiles item', 9)
    await page.keyboard.press('Enter')
    await expectHeading(page, 'Profiles')
    await tabTo(page, 'profile-new')
    await page.keyboard.press('Enter')
    await page.getByTestId('profile-name').waitFor()
    await page.waitForFunction(() => !!document.activeElement?.closest('.n-modal'))
    await expectVisible(page, 'in the profile form')
    await shot('profile-form')
    await page.keyboard.press('Escape')
    await page.getByTestId('profile-name').waitFor({ state: 'detached' })
    expect((await expectVisible(page, 'after the profile form')).testid).toBe('profile-new')
    expect(errors).toEqual([])
  })

  it('dark theme by keyboard: the ring is drawn in the dark theme’s own colour', async () => {
    const here = await expectVisible(page, 'the focus, light')
    const light = here.ring
    await pressUntil(page, 'Shift+Tab', byTestId('theme-toggle'), 'the theme button', 20)
    await page.keyboard.press('Enter')
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark')
    const dark = await expectVisible(page, 'the theme button, dark')
    expect(dark.ring).not.toBe(light)
    await tabTo(page, here.testid!)
    await shot('dark-focus')
    expect(errors).toEqual([])
  })

  it('Tasks, Folders, Gallery: dialogs and popovers take the focus and close with Esc onto their buttons', async () => {
    for (const [view, heading, opener, inside] of [
      ['tasks', 'Tasks', 'batch-new', '.n-modal'],
      ['tasks', 'Tasks', 'dump-import-file', '.n-popover'],
      ['folders', 'Folders', 'folders-add', '.n-modal'],
      ['gallery', 'Gallery', 'gallery-filter-builder', '.n-popover'],
    ] as const) {
      await openView(page, view, heading)
      await tabTo(page, opener)
      await page.keyboard.press('Enter')
      await page.waitForFunction((sel) => !!document.activeElement?.closest(sel), inside)
      await expectVisible(page, `in what ${opener} opened`)
      await page.keyboard.press('Escape')
      await page.waitForFunction(
        (id) => document.activeElement?.getAttribute('data-testid') === id,
        opener,
      )
      await expectVisible(page, `${opener} after Esc`)
      // gone for good: the dialog's leave transition ends (and hands the focus back once more)
      // before the next step moves the focus elsewhere
      await page.waitForFunction((sel) => !document.querySelector(sel), inside)
      await page.waitForFunction(
        (id) => document.activeElement?.getAttribute('data-testid') === id,
        opener,
      )
    }
    expect(errors).toEqual([])
  })
})
