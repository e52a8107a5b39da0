/**
 * Hostile pictures, generated at test time (sharp and raw bytes; nothing shipped): empty, truncated,
 * text posing as a JPEG, SVG with external references, decompression bombs (headers declaring
 * 65000-pixel sides over a tiny payload), a 200-frame GIF, CMYK and 16-bit pictures (which are
 * fine pictures and must work), and a valid picture over the pixel limit.
 */
import zlib from 'node:zlib'
import sharp from 'sharp'
import { catalogueBytes } from '../helpers/images'
import type { Rng } from './tally'

export interface Hostile {
  name: string
  bytes: Buffer
  /**
   * What a correct server does with it:
   * - `refuse`: one of the named errors `codes` (400), on every path;
   * - `accept`: a correct result (it is a fine picture; an AddImage is then found by search);
   * - `either`: a correct result or one of `codes` (e.g. a truncated JPEG whose rows can be read).
   */
  expect: 'refuse' | 'accept' | 'either'
  /** The contract's expectation when it differs from the engine API's. */
  contractExpect?: 'refuse' | 'accept' | 'either'
  /** Codes for the engine API (cloud names). */
  apiCodes: readonly string[]
  /** Codes for the contract (the core's picture pipeline). */
  contractCodes: readonly string[]
  /** Set when a code is expected from a fix that another helper is landing (issue 11). */
  awaits?: { helper: string; code: string }
}

function crc32(buf: Buffer): number {
  let c = ~0
  for (const b of buf) {
    c ^= b
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1
  }
  return ~c >>> 0
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(td))
  return Buffer.concat([len, td, crc])
}

/** A PNG whose IHDR declares width × height, with a few KB of compressed zero rows as its data. */
export function pngBomb(width: number, height: number, bitDepth = 8, colorType = 2): Buffer {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr[8] = bitDepth
  ihdr[9] = colorType
  // A megabyte of zeros (filter byte 0 + black pixels) deflates to about a kilobyte.
  const idat = zlib.deflateSync(Buffer.alloc(1 << 20), { level: 9 })
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', idat),
    pngChunk('IEND', Buffer.alloc(0)),
  ])
}

/** A real JPEG with its frame header (SOF) patched to declare width × height. */
export function jpegWithSize(jpeg: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(jpeg)
  let i = 2
  while (i + 9 < out.length) {
    if (out[i] !== 0xff) throw new Error('not a JPEG marker')
    const marker = out[i + 1]
    const len = out.readUInt16BE(i + 2)
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      out.writeUInt16BE(height, i + 5)
      out.writeUInt16BE(width, i + 7)
      return out
    }
    i += 2 + len
  }
  throw new Error('no SOF marker')
}

/** A 24-bit BMP header declaring width × height over a few bytes of pixels. */
export function bmpBomb(width: number, height: number): Buffer {
  const b = Buffer.alloc(54 + 64)
  b.write('BM', 0, 'ascii')
  b.writeUInt32LE(b.length, 2)
  b.writeUInt32LE(54, 10)
  b.writeUInt32LE(40, 14)
  b.writeInt32LE(width, 18)
  b.writeInt32LE(height, 22)
  b.writeUInt16LE(1, 26)
  b.writeUInt16LE(24, 28)
  return b
}

/** The SVGs: external http and file references, and an entity expansion (billion laughs). */
export function svgs(canaryUrl: string, canaryFile: string): { name: string; bytes: Buffer }[] {
  const wrap = (inner: string, pre = '') =>
    Buffer.from(
      `<?xml version="1.0"?>${pre}<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="256" height="256">${inner}</svg>`,
    )
  const lol = [
    '<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">',
    ...Array.from(
      { length: 8 },
      (_, k) => `<!ENTITY ${'b'.repeat(k + 1)} "${`&${k ? 'b'.repeat(k) : 'a'};`.repeat(10)}">`,
    ),
    ']>',
  ].join('')
  return [
    {
      name: 'SVG with <image href="http://…"> (named .jpg)',
      bytes: wrap(
        `<rect width="256" height="256" fill="#fff"/><image href="${canaryUrl}/svg.png" width="256" height="256"/>`,
      ),
    },
    {
      name: 'SVG with xlink:href="file://…" and a CSS @import',
      bytes: wrap(
        `<style>@import url("${canaryUrl}/svg.css");</style><image xlink:href="file://${canaryFile}" width="256" height="256"/>`,
      ),
    },
    {
      name: 'SVG with an external entity (XXE) and <use> of a remote file',
      bytes: wrap(
        `<text x="10" y="20">&xxe;</text><use href="${canaryUrl}/use.svg#x"/>`,
        `<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file://${canaryFile}">]>`,
      ),
    },
    { name: 'SVG billion laughs', bytes: wrap(`<text x="1" y="20">&bbbbbbbb;</text>`, lol) },
  ]
}

/** A GIF of `frames` frames (each a different colour), 128 × 128 (the engines want ≥ 100 px). */
export async function manyFrameGif(frames: number): Promise<Buffer> {
  const parts = await Promise.all(
    Array.from({ length: frames }, (_, k) =>
      sharp({
        create: {
          width: 128,
          height: 128,
          channels: 3,
          background: { r: (k * 37) % 256, g: (k * 91) % 256, b: (k * 53) % 256 },
        },
      })
        .png()
        .toBuffer(),
    ),
  )
  return sharp(parts, { join: { animated: true } })
    .gif()
    .toBuffer()
}

