/// <reference lib="dom" />
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { launchBrowser } from '../helpers/browser'
import { startHost } from '../helpers/headless'
import { tempDir } from '../helpers/tmp'
import { catalogueBytes } from '../helpers/images'

const SHOTS = process.env.LOUPE_SHOTS
const SIZES = [
  { width: 1360, height: 880 },
  { width: 1000, height: 700 },
] as const

/**
 * Issue 13 in Chromium (headless host): the empty gallery offers "Add images"; the profile form's
 * messages say how to fix a field, required fields carry the asterisk, the STS token has a real
 * placeholder and the secret's help names the 0600 file — in en-US and zh-CN, at 1360×880 and
 * 1000×700, with nothing wider than the window.
 */
describe('Empty gallery and profile form in Chromium', () => {
  const t = tempDir('loupe-e2e-i13-')
  let host: Awaited<ReturnType<typeof startHost>>
  let browser: Browser

  beforeAll(async () => {
    host = await startHost(path.join(t.dir, 'data'))
    browser = await launchBrowser()
    if (SHOTS) fs.mkdirSync(SHOTS, { recursive: true })
  })
  afterAll(async () => {
    await browser?.close()
    await host?.close()
    t.cleanup()
  })

  for (const locale of ['en-US', 'zh-CN'] as const) {
    it(`${locale} 1000×700: stopping a job from the Jobs drawer, then adding the remaining`, async () => {
      const zh = locale === 'zh-CN'
      const name = `offline-${locale}`
      const r = (await host.core.dispatch('profiles.create', {
        kind: 'cloud',
        name,
        cloud: {
          instanceName: 'nowhere',
          endpoint: '127.0.0.1:9',
          protocol: 'http',
          accessKeyId: 'LTAIofflineKey01',
          accessKeySecret: 'offline-secret-0123456789',
        },
      })) as { error?: unknown }
      expect(r.error).toBeUndefined()
      const src = path.join(t.dir, `src-${locale}`, 'p')
      fs.mkdirSync(src, { recursive: true })
      for (const n of [60, 61, 62]) fs.writeFileSync(path.join(src, `${n}.jpg`), catalogueBytes(n))
      const started = (await host.core.dispatch('bulk.start', {
        profile: name,
        sources: [src],
      })) as {
        result: { jobId: number }
      }
      const jobId = started.result.jobId
      const page = await browser.newPage({ viewport: { width: 1000, height: 700 } })
      await page.addInitScript((l) => localStorage.setItem('loupe.locale', l), locale)
      await page.goto(`${host.url}/#/gallery`)
      await page.getByTestId('jobs-indicator').click()
      await page.getByTestId(`jobs-drawer-job-${jobId}`).locator('.ji-row').click()
      // the percentage sits beside its bar, not inside a 2 % sliver of it
      const bar = page.getByTestId('job-progress')
      expect(await bar.locator('.n-progress-graph-line-indicator').count()).toBe(0)
      const rail = await bar.locator('.n-progress-graph-line-rail').boundingBox()
      const label = await bar.locator('.n-progress-icon').boundingBox()
      expect(label!.x).toBeGreaterThanOrEqual(rail!.x + rail!.width)
      expect(await page.getByTestId(`job-panel-${jobId}`).textContent()).toContain(
        zh ? '批量添加:p' : 'Bulk add: p',
      )
      await page.getByTestId('job-cancel').click()
      await page.getByTestId('job-cancel-confirm').waitFor()
      expect(await page.getByTestId('job-cancel-confirm').textContent()).toContain(
        zh ? '尚未发送的 3 张不会添加' : 'The 3 not sent yet are not added',
      )
      if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `job-stop-${locale}-1000.png`) })
      await page
        .locator('.n-popconfirm')
        .getByRole('button', { name: zh ? '停止作业' : 'Stop the job' })
        .click()
      await page.getByTestId('job-add-remaining').waitFor({ timeout: 30_000 })
      expect(await page.getByTestId('job-remove').count()).toBe(1)
      if (SHOTS)
        await page.screenshot({ path: path.join(SHOTS, `job-cancelled-${locale}-1000.png`) })
      await page.getByTestId('job-add-remaining').click()
      // the drawer opens the new job (the cancelled one says where its pictures went)
      type L = { result: { jobs: { jobId: number; total: number }[] } }
      let list = (await host.core.dispatch('jobs.list', { profile: name })) as L
      for (let i = 0; i < 100 && list.result.jobs.length < 2; i++) {
        await new Promise((res) => setTimeout(res, 100))
        list = (await host.core.dispatch('jobs.list', { profile: name })) as L
      }
      expect(list.result.jobs.map((j) => j.total)).toEqual([3, 3])
      await page.getByTestId(`job-panel-${list.result.jobs[0]!.jobId}`).waitFor()
      await host.core.dispatch('jobs.cancel', { jobId: list.result.jobs[0]!.jobId })
      await page.close()
    })

    for (const size of SIZES) {
      it(`${locale} ${size.width}×${size.height}`, async () => {
        const page = await browser.newPage({ viewport: size })
        await page.addInitScript((l) => localStorage.setItem('loupe.locale', l), locale)
        const zh = locale === 'zh-CN'
        const overflow = () =>
          page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)

        // the empty gallery: "Add images" leads to the bulk add
        await page.goto(`${host.url}/#/gallery`)
        await page.getByTestId('gallery-empty-add').waitFor()
        expect(await page.getByTestId('gallery-empty-add').textContent()).toBe(
          zh ? '添加图片' : 'Add images',
        )
        expect(await overflow()).toBeLessThanOrEqual(0)
        if (SHOTS)
          await page.screenshot({
            path: path.join(SHOTS, `gallery-empty-${locale}-${size.width}.png`),
          })
        await page.getByTestId('gallery-empty-add').click()
        await page.getByTestId('bulk-folder-input').waitFor({ state: 'attached' })
        expect(page.url()).toContain('mode=bulk')

        // a new cloud profile, saved empty
        await page.goto(`${host.url}/#/profiles`)
        await page.getByTestId('profile-new').click()
        await page.getByTestId('kind-cloud').click()
        await page.getByTestId('cloud-endpoint').locator('input').fill('http://host/x')
        await page.getByTestId('profile-save').click()
        const form = page.getByTestId('profile-form')
        await form.locator('.n-form-item-feedback--error').first().waitFor()
        const feedback = await form.locator('.n-form-item-feedback__line').allTextContents()
        expect(feedback).toContain(
          zh
            ? '只填写主机名和可选端口,例如 127.0.0.1:7070,不要带 http:// 或路径。'
            : 'Write only the host and an optional port, e.g. 127.0.0.1:7070 — no http:// and no path.',
        )
        expect(feedback).toContain(
          zh ? '请为配置命名,例如 shop-cloud。' : 'Give the profile a name, e.g. shop-cloud.',
        )
        expect(await form.locator('.n-form-item-label__asterisk').count()).toBeGreaterThanOrEqual(4)
        expect(
          await page.getByTestId('cloud-token').locator('input').getAttribute('placeholder'),
        ).not.toMatch(/Please Input|请输入$/)
        expect(await page.getByTestId('cloud-secret-help').textContent()).toContain('0600')
        expect(await form.textContent()).not.toContain('Please Input')
        // the dialog's form fits the window
        const box = await form.boundingBox()
        expect(box!.x + box!.width).toBeLessThanOrEqual(size.width)
        expect(await overflow()).toBeLessThanOrEqual(0)
        if (SHOTS)
          await page.screenshot({
            path: path.join(SHOTS, `profile-form-${locale}-${size.width}.png`),
          })
        await page.keyboard.press('Escape')
        await page.close()
      })
    }
  }

  // after the empty-gallery checks: these fill the gallery cache
  for (const locale of ['en-US', 'zh-CN'] as const) {
    it(`${locale} 1000×700: import picker, a row not in the engine, a flat folder`, async () => {
      const zh = locale === 'zh-CN'
      const page = await browser.newPage({ viewport: { width: 1000, height: 700 } })
      await page.addInitScript((l) => localStorage.setItem('loupe.locale', l), locale)
      // "Import a file…" opens the system's file chooser; the chosen export is previewed
      const dump = path.join(t.dir, `other-${locale}.jsonl`)
      fs.writeFileSync(
        dump,
        JSON.stringify({ ProductId: `gone-${locale}`, PicName: 'x.jpg', CategoryId: 3 }) + '\n',
      )
      await page.goto(`${host.url}/#/tasks`)
      await page.getByTestId('dump-import-file').click()
      await page.getByTestId('dump-import-choose').waitFor()
      const chooser = page.waitForEvent('filechooser')
      await page.getByTestId('dump-import-choose').click()
      await (await chooser).setFiles(dump)
      await page.getByTestId('dump-import-dialog').waitFor()
      expect(await page.getByTestId('dump-import-dialog').textContent()).toContain(
        path.basename(dump),
      )
      if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `import-picked-${locale}.png`) })
      await page.keyboard.press('Escape')

      // a cache row whose id the engine does not have
      const r = (await host.core.dispatch('tasks.dumpImport', { source: { file: dump } })) as {
        error?: unknown
      }
      expect(r.error).toBeUndefined()
      await page.goto(`${host.url}/#/gallery`)
      await page.reload()
      await page.getByTestId('gallery-card').first().click()
      await page.getByTestId('detail-missing').waitFor()
      expect(await page.getByTestId('detail-sync').textContent()).toContain(
        zh ? '引擎中不存在' : 'Not in the engine',
      )
      if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `detail-missing-${locale}.png`) })

      // a flat folder of pictures: "File = product" is suggested
      const flat = path.join(t.dir, `flat-${locale}`)
      fs.mkdirSync(flat, { recursive: true })
      for (const n of [70, 71, 72]) fs.writeFileSync(path.join(flat, `${n}.jpg`), catalogueBytes(n))
      await page.goto(`${host.url}/#/add?mode=bulk`)
      await page.getByTestId('bulk-folder-input').setInputFiles(flat)
      await page.getByTestId('bulk-naming-suggested').waitFor({ timeout: 60_000 })
      if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `flat-folder-${locale}.png`) })
      await page.close()
    })
  }
})
