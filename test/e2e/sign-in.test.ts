/// <reference lib="dom" />
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { launchBrowser, watchConsole } from '../helpers/browser'
import { RENDERER_DIR, rendererBuilt } from '../helpers/headless'
import { lanAddress } from '../helpers/remote'
import { tempDir } from '../helpers/tmp'
import { CATALOGUE_DIR } from '../helpers/images'
import { startHeadless } from '../../electron/server/headless'
import { createTokenStore } from '../../electron/core/auth/tokens'

const SHOTS = process.env.LOUPE_SHOTS
const SEED = ['item0200.jpg', 'item0201.jpg', 'item0202.jpg']

/**
 * Remote mode in Chromium: the host is bound to this machine's LAN address when it has one (a
 * real non-loopback bind, plain HTTP with insecureHttp), else to 127.0.0.1 with `auth: 'required'`.
 */
describe('signing in to a remote Loupe in Chromium', () => {
  const t = tempDir()
  const shots = tempDir('loupe-shots-')
  const LAN = lanAddress()
  let host: Awaited<ReturnType<typeof startHeadless>>
  let url: string
  let full: string
  let readOnly: { id: string; token: string }
  let browser: Browser

  async function shot(page: Page, name: string) {
    await page.screenshot({ path: path.join(SHOTS ?? shots.dir, `${name}.png`), fullPage: true })
  }

  beforeAll(async () => {
    if (!rendererBuilt()) throw new Error('Run `npx electron-vite build` first')
    host = await startHeadless({
      dataDir: t.dir,
      host: LAN ?? '127.0.0.1',
      auth: 'required',
      insecureHttp: true,
      port: 0,
      rendererDir: RENDERER_DIR,
      log: () => {},
      control: false,
    })
    url = host.url
    full = host.auth.createdToken!.token
    readOnly = createTokenStore(t.dir).create({ name: 'viewer', scope: 'read' })
    for (const [i, n] of SEED.entries()) {
      const r = (await host.core.dispatch('images.add', {
        image: { base64: fs.readFileSync(path.join(CATALOGUE_DIR, n)).toString('base64'), name: n },
        productId: `signin-${i}`,
        picName: n,
      })) as { error?: unknown }
      expect(r.error).toBeUndefined()
    }
    browser = await launchBrowser()
  })
  afterAll(async () => {
    await browser?.close()
    await host?.close()
    t.cleanup()
    shots.cleanup()
  })

  it('asks for a token (focused field), explains a wrong one, signs in with Enter, searches, signs out', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    const errors = watchConsole(page)
    await page.addInitScript(() => localStorage.setItem('loupe.locale', 'en-US'))
    await page.goto(`${url}/#/search`)
    await page.getByTestId('sign-in').waitFor()
    expect(await page.getByTestId('nav').count()).toBe(0)
    // The token field has the focus.
    await page.waitForFunction(
      () => document.activeElement?.closest('[data-testid="signin-token"]') !== null,
    )
    await shot(page, 'sign-in-en')

    // A wrong token: Enter submits, the catalogue's explanation and hint appear.
    await page.keyboard.type('loupe_not-a-real-token')
    await page.keyboard.press('Enter')
    await page.getByTestId('signin-error').waitFor()
    const err = (await page.getByTestId('signin-error').textContent()) ?? ''
    expect(err).toContain('This access token is not valid.')
    expect(err).toContain('copied whole')
    await shot(page, 'sign-in-wrong-en')

    // The right one (the field's text is selected after a failure: typing replaces it).
    await page.keyboard.type(full)
    await page.keyboard.press('Enter')
    await page.getByTestId('nav').waitFor()
    expect(await page.getByTestId('sign-in').count()).toBe(0)
    // HttpOnly: the page cannot read the session cookie.
    expect(await page.evaluate(() => document.cookie)).toBe('')

    // Search works: the seeded picture comes back first.
    await page.getByTestId('search-drop-input').setInputFiles(path.join(CATALOGUE_DIR, SEED[1]!))
    await page.getByTestId('region-stage').waitFor()
    await page.getByTestId('search-pic').click()
    await page.getByTestId('results-grid').waitFor({ timeout: 90_000 })
    expect(await page.getByTestId('result-product-id').first().textContent()).toBe('signin-1')
    await shot(page, 'signed-in-search-en')

    // Sign out: back to the sign-in screen, and the contract answers 401 again.
    await page.getByTestId('sign-out').click()
    await page.getByTestId('sign-in').waitFor()
    const status = await page.evaluate(async () => {
      const r = await fetch('/api/call/app.info', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      })
      return r.status
    })
    expect(status).toBe(401)
    expect(errors.filter((e) => !e.includes('Failed to load resource'))).toEqual([])
    await page.close()
  })

  it('a full session edits a watch rule, but a browser on another machine cannot name a server folder', async () => {
    const watched = path.join(shots.dir, 'watched')
    fs.mkdirSync(watched, { recursive: true })
    const added = (await host.core.dispatch('watch.add', { folder: watched })) as {
      result: { id: number }
    }
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    const errors = watchConsole(page)
    await page.addInitScript(() => localStorage.setItem('loupe.locale', 'en-US'))
    await page.goto(`${url}/#/folders`)
    await page.getByTestId('signin-token').locator('input').fill(full)
    await page.getByTestId('signin-submit').click()
    const card = page.getByTestId(`rule-${added.result.id}`)
    await card.waitFor()
    // Editing the naming rule sends no folder: accepted from another machine too.
    await card.getByTestId('rule-edit').click()
    await page.getByTestId('bulk-naming-file').click()
    await page.getByTestId('rule-save').click()
    await page.getByTestId('rule-dialog').waitFor({ state: 'detached' })
    const list = (await host.core.dispatch('watch.list', {})) as {
      result: { rules: { id: number; naming: string; folder: string }[] }
    }
    const rule = list.result.rules.find((r) => r.id === added.result.id)
    expect(rule).toMatchObject({ naming: 'file', folder: watched })
    if (LAN) {
      // A new rule names a folder of the server: refused, and the app says why.
      await page.getByTestId('folders-add').click()
      await page.getByTestId('rule-folder').locator('input').fill(path.join(shots.dir, 'other'))
      await page.getByTestId('rule-save').click()
      await page.getByTestId('error-alert').waitFor()
      expect(await page.getByTestId('error-alert').textContent()).toContain(
        'Loupe does not read or write files on the server by their path',
      )
      const after = (await host.core.dispatch('watch.list', {})) as { result: { rules: unknown[] } }
      expect(after.result.rules).toHaveLength(1)
    }
    expect(errors.filter((e) => !e.includes('Failed to load resource'))).toEqual([])
    await page.close()
  })

  it('zh-CN: a read-only session shows its badge, cannot switch profiles, and a revoke signs it out', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    const errors = watchConsole(page)
    await page.addInitScript(() => localStorage.setItem('loupe.locale', 'zh-CN'))
    await page.goto(`${url}/#/gallery`)
    await page.getByTestId('sign-in').waitFor()
    expect(await page.getByTestId('sign-in').textContent()).toContain('登录 Loupe')
    await shot(page, 'sign-in-zh')
    await page.getByTestId('signin-submit').click()
    // An empty field: said so, nothing sent.
    expect(await page.getByTestId('sign-in').textContent()).toContain('请先粘贴访问令牌')
    await page.getByTestId('signin-token').locator('input').fill(readOnly.token)
    await page.getByTestId('signin-submit').click()
    await page.getByTestId('read-only-badge').waitFor()
    expect(await page.getByTestId('read-only-badge').textContent()).toContain('只读')
    expect(await page.getByTestId('sign-out').textContent()).toContain('退出登录')
    // Choosing the active profile changes the server: not for a read-only token.
    expect(
      await page
        .getByTestId('profile-switch')
        .evaluate((el) => !!el.querySelector('.n-base-selection--disabled')),
    ).toBe(true)
    // A write through the contract is refused with the explained error.
    const w = await page.evaluate(async () => {
      const r = await fetch('/api/call/images.remove', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ productId: 'signin-0' }),
      })
      return { status: r.status, body: (await r.json()) as { error: { code: string } } }
    })
    expect(w.status).toBe(403)
    expect(w.body.error.code).toBe('TokenScopeTooNarrow')
    await shot(page, 'signed-in-read-only-zh')
    // Editing an image through the UI: refused, and the app says why in the UI's language.
    await page.getByTestId('gallery-card').filter({ hasText: 'item0201.jpg' }).click()
    await page.getByTestId('gallery-detail-edit').click()
    await page.getByTestId('gallery-edit-strAttr').locator('input').fill('nope')
    await page.getByTestId('gallery-edit-save').click()
    await page.locator('.n-message').getByText('您使用只读访问令牌登录').waitFor()
    await shot(page, 'read-only-write-refused-zh')
    const still = (await host.core.dispatch('gallery.get', {
      productId: 'signin-1',
      picName: 'item0201.jpg',
    })) as { result: { image: { strAttr?: string } } }
    expect(still.result.image.strAttr ?? '').not.toBe('nope')
    await page.getByTestId('gallery-edit-dialog').getByRole('button', { name: '取消' }).click()
    await page.getByTestId('gallery-edit-dialog').waitFor({ state: 'detached' })
    await page.keyboard.press('Escape')
    await page.getByTestId('gallery-detail-product').waitFor({ state: 'detached' })

    // `loupe tokens revoke`: the next call answers 401 and the sign-in screen comes back.
    expect(createTokenStore(t.dir).revoke(readOnly.id)).toBe(true)
    await page.getByTestId('nav').getByText('搜索', { exact: true }).click()
    // (The search view is up before going back: a second click too soon is a duplicate navigation.)
    await page.getByTestId('search-tabs').waitFor()
    await page.getByTestId('nav').getByText('图库', { exact: true }).click()
    await page.getByTestId('sign-in').waitFor({ timeout: 30_000 })
    expect(await page.getByTestId('signin-ended').textContent()).toContain('访问令牌已被撤销')
    await shot(page, 'revoked-zh')
    expect(errors.filter((e) => !e.includes('Failed to load resource'))).toEqual([])
    await page.close()
  })
})
