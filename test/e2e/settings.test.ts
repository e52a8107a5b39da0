/// <reference lib="dom" />
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { launchBrowser, watchConsole } from '../helpers/browser'
import { RENDERER_DIR, startHost } from '../helpers/headless'
import { tempDir } from '../helpers/tmp'
import { fakeSafeStorage, readWithHardCodedKey } from '../helpers/fake-safe-storage'
import { startHeadless } from '../../electron/server/headless'
import { createSafeStorageSecretStore } from '../../electron/main/secret-store'

const SHOTS = process.env.LOUPE_SHOTS

async function shot(page: Page, dir: string, name: string) {
  await page.screenshot({
    path: path.join(SHOTS ?? dir, `${name}.png`),
    fullPage: true,
    animations: 'disabled',
  })
}

async function openSettings(page: Page, url: string, locale: 'en-US' | 'zh-CN', query = '') {
  await page.evaluate((l) => localStorage.setItem('loupe.locale', l), locale)
  // A fresh load straight at Settings. (Changing the hash of the page just opened at `/` raced
  // with the app's own start-up redirect to /search, which won on a busy machine.)
  await page.goto('about:blank')
  await page.goto(`${url}/#/settings${query}`)
  try {
    await page.getByTestId('security-backend').waitFor({ timeout: 60_000 })
  } catch (e) {
    // Say what the page showed instead (an error alert, the engine overlay, another view).
    const shown = await page.evaluate(() => `${location.href}\n${document.body.innerText}`)
    throw new Error(`${(e as Error).message}\n--- page ---\n${shown.slice(0, 2000)}`)
  }
}

const text = async (page: Page, id: string) =>
  ((await page.getByTestId(id).first().textContent()) ?? '').trim()

