/// <reference lib="dom" />
/**
 * Desktop smoke test: the built app in a real Electron (playwright-core's `_electron`), on a fresh
 * user-data folder: the window opens on the local profile, a picture is added through the Add
 * view, found again by searching with it, and shown in the Gallery.
 *
 * Run with `npm run test:desktop` (scripts/test-desktop.mjs builds the app and passes the Electron
 * binary in LOUPE_ELECTRON_BINARY; without one it prints why it is skipped). Not part of `npm test`.
 */
import os from 'node:os'
import path from 'node:path'
import { _electron, type ElectronApplication, type Page } from 'playwright-core'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { skipReason } from '../../scripts/test-desktop.mjs'
import { tempDir } from '../helpers/tmp'

const ROOT = path.resolve(__dirname, '../..')
const BINARY = process.env.LOUPE_ELECTRON_BINARY
const reason = BINARY ? null : skipReason()
if (reason) process.stdout.write(`test/desktop: ${reason}\n`)

/** A picture with structure enough for the featurizer (within 256 px: kept as is). */
async function picture(file: string, seed: number) {
  const side = 240
  const px = Buffer.alloc(side * side * 3)
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++) {
      const i = (y * side + x) * 3
      px[i] = (x * seed) % 256
      px[i + 1] = y < side / 2 ? 40 : 200
      px[i + 2] = ((x >> 4) + (y >> 4)) % 2 ? 230 : 20
    }
  await sharp(px, { raw: { width: side, height: side, channels: 3 } })
    .jpeg({ quality: 90 })
    .toFile(file)
}

describe.skipIf(!BINARY)('Loupe in Electron (smoke)', () => {
  const t = tempDir('loupe-desktop-')
  const userData = path.join(t.dir, 'user-data')
  const photo = path.join(t.dir, 'desk-lamp.jpg')
  let app: ElectronApplication
  let win: Page
  const errors: string[] = []

  beforeAll(async () => {
    await picture(photo, 3)
    await picture(path.join(t.dir, 'other.jpg'), 11)
    const env = { ...process.env, LANG: 'en_US.UTF-8' } as Record<string, string>
    delete env.ELECTRON_RENDERER_URL
    delete env.ELECTRON_RUN_AS_NODE
    app = await _electron.launch({
      executablePath: BINARY!,
      args: [
        ROOT,
        `--user-data-dir=${userData}`,
        '--lang=en-US',
        // Chromium refuses to start its sandbox as root (containers, CI): only then, and only
        // for this test harness. The app itself never disables the sandbox.
        ...(os.userInfo().uid === 0 ? ['--no-sandbox'] : []),
      ],
      env,
      timeout: 60_000,
    })
    win = await app.firstWindow({ timeout: 60_000 })
    win.on('pageerror', (e) => errors.push(e.message))
    await win.waitForLoadState('domcontentloaded')
    await win.evaluate(() => localStorage.setItem('loupe.locale', 'en-US'))
    await win.reload()
  })
  afterAll(async () => {
    await app?.close().catch(() => undefined)
    t.cleanup()
  })

  it('opens one window on its own user-data folder', async () => {
    expect(await app.evaluate(({ app }) => app.getPath('userData'))).toBe(userData)
    expect(app.windows().length).toBe(1)
    expect(await win.title()).toContain('Loupe')
    await win.getByTestId('nav').waitFor({ timeout: 60_000 })
  })

  it('adds a picture through the Add view', async () => {
    await win.evaluate(() => (location.hash = '#/add'))
    await win.getByTestId('add-drop-input').setInputFiles(photo)
    await win.getByTestId('region-stage').waitFor({ timeout: 60_000 })
    await win.getByTestId('add-product-id').locator('input').fill('desk-1')
    await win.getByTestId('add-submit').click()
    await win.getByTestId('add-outcome').waitFor({ timeout: 120_000 })
    expect(await win.getByTestId('add-outcome').textContent()).toContain(
      'desk-1 / desk-lamp.jpg is in the gallery.',
    )
  })

  it('finds it by searching with the same picture', async () => {
    await win.getByTestId('nav').getByText('Search', { exact: true }).click()
    await win.getByTestId('search-drop-input').setInputFiles(photo)
    await win.getByTestId('region-stage').waitFor()
    await win.getByTestId('search-pic').click()
    await win.getByTestId('results-grid').waitFor({ timeout: 120_000 })
    const ids = await win.getByTestId('result-product-id').allTextContents()
    expect(ids[0]).toBe('desk-1')
  })

  it('shows it in the Gallery, and nothing failed in the page', async () => {
    await win.evaluate(() => (location.hash = '#/gallery'))
    await win.getByTestId('gallery-card').filter({ hasText: 'desk-lamp.jpg' }).waitFor({
      timeout: 60_000,
    })
    expect(errors).toEqual([])
  })
})
