import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { electronBinary, skipReason } from '../../../scripts/test-desktop.mjs'
import { tempDir } from '../../helpers/tmp'

const ROOT = path.resolve(__dirname, '../../..')

describe('npm run test:desktop: finding Electron', () => {
  const t = tempDir('loupe-test-desktop-')
  afterAll(() => t.cleanup())
  const fakeRoot = (withBinary: boolean) => {
    const root = fs.mkdtempSync(path.join(t.dir, 'root-'))
    const dir = path.join(root, 'node_modules/electron')
    fs.mkdirSync(path.join(dir, 'dist'), { recursive: true })
    fs.writeFileSync(path.join(dir, 'path.txt'), 'electron')
    if (withBinary) fs.writeFileSync(path.join(dir, 'dist/electron'), '')
    return root
  }

  it('finds the binary the electron package installed, without downloading it', () => {
    const root = fakeRoot(true)
    expect(electronBinary({}, root)).toBe(path.join(root, 'node_modules/electron/dist/electron'))
    expect(skipReason({ DISPLAY: ':0' }, 'linux', root)).toBeNull()
    expect(skipReason({}, 'darwin', root)).toBeNull()
  })

  it('says it is skipped, why and how to install Electron, when there is no binary', () => {
    for (const root of [fakeRoot(false), t.dir]) {
      expect(electronBinary({}, root)).toBeNull()
      const reason = skipReason({ DISPLAY: ':0' }, 'linux', root)!
      expect(reason).toContain(
        'skipped: no Electron binary (ELECTRON_SKIP_BINARY_DOWNLOAD / offline)',
      )
      expect(reason).toContain('node node_modules/electron/install.js')
    }
  })

  it('honours ELECTRON_OVERRIDE_DIST_PATH', () => {
    const root = fakeRoot(false)
    const custom = path.join(t.dir, 'custom-electron')
    fs.mkdirSync(custom)
    fs.writeFileSync(path.join(custom, 'electron'), '')
    expect(electronBinary({ ELECTRON_OVERRIDE_DIST_PATH: custom }, root)).toBe(
      path.join(custom, 'electron'),
    )
  })

  it('wants a display on Linux', () => {
    const reason = skipReason({}, 'linux', fakeRoot(true))!
    expect(reason).toContain('no display')
    expect(reason).toContain('xvfb-run -a npm run test:desktop')
  })

  it.skipIf(electronBinary() !== null)(
    'exits 0 with the reason on a machine without Electron',
    () => {
      const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/test-desktop.mjs')], {
        encoding: 'utf8',
      })
      expect(r.status).toBe(0)
      expect(r.stdout).toMatch(/^test:desktop skipped: no Electron binary/)
    },
  )
})
