import { afterAll, describe, expect, it } from 'vitest'
import sharp from 'sharp'
import { createImaging } from '../../../../electron/core/imaging'
import { inspectPicture } from '../../../../electron/core/images/inspect'
import { bmp, fromRaw, pngBomb, ppm, scene } from '../imaging/fixtures'

/** `images.inspect`: the check a chosen picture goes through (real sharp, in a worker thread). */
const imaging = createImaging({ workers: 1 })
afterAll(() => imaging.close())
const inspect = (b: Buffer, name: string, serviceType: 'product' | 'fabric' = 'product') =>
  inspectPicture(imaging, b, { serviceType, name })
const code = (p: Promise<unknown>) =>
  p.then(
    () => 'accepted',
    (e: { code?: string; message?: string }) => `${e.code}: ${e.message}`,
  )

describe('inspectPicture', () => {
  it('refuses what is not a picture, saying what it is', async () => {
    expect(await code(inspect(Buffer.from('hello\n'), 'a.jpg'))).toBe(
      'UnsupportedPicFormat: "a.jpg" is a text file, although it is named .jpg: not a supported picture format (PNG, JPG, BMP, GIF, WebP, TIFF or PPM).',
    )
    const heic = Buffer.concat([
      Buffer.from([0, 0, 0, 0x18]),
      Buffer.from('ftypheic'),
      Buffer.alloc(64),
    ])
    expect(await code(inspect(heic, 'IMG_1.jpg'))).toMatch(/^UnsupportedPicFormat: .*HEIC/)
    // A PNG cut short: its header is fine, its pixels are not.
    const png = await fromRaw(scene(200, 200)).png().toBuffer()
    expect(await code(inspect(png.subarray(0, png.length >> 1), 'cut.png'))).toMatch(
      /^CorruptImage: /,
    )
    expect(await code(inspect(Buffer.alloc(0), 'e.png'))).toMatch(/^EmptyImage: /)
    // A decompression bomb is refused from its header, before any decode.
    expect(await code(inspect(pngBomb(20_000, 20_000), 'bomb.png'))).toMatch(
      /^UnsupportedPicPixels: .*20000 × 20000/,
    )
  })

  it('TIFF, BMP and PPM: format, size and a small preview a browser shows', async () => {
    const cases: [Buffer, string][] = [
      [await fromRaw(scene(640, 480)).tiff().toBuffer(), 'tiff'],
      [bmp(scene(640, 480), { bpp: 24 }), 'bmp'],
      [ppm(scene(640, 480), 'P6'), 'ppm'],
    ]
    for (const [bytes, format] of cases) {
      const r = await inspect(bytes, `x.${format}`)
      expect(r).toMatchObject({
        format,
        width: 640,
        height: 480,
        bytes: bytes.length,
        small: false,
        fits: null,
        browserShows: false,
      })
      expect(['image/webp', 'image/jpeg', 'image/png']).toContain(r.preview.mime)
      const m = await sharp(Buffer.from(r.preview.base64, 'base64')).metadata()
      expect([m.width, m.height]).toEqual([256, 192])
    }
    const jpg = await inspect(await fromRaw(scene(300, 200)).jpeg().toBuffer(), 'p.jpg')
    expect(jpg).toMatchObject({ format: 'jpeg', browserShows: true, min: 100, max: 4096 })
  })

  it('a small picture: the sizes enlarging and padding give, per service type', async () => {
    const tiny = await fromRaw(scene(60, 40)).png().toBuffer()
    expect(await inspect(tiny, 't.png')).toMatchObject({
      width: 60,
      height: 40,
      small: true,
      fits: { upscale: { width: 150, height: 100 }, pad: { width: 100, height: 100 } },
    })
    expect((await inspect(tiny, 't.png', 'fabric')).fits).toEqual({
      upscale: { width: 672, height: 448 },
      pad: { width: 448, height: 448 },
    })
    // Too elongated to enlarge within 4096 px: padding is the one way, and it is still shown.
    const strip = await fromRaw(scene(3000, 50)).png().toBuffer()
    const r = await inspect(strip, 'strip.png')
    expect(r).toMatchObject({
      small: true,
      fits: { upscale: null, pad: { width: 3000, height: 100 } },
    })
    const m = await sharp(Buffer.from(r.preview.base64, 'base64')).metadata()
    expect(m.width).toBe(256)
    // Large: scaled down on the way, nothing to choose.
    const big = await inspect(await fromRaw(scene(5000, 300)).jpeg().toBuffer(), 'big.jpg')
    expect(big).toMatchObject({ small: false, downscaled: true, fits: null })
  })
})
