import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { appIconPath, trayIconPath } from '../../../electron/main/icons'
import {
  ICNS_TYPES,
  ICO_SIZES,
  PNG_SIZES,
  TRAY_FILES,
  makeIcons,
  sha256,
  type IconManifest,
} from '../../../scripts/make-icons'
import { tempDir } from '../../helpers/tmp'

const ROOT = path.resolve(__dirname, '../../..')
const RES = path.join(ROOT, 'resources')
const manifest = JSON.parse(fs.readFileSync(path.join(RES, 'icons.json'), 'utf8')) as IconManifest

/** The images of an .ico: [width, height, payload] per directory entry. */
function icoEntries(buf: Buffer) {
  expect(buf.readUInt16LE(0)).toBe(0)
  expect(buf.readUInt16LE(2)).toBe(1) // 1 = icon
  const n = buf.readUInt16LE(4)
  return Array.from({ length: n }, (_, i) => {
    const e = 6 + i * 16
    const size = buf.readUInt32LE(e + 8)
    const offset = buf.readUInt32LE(e + 12)
    return {
      width: buf[e] || 256,
      height: buf[e + 1] || 256,
      data: buf.subarray(offset, offset + size),
    }
  })
}

/** The chunks of an .icns: OSType -> payload. */
function icnsEntries(buf: Buffer) {
  expect(buf.toString('latin1', 0, 4)).toBe('icns')
  expect(buf.readUInt32BE(4)).toBe(buf.length)
  const out = new Map<string, Buffer>()
  for (let at = 8; at < buf.length;) {
    const type = buf.toString('latin1', at, at + 4)
    const len = buf.readUInt32BE(at + 4)
    expect(len, type).toBeGreaterThan(8)
    out.set(type, buf.subarray(at + 8, at + len))
    at += len
  }
  return out
}

describe('icons generated from resources/icon.svg', () => {
  it('are up to date with the SVG (run `npm run icons` after changing it)', () => {
    expect(manifest.sha256).toBe(sha256(fs.readFileSync(path.join(RES, 'icon.svg'))))
    for (const f of manifest.files) expect(fs.existsSync(path.join(RES, f)), f).toBe(true)
  })

  it('has a PNG for every size from 16 to 1024, each of that size', async () => {
    for (const size of PNG_SIZES) {
      const m = await sharp(path.join(RES, `icons/${size}x${size}.png`)).metadata()
      expect([m.format, m.width, m.height, m.hasAlpha]).toEqual(['png', size, size, true])
    }
    const big = await sharp(path.join(RES, 'icon.png')).metadata()
    expect([big.width, big.height]).toEqual([1024, 1024])
  })

  it('draws the icon (not an empty or opaque square)', async () => {
    const { data, info } = await sharp(path.join(RES, 'icons/256x256.png'))
      .raw()
      .toBuffer({ resolveWithObject: true })
    let opaque = 0
    for (let i = 3; i < data.length; i += info.channels) if (data[i] > 200) opaque++
    const share = opaque / (info.width * info.height)
    expect(share).toBeGreaterThan(0.1)
    expect(share).toBeLessThan(0.9)
  })

  it('has a Windows .ico with 16..256 px images that decode to their sizes', async () => {
    const entries = icoEntries(fs.readFileSync(path.join(RES, 'icon.ico')))
    expect(entries.map((e) => e.width).sort((a, b) => a - b)).toEqual([...ICO_SIZES])
    for (const e of entries) {
      expect(e.height).toBe(e.width)
      // 256 px is stored as PNG; the small ones as BMP (DIB header: 40 bytes, double height).
      if (e.data.subarray(1, 4).toString('latin1') === 'PNG') {
        const m = await sharp(e.data).metadata()
        expect(m.width).toBe(e.width)
      } else {
        expect(e.data.readUInt32LE(0)).toBe(40)
        expect(e.data.readInt32LE(4)).toBe(e.width)
        expect(e.data.readInt32LE(8)).toBe(e.width * 2)
      }
    }
  })

  it('has a macOS .icns with every size up to 512@2x (1024 px)', async () => {
    const entries = icnsEntries(fs.readFileSync(path.join(RES, 'icon.icns')))
    for (const [type, size] of Object.entries(ICNS_TYPES)) {
      const data = entries.get(type)
      expect(data, type).toBeDefined()
      // ic04 / ic05 (16 and 32 px) are ARGB run-length data by Apple's spec; the rest PNG.
      if (type === 'ic04' || type === 'ic05') {
        expect(data!.toString('latin1', 0, 4)).toBe('ARGB')
        continue
      }
      const m = await sharp(data!).metadata()
      expect([type, m.width, m.height]).toEqual([type, size, size])
    }
  })

  it('has tray icons, the macOS ones black template images', async () => {
    for (const [name, t] of Object.entries(TRAY_FILES)) {
      const { data, info } = await sharp(path.join(RES, name))
        .ensureAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true })
      expect([name, info.width]).toEqual([name, t.size])
      let coloured = 0
      for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 0 && data[i + 1] > 40) coloured++
      if (t.template) expect(coloured, name).toBe(0)
      else expect(coloured, name).toBeGreaterThan(0)
    }
  })

  it('are reproduced by the script', async () => {
    const t = tempDir()
    try {
      const again = await makeIcons(path.join(RES, 'icon.svg'), t.dir)
      expect(again).toEqual(manifest)
      for (const f of manifest.files.filter((f) => f.endsWith('.png'))) {
        const [a, b] = await Promise.all(
          [path.join(RES, f), path.join(t.dir, f)].map((p) => sharp(p).raw().toBuffer()),
        )
        expect(a.length, f).toBe(b.length)
        // The same drawing; only anti-aliasing may differ by a little across platforms.
        let sum = 0
        for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i])
        expect(sum / a.length, f).toBeLessThanOrEqual(1)
      }
    } finally {
      t.cleanup()
    }
  })
})

describe('icon paths at run time', () => {
  it('reads resources/ in a checkout, and the files are there', () => {
    const ctx = { isPackaged: false, resourcesPath: '/nowhere', appPath: ROOT }
    expect(appIconPath(ctx)).toBe(path.join(RES, 'icons/512x512.png'))
    expect(fs.existsSync(appIconPath(ctx))).toBe(true)
    for (const platform of ['linux', 'win32', 'darwin'] as const) {
      const p = trayIconPath({ ...ctx, platform })
      expect(fs.existsSync(p), p).toBe(true)
      expect(fs.existsSync(p.replace(/\.png$/, '@2x.png')), p).toBe(true)
    }
    expect(path.basename(trayIconPath({ ...ctx, platform: 'darwin' }))).toBe('trayTemplate.png')
    expect(path.basename(trayIconPath({ ...ctx, platform: 'linux' }))).toBe('tray.png')
  })

  it('reads the extraResources of a packaged app, never the asar', () => {
    const ctx = {
      isPackaged: true,
      resourcesPath: '/opt/Loupe/resources',
      appPath: '/opt/Loupe/resources/app.asar',
    }
    expect(appIconPath(ctx)).toBe(path.join('/opt/Loupe/resources', 'icons/512x512.png'))
    expect(trayIconPath({ ...ctx, platform: 'win32' })).toBe(
      path.join('/opt/Loupe/resources', 'tray/tray.png'),
    )
  })
})
