import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CoreError } from '../../../../electron/core/errors'
import {
  createImaging,
  hamming,
  regionToOriginal,
  thumbnailExtension,
} from '../../../../electron/core/imaging/index'
import type { Imaging, PreparedImage } from '../../../../electron/core/imaging/index'
import {
  bmp,
  close,
  decodeRaw,
  findColour,
  fromRaw,
  marked,
  noise,
  pixel,
  pngBomb,
  ppm,
  scene,
  tempDir,
  type Raw,
} from './fixtures'
import { iconicPath } from '../../../helpers/photos'

let imaging: Imaging
let dir: string

beforeAll(() => {
  imaging = createImaging({ workers: 2 })
  dir = tempDir()
})

afterAll(async () => {
  await imaging.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

/** A real catalogue photo: 198 × 198 JPEG, 9 KB (a product on white). */
const CATALOGUE = iconicPath('Arla-Standard-Milk')
const RED = [220, 20, 20]

async function rejects(p: Promise<unknown>, code: string, message?: RegExp): Promise<CoreError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  )
  expect(err, `expected ${code}`).toBeInstanceOf(CoreError)
  const e = err as CoreError
  expect(e.code).toBe(code)
  expect(e.httpStatus).toBe(400)
  expect(e.hint).toBeTruthy()
  if (message) expect(e.message).toMatch(message)
  return e
}

async function meta(p: PreparedImage) {
  return sharp(p.data).metadata()
}

