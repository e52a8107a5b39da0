/// <reference lib="dom" />
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import type { SpaceStatus } from '../../electron/api/domains/space'
import { launchBrowser, watchConsole } from '../helpers/browser'
import { startHost } from '../helpers/headless'
import { tempDir } from '../helpers/tmp'
import { productPhotoPath } from '../helpers/photos'

const SHOTS = process.env.LOUPE_SHOTS

/**
 * Issue 12's adapted search space in Chromium (headless host, local engine, 30 real products × 4
 * shelf photos): the Instance view learns a space from the gallery as a job, shows its before →
 * after figures and verdict, switches it on and back; in zh-CN at 1000×700 the same card, and a
 * gallery too small to learn from says so.
 */
describe('Adapted search space in the Instance view (Chromium)', () => {
  const t = tempDir('loupe-e2e-space-')
  let host: Awaited<ReturnType<typeof startHost>>
  let browser: Browser

  const dispatch = async <T>(name: string, input: unknown): Promise<T> => {
    const r = (await host.core.dispatch(name, input)) as { result?: T; error?: unknown }
    expect(r.error, `${name}: ${JSON.stringify(r.error)}`).toBeUndefined()
    return r.result as T
  }
  async function shot(page: Page, name: string) {
    if (!SHOTS) return
    await page.getByTestId('space-card').scrollIntoViewIfNeeded()
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`) })
  }
  async function noSidewaysScroll(page: Page) {
    const over = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    )
    expect(over).toBeLessThanOrEqual(0)
  }
  async function open(locale: string, width: number, height: number) {
    const page = await browser.newPage({ viewport: { width, height } })
    const errors = watchConsole(page)
    await page.addInitScript((l) => localStorage.setItem('loupe.locale', l), locale)
    await page.goto(`${host.url}/#/instance`)
    await page.getByTestId('space-card').waitFor()
    await page.getByTestId('space-using').waitFor()
    return { page, errors }
  }

  beforeAll(async () => {
    host = await startHost(path.join(t.dir, 'data'))
    browser = await launchBrowser()
    if (SHOTS) fs.mkdirSync(SHOTS, { recursive: true })
    await dispatch('profiles.create', { kind: 'local', name: 'shelf' })
    await dispatch('profiles.activate', { name: 'shelf' })
    for (let p = 0; p < 30; p++)
      for (let v = 0; v < 4; v++)
        await dispatch('images.add', {
          image: { path: productPhotoPath(p, v) },
          productId: `p${p}`,
          picName: `${v}.jpg`,
          crop: false,
        })
  }, 600_000)
  afterAll(async () => {
    await browser?.close()
    await host?.close()
    t.cleanup()
  })

  it('en-US 1360×880: learns from the gallery, shows the figures, switches on and back', async () => {
    const { page, errors } = await open('en-US', 1360, 880)
    const using = page.getByTestId('space-using')
    expect(await using.textContent()).toContain('Searches use the plain descriptor.')
    expect(await page.getByTestId('space-pictures').textContent()).toContain(
      '120 pictures can teach a space (at least 100',
    )
    expect(await page.getByTestId('space-card').textContent()).toContain('No space learned yet.')
    await page.getByTestId('space-learn').click()
    // Learning: said while the job runs, with its steps.
    await page.getByTestId('space-learning').waitFor()
    expect(await page.getByTestId('space-learn').isDisabled()).toBe(true)
    await shot(page, 'space-en-learning')
    const card = page.locator('[data-testid="space-1"][data-state="candidate"]')
    await card.waitFor({ timeout: 240_000 })
    await page.getByTestId('space-learning').waitFor({ state: 'detached' })
    const st = await dispatch<SpaceStatus>('space.status', { profile: 'shelf' })
    const f = st.spaces[0].figures!
    // The figures shown are the core's, as percentages with the changed queries.
    const held = (await card.getByTestId('space-heldout').textContent())!
    expect(held).toContain(`${(f.heldOutViews.before * 100).toFixed(1)} %`)
    expect(held).toContain(`${(f.heldOutViews.after * 100).toFixed(1)} %`)
    expect(held).toContain(
      `+${f.heldOutViews.better} / −${f.heldOutViews.worse} of ${f.heldOutViews.queries}`,
    )
    expect(await card.getByTestId('space-own').textContent()).toContain(
      `${(f.ownProducts!.after * 100).toFixed(1)} %`,
    )
    expect((await card.getByTestId('space-verdict').textContent())!.trim()).toBe(
      f.recommended ? 'Recommended' : 'Not recommended',
    )
    const reason = (await card.getByTestId('space-reason').textContent())!
    expect(reason).toContain(
      {
        improves: 'at least as well',
        improvesViewsOnly: 'no product has several pictures',
        ownProductsWorse: 'match each other less well',
        viewsNotBetter: 'do not improve',
      }[f.reason],
    )
    await noSidewaysScroll(page)
    await shot(page, 'space-en-learned')

    // Switch on (a space not recommended says "anyway"), then back.
    const on = card.getByTestId('space-on-1')
    expect((await on.textContent())!.trim()).toBe(f.recommended ? 'Switch on' : 'Switch on anyway')
    await on.click()
    await page.locator('.n-message').getByText('Searches now use adapted space 1.').waitFor()
    await page.waitForFunction(() =>
      document
        .querySelector('[data-testid="space-using"]')
        ?.textContent?.includes('Searches use adapted space 1'),
    )
    expect((await dispatch<SpaceStatus>('space.status', { profile: 'shelf' })).active?.id).toBe(1)
    const row = page.getByTestId('space-1')
    expect(await row.getAttribute('data-state')).toBe('active')
    expect(await row.getByTestId('space-state').textContent()).toBe('on')
    await shot(page, 'space-en-on')
    await page.getByTestId('space-off').click()
    await page.locator('.n-message').getByText('Searches use the plain descriptor again.').waitFor()
    await page.waitForFunction(() =>
      document
        .querySelector('[data-testid="space-using"]')
        ?.textContent?.includes('Searches use the plain descriptor.'),
    )
    expect((await dispatch<SpaceStatus>('space.status', { profile: 'shelf' })).active).toBeNull()
    // the Jobs drawer names the job in the user's words
    await page.getByTestId('jobs-indicator').click()
    await page.getByText('Adapted space 1: learning from 120 pictures').first().waitFor()
    expect(errors).toEqual([])
    await page.close()
  }, 400_000)

  it('zh-CN 1000×700: the same card in Chinese; a gallery too small says so', async () => {
    const { page, errors } = await open('zh-CN', 1000, 700)
    const card = page.getByTestId('space-1')
    await card.waitFor()
    expect(await page.getByTestId('space-using').textContent()).toContain('搜索使用原始描述子。')
    expect(await card.textContent()).toContain('在此图库上的测量')
    expect(await card.textContent()).toContain('保留视图,R@1')
    await noSidewaysScroll(page)
    await shot(page, 'space-zh-1000')
    await page.close()

    await dispatch('profiles.create', { kind: 'local', name: 'tiny' })
    await dispatch('profiles.activate', { name: 'tiny' })
    const small = await open('zh-CN', 1000, 700)
    expect(await small.page.getByTestId('space-pictures').textContent()).toContain(
      '至少需要 100 张图片才能学习空间:此图库有 0 张。',
    )
    expect(await small.page.getByTestId('space-learn').isDisabled()).toBe(true)
    expect(await small.page.getByTestId('space-card').textContent()).toContain('尚未学习任何空间。')
    await shot(small.page, 'space-zh-tiny')
    expect([...errors, ...small.errors]).toEqual([])
    await small.page.close()
  }, 240_000)
})