/** The whole corpus (but the SVGs, which need the canaries). `r` seeds the picture choices. */
export async function hostileCorpus(r: Rng): Promise<Hostile[]> {
  const base = catalogueBytes(r.int(100, 199))
  const png = await sharp(base).png().toBuffer()
  const FORMAT = ['UnsupportedPicFormat']
  const PIXELS = { helper: 'images', code: 'UnsupportedPicPixels' }
  // A real, valid 9000 × 9000 JPEG (a flat colour: cheap to make, 81 MP to decode).
  const big = await sharp({
    create: { width: 9000, height: 9000, channels: 3, background: { r: 200, g: 40, b: 40 } },
  })
    .jpeg({ quality: 70 })
    .toBuffer()
  return [
    {
      name: '0-byte picture',
      bytes: Buffer.alloc(0),
      expect: 'refuse',
      // An empty PicContent is a missing one on the wire; the contract's schema wants ≥ 1 byte.
      apiCodes: ['MissingPicContent'],
      contractCodes: ['InvalidArgument', 'EmptyImage'],
    },
    {
      name: 'JPEG truncated to half',
      bytes: base.subarray(0, Math.floor(base.length / 2)),
      expect: 'either',
      apiCodes: FORMAT,
      contractCodes: ['CorruptImage'],
    },
    {
      name: 'JPEG truncated after the header (300 bytes)',
      bytes: base.subarray(0, 300),
      expect: 'refuse',
      apiCodes: FORMAT,
      contractCodes: ['CorruptImage'],
    },
    {
      name: 'PNG truncated to half',
      bytes: png.subarray(0, Math.floor(png.length / 2)),
      expect: 'refuse',
      apiCodes: FORMAT,
      contractCodes: ['CorruptImage'],
    },
    {
      name: 'text named .jpg',
      bytes: Buffer.from('This is not a picture.\nJust text, named photo.jpg.\n'),
      expect: 'refuse',
      apiCodes: FORMAT,
      contractCodes: ['UnsupportedPicFormat'],
    },
    {
      name: 'PNG declaring 65000 × 65000 over 1 KB of data (bomb)',
      bytes: pngBomb(65000, 65000),
      expect: 'refuse',
      apiCodes: ['UnsupportedPicPixels'],
      contractCodes: ['UnsupportedPicPixels'],
      awaits: PIXELS,
    },
    {
      name: 'PNG declaring 30000 × 30000 (bomb)',
      bytes: pngBomb(30000, 30000),
      expect: 'refuse',
      apiCodes: ['UnsupportedPicPixels'],
      contractCodes: ['UnsupportedPicPixels'],
      awaits: PIXELS,
    },
    {
      name: '16-bit PNG declaring 65000 × 65000 (bomb)',
      bytes: pngBomb(65000, 65000, 16, 2),
      expect: 'refuse',
      apiCodes: ['UnsupportedPicPixels'],
      contractCodes: ['UnsupportedPicPixels'],
      awaits: PIXELS,
    },
    {
      name: 'JPEG whose header declares 65000 × 65000',
      bytes: jpegWithSize(base, 65000, 65000),
      expect: 'refuse',
      apiCodes: ['UnsupportedPicPixels'],
      contractCodes: ['UnsupportedPicPixels'],
      awaits: PIXELS,
    },
    {
      name: 'JPEG whose header declares 65000 × 1',
      bytes: jpegWithSize(base, 65000, 1),
      expect: 'either',
      apiCodes: [...FORMAT, 'UnsupportedPicPixels'],
      contractCodes: ['CorruptImage', 'UnsupportedPicPixels', 'ImageTooSmall'],
    },
    {
      name: 'BMP declaring 65000 × 65000',
      bytes: bmpBomb(65000, 65000),
      expect: 'refuse',
      apiCodes: ['UnsupportedPicPixels'],
      contractCodes: ['UnsupportedPicPixels'],
      awaits: PIXELS,
    },
    {
      name: 'PPM declaring 65000 × 65000',
      bytes: Buffer.concat([Buffer.from('P6\n65000 65000\n255\n'), Buffer.alloc(64)]),
      expect: 'refuse',
      apiCodes: ['UnsupportedPicPixels'],
      contractCodes: ['UnsupportedPicPixels'],
      awaits: PIXELS,
    },
    {
      name: 'valid 9000 × 9000 JPEG (over the engine pixel limit)',
      bytes: big,
      expect: 'refuse',
      contractExpect: 'either',
      apiCodes: ['UnsupportedPicPixels'],
      // The contract's pipeline reads up to 100 MP and shrinks the picture for the engine.
      contractCodes: ['UnsupportedPicPixels'],
      awaits: PIXELS,
    },
    {
      name: '200-frame GIF',
      bytes: await manyFrameGif(200),
      expect: 'either',
      apiCodes: FORMAT,
      contractCodes: ['UnsupportedPicFormat'],
    },
    {
      name: 'CMYK JPEG',
      bytes: await sharp(catalogueBytes(r.int(200, 299)))
        .toColourspace('cmyk')
        .jpeg()
        .toBuffer(),
      expect: 'accept',
      apiCodes: [],
      contractCodes: [],
    },
    {
      name: '16-bit PNG',
      bytes: await sharp(catalogueBytes(r.int(300, 399)))
        .toColourspace('rgb16')
        .png()
        .toBuffer(),
      expect: 'accept',
      apiCodes: [],
      contractCodes: [],
    },
  ]
}
