/// <reference lib="dom" />
/**
 * Copy gallery (issue 14) in Chromium: a `loupe serve` child process holds a local gallery and a
 * cloud profile pointed at a second `loupe serve` (the "cloud", with a QPS limit); the user opens
 * Copy gallery… on the local profile, runs the dry run, starts the copy, pauses and resumes it in
 * the Jobs drawer; the host is killed (SIGKILL) in the middle and started again on its data
 * folder; the job resumes by itself and finishes, and its verification report is shown. The
 * target is then read through its engine API with the official SDK: every picture once, with its
 * attributes — nothing lost, nothing twice.
 *
 * The dialog, the dry run, the progress and the report are checked (layout, language, raw codes)
 * and, with LOUPE_SHOTS=dir, kept as screenshots in en-US / zh-CN at 1360×880 and 1000×700.
 */
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { launchBrowser, watchConsole } from '../helpers/browser'
import { rendererBuilt } from '../helpers/headless'
import { postJson } from '../helpers/http'
import { until } from '../helpers/dispatch'
import { catalogueBytes } from '../helpers/images'
import {
  pageProblems,
  settle,
  switchLanguageTheme,
  type Locale,
  type Size,
  type Theme,
} from '../helpers/screens'
import { AK, INSTANCE, SECRET, freshDataDir, serveChild, type Served } from '../adversarial/host'
import { makeClient, sdk } from '../unit/core/engines/wire/sdk'
import { startFaultProxy, type FaultDecision, type FaultProxy } from '../helpers/fault-proxy'

const SHOTS = process.env.LOUPE_SHOTS
/** Pictures in the source gallery. */
const N = 40
const COMBOS: { size: Size; locale: Locale; theme: Theme }[] = [
  { size: { width: 1360, height: 880 }, locale: 'en-US', theme: 'light' },
  { size: { width: 1000, height: 700 }, locale: 'en-US', theme: 'dark' },
  { size: { width: 1360, height: 880 }, locale: 'zh-CN', theme: 'dark' },
  { size: { width: 1000, height: 700 }, locale: 'zh-CN', theme: 'light' },
]
type Combo = (typeof COMBOS)[number]

interface Job {
  jobId: number
  state: string
  done: number
  failed: number
  total: number
}

