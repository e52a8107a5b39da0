import { describe, expect, it } from 'vitest'
import { decodeBmp } from '../../../../electron/core/imaging/bmp'
import { decodePnm } from '../../../../electron/core/imaging/pnm'
import { bmp, paletteBmp, pbm, pgm, pixel, ppm, scene, type Raw } from './fixtures'

const LIMIT = 100_000_000

function same(
  a: Raw,
  b: { data: Buffer; width: number; height: number; channels: number },
  tol = 0,
) {
  expect([b.width, b.height]).toEqual([a.width, a.height])
  let worst = 0
  for (let y = 0; y < a.height; y++) {
    for (let x = 0; x < a.width; x++) {
      const p = pixel(a, x, y)
      const o = (y * b.width + x) * b.channels
      for (let c = 0; c < a.channels; c++) worst = Math.max(worst, Math.abs(p[c] - b.data[o + c]))
    }
  }
  expect(worst).toBeLessThanOrEqual(tol)
}

describe('BMP', () => {
  const r = scene(37, 23, 3) // odd width: rows carry padding

  it('decodes 24-bit, bottom-up and top-down', () => {
    for (const topDown of [false, true]) {
      const d = decodeBmp(bmp(r, { bpp: 24, topDown }), LIMIT)
      expect(d.kind).toBe('raw')
      if (d.kind === 'raw') {
        expect(d.channels).toBe(3)
        same(r, d)
      }
    }
  })

  it('decodes 32-bit with an alpha mask (V4 header) keeping transparency', () => {
    const rgba: Raw = { ...r, channels: 4, data: Buffer.alloc(r.width * r.height * 4) }
    for (let i = 0; i < r.width * r.height; i++) {
      r.data.copy(rgba.data, i * 4, i * 3, i * 3 + 3)
      rgba.data[i * 4 + 3] = i % 3 === 0 ? 0 : i % 3 === 1 ? 128 : 255
    }
    const d = decodeBmp(bmp(rgba, { bpp: 32, alpha: true }), LIMIT)
    expect(d.kind === 'raw' && d.channels).toBe(4)
    if (d.kind === 'raw') same(rgba, d)
  })

  it('reads 32-bit BI_RGB as opaque (its 4th byte is reserved)', () => {
    const d = decodeBmp(bmp(r, { bpp: 32, alpha: false }), LIMIT)
    expect(d.kind === 'raw' && d.channels).toBe(3)
    if (d.kind === 'raw') same(r, d)
  })

  const palette: [number, number, number][] = [
    [0, 0, 0],
    [255, 0, 0],
    [0, 200, 0],
    [10, 20, 250],
    [255, 255, 255],
  ]
  const W = 33
  const H = 9
  const idx = new Uint8Array(W * H).map(
    (_, i) => (Math.floor((i % W) / 4) + Math.floor(i / W)) % palette.length,
  )
  const expected: Raw = { width: W, height: H, channels: 3, data: Buffer.alloc(W * H * 3) }
  idx.forEach((v, i) => expected.data.set(palette[v], i * 3))

  it('decodes palette images: 8-bit, 4-bit of odd width, RLE8 and RLE4 (encoded and absolute runs)', () => {
    for (const opts of [
      { bpp: 8 as const },
      { bpp: 4 as const },
      { bpp: 8 as const, rle: true },
      { bpp: 4 as const, rle: true },
      { bpp: 8 as const, rle: 'absolute' as const },
      { bpp: 4 as const, rle: 'absolute' as const },
    ]) {
      const d = decodeBmp(paletteBmp(idx, W, H, palette, opts), LIMIT)
      expect(d.kind).toBe('raw')
      if (d.kind === 'raw') same(expected, d)
    }
  })

  it('refuses truncated files, bombs and unknown depths by name', () => {
    const full = bmp(r, { bpp: 24 })
    expect(() => decodeBmp(full.subarray(0, full.length - 200), LIMIT)).toThrow(
      expect.objectContaining({
        code: 'CorruptImage',
        message: expect.stringMatching(/truncated/),
      }),
    )
    const rle = paletteBmp(idx, W, H, palette, { bpp: 8, rle: true })
    expect(() => decodeBmp(rle.subarray(0, rle.length - 30), LIMIT)).toThrow(
      expect.objectContaining({ code: 'CorruptImage' }),
    )
    const bomb = Buffer.from(full.subarray(0, 200))
    bomb.writeInt32LE(40000, 18)
    bomb.writeInt32LE(40000, 22)
    expect(() => decodeBmp(bomb, LIMIT)).toThrow(
      expect.objectContaining({ code: 'UnsupportedPicPixels' }),
    )
    const odd = Buffer.from(full)
    odd.writeUInt16LE(2, 28)
    expect(() => decodeBmp(odd, LIMIT)).toThrow(
      expect.objectContaining({ code: 'UnsupportedPicFormat' }),
    )
  })
})

describe('Netpbm', () => {
  const r = scene(29, 17, 5)

  it('decodes P6 and P3, 8- and 16-bit', () => {
    for (const [kind, maxval] of [
      ['P6', 255],
      ['P3', 255],
      ['P6', 65535],
      ['P3', 1023],
    ] as const) {
      const d = decodePnm(ppm(r, kind, maxval), LIMIT)
      expect(d.channels).toBe(3)
      same(r, d, maxval === 255 ? 0 : 1)
    }
  })

  it('decodes P5/P2 grey and P4/P1 bitmaps (1 = black)', () => {
    const grey = new Uint8Array(29 * 17).map((_, i) => (i * 7) % 256)
    for (const kind of ['P5', 'P2'] as const) {
      const d = decodePnm(pgm(grey, 29, 17, kind), LIMIT)
      expect(d.channels).toBe(1)
      expect(Array.from(d.data)).toEqual(Array.from(grey))
    }
    const bits = new Uint8Array(29 * 17).map((_, i) => (i % 3 === 0 ? 1 : 0))
    for (const kind of ['P4', 'P1'] as const) {
      const d = decodePnm(pbm(bits, 29, 17, kind), LIMIT)
      expect(Array.from(d.data)).toEqual(Array.from(bits).map((b) => (b ? 0 : 255)))
    }
  })

  it('refuses truncated data, bad headers and bombs', () => {
    const p6 = ppm(r, 'P6')
    expect(() => decodePnm(p6.subarray(0, p6.length - 10), LIMIT)).toThrow(/truncated/)
    const p3 = ppm(r, 'P3')
    expect(() => decodePnm(p3.subarray(0, p3.length - 40), LIMIT)).toThrow(
      expect.objectContaining({ code: 'CorruptImage' }),
    )
    expect(() => decodePnm(Buffer.from('P6\n12 x\n255\n'), LIMIT)).toThrow(/no valid size/)
    expect(() => decodePnm(Buffer.from('P6\n50000 50000\n255\n'), LIMIT)).toThrow(
      expect.objectContaining({ code: 'UnsupportedPicPixels' }),
    )
  })
})
