/// <reference lib="dom" />
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { launchBrowser, watchConsole } from '../helpers/browser'
import { startHost } from '../helpers/headless'
import { tempDir, walkFiles } from '../helpers/tmp'

async function pickOption(page: Page, testId: string, text: string) {
  await page.getByTestId(testId).click()
  await page.locator('.n-base-select-option', { hasText: text }).first().click()
}

describe('app shell in Chromium (headless host)', () => {
  const t = tempDir()
  const logLines: string[] = []
  let host: Awaited<ReturnType<typeof startHost>>
  let browser: Browser
  let page: Page
  let consoleErrors: string[]
  const bodies: string[] = []

  beforeAll(async () => {
    host = await startHost(t.dir, logLines)
    browser = await launchBrowser()
    page = await browser.newPage({ viewport: { width: 1360, height: 860 } })
    consoleErrors = watchConsole(page)
    page.on('response', async (r) => {
      try {
        bodies.push(await r.text())
      } catch {
        /* redirects and aborted requests have no body */
      }
    })
  })
  afterAll(async () => {
    await browser?.close()
    await host?.close()
    t.cleanup()
  })

  it('loads with every view in the navigation and no console errors', async () => {
    await page.goto(host.url)
    const nav = page.getByTestId('nav')
    for (const label of [
      'Search',
      'Gallery',
      'Add images',
      'Folders',
      'Tasks',
      'Instance',
      'Profiles',
      'Settings',
    ]) {
      await expect(nav.getByText(label, { exact: true }).count()).resolves.toBe(1)
    }
    await page.getByTestId('nav').getByText('Instance', { exact: true }).click()
    await page.getByTestId('instance-name').waitFor()
    expect(await page.getByTestId('instance-name').textContent()).toBe('local')
    expect(consoleErrors).toEqual([])
  })

  it('switches the language to zh-CN, creates a second local profile and shows its Instance view', async () => {
    await pickOption(page, 'locale-switch', '简体中文')
    await page.getByTestId('nav').getByText('连接配置', { exact: true }).waitFor()
    await page.getByTestId('nav').getByText('连接配置', { exact: true }).click()
    await page.getByTestId('profile-new').click()
    await page.getByTestId('profile-name').locator('input').fill('studio')
    await page.getByTestId('profile-save').click()
    await page.getByTestId('profile-card-studio').waitFor()
    await page.getByTestId('profile-use-studio').click()
    await page.getByTestId('nav').getByText('实例', { exact: true }).click()
    await page.waitForFunction(
      () => document.querySelector('[data-testid="instance-name"]')?.textContent === 'studio',
    )
    await page.screenshot({ path: path.join(t.dir, 'instance-zh.png') })
    expect(await page.locator('h2').first().textContent()).toContain('实例')
    expect(consoleErrors).toEqual([])
  })

  it('never lets a cloud secret reach an HTTP response, the page or a log line', async () => {
    const secret = 'e2e-Secret-Do-Not-Leak-7f3a9c'
    await page.getByTestId('nav').getByText('连接配置', { exact: true }).click()
    await page.getByTestId('profile-new').click()
    await page.getByTestId('kind-cloud').click()
    await page.getByTestId('profile-name').locator('input').fill('cloudshop')
    await page.getByTestId('cloud-instance').locator('input').fill('shopinst')
    await page.getByTestId('cloud-endpoint').locator('input').fill('127.0.0.1:9')
    await page.getByTestId('cloud-key-id').locator('input').fill('LTAIe2eKeyId00042')
    await page.getByTestId('cloud-secret').locator('input').fill(secret)
    // Test connection against a closed port: a clear error, not the secret.
    await page.getByTestId('profile-test').click()
    await page.getByTestId('error-alert').first().waitFor({ timeout: 60_000 })
    await page.getByTestId('profile-save').click()
    await page.getByTestId('profile-card-cloudshop').waitFor()
    const cardText = await page.getByTestId('profile-card-cloudshop').textContent()
    expect(cardText).toContain('LTAI****042')
    // Nothing the page holds or received carries the secret.
    await page.getByTestId('profile-form').waitFor({ state: 'detached' })
    const html = await page.content()
    const storage = await page.evaluate(() =>
      JSON.stringify({ ...localStorage, ...sessionStorage }),
    )
    expect(html).not.toContain(secret)
    expect(storage).not.toContain(secret)
    expect(bodies.join('\n')).not.toContain(secret)
    expect(logLines.join('\n')).not.toContain(secret)
    const logs = walkFiles(t.dir).filter((f) => f.endsWith('.log'))
    for (const f of logs) expect(fs.readFileSync(f, 'utf8')).not.toContain(secret)
    expect(consoleErrors.filter((e) => !e.includes('Failed to load resource'))).toEqual([])
  })
})