describe('Settings → Security in Chromium', () => {
  const t = tempDir()
  let browser: Browser
  let page: Page
  let consoleErrors: string[]

  beforeAll(async () => {
    browser = await launchBrowser()
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } })
    consoleErrors = watchConsole(page)
  })
  afterAll(async () => {
    await browser?.close()
    t.cleanup()
  })

  it('the headless host says its secrets are in a private file, in both languages', async () => {
    const host = await startHost(path.join(t.dir, 'headless'))
    try {
      await page.goto(host.url)
      await openSettings(page, host.url, 'en-US')
      expect(await text(page, 'security-backend')).toBe('A file only your user account can read')
      expect(await text(page, 'security-state')).toBe('Private to your account')
      expect(await text(page, 'security-stored')).toBe('none')
      expect(await text(page, 'security-explain')).toContain('They are not encrypted')
      await expect(page.getByTestId('security-accept').count()).resolves.toBe(0)
      await shot(page, t.dir, 'security-headless-en')

      await openSettings(page, host.url, 'zh-CN')
      expect(await text(page, 'security-backend')).toBe('仅您的用户账户可读的文件')
      expect(await text(page, 'security-state')).toBe('仅限您的账户')
      expect(await page.locator('#security-title').textContent()).toContain('安全')
      await shot(page, t.dir, 'security-headless-zh')
    } finally {
      await host.close()
    }
    expect(consoleErrors).toEqual([])
  })

  it('no keyring (Linux basic_text): refused with a link to Settings → Security, accepted there, revoked', async () => {
    const dataDir = path.join(t.dir, 'desktop')
    const f = fakeSafeStorage({ backend: 'basic_text' })
    const host = await startHeadless({
      dataDir,
      port: 0,
      rendererDir: RENDERER_DIR,
      log: () => {},
      secrets: createSafeStorageSecretStore({
        safeStorage: f.safeStorage,
        dataDir,
        platform: 'linux',
      }),
    })
    try {
      await page.goto(host.url)
      await openSettings(page, host.url, 'en-US')
      expect(await text(page, 'security-backend')).toBe(
        'No keyring: plain text with a hard-coded key',
      )
      expect(await text(page, 'security-state')).toBe('Refused')
      const plain = await text(page, 'security-plain')
      expect(plain).toContain('anyone who can read your files')
      expect(plain).toContain('install GNOME Keyring')
      expect(plain).toContain('Until you decide, Loupe refuses')
      await shot(page, t.dir, 'security-refused-en')
      await page.getByTestId('theme-toggle').click()
      await shot(page, t.dir, 'security-refused-dark-en')
      await page.getByTestId('theme-toggle').click()

      // Saving a cloud profile is refused; the error links to the place to decide.
      await page.getByTestId('nav').getByText('Profiles', { exact: true }).click()
      await page.getByTestId('profile-new').click()
      await page.getByTestId('kind-cloud').click()
      await page.getByTestId('profile-name').locator('input').fill('shop')
      await page.getByTestId('cloud-instance').locator('input').fill('inst')
      await page.getByTestId('cloud-endpoint').locator('input').fill('127.0.0.1:9')
      await page.getByTestId('cloud-key-id').locator('input').fill('LTAIe2eKeyId00042')
      await page.getByTestId('cloud-secret').locator('input').fill('e2e-plain-secret-1')
      await page.getByTestId('profile-save').click()
      const alert = page.getByTestId('error-alert').first()
      await alert.waitFor()
      expect(await alert.textContent()).toContain('InsecureSecretStore')
      await alert.scrollIntoViewIfNeeded()
      await shot(page, t.dir, 'security-error-link-en')
      // Keyboard: the link is reachable and opens the section, focused.
      await page.getByTestId('error-settings-link').focus()
      await page.keyboard.press('Enter')
      await page.getByTestId('security-accept').waitFor()
      await page.waitForFunction(() => document.activeElement?.id === 'security-title')
      expect(page.url()).toContain('#/settings?section=security')

      // Accept, after a confirmation that names the risk.
      await page.getByTestId('security-accept').click()
      const dialog = page.locator('.n-dialog')
      await dialog.waitFor()
      expect(await dialog.textContent()).toContain('will be able to read your AccessKey secrets')
      await shot(page, t.dir, 'security-accept-dialog-en')
      await dialog.getByRole('button', { name: 'Accept the risk' }).click()
      await page.getByTestId('security-accepted').waitFor()
      expect(await text(page, 'security-state')).toBe('Not protected')

      // Now the profile can be saved (its secret in plain text, as accepted).
      await page.getByTestId('nav').getByText('Profiles', { exact: true }).click()
      await page.getByTestId('profile-new').click()
      await page.getByTestId('kind-cloud').click()
      await page.getByTestId('profile-name').locator('input').fill('shop')
      await page.getByTestId('cloud-instance').locator('input').fill('inst')
      await page.getByTestId('cloud-endpoint').locator('input').fill('127.0.0.1:9')
      await page.getByTestId('cloud-key-id').locator('input').fill('LTAIe2eKeyId00042')
      await page.getByTestId('cloud-secret').locator('input').fill('e2e-plain-secret-1')
      await page.getByTestId('profile-save').click()
      await page.getByTestId('profile-card-shop').waitFor()
      expect(Object.values(readWithHardCodedKey(dataDir, f.hardCoded))).toEqual([
        'e2e-plain-secret-1',
      ])

      await openSettings(page, host.url, 'zh-CN')
      expect(await text(page, 'security-accepted')).toContain('以明文保存的密钥:1 个密钥')
      await shot(page, t.dir, 'security-accepted-zh')

      // Revoke (zh-CN): the confirmation says what happens to the stored secret.
      await page.getByTestId('security-revoke').click()
      await dialog.waitFor()
      expect(await dialog.textContent()).toContain('将从本机删除')
      await shot(page, t.dir, 'security-revoke-dialog-zh')
      await dialog.getByRole('button', { name: '撤销并删除' }).click()
      await page.getByTestId('security-accept').waitFor()
      expect(await text(page, 'security-state')).toBe('已拒绝')
      expect(await text(page, 'security-stored')).toBe('无')
      expect(readWithHardCodedKey(dataDir, f.hardCoded)).toEqual({})
      await shot(page, t.dir, 'security-revoked-zh')
    } finally {
      await host.close()
    }
    expect(consoleErrors.filter((e) => !e.includes('Failed to load resource'))).toEqual([])
  })
})