describe('imaging pipeline (worker threads)', () => {
  it('keeps a picture that needs nothing, byte for byte, with thumbnail and hashes', async () => {
    const bytes = fs.readFileSync(path.resolve(CATALOGUE))
    for (const input of [bytes, CATALOGUE]) {
      const p = await imaging.prepare(input)
      expect(p.actions).toEqual([{ kind: 'kept' }])
      expect(p.data.equals(bytes)).toBe(true)
      expect(p.format).toBe('jpeg')
      expect([p.width, p.height]).toEqual([p.original.width, p.original.height])
      expect(p.sha256).toMatch(/^[0-9a-f]{64}$/)
      expect(p.phash).toMatch(/^[0-9a-f]{16}$/)
      // 198 × 198 px, 9 KB: already thumbnail-sized, so it is its own thumbnail
      expect(p.thumbnail.equals(bytes)).toBe(true)
      expect(thumbnailExtension(p.thumbnail)).toBe('.jpg')
      const t = await sharp(p.thumbnail).metadata()
      expect(Math.max(t.width, t.height)).toBeLessThanOrEqual(256)
    }
    const again = await imaging.prepare(CATALOGUE)
    expect(again.sha256).toBe((await imaging.prepare(bytes)).sha256)
  })

  it('makes a WebP thumbnail of at most 256 px for a bigger picture, kept or not', async () => {
    const kept = await fromRaw(scene(640, 400, 3))
      .jpeg({ quality: 85 })
      .toBuffer()
    const big = await fromRaw(scene(4500, 900, 5))
      .png()
      .toBuffer()
    for (const [buf, first] of [
      [kept, 'kept'],
      [big, 'resized'],
    ] as const) {
      const p = await imaging.prepare(buf)
      expect(p.actions[0].kind).toBe(first)
      expect(thumbnailExtension(p.thumbnail)).toBe('.webp')
      const t = await sharp(p.thumbnail).metadata()
      expect(t.format).toBe('webp')
      expect(Math.max(t.width, t.height)).toBe(256)
      expect(t.width / t.height).toBeCloseTo(p.width / p.height, 1)
    }
    // a converted picture within 256 px is its own thumbnail: the PNG made from the BMP
    const p = await imaging.prepare(bmp(scene(151, 103, 2), { bpp: 24 }))
    expect(p.format).toBe('png')
    expect(p.thumbnail.equals(p.data)).toBe(true)
    expect(thumbnailExtension(p.thumbnail)).toBe('.png')
  })

  it('bakes EXIF orientation 6 into the pixels and drops the tag', async () => {
    // Stored 400 × 200 with a red block in the top-left corner; shown rotated 90° clockwise.
    const stored = marked(400, 200, { x1: 0, x2: 80, y1: 0, y2: 50 })
    const jpeg = await fromRaw(stored)
      .withMetadata({ orientation: 6 })
      .jpeg({ quality: 95 })
      .toBuffer()
    expect((await sharp(jpeg).metadata()).orientation).toBe(6)
    const p = await imaging.prepare(jpeg, { region: '150,200,0,80' })
    expect(p.actions.map((a) => a.kind)).toEqual(['oriented', 're-encoded'])
    expect(p.original.orientation).toBe(6)
    expect([p.width, p.height]).toEqual([200, 400])
    const m = await meta(p)
    expect(m.orientation).toBeUndefined()
    expect(m.exif).toBeUndefined()
    const out = await decodeRaw(p.data)
    expect(close(pixel(out, 190, 10), RED, 40)).toBe(true) // now top-right
    expect(close(pixel(out, 10, 10), RED, 40)).toBe(false)
    expect(p.region).toBe('150,200,0,80')
  })

  it('reads 16-bit PNG, and writes 8-bit when it has to re-encode', async () => {
    const png16 = await fromRaw(scene(300, 200)).toColourspace('rgb16').png().toBuffer()
    expect((await sharp(png16).metadata()).depth).toBe('ushort')
    const kept = await imaging.prepare(png16)
    expect(kept.actions).toEqual([{ kind: 'kept' }])
    expect(kept.original.bitDepth).toBe(16)
    const big16 = await fromRaw(scene(4200, 300)).toColourspace('rgb16').png().toBuffer()
    const p = await imaging.prepare(big16)
    expect(p.actions[0]).toEqual({ kind: 'resized', from: [4200, 300], to: [4096, 293] })
    const m = await meta(p)
    expect([m.format, m.depth, m.width, m.height]).toEqual(['png', 'uchar', 4096, 293])
  })

  it('converts CMYK JPEG to sRGB', async () => {
    const rgb = marked(300, 200, { x1: 0, x2: 150, y1: 0, y2: 200 }, [30, 90, 200], [240, 200, 20])
    const cmyk = await fromRaw(rgb).toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer()
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk')
    const p = await imaging.prepare(cmyk)
    expect(p.actions).toContainEqual({ kind: 'colour', from: 'cmyk', to: 'srgb' })
    expect(p.original.space).toBe('cmyk')
    const m = await meta(p)
    expect([m.format, m.space, m.channels]).toEqual(['jpeg', 'srgb', 3])
    const out = await decodeRaw(p.data)
    expect(close(pixel(out, 225, 100), [30, 90, 200], 45)).toBe(true)
    expect(close(pixel(out, 75, 100), [240, 200, 20], 45)).toBe(true)
  })

  it('takes the first frame of an animated GIF', async () => {
    const frame = (c: string) =>
      sharp({ create: { width: 120, height: 110, channels: 3, background: c } })
        .png()
        .toBuffer()
    const gif = await sharp(
      [await frame('#ff0000'), await frame('#00ff00'), await frame('#0000ff')],
      {
        join: { animated: true },
      },
    )
      .gif()
      .toBuffer()
    expect((await sharp(gif).metadata()).pages).toBe(3)
    const p = await imaging.prepare(gif)
    expect(p.actions).toContainEqual({ kind: 'first-frame', frames: 3 })
    expect(p.original.frames).toBe(3)
    expect([p.width, p.height]).toEqual([120, 110])
    const m = await meta(p)
    expect(m.pages ?? 1).toBe(1)
    const out = await decodeRaw(p.data)
    expect(close(pixel(out, 60, 55), [255, 0, 0], 10)).toBe(true)
    // a still GIF is kept
    const still = await imaging.prepare(
      await sharp(await frame('#336699'))
        .gif()
        .toBuffer(),
    )
    expect(still.actions).toEqual([{ kind: 'kept' }])
  })

  it('converts BMP (24-bit and 32-bit) to PNG with the same pixels', async () => {
    const r = scene(151, 103, 2)
    for (const file of [bmp(r, { bpp: 24 }), bmp(r, { bpp: 32, alpha: false })]) {
      const p = await imaging.prepare(file)
      expect(p.original.format).toBe('bmp')
      expect(p.format).toBe('png')
      expect(p.actions[0]).toMatchObject({ kind: 'converted', from: 'bmp', to: 'png' })
      const out = await decodeRaw(p.data)
      expect(out.channels).toBe(3)
      expect(out.data.equals(r.data)).toBe(true)
    }
    // 32-bit with real transparency stays transparent
    const rgba: Raw = { width: 120, height: 120, channels: 4, data: Buffer.alloc(120 * 120 * 4) }
    for (let i = 0; i < 120 * 120; i++) rgba.data.set([10, 200, 30, i % 120 < 60 ? 0 : 255], i * 4)
    const p = await imaging.prepare(bmp(rgba, { bpp: 32, alpha: true }))
    const out = await decodeRaw(p.data)
    expect(out.channels).toBe(4)
    expect(pixel(out, 10, 10)[3]).toBe(0)
    expect(pixel(out, 100, 10)[3]).toBe(255)
  })

  it('converts PPM (P6 and P3)', async () => {
    const r = scene(140, 120, 4)
    for (const kind of ['P6', 'P3'] as const) {
      const p = await imaging.prepare(ppm(r, kind), { name: `x.${kind}.ppm` })
      expect(p.original.format).toBe('ppm')
      expect(p.format).toBe('png')
      const out = await decodeRaw(p.data)
      expect(out.data.equals(r.data)).toBe(true)
    }
  })

  it('keeps TIFF and WebP within bounds', async () => {
    const r = scene(220, 180, 6)
    for (const [buf, format] of [
      [await fromRaw(r).tiff().toBuffer(), 'tiff'],
      [await fromRaw(r).webp().toBuffer(), 'webp'],
    ] as const) {
      const p = await imaging.prepare(buf)
      expect(p.actions).toEqual([{ kind: 'kept' }])
      expect(p.format).toBe(format)
      expect(p.data.equals(buf)).toBe(true)
    }
  })

  it('refuses a 99 px picture by default, and upscales or pads it when asked', async () => {
    const small = await fromRaw(scene(99, 150, 7))
      .png()
      .toBuffer()
    await rejects(imaging.prepare(small), 'UnsupportedPicPixels', /99 × 150 px.*at least 100 px/)
    const outcome = await imaging.preview(small)
    expect(outcome).toMatchObject({ ok: false, error: { code: 'UnsupportedPicPixels' } })

    const up = await imaging.prepare(small, { smallImage: 'upscale' })
    expect(up.actions[0]).toEqual({ kind: 'upscaled', from: [99, 150], to: [100, 152] })
    expect([up.width, up.height]).toEqual([100, 152])

    const pad = await imaging.prepare(small, { smallImage: 'pad', region: '0,99,0,150' })
    expect(pad.actions[0]).toEqual({ kind: 'padded', from: [99, 150], to: [100, 150] })
    expect([pad.width, pad.height]).toEqual([100, 150])
    expect(pad.region).toBe('0,99,0,150')
    const out = await decodeRaw(pad.data)
    expect(close(pixel(out, 99, 75), [255, 255, 255], 0)).toBe(true) // the padding column

    // fabric needs 448: a 300 px picture is refused with that minimum named
    await rejects(
      imaging.prepare(await fromRaw(scene(300, 500)).png().toBuffer(), { serviceType: 'fabric' }),
      'UnsupportedPicPixels',
      /fabric search needs at least 448 px/,
    )
  })

  it('downscales a 5000 px picture to 4096 (4095 for trademark)', async () => {
    const big = await fromRaw(scene(5000, 1200, 8))
      .jpeg({ quality: 85 })
      .toBuffer()
    const p = await imaging.prepare(big)
    expect(p.actions[0]).toEqual({ kind: 'resized', from: [5000, 1200], to: [4096, 983] })
    expect(p.format).toBe('jpeg')
    const m = await meta(p)
    expect([m.width, m.height]).toEqual([4096, 983])
    const t = await imaging.prepare(big, { serviceType: 'trademark' })
    expect([t.width, t.height]).toEqual([4095, 983])
  })

  it('brings a 12 MB noise PNG under 4 MB, and keeps transparency as PNG', async () => {
    const png = await fromRaw(noise(2000, 2000)).png({ compressionLevel: 1 }).toBuffer()
    expect(png.length).toBeGreaterThan(12_000_000)
    const p = await imaging.prepare(png)
    expect(p.data.length).toBeLessThanOrEqual(4_000_000)
    expect(p.format).toBe('jpeg')
    expect(p.actions).toContainEqual(
      expect.objectContaining({ kind: 'converted', from: 'png', to: 'jpeg' }),
    )
    const q = p.actions.find((a) => a.kind === 're-encoded')
    expect(q).toMatchObject({ format: 'jpeg', quality: expect.any(Number) })

    const rgba = noise(1400, 1400, 4)
    for (let i = 3; i < rgba.data.length; i += 4) rgba.data[i] = i % 8 === 3 ? 0 : 255
    const tpng = await fromRaw(rgba).png().toBuffer()
    expect(tpng.length).toBeGreaterThan(4_000_000)
    const t = await imaging.prepare(tpng)
    expect(t.format).toBe('png')
    expect(t.data.length).toBeLessThanOrEqual(4_000_000)
    expect((await meta(t)).hasAlpha).toBe(true)
  })

  it('refuses a decompression bomb before decoding it', async () => {
    const bomb = pngBomb(30000, 30000)
    expect(bomb.length).toBeLessThan(2000)
    await rejects(imaging.prepare(bomb), 'UnsupportedPicPixels', /30000 × 30000.*limit is 100 MP/)
  })

  it('names corrupt, mislabelled and empty files', async () => {
    const jpeg = await fromRaw(scene(400, 300)).jpeg().toBuffer()
    await rejects(
      imaging.prepare(jpeg.subarray(0, Math.floor(jpeg.length * 0.6))),
      'CorruptImage',
      /JPEG/,
    )
    // a picture that would be kept is decoded straight to thumbnail size: truncation still shows
    const large = await fromRaw(scene(1600, 1200)).jpeg({ quality: 80 }).toBuffer()
    expect((await imaging.prepare(large)).actions).toEqual([{ kind: 'kept' }])
    await rejects(
      imaging.prepare(large.subarray(0, large.length - 5000)),
      'CorruptImage',
      /premature end/,
    )
    // …unless the caller decodes it itself (a search on the local engine) and asks for no proof:
    // then nothing is decoded, so the damage cannot show here.
    const query = { thumbnail: false, hashes: false } as const
    const damaged = large.subarray(0, large.length - 5000)
    await rejects(imaging.prepare(damaged, query), 'CorruptImage', /premature end/)
    const unverified = await imaging.prepare(damaged, { ...query, verify: false })
    expect(unverified.actions).toEqual([{ kind: 'kept' }])
    expect(unverified.data.equals(damaged)).toBe(true)
    // A picture that must change is decoded whatever `verify` says.
    await rejects(
      imaging.prepare(damaged, { ...query, verify: false, maxBytes: 20_000 }),
      'CorruptImage',
    )
    const png = await fromRaw(scene(300, 300)).png().toBuffer()
    await rejects(imaging.prepare(png.subarray(0, png.length - 2000)), 'CorruptImage', /PNG/)

    const text = path.join(dir, 'notes.jpg')
    fs.writeFileSync(text, 'Spring collection: check the hem on item 42.\n')
    await rejects(
      imaging.prepare(text),
      'UnsupportedPicFormat',
      /"notes\.jpg" is a text file, although it is named \.jpg/,
    )

    const empty = path.join(dir, 'empty.png')
    fs.writeFileSync(empty, '')
    await rejects(imaging.prepare(empty), 'EmptyImage', /empty/)
    await rejects(imaging.prepare(Buffer.alloc(0)), 'EmptyImage')

    await rejects(
      imaging.prepare(path.join(dir, 'missing.jpg')),
      'ImageUnreadable',
      /does not exist/,
    )
    const outcome = await imaging.preview(text)
    expect(outcome).toEqual({
      ok: false,
      error: {
        code: 'UnsupportedPicFormat',
        message: expect.stringMatching(/text file/),
        hint: expect.any(String),
      },
    })
  })

  it('maps a region through rotation and resize, and back', async () => {
    // Stored 4800 × 600 with orientation 8 (shown rotated 90° anticlockwise: 600 × 4800),
    // downscaled to 512 × 4096. The red block is drawn on the stored grid.
    const storedBox = { x1: 1000, x2: 1600, y1: 100, y2: 400 }
    const stored = marked(4800, 600, storedBox)
    const jpeg = await fromRaw(stored)
      .withMetadata({ orientation: 8 })
      .jpeg({ quality: 90 })
      .toBuffer()
    // The same block on the shown picture: (x, y) → (y, 4800 - x)
    const shown = '100,400,3200,3800'
    const p = await imaging.prepare(jpeg, { region: shown })
    expect([p.width, p.height]).toEqual([512, 4096])
    const out = await decodeRaw(p.data)
    const found = findColour(out, RED, 60)!
    const [x1, x2, y1, y2] = p.region!.split(',').map(Number)
    expect(Math.abs(x1 - found.x1)).toBeLessThanOrEqual(2)
    expect(Math.abs(x2 - found.x2)).toBeLessThanOrEqual(2)
    expect(Math.abs(y1 - found.y1)).toBeLessThanOrEqual(2)
    expect(Math.abs(y2 - found.y2)).toBeLessThanOrEqual(2)
    // back for display, within a pixel of the processed grid (1 / 0.853 px)
    const back = regionToOriginal(p.region!, p.geometry).split(',').map(Number)
    const want = shown.split(',').map(Number)
    back.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThanOrEqual(2))
    // the same region given on the stored grid lands on the same place
    const s = await imaging.prepare(jpeg, {
      region: '1000,1600,100,400',
      regionSpace: 'stored',
      thumbnail: false,
    })
    expect(s.region).toBe(p.region)

    await rejects(
      imaging.prepare(jpeg, { region: '0,700,0,100' }),
      'InvalidRegion',
      /crosses the edge of the 600 × 4800/,
    )
  })

  it('gives near-duplicates close perceptual hashes and different pictures distant ones', async () => {
    const a = await fromRaw(scene(640, 480, 11))
      .png()
      .toBuffer()
    const b = await fromRaw(scene(640, 480, 12))
      .png()
      .toBuffer()
    const a2 = await sharp(a).resize(500).jpeg({ quality: 60 }).toBuffer()
    const [pa, pa2, pb] = await Promise.all([
      imaging.prepare(a),
      imaging.prepare(a2),
      imaging.prepare(b),
    ])
    expect(pa.sha256).not.toBe(pa2.sha256)
    expect(hamming(pa.phash, pa2.phash)).toBeLessThanOrEqual(6)
    expect(hamming(pa.phash, pb.phash)).toBeGreaterThanOrEqual(16)
  })

  it('previews what preprocessing will do without keeping the output', async () => {
    const big = await fromRaw(scene(4500, 900, 9))
      .jpeg()
      .toBuffer()
    const outcome = await imaging.preview(big)
    expect(outcome.ok).toBe(true)
    if (outcome.ok) {
      expect(outcome.actions[0]).toEqual({ kind: 'resized', from: [4500, 900], to: [4096, 819] })
      expect(outcome.summary[0]).toBe('Reduced from 4500 × 900 px to 4096 × 819 px.')
      expect([outcome.width, outcome.height]).toEqual([4096, 819])
      expect(outcome.bytes).toBeGreaterThan(0)
      expect(outcome.bytes).toBeLessThanOrEqual(4_000_000)
    }
  })

  it('runs the same on the calling thread with workers: 0, and refuses work once closed', async () => {
    const local = createImaging({ workers: 0 })
    const jpeg = await fromRaw(marked(400, 200, { x1: 0, x2: 80, y1: 0, y2: 50 }))
      .withMetadata({ orientation: 6 })
      .jpeg()
      .toBuffer()
    const [a, b] = await Promise.all([local.prepare(jpeg), imaging.prepare(jpeg)])
    expect(a.data.equals(b.data)).toBe(true)
    expect(a.phash).toBe(b.phash)
    await rejects(local.prepare(Buffer.from('nope')), 'UnsupportedPicFormat')
    await local.close()

    const other = createImaging({ workers: 1 })
    await other.close()
    await expect(other.prepare(jpeg)).rejects.toMatchObject({ code: 'InternalError' })
  })
})