describe('Copy gallery in the browser: dry run, pause, resume, kill -9 of the host, the report', () => {
  const sourceDir = freshDataDir('loupe-e2e-copy-src-')
  const targetDir = freshDataDir('loupe-e2e-copy-dst-')
  let app: Served
  let cloud: Served
  let browser: Browser
  let page: Page
  let errors: string[]
  let jobId = 0
  const problems: string[] = []
  /**
   * The "cloud" is reached through a proxy that lets `allow` AddImage calls through and holds the
   * next ones (they wait, in flight, until more are allowed): the copy is in the middle whatever
   * this machine's speed, and the kill -9 comes while calls are on their way.
   */
  let proxy: FaultProxy
  const gate = {
    allow: 8,
    passed: 0,
    waiting: [] as (() => void)[],
    sent: new Map<string, number>(),
  }
  function pump() {
    while (gate.waiting.length && gate.passed < gate.allow) {
      gate.passed++
      gate.waiting.shift()!()
    }
  }
  function allow(n: number) {
    gate.allow = n
    pump()
  }

  /** A contract call on the app's host that must succeed. */
  async function api<T>(host: Served, name: string, input: unknown): Promise<T> {
    const r = (await postJson(`${host.url}/api/call/${name}`, input)) as {
      result?: T
      error?: unknown
    }
    if (r.error) throw new Error(`${name}: ${JSON.stringify(r.error)}`)
    return r.result as T
  }
  const job = () => api<Job>(app, 'jobs.get', { jobId })
  const setCapacity = (capacity: number) =>
    api(cloud, 'profiles.update', { name: INSTANCE, patch: { local: { capacity, qps: 0 } } })

  async function look(name: string, c: Combo, scope: string) {
    await settle(page)
    for (const p of await pageProblems(page, { locale: c.locale, theme: c.theme, scope }))
      problems.push(`${name} (${c.locale} ${c.theme} ${c.size.width}×${c.size.height}): ${p}`)
    if (SHOTS)
      await page.screenshot({
        path: path.join(
          SHOTS,
          `copy-${name}__${c.locale}__${c.theme}__${c.size.width}x${c.size.height}.png`,
        ),
      })
  }
  async function setCombo(c: Combo) {
    await page.setViewportSize(c.size)
    await switchLanguageTheme(page, c.locale, c.theme)
  }
  /** The Jobs drawer open on the copy job's panel. */
  async function openJob() {
    if (!(await page.locator('.n-drawer').isVisible()))
      await page.getByTestId('jobs-indicator').click()
    await page.getByTestId(`jobs-drawer-job-${jobId}`).waitFor({ timeout: 60_000 })
    if (!(await page.getByTestId(`job-panel-${jobId}`).isVisible()))
      await page.getByTestId(`jobs-drawer-row-${jobId}`).click()
    await page.getByTestId(`job-panel-${jobId}`).waitFor()
  }
  async function closeOverlay() {
    await page.keyboard.press('Escape')
    await page.waitForFunction(() => !document.querySelector('.n-drawer, .n-modal'))
  }
  /** Copy gallery… on the local profile, the target chosen by keyboard, the dry run made. */
  async function dryRun() {
    await page.evaluate(() => (location.hash = '#/profiles'))
    await page.getByTestId('profile-copy-local').click()
    await page.getByTestId('copy-dialog').waitFor()
    // the target list has the focus: open it, pick "remote", Enter
    await page.waitForFunction(() =>
      document.querySelector('[data-testid="copy-target"]')?.contains(document.activeElement),
    )
    await page.keyboard.press('Enter')
    await page.locator('.n-base-select-option', { hasText: 'remote' }).click()
    await page.getByTestId('copy-plan-run').click()
    await page.getByTestId('copy-plan').waitFor({ timeout: 90_000 })
  }

  beforeAll(async () => {
    if (!rendererBuilt()) throw new Error('Run `npx electron-vite build` first')
    ;[cloud, app] = await Promise.all([serveChild(targetDir.dir), serveChild(sourceDir.dir)])
    proxy = await startFaultProxy(cloud.port, async (r): Promise<FaultDecision> => {
      if (r.action !== 'AddImage') return 'pass'
      const form = new URLSearchParams(r.body.toString('utf8'))
      const key = `${form.get('ProductId')}/${form.get('PicName')}`
      gate.sent.set(key, (gate.sent.get(key) ?? 0) + 1)
      await new Promise<void>((go) => {
        gate.waiting.push(go)
        pump()
      })
      return 'pass'
    })
    // The "cloud" is too small at first: 6 pictures short.
    await setCapacity(N - 6)
    for (let i = 0; i < N; i++)
      await api(app, 'images.add', {
        image: { base64: catalogueBytes(30 + i).toString('base64'), name: `p${i}.jpg` },
        productId: `sku-${i % 7}`,
        picName: `p${i}.jpg`,
        intAttr: i,
        strAttr: `s${i}`,
        customContent: `copy test ${i}`,
      })
    await api(app, 'profiles.create', {
      kind: 'cloud',
      name: 'remote',
      cloud: {
        instanceName: INSTANCE,
        endpoint: `127.0.0.1:${proxy.port}`,
        protocol: 'http',
        accessKeyId: AK,
        accessKeySecret: SECRET,
      },
    })
    browser = await launchBrowser()
    page = await browser.newPage({ viewport: COMBOS[0]!.size })
    errors = watchConsole(page)
    await page.addInitScript(() => {
      if (!localStorage.getItem('loupe.locale')) localStorage.setItem('loupe.locale', 'en-US')
    })
    await page.goto(`${app.url}/#/profiles`)
    await page.getByTestId('profile-card-remote').waitFor()
  })
  afterAll(async () => {
    await browser?.close()
    allow(Infinity)
    await app?.stop()
    await proxy?.close()
    await cloud?.stop()
    sourceDir.cleanup()
    targetDir.cleanup()
  })

  it('shows the dialog and its dry run (nothing written); refuses a target too small', async () => {
    for (const c of COMBOS) {
      await setCombo(c)
      await page.evaluate(() => (location.hash = '#/profiles'))
      await page.getByTestId('profile-copy-local').click()
      await page.getByTestId('copy-dialog').waitFor()
      await look('dialog', c, '.n-modal')
      await closeOverlay()
      await dryRun()
      await page.getByTestId('copy-full').waitFor()
      await look('refused', c, '.n-modal')
      await closeOverlay()
    }
    await setCombo(COMBOS[0]!)
    await dryRun()
    // the refusal says by how much, and Start is not possible
    expect(await page.getByTestId('copy-full').textContent()).toContain('6 pictures too many')
    expect(await page.getByTestId('copy-start').isDisabled()).toBe(true)
    // room made in the target: the dry run again fits
    await setCapacity(1_000_000)
    await page.getByTestId('copy-plan-run').click()
    await page.waitForFunction(
      () => !document.querySelector('[data-testid="copy-full"]'),
      undefined,
      {
        timeout: 90_000,
      },
    )
    await page.getByTestId('copy-plan').waitFor()
    const count = async (k: string) =>
      Number(
        (await page.getByTestId(`copy-count-${k}`).locator('.cp-n').textContent())?.replace(
          /\D/g,
          '',
        ),
      )
    expect(await count('source')).toBe(N)
    expect(await count('target')).toBe(0)
    expect(await count('add')).toBe(N)
    expect(await count('noPicture')).toBe(0)
    expect(await page.getByTestId('copy-path').textContent()).toMatch(
      /AddImage.* \d+ QPS · about \d/,
    )
    expect(await page.getByTestId('copy-sources').textContent()).toContain(
      `Local engine’s stored picture: ${N}`,
    )
    expect(await page.getByTestId('copy-capacity').textContent()).toContain('It fits')
    // where each picture comes from, per item
    const sources = await page.getByTestId('copy-items').locator('tbody tr').allTextContents()
    expect(sources.length).toBeGreaterThan(0)
    for (const row of sources)
      expect(row).toMatch(/sku-\d \/ p\d+\.jpgAddLocal engine’s stored picture/)
    expect(await page.getByTestId('copy-start').isDisabled()).toBe(false)
    // the dry run wrote nothing
    const d = await api<{ instance: { totalCount: number } }>(cloud, 'instance.detail', {})
    expect(d.instance.totalCount).toBe(0)
    await closeOverlay()
    expect(problems).toEqual([])
  })

  it('keeps the dry run in view at both sizes and languages', async () => {
    for (const c of COMBOS) {
      await setCombo(c)
      await dryRun()
      await page.getByTestId('copy-folded').waitFor()
      await look('dry-run', c, '.n-modal')
      await closeOverlay()
    }
    await setCombo(COMBOS[0]!)
    await dryRun()
    expect(problems).toEqual([])
  })

  it('starts the copy; pauses and resumes it in the Jobs drawer', async () => {
    await page.getByTestId('copy-start').click()
    // the drawer opens on the new job
    const panel = page.locator('[data-testid^="job-panel-"]')
    await panel.first().waitFor({ timeout: 30_000 })
    jobId = Number((await panel.first().getAttribute('data-testid'))!.replace('job-panel-', ''))
    expect(jobId).toBeGreaterThan(0)
    expect(await page.getByTestId(`job-panel-${jobId}`).getByTestId('job-kind').textContent()).toBe(
      'Copy gallery',
    )
    // the first pictures arrive, the rest wait at the proxy: the job is in the middle
    await until(async () => (await job()).done >= 4, 90_000)
    await page.getByTestId('job-pause').click()
    await page.waitForFunction(
      () => document.querySelector('[data-testid="job-state"]')?.textContent?.trim() === 'Paused',
      undefined,
      { timeout: 30_000 },
    )
    const paused = await until(async () => {
      const j = await job()
      return j.state === 'paused' ? j : null
    }, 30_000)
    expect(paused.done).toBeLessThan(N)
    // paused: the calls on their way finish, no new one starts
    allow(Infinity)
    await new Promise((r) => setTimeout(r, 2000))
    const still = gate.passed
    await new Promise((r) => setTimeout(r, 2000))
    expect(gate.passed).toBe(still)
    // the progress while paused, in both languages and sizes
    await closeOverlay()
    for (const c of COMBOS) {
      await setCombo(c)
      await openJob()
      await look('progress', c, '.n-drawer')
      await closeOverlay()
    }
    await setCombo(COMBOS[0]!)
    await openJob()
    // resumed: a few more pictures through, then the calls wait at the proxy again
    const resumedFrom = (await job()).done
    allow(gate.passed + 6)
    await page.getByTestId('job-resume').click()
    await until(async () => (await job()).done > resumedFrom && gate.waiting.length > 0, 60_000)
  })

  it('kill -9 of the host mid-copy; started again, the job resumes and finishes', async () => {
    const before = await job()
    expect(before.done).toBeLessThan(N)
    // calls are on their way (held at the proxy) when the host dies
    expect(gate.waiting.length).toBeGreaterThan(0)
    // what the host has recorded as copied before it dies: never to be sent again
    const copied = await api<{ items: { productId: string; picName: string }[] }>(
      app,
      'jobs.items',
      { jobId, states: ['done'], limit: 1000 },
    )
    const doneBefore = copied.items.map((i) => `${i.productId}/${i.picName}`)
    expect(doneBefore.length).toBeGreaterThanOrEqual(before.done)
    const sentBefore = new Map(gate.sent)
    await app.kill9()
    expect(app.proc.signalCode).toBe('SIGKILL')
    // the calls the dead host sent reach the "cloud" now: done there, never answered
    allow(Infinity)
    app = await serveChild(sourceDir.dir)
    await page.goto(`${app.url}/#/profiles`)
    await page.getByTestId('profile-card-remote').waitFor({ timeout: 60_000 })
    const end = await until(async () => {
      const j = await job()
      return j.state === 'done' ? j : null
    }, 180_000)
    const why = end.failed
      ? JSON.stringify(await api(app, 'jobs.items', { jobId, states: ['failed'], limit: 3 }))
      : ''
    expect(end, why).toMatchObject({ total: N, done: N, failed: 0 })
    // every picture sent; none copied before the kill sent again (only those it had no answer for)
    expect(gate.sent.size).toBe(N)
    for (const k of doneBefore) expect(gate.sent.get(k), k).toBe(sentBefore.get(k))
    await openJob()
    await page.getByTestId('copy-report').waitFor({ timeout: 90_000 })
    await page
      .locator('[data-testid="copy-report-all-there"], [data-testid="copy-report-missing"]')
      .first()
      .waitFor({ timeout: 90_000 })
    expect(await page.getByTestId('copy-report-missing').count()).toBe(0)
    const num = async (k: string) =>
      Number(
        (await page.getByTestId(`copy-report-${k}`).locator('.cr-n').textContent())?.replace(
          /\D/g,
          '',
        ),
      )
    expect(await num('source')).toBe(N)
    expect(await num('target')).toBe(N)
    expect(await num('copied')).toBe(N)
    expect(await num('failed')).toBe(0)
    expect(await page.getByTestId('copy-report-sample').textContent()).toMatch(
      /(\d+) of \1 searches/,
    )
  })

  it('the target holds every picture once, with its attributes (engine API, official SDK)', async () => {
    const c = makeClient({ port: cloud.port, accessKeyId: AK, accessKeySecret: SECRET })
    const seen: { productId: string; picName: string; intAttr: number; strAttr: string }[] = []
    for (let start = 0; start < 100; start += 50) {
      const r = await c.searchImageByFilter(
        new sdk.SearchImageByFilterRequest({
          instanceName: INSTANCE,
          filter: 'int_attr>=0',
          start,
          num: 50,
        }),
      )
      const page = r.body?.auctions ?? []
      for (const a of page)
        seen.push({
          productId: a.productId!,
          picName: a.picName!,
          intAttr: a.intAttr!,
          strAttr: a.strAttr!,
        })
      if (page.length < 50) break
    }
    const d = await c.detail(new sdk.DetailRequest({ instanceName: INSTANCE }))
    expect(d.body?.instance?.totalCount).toBe(N)
    seen.sort((a, b) => a.intAttr - b.intAttr)
    expect(seen).toEqual(
      Array.from({ length: N }, (_, i) => ({
        productId: `sku-${i % 7}`,
        picName: `p${i}.jpg`,
        intAttr: i,
        strAttr: `s${i}`,
      })),
    )
  })

  it('the report is there again from the job, in both languages and sizes', async () => {
    await closeOverlay()
    for (const c of COMBOS) {
      await setCombo(c)
      await page.reload()
      await openJob()
      await page.getByTestId('copy-report-all-there').waitFor({ timeout: 30_000 })
      await look('report', c, '.n-drawer')
      await closeOverlay()
    }
    expect(problems).toEqual([])
  })

  it('a sync lists its deletes and starts only once they are confirmed', async () => {
    // the source changes: two pictures deleted, an attribute changed
    for (const i of [0, 1])
      await api(app, 'images.remove', { productId: `sku-${i % 7}`, picName: `p${i}.jpg` })
    await api(app, 'images.update', { productId: 'sku-2', picName: 'p2.jpg', intAttr: 1002 })
    await setCombo(COMBOS[0]!)
    await page.evaluate(() => (location.hash = '#/profiles'))
    await page.getByTestId('profile-copy-local').click()
    await page.getByTestId('copy-dialog').waitFor()
    await page.getByTestId('copy-sync').click()
    await page.getByTestId('copy-plan-run').click()
    await page.getByTestId('copy-deletes').waitFor({ timeout: 90_000 })
    const deletes = (await page.getByTestId('copy-deletes').textContent()) ?? ''
    expect(deletes).toContain('sku-0 / p0.jpg')
    expect(deletes).toContain('sku-1 / p1.jpg')
    const count = async (k: string) =>
      Number(
        (await page.getByTestId(`copy-count-${k}`).locator('.cp-n').textContent())?.replace(
          /\D/g,
          '',
        ),
      )
    expect(await count('delete')).toBe(2)
    expect(await count('update')).toBe(1)
    expect(await count('add')).toBe(0)
    expect(await page.getByTestId('copy-capacity').textContent()).toContain(
      `${N} used − 2 = ${N - 2} of 1,000,000`,
    )
    // not without the confirmation
    expect(await page.getByTestId('copy-start').isDisabled()).toBe(true)
    await look('sync', COMBOS[0]!, '.n-modal')
    await page.getByTestId('copy-confirm-deletes').click()
    await page.getByTestId('copy-start').click()
    await page.waitForFunction(() => !document.querySelector('.n-modal'))
    const panel = page.locator('[data-testid^="job-panel-"]')
    await panel.first().waitFor({ timeout: 30_000 })
    jobId = Number((await panel.first().getAttribute('data-testid'))!.replace('job-panel-', ''))
    await until(async () => (await job()).state === 'done', 120_000)
    await page.getByTestId('copy-report-all-there').waitFor({ timeout: 90_000 })
    const c = makeClient({ port: cloud.port, accessKeyId: AK, accessKeySecret: SECRET })
    const d = await c.detail(new sdk.DetailRequest({ instanceName: INSTANCE }))
    expect(d.body?.instance?.totalCount).toBe(N - 2)
    const d2 = await c.searchImageByFilter(
      new sdk.SearchImageByFilterRequest({ instanceName: INSTANCE, filter: 'int_attr<2', num: 10 }),
    )
    expect(d2.body?.auctions ?? []).toEqual([])
    const r = await c.searchImageByName(
      new sdk.SearchImageByNameRequest({
        instanceName: INSTANCE,
        productId: 'sku-2',
        picName: 'p2.jpg',
      }),
    )
    expect(r.body?.auctions?.find((a) => a.picName === 'p2.jpg')?.intAttr).toBe(1002)
    expect(problems).toEqual([])
  })
  it('Copy to… on a gallery selection: its pictures only, already there', async () => {
    if (await page.locator('.n-drawer').isVisible()) await closeOverlay()
    await page.evaluate(() => (location.hash = '#/gallery'))
    for (const name of ['p5.jpg', 'p6.jpg']) {
      const card = page.getByTestId('gallery-card').filter({ hasText: name })
      await card.hover()
      await card.getByTestId('gallery-card-check').click()
    }
    await page.getByTestId('gallery-bulk-copy').click()
    await page.getByTestId('copy-dialog').waitFor()
    expect(await page.getByTestId('copy-dialog').textContent()).toContain(
      'Copy 2 selected pictures of “local”',
    )
    expect(await page.getByTestId('copy-scope-selection').textContent()).toContain(
      'The 2 selected pictures',
    )
    await page.getByTestId('copy-plan-run').click()
    // the dry run ends in one of these: say which, with the dialog's text, if not the right one
    await page
      .locator(
        '[data-testid="copy-nothing"], [data-testid="copy-stale"], [data-testid="copy-plan"], [data-testid="error-alert"]',
      )
      .first()
      .waitFor({ timeout: 90_000 })
    await page.getByTestId('copy-planning').waitFor({ state: 'detached', timeout: 90_000 })
    expect(
      await page.getByTestId('copy-nothing').count(),
      (await page.getByTestId('copy-dialog').textContent()) ?? '',
    ).toBe(1)
    const count = async (k: string) =>
      Number(
        (await page.getByTestId(`copy-count-${k}`).locator('.cp-n').textContent())?.replace(
          /\D/g,
          '',
        ),
      )
    expect(await count('source')).toBe(2)
    expect(await count('unchanged')).toBe(2)
    expect(await page.getByTestId('copy-start').isDisabled()).toBe(true)
    await look('selection', COMBOS[0]!, '.n-modal')
    await closeOverlay()
    expect(problems).toEqual([])
    expect(errors.filter((e) => !e.includes('Failed to load resource'))).toEqual([])
  })
})
