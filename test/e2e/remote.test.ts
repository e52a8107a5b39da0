/// <reference lib="dom" />
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { launchBrowser, watchConsole } from '../helpers/browser'
import { startHost } from '../helpers/headless'
import { tempDir } from '../helpers/tmp'
import { createKeyStore } from '../../electron/core/engines/wire/keys'
import { CATALOGUE_DIR } from '../helpers/images'

const DS = CATALOGUE_DIR

/**
 * A second Loupe stands in for Alibaba Cloud: the app talks to it through a cloud profile (custom
 * endpoint, http) with the official SDK, and every view works the same as on the local engine.
 */
describe('a cloud profile pointed at a remote Loupe, driven through the UI', () => {
  const cloudDir = tempDir()
  const appDir = tempDir()
  let cloud: Awaited<ReturnType<typeof startHost>>
  let app: Awaited<ReturnType<typeof startHost>>
  let browser: Browser
  let page: Page
  let consoleErrors: string[]
  let key: { accessKeyId: string; accessKeySecret: string }
  const appLog: string[] = []

  beforeAll(async () => {
    key = await createKeyStore(cloudDir.dir).create({ description: 'e2e' })
    cloud = await startHost(cloudDir.dir)
    app = await startHost(appDir.dir, appLog)
    browser = await launchBrowser()
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } })
    consoleErrors = watchConsole(page)
    await page.addInitScript(() => localStorage.setItem('loupe.locale', 'en-US'))
  })
  afterAll(async () => {
    await browser?.close()
    await app?.close()
    await cloud?.close()
    cloudDir.cleanup()
    appDir.cleanup()
  })

  it('creates the cloud profile and its Test connection shows the remote instance', async () => {
    await page.goto(`${app.url}/#/profiles`)
    await page.getByTestId('profile-new').click()
    await page.getByTestId('kind-cloud').click()
    await page.getByTestId('profile-name').locator('input').fill('remote')
    await page.getByTestId('cloud-instance').locator('input').fill('local')
    await page.getByTestId('cloud-endpoint').locator('input').fill(`127.0.0.1:${cloud.port}`)
    await page.getByTestId('cloud-protocol').getByText('http', { exact: true }).click()
    await page.getByTestId('cloud-key-id').locator('input').fill(key.accessKeyId)
    // A wrong secret first: the explained error, with its request id.
    await page.getByTestId('cloud-secret').locator('input').fill('not-the-secret')
    await page.getByTestId('profile-test').click()
    await page.getByTestId('error-alert').waitFor({ timeout: 60_000 })
    expect(await page.getByTestId('error-alert').textContent()).toContain('SignatureDoesNotMatch')
    expect(await page.getByTestId('error-request-id').textContent()).toMatch(/^[0-9A-F-]{36}$/)
    await page.getByTestId('cloud-secret').locator('input').fill(key.accessKeySecret)
    await page.getByTestId('profile-test').click()
    await page.getByTestId('test-ok').waitFor({ timeout: 60_000 })
    expect(await page.getByTestId('test-ok').textContent()).toContain('Connected to local')
    await page.getByTestId('profile-save').click()
    await page.getByTestId('profile-card-remote').waitFor()
    await page.getByTestId('profile-use-remote').click()
    await page.getByTestId('nav').getByText('Instance', { exact: true }).click()
    await page.waitForFunction(
      () => document.querySelector('[data-testid="instance-name"]')?.textContent === 'local',
    )
  })

  it('adds, searches and deletes on the remote engine through the views', async () => {
    await page.getByTestId('nav').getByText('Add images', { exact: true }).click()
    await page.getByTestId('add-drop-input').setInputFiles(path.join(DS, 'item0400.jpg'))
    await page.getByTestId('region-stage').waitFor()
    await page.getByTestId('add-product-id').locator('input').fill('remote-1')
    await page.getByTestId('add-submit').click()
    await page.getByTestId('add-outcome').waitFor({ timeout: 90_000 })
    expect(await page.getByTestId('add-outcome').textContent()).toContain('remote-1 / item0400.jpg')
    // It landed in the other Loupe's engine.
    const there = (await cloud.core.dispatch('images.exists', {
      productId: 'remote-1',
      picName: 'item0400.jpg',
    })) as { result: { exist: boolean } }
    expect(there.result.exist).toBe(true)

    await page.getByTestId('nav').getByText('Search', { exact: true }).click()
    await page.getByTestId('search-drop-input').setInputFiles(path.join(DS, 'item0400.jpg'))
    await page.getByTestId('region-stage').waitFor()
    await page.getByTestId('search-pic').click()
    await page.getByTestId('results-grid').waitFor({ timeout: 90_000 })
    const first = await page.getByTestId('result-product-id').first().textContent()
    expect(first).toBe('remote-1')

    await page.getByTestId('result-more-0').click()
    await page.locator('.n-dropdown-option', { hasText: 'Delete from the gallery' }).click()
    await page.locator('.n-dialog').getByRole('button', { name: 'Remove' }).click()
    await page.waitForFunction(() => !document.querySelector('[data-testid="result-product-id"]'))
    const gone = (await cloud.core.dispatch('images.exists', {
      productId: 'remote-1',
      picName: 'item0400.jpg',
    })) as { result: { exist: boolean } }
    expect(gone.result.exist).toBe(false)
    expect(consoleErrors.filter((e) => !e.includes('Failed to load resource'))).toEqual([])
    // The AccessKey secret never reached the app's log.
    expect(appLog.join('\n')).not.toContain(key.accessKeySecret)
  })
})
