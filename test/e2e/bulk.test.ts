/// <reference lib="dom" />
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { launchBrowser, watchConsole } from '../helpers/browser'
import { startHost } from '../helpers/headless'
import { tempDir } from '../helpers/tmp'
import { CATALOGUE_DIR } from '../helpers/images'

const DS = CATALOGUE_DIR
const pic = (n: number) => path.join(DS, `item${String(n).padStart(4, '0')}.jpg`)
const SHOTS = process.env.LOUPE_SHOTS

describe('Bulk add in Chromium (headless host, local engine)', () => {
  const t = tempDir('loupe-e2e-bulk-')
  const folder = path.join(t.dir, 'drop', 'catalogue')
  let host: Awaited<ReturnType<typeof startHost>>
  let browser: Browser
  let page: Page
  let consoleErrors: string[]

  beforeAll(async () => {
    // a folder of catalogue pictures in two sub-folders, one of them already in the gallery
    for (let i = 0; i < 12; i++) {
      const sub = i < 6 ? 'tops' : 'dresses'
      fs.mkdirSync(path.join(folder, sub), { recursive: true })
      fs.copyFileSync(pic(400 + i), path.join(folder, sub, path.basename(pic(400 + i))))
    }
    fs.copyFileSync(pic(500), path.join(folder, 'dresses', 'again.jpg'))
    fs.writeFileSync(path.join(folder, 'notes.txt'), 'not a picture')
    host = await startHost(path.join(t.dir, 'data'))
    const r = (await host.core.dispatch('images.add', {
      image: { base64: fs.readFileSync(pic(500)).toString('base64'), name: 'seed.jpg' },
      productId: 'seed',
      picName: 'seed.jpg',
    })) as { error?: unknown }
    expect(r.error).toBeUndefined()
    browser = await launchBrowser()
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } })
    consoleErrors = watchConsole(page)
    await page.addInitScript(() => localStorage.setItem('loupe.locale', 'en-US'))
  })
  afterAll(async () => {
    await browser?.close()
    await host?.close()
    t.cleanup()
  })

  it('uploads a dropped folder, previews ids, outcomes and duplicates, runs the job', async () => {
    await page.goto(`${host.url}/#/add`)
    await page.getByTestId('add-tab-bulk').click()
    await page.getByTestId('bulk-folder-input').setInputFiles(folder)
    await page.getByTestId('bulk-files').waitFor({ timeout: 60_000 })
    expect(await page.getByTestId('bulk-files').textContent()).toContain('13 files')
    // live naming preview: the folder rule on the first files
    await page.getByTestId('bulk-naming-preview').waitFor()
    expect(await page.getByTestId('bulk-naming-product').first().textContent()).toBe('dresses')
    await page.getByTestId('bulk-naming-file').click()
    await page.waitForFunction(
      () => document.querySelector('[data-testid="bulk-naming-product"]')?.textContent === 'again',
    )
    await page.getByTestId('bulk-naming-folder').click()
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid="bulk-naming-product"]')?.textContent === 'dresses',
    )

    await page.getByTestId('bulk-preview').click()
    await page.waitForFunction(
      () => !document.querySelector('[data-testid="bulk-start"]')?.hasAttribute('disabled'),
      undefined,
      { timeout: 90_000 },
    )
    const counts = (await page.getByTestId('bulk-counts').textContent()) ?? ''
    expect(counts).toContain('All · 13')
    expect(counts).toContain('To add · 12')
    expect(counts).toContain('Skipped · 1')
    expect(counts).toContain('Duplicates · 1')
    const table = page.getByTestId('bulk-plan-table')
    expect(await table.getByTestId('bulk-dup').first().textContent()).toContain('seed/seed.jpg')
    expect(await table.textContent()).toContain('tops')
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'bulk-preview.png'), fullPage: true })

    await page.getByTestId('bulk-start').click()
    await page.getByTestId('job-done').waitFor({ timeout: 120_000 })
    expect(await page.getByTestId('job-stats').textContent()).toContain('12 added')
    expect(await page.getByTestId('job-state').textContent()).toBe('Done')
    await page.getByTestId('job-tab-skipped').click()
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="bulk-item-state"]').length === 1,
    )
    expect(await page.getByTestId('job-items').textContent()).toContain('DuplicateImage')
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'bulk-job.png'), fullPage: true })

    const detail = (await host.core.dispatch('instance.detail', {})) as {
      result: { instance: { totalCount: number } }
    }
    expect(detail.result.instance.totalCount).toBe(13)
  })

  it('finds the added pictures by searching with one of them', async () => {
    await page.getByTestId('nav').getByText('Search', { exact: true }).click()
    await page.getByTestId('search-drop-input').setInputFiles(pic(403))
    await page.getByTestId('region-stage').waitFor()
    await page.getByTestId('search-pic').click()
    await page.getByTestId('results-grid').waitFor({ timeout: 60_000 })
    const first = await page.getByTestId('result-product-id').first().textContent()
    expect(first).toBe('tops')
    expect(await page.getByTestId('results-grid').textContent()).toContain('item0403.jpg')
  })

  it('shows the job in the header indicator; a drop on any view opens bulk add with it', async () => {
    await page.getByTestId('jobs-indicator').click()
    await page.getByTestId('jobs-drawer').waitFor()
    const drawer = page.locator('.n-drawer')
    expect(await drawer.textContent()).toContain('Done')
    await page.keyboard.press('Escape')

    const b64 = fs.readFileSync(pic(420)).toString('base64')
    await page.evaluate((data) => {
      const bin = Uint8Array.from(atob(data), (c) => c.charCodeAt(0))
      const dt = new DataTransfer()
      dt.items.add(new File([bin], 'loose.jpg', { type: 'image/jpeg' }))
      const target = document.querySelector('h2') ?? document.body
      target.dispatchEvent(
        new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }),
      )
      target.dispatchEvent(
        new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }),
      )
    }, b64)
    await page.waitForURL(/#\/add\?mode=bulk/)
    await page.getByTestId('bulk-files').waitFor({ timeout: 60_000 })
    expect(await page.getByTestId('bulk-files').textContent()).toContain('1 files')
    // a loose file: the file rule is chosen
    await page.waitForFunction(
      () => document.querySelector('[data-testid="bulk-naming-product"]')?.textContent === 'loose',
    )
    expect(consoleErrors.filter((e) => !e.includes('Failed to load resource'))).toEqual([])
  })

  it('pauses, resumes and cancels a job whose engine cannot be reached', async () => {
    for (const [name, input] of [
      [
        'profiles.create',
        {
          kind: 'cloud',
          name: 'offline',
          cloud: {
            instanceName: 'nowhere',
            endpoint: '127.0.0.1:9',
            protocol: 'http',
            accessKeyId: 'LTAIofflineKey01',
            accessKeySecret: 'offline-secret-0123456789',
          },
        },
      ],
      ['profiles.activate', { name: 'offline' }],
    ] as const) {
      const r = (await host.core.dispatch(name, input)) as { error?: unknown }
      expect(r.error).toBeUndefined()
    }
    await page.goto(`${host.url}/#/add?mode=bulk`)
    await page.reload()
    await page.getByTestId('bulk-folder-input').setInputFiles(path.join(folder, 'tops'))
    await page.getByTestId('bulk-files').waitFor({ timeout: 60_000 })
    await page.getByTestId('bulk-preview').click()
    await page.waitForFunction(
      () => !document.querySelector('[data-testid="bulk-start"]')?.hasAttribute('disabled'),
      undefined,
      { timeout: 90_000 },
    )
    await page.getByTestId('bulk-start').click()
    // network errors are retried with backoff: the job keeps running
    await page.getByTestId('job-pause').click()
    await page.waitForFunction(
      () => document.querySelector('[data-testid="job-state"]')?.textContent === 'Paused',
    )
    await page.getByTestId('job-resume').click()
    await page.waitForFunction(() =>
      /Running|Queued/.test(document.querySelector('[data-testid="job-state"]')?.textContent ?? ''),
    )
    // nothing sent yet, in its first seconds: the engine is starting (not "0 %" / "0.0/s")
    expect(await page.getByTestId('jobs-indicator').textContent()).toMatch(
      /\d+ %|Starting the engine/,
    )
    await page.getByTestId('job-cancel').click()
    const confirm = page.getByTestId('job-cancel-confirm')
    await confirm.waitFor()
    expect(await confirm.textContent()).toContain('The 6 not sent yet are not added')
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'bulk-stop-confirm.png') })
    await page.locator('.n-popconfirm').getByRole('button', { name: 'Stop the job' }).click()
    await page.waitForFunction(
      () => document.querySelector('[data-testid="job-state"]')?.textContent === 'Cancelled',
    )
    const jobs = (await host.core.dispatch('jobs.list', { profile: 'offline' })) as {
      result: { jobs: { jobId: number; state: string; done: number; total: number }[] }
    }
    expect(jobs.result.jobs[0]).toMatchObject({ state: 'cancelled', done: 0, total: 6 })
    // one Remove, and the pictures not sent offered as a new job
    await page.getByTestId('job-add-remaining').waitFor({ timeout: 30_000 })
    expect(await page.getByTestId('job-remove').count()).toBe(1)
    expect(await page.getByTestId('job-add-remaining').textContent()).toContain(
      'Add the remaining 6',
    )
    if (SHOTS) await page.screenshot({ path: path.join(SHOTS, 'bulk-cancelled.png') })
    await page.getByTestId('job-add-remaining').click()
    await page.waitForFunction(() =>
      /Running|Queued/.test(document.querySelector('[data-testid="job-state"]')?.textContent ?? ''),
    )
    const after = (await host.core.dispatch('jobs.list', { profile: 'offline' })) as {
      result: { jobs: { jobId: number; state: string; total: number }[] }
    }
    expect(after.result.jobs).toHaveLength(2)
    expect(after.result.jobs[0]!.jobId).not.toBe(jobs.result.jobs[0]!.jobId)
    expect(after.result.jobs[0]!.total).toBe(6)
    await host.core.dispatch('jobs.cancel', { jobId: after.result.jobs[0]!.jobId })
    expect(consoleErrors.filter((e) => !e.includes('Failed to load resource'))).toEqual([])
  })
})
