import { describe, expect, it } from 'vitest'
import sharp from 'sharp'
import { sniffFormat } from '../../../../electron/core/imaging/sniff'
import { bmp, pbm, ppm, scene } from './fixtures'

const px = () => sharp({ create: { width: 8, height: 8, channels: 3, background: '#123456' } })

describe('sniffFormat', () => {
  it('recognises every accepted format from its bytes', async () => {
    const r = scene(8, 8)
    const cases: [Buffer, string][] = [
      [await px().jpeg().toBuffer(), 'jpeg'],
      [await px().png().toBuffer(), 'png'],
      [await px().gif().toBuffer(), 'gif'],
      [await px().webp().toBuffer(), 'webp'],
      [await px().tiff().toBuffer(), 'tiff'],
      [await px().tiff({ bigtiff: true }).toBuffer(), 'tiff'],
      [bmp(r, { bpp: 24 }), 'bmp'],
      [ppm(r, 'P6'), 'ppm'],
      [ppm(r, 'P3'), 'ppm'],
      [pbm(new Uint8Array(64), 8, 8, 'P4'), 'ppm'],
    ]
    for (const [buf, format] of cases) {
      const s = sniffFormat(buf)
      expect(s.supported, format).toBe(true)
      expect(s.format).toBe(format)
    }
  })

  it('names what an unsupported file is', async () => {
    const avif = await px().avif().toBuffer()
    const cases: [Buffer, RegExp][] = [
      [avif, /AVIF/],
      [Buffer.from('just some notes about a product\n'), /text/],
      [Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>'), /SVG/],
      [Buffer.from('<!DOCTYPE html><html></html>'), /HTML/],
      [Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1'), /PDF/],
      [Buffer.from([0x50, 0x4b, 0x03, 0x04, 1, 2, 3, 4]), /ZIP/],
      [Buffer.from([0x00, 0x00, 0x01, 0x00, 1, 0, 16, 16]), /icon/],
      [Buffer.from('P7\nWIDTH 1\n'), /PAM/],
      [Buffer.from('BM this is not a bitmap header at all'), /BMP|text/],
      [Buffer.from([0x00, 0x01, 0x02, 0x03, 0xfe, 0x00, 0x80, 0x81]), /binary/],
    ]
    for (const [buf, label] of cases) {
      const s = sniffFormat(buf)
      expect(s.supported).toBe(false)
      expect(s.label).toMatch(label)
    }
  })
})
