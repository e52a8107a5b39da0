import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { readJpegHeader } from '../../../../electron/core/imaging/jpeg-header'
import { CATALOGUE_COUNT, catalogueItem } from '../../../helpers/images'
import { realPhotos } from '../../../helpers/photos'
import { fromRaw, scene } from './fixtures'

/** What sharp's metadata() says, in the header reader's terms. */
async function sharpSays(buf: Buffer) {
  const m = await sharp(buf).metadata()
  return {
    width: m.width,
    height: m.height,
    components: m.space === 'cmyk' ? 4 : m.channels,
    ...(m.orientation !== undefined ? { orientation: m.orientation } : {}),
  }
}

/** A JPEG with an Exif segment holding only IFD0's Orientation, in the given byte order. */
function withExif(jpeg: Buffer, orientation: number, order: 'II' | 'MM'): Buffer {
  const le = order === 'II'
  const tiff = Buffer.alloc(8 + 2 + 12 + 4)
  tiff.write(order, 0, 'latin1')
  const u16 = (v: number, o: number) => (le ? tiff.writeUInt16LE(v, o) : tiff.writeUInt16BE(v, o))
  const u32 = (v: number, o: number) => (le ? tiff.writeUInt32LE(v, o) : tiff.writeUInt32BE(v, o))
  u16(42, 2)
  u32(8, 4)
  u16(1, 8) // one entry
  u16(0x0112, 10)
  u16(3, 12) // SHORT
  u32(1, 14)
  u16(orientation, 18)
  u32(0, 22) // no next IFD
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff])
  const seg = Buffer.alloc(4)
  seg.writeUInt16BE(0xffe1, 0)
  seg.writeUInt16BE(payload.length + 2, 2)
  return Buffer.concat([jpeg.subarray(0, 2), seg, payload, jpeg.subarray(2)])
}

describe('readJpegHeader', () => {
  it('agrees with sharp on every shipped real photo and every catalogue picture', async () => {
    // Real photos from other encoders (ICC profiles, 4:4:4 and 4:2:0, 150/300 dpi …) and the
    // generated catalogue.
    const files = [
      ...realPhotos(),
      ...Array.from({ length: CATALOGUE_COUNT }, (_, n) => catalogueItem(n)),
    ]
    expect(files.length).toBeGreaterThan(900)
    for (const f of files) {
      const buf = fs.readFileSync(f)
      expect(readJpegHeader(buf), path.basename(f)).toEqual(await sharpSays(buf))
    }
  })

  it('reads sizes, grey / CMYK components and EXIF orientation in both byte orders', async () => {
    const rgb = fromRaw(scene(321, 123, 4))
    const cases: Buffer[] = [
      await rgb.clone().jpeg({ quality: 80 }).toBuffer(),
      await rgb.clone().jpeg({ progressive: true }).toBuffer(),
      await rgb.clone().toColourspace('b-w').jpeg().toBuffer(),
      await rgb.clone().toColourspace('cmyk').jpeg().toBuffer(),
    ]
    for (const o of [1, 3, 6, 8]) {
      cases.push(await rgb.clone().withMetadata({ orientation: o }).jpeg().toBuffer())
    }
    const plain = cases[0]
    cases.push(withExif(plain, 6, 'II'), withExif(plain, 5, 'MM'), withExif(plain, 2, 'MM'))
    for (const c of cases) expect(readJpegHeader(c)).toEqual(await sharpSays(c))
    expect(readJpegHeader(cases[3])?.components).toBe(4)
    expect(readJpegHeader(cases[2])?.components).toBe(1)
    expect(readJpegHeader(withExif(plain, 5, 'MM'))?.orientation).toBe(5)
    expect(readJpegHeader(plain)).toEqual({ width: 321, height: 123, components: 3 })
  })

  it('leaves anything unusual to sharp: damaged headers, odd orientations, two Exif segments', async () => {
    const jpeg = await fromRaw(scene(200, 150)).jpeg().toBuffer()
    expect(readJpegHeader(jpeg.subarray(0, 40))).toBeNull() // cut before the frame header
    expect(readJpegHeader(Buffer.from('not a jpeg'))).toBeNull()
    const broken = Buffer.from(jpeg)
    broken[2] = 0x00 // not a marker where one must be
    expect(readJpegHeader(broken)).toBeNull()
    expect(readJpegHeader(withExif(jpeg, 9, 'II'))).toBeNull()
    expect(readJpegHeader(withExif(withExif(jpeg, 6, 'II'), 3, 'II'))).toBeNull()
  })
})
