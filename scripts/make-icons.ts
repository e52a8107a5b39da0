/**
 * `npm run icons`: every icon Loupe ships, generated from resources/icon.svg with sharp (rendering)
 * and @shockpkg/icon-encoder (ICO / ICNS containers). The outputs are committed; run this again
 * whenever icon.svg changes (a unit test compares icons.json's hash with the SVG).
 *
 *   resources/icon.png               1024 px (electron-builder's fallback source)
 *   resources/icon.ico               Windows: 16, 24, 32, 48, 64, 128, 256
 *   resources/icon.icns              macOS: 16..1024 incl. @2x (ic04..ic14)
 *   resources/icons/NxN.png          Linux icon set (deb / AppImage) and the window icon at run time
 *   resources/tray/tray[@2x].png     tray icon (Windows, Linux), 16 / 32 px
 *   resources/tray/trayTemplate[@2x].png   macOS menu-bar template (black + alpha), 16 / 32 px
 *   resources/icons.json             the SVG's sha256 and the list above
 */
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import sharp from 'sharp'
import { IconIcns, IconIco } from '@shockpkg/icon-encoder'

export const PNG_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024] as const
export const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256] as const
/** ICNS entries (current PNG-based formats): OSType -> pixel size. */
export const ICNS_TYPES: Record<string, number> = {
  ic04: 16,
  ic11: 32, // 16@2x
  ic05: 32,
  ic12: 64, // 32@2x
  ic07: 128,
  ic13: 256, // 128@2x
  ic08: 256,
  ic14: 512, // 256@2x
  ic09: 512,
  ic10: 1024, // 512@2x
}
export const TRAY_FILES: Record<string, { size: number; template: boolean }> = {
  'tray/tray.png': { size: 16, template: false },
  'tray/tray@2x.png': { size: 32, template: false },
  'tray/trayTemplate.png': { size: 16, template: true },
  'tray/trayTemplate@2x.png': { size: 32, template: true },
}

export interface IconManifest {
  source: string
  sha256: string
  files: string[]
}

export function sha256(buf: Buffer | string): string {
  return createHash('sha256').update(buf).digest('hex')
}

/** The SVG rendered to a square PNG (stable encoder settings, no metadata). */
async function render(svg: Buffer, size: number): Promise<Buffer> {
  // Render at a density that gives at least `size` pixels, then resize: crisp at every size.
  const meta = await sharp(svg).metadata()
  const side = Math.max(meta.width ?? size, meta.height ?? size)
  const density = Math.min(72 * Math.ceil((size * 2) / side), 72 * 64)
  return sharp(svg, { density })
    .resize(size, size, { fit: 'contain', background: { r: 0, g: 0, b: 0, alpha: 0 } })
    .png({ compressionLevel: 9, adaptiveFiltering: false, palette: false })
    .toBuffer()
}

/** A macOS template image: the same shape in black, only the alpha carries the drawing. */
async function template(svg: Buffer, size: number): Promise<Buffer> {
  const alpha = await sharp(await render(svg, size))
    .ensureAlpha()
    .extractChannel(3)
    .toBuffer()
  return sharp({
    create: { width: size, height: size, channels: 3, background: { r: 0, g: 0, b: 0 } },
  })
    .joinChannel(alpha)
    .png({ compressionLevel: 9, adaptiveFiltering: false, palette: false })
    .toBuffer()
}

/** Writes every icon into `outDir` (normally resources/) and returns the manifest. */
export async function makeIcons(svgFile: string, outDir: string): Promise<IconManifest> {
  const svg = readFileSync(svgFile)
  const files: Record<string, Buffer> = {}
  const png = new Map<number, Buffer>()
  for (const size of PNG_SIZES) {
    const buf = await render(svg, size)
    png.set(size, buf)
    files[`icons/${size}x${size}.png`] = buf
  }
  files['icon.png'] = png.get(1024)!

  const ico = new IconIco()
  for (const size of [...ICO_SIZES].reverse()) await ico.addFromPng(png.get(size)!, null, false)
  files['icon.ico'] = Buffer.from(ico.encode())

  const icns = new IconIcns()
  icns.toc = true
  for (const [type, size] of Object.entries(ICNS_TYPES))
    await icns.addFromPng(png.get(size)!, [type], false)
  files['icon.icns'] = Buffer.from(icns.encode())

  for (const [name, t] of Object.entries(TRAY_FILES))
    files[name] = t.template ? await template(svg, t.size) : png.get(t.size)!

  for (const [name, buf] of Object.entries(files)) {
    const file = path.join(outDir, name)
    mkdirSync(path.dirname(file), { recursive: true })
    writeFileSync(file, buf)
  }
  const manifest: IconManifest = {
    source: path.basename(svgFile),
    sha256: sha256(svg),
    files: Object.keys(files).sort(),
  }
  writeFileSync(path.join(outDir, 'icons.json'), JSON.stringify(manifest, null, 2) + '\n')
  return manifest
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
  const out = process.argv[2] ? path.resolve(process.argv[2]) : path.join(root, 'resources')
  const m = await makeIcons(path.join(root, 'resources/icon.svg'), out)
  process.stdout.write(`icons: ${m.files.length} files written to ${out}\n`)
}
