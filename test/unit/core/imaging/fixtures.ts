/**
 * Pictures made on the spot for the imaging tests: sharp for the formats it writes, hand-written
 * bytes for BMP, Netpbm and the malformed cases.
 */
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import sharp, { type Sharp } from 'sharp'

export interface Raw {
  data: Buffer
  width: number
  height: number
  channels: 1 | 2 | 3 | 4
}

/** A smooth, photo-like RGB scene (gradients, waves and a few solid blocks); `seed` changes it. */
export function scene(width: number, height: number, seed = 1): Raw {
  const data = Buffer.alloc(width * height * 3)
  const blocks = Array.from({ length: 5 }, (_, i) => {
    const r = (n: number) => ((Math.sin(seed * 97.13 + i * 13.7 + n) + 1) / 2) % 1
    return {
      x: Math.floor(r(1) * width * 0.7),
      y: Math.floor(r(2) * height * 0.7),
      w: Math.floor(width * (0.1 + r(3) * 0.2)),
      h: Math.floor(height * (0.1 + r(4) * 0.2)),
      c: [Math.floor(r(5) * 255), Math.floor(r(6) * 255), Math.floor(r(7) * 255)],
    }
  })
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3
      const u = x / width
      const v = y / height
      data[o] = 128 + 100 * Math.sin(u * 6.3 * ((seed % 3) + 1) + seed)
      data[o + 1] = 128 + 100 * Math.cos(v * 5.1 * (((seed + 1) % 4) + 1) - seed)
      data[o + 2] = 255 * ((u + v + seed * 0.37) % 1)
      for (const b of blocks) {
        if (x >= b.x && x < b.x + b.w && y >= b.y && y < b.y + b.h) {
          data[o] = b.c[0]
          data[o + 1] = b.c[1]
          data[o + 2] = b.c[2]
        }
      }
    }
  }
  return { data, width, height, channels: 3 }
}

/** A solid picture with one rectangle of another colour (edges: x1 ≤ x < x2). */
export function marked(
  width: number,
  height: number,
  box: { x1: number; x2: number; y1: number; y2: number },
  bg: [number, number, number] = [200, 200, 200],
  fg: [number, number, number] = [220, 20, 20],
): Raw {
  const data = Buffer.alloc(width * height * 3)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = x >= box.x1 && x < box.x2 && y >= box.y1 && y < box.y2 ? fg : bg
      data.set(c, (y * width + x) * 3)
    }
  }
  return { data, width, height, channels: 3 }
}

export function noise(width: number, height: number, channels: 3 | 4 = 3): Raw {
  return { data: randomBytes(width * height * channels), width, height, channels }
}

export function fromRaw(r: Raw): Sharp {
  return sharp(r.data, { raw: { width: r.width, height: r.height, channels: r.channels } })
}

export async function decodeRaw(buf: Buffer): Promise<Raw> {
  const { data, info } = await sharp(buf).raw().toBuffer({ resolveWithObject: true })
  return {
    data,
    width: info.width,
    height: info.height,
    channels: info.channels as Raw['channels'],
  }
}

export function pixel(r: Raw, x: number, y: number): number[] {
  const o = (y * r.width + x) * r.channels
  return Array.from(r.data.subarray(o, o + r.channels))
}

export function close(a: number[], b: number[], tol: number): boolean {
  return a.length >= 3 && b.length >= 3 && [0, 1, 2].every((i) => Math.abs(a[i] - b[i]) <= tol)
}

/** Bounding box (edges) of the pixels close to `rgb`. */
export function findColour(
  r: Raw,
  rgb: number[],
  tol = 40,
): { x1: number; x2: number; y1: number; y2: number } | null {
  let x1 = Infinity
  let y1 = Infinity
  let x2 = -1
  let y2 = -1
  for (let y = 0; y < r.height; y++) {
    for (let x = 0; x < r.width; x++) {
      if (close(pixel(r, x, y), rgb, tol)) {
        x1 = Math.min(x1, x)
        y1 = Math.min(y1, y)
        x2 = Math.max(x2, x + 1)
        y2 = Math.max(y2, y + 1)
      }
    }
  }
  return x2 < 0 ? null : { x1, x2, y1, y2 }
}

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-imaging-'))
}

// ---- BMP -------------------------------------------------------------------------------------

/**
 * A BMP file. 24-bit: BITMAPINFOHEADER, BI_RGB. 32-bit: BITMAPV4HEADER with BI_BITFIELDS and an
 * alpha mask (`alpha: true`), or BITMAPINFOHEADER BI_RGB (`alpha: false`, 4th byte zero).
 */
export function bmp(r: Raw, opts: { bpp: 24 | 32; alpha?: boolean; topDown?: boolean }): Buffer {
  const { width, height } = r
  const v4 = opts.bpp === 32 && opts.alpha
  const dib = v4 ? 108 : 40
  const stride = Math.ceil((width * opts.bpp) / 32) * 4
  const offset = 14 + dib
  const buf = Buffer.alloc(offset + stride * height)
  buf.write('BM', 0, 'latin1')
  buf.writeUInt32LE(buf.length, 2)
  buf.writeUInt32LE(offset, 10)
  buf.writeUInt32LE(dib, 14)
  buf.writeInt32LE(width, 18)
  buf.writeInt32LE(opts.topDown ? -height : height, 22)
  buf.writeUInt16LE(1, 26)
  buf.writeUInt16LE(opts.bpp, 28)
  buf.writeUInt32LE(v4 ? 3 : 0, 30)
  buf.writeUInt32LE(stride * height, 34)
  buf.writeInt32LE(2835, 38)
  buf.writeInt32LE(2835, 42)
  if (v4) {
    buf.writeUInt32LE(0x00ff0000, 54)
    buf.writeUInt32LE(0x0000ff00, 58)
    buf.writeUInt32LE(0x000000ff, 62)
    buf.writeUInt32LE(0xff000000, 66)
    buf.write('BGRs', 70, 'latin1')
  }
  for (let y = 0; y < height; y++) {
    const fileRow = opts.topDown ? y : height - 1 - y
    let o = offset + fileRow * stride
    for (let x = 0; x < width; x++) {
      const p = pixel(r, x, y)
      const [R, G, B] = r.channels >= 3 ? p : [p[0], p[0], p[0]]
      buf[o++] = B
      buf[o++] = G
      buf[o++] = R
      if (opts.bpp === 32) buf[o++] = opts.alpha ? (r.channels === 4 ? p[3] : 255) : 0
    }
  }
  return buf
}

/** A palette BMP (BITMAPINFOHEADER): 4- or 8-bit indices, optionally RLE-compressed. */
export function paletteBmp(
  indices: Uint8Array,
  width: number,
  height: number,
  palette: [number, number, number][],
  opts: { bpp: 4 | 8; rle?: boolean | 'absolute' },
): Buffer {
  const offset = 14 + 40 + palette.length * 4
  let pixels: Buffer
  if (opts.rle) {
    const parts: number[] = []
    for (let fy = 0; fy < height; fy++) {
      const y = height - 1 - fy
      let x = 0
      if (opts.rle === 'absolute') {
        // Absolute runs (0, n, n indices, padded to 16 bits); the last 1-2 pixels as encoded runs.
        const n = width - (width % 3 === 0 ? 0 : width % 3 === 1 ? 1 : 2)
        const run = Array.from(indices.subarray(y * width, y * width + n))
        const bytes =
          opts.bpp === 8
            ? run
            : run.reduce<number[]>((acc, v, i) => {
                if (i % 2 === 0) acc.push(v << 4)
                else acc[acc.length - 1] |= v
                return acc
              }, [])
        parts.push(0, n, ...bytes)
        if (bytes.length % 2) parts.push(0)
        x = n
      }
      while (x < width) {
        const v = indices[y * width + x]
        let n = 1
        while (x + n < width && n < 254 && indices[y * width + x + n] === v) n++
        parts.push(n, opts.bpp === 4 ? (v << 4) | v : v)
        x += n
      }
      parts.push(0, 0) // end of line
    }
    parts.push(0, 1) // end of bitmap
    pixels = Buffer.from(parts)
  } else {
    const stride = Math.ceil((width * opts.bpp) / 32) * 4
    pixels = Buffer.alloc(stride * height)
    for (let fy = 0; fy < height; fy++) {
      const y = height - 1 - fy
      for (let x = 0; x < width; x++) {
        const v = indices[y * width + x]
        if (opts.bpp === 8) pixels[fy * stride + x] = v
        else pixels[fy * stride + (x >> 1)] |= x & 1 ? v : v << 4
      }
    }
  }
  const buf = Buffer.alloc(offset + pixels.length)
  buf.write('BM', 0, 'latin1')
  buf.writeUInt32LE(buf.length, 2)
  buf.writeUInt32LE(offset, 10)
  buf.writeUInt32LE(40, 14)
  buf.writeInt32LE(width, 18)
  buf.writeInt32LE(height, 22)
  buf.writeUInt16LE(1, 26)
  buf.writeUInt16LE(opts.bpp, 28)
  buf.writeUInt32LE(opts.rle ? (opts.bpp === 8 ? 1 : 2) : 0, 30)
  buf.writeUInt32LE(pixels.length, 34)
  buf.writeUInt32LE(palette.length, 46)
  palette.forEach(([r, g, b], i) => {
    buf[54 + i * 4] = b
    buf[54 + i * 4 + 1] = g
    buf[54 + i * 4 + 2] = r
  })
  pixels.copy(buf, offset)
  return buf
}

// ---- Netpbm ----------------------------------------------------------------------------------

/** A PPM (P3 plain or P6 raw) with a comment in the header; maxval 255 or 65535. */
export function ppm(r: Raw, kind: 'P3' | 'P6', maxval = 255): Buffer {
  const header = `${kind}\n# made by the imaging tests\n${r.width} ${r.height}\n${maxval}\n`
  const samples: number[] = []
  for (let i = 0; i < r.width * r.height; i++) {
    for (let c = 0; c < 3; c++)
      samples.push(Math.round((r.data[i * r.channels + c] * maxval) / 255))
  }
  if (kind === 'P3') {
    const lines: string[] = []
    for (let i = 0; i < samples.length; i += 12) lines.push(samples.slice(i, i + 12).join(' '))
    return Buffer.from(header + lines.join('\n') + '\n', 'latin1')
  }
  const bps = maxval > 255 ? 2 : 1
  const body = Buffer.alloc(samples.length * bps)
  samples.forEach((v, i) => (bps === 2 ? body.writeUInt16BE(v, i * 2) : (body[i] = v)))
  return Buffer.concat([Buffer.from(header, 'latin1'), body])
}

export function pgm(grey: Uint8Array, width: number, height: number, kind: 'P2' | 'P5'): Buffer {
  const header = `${kind}\n${width} ${height}\n255\n`
  if (kind === 'P2') return Buffer.from(header + Array.from(grey).join(' ') + '\n', 'latin1')
  return Buffer.concat([Buffer.from(header, 'latin1'), Buffer.from(grey)])
}

/** PBM: `bits[i]` 1 = black. */
export function pbm(bits: Uint8Array, width: number, height: number, kind: 'P1' | 'P4'): Buffer {
  if (kind === 'P1') {
    const rows: string[] = []
    for (let y = 0; y < height; y++)
      rows.push(Array.from(bits.subarray(y * width, (y + 1) * width)).join(''))
    return Buffer.from(`P1\n${width} ${height}\n${rows.join('\n')}\n`, 'latin1')
  }
  const rowBytes = Math.ceil(width / 8)
  const body = Buffer.alloc(rowBytes * height)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++)
      if (bits[y * width + x]) body[y * rowBytes + (x >> 3)] |= 0x80 >> (x & 7)
  }
  return Buffer.concat([Buffer.from(`P4\n${width} ${height}\n`, 'latin1'), body])
}

// ---- malformed -------------------------------------------------------------------------------

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(zlib.crc32(td) >>> 0)
  return Buffer.concat([len, td, crc])
}

/** A valid-looking PNG of a few hundred bytes that declares `width` × `height` pixels. */
export function pngBomb(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 2 // RGB
  const idat = zlib.deflateSync(Buffer.alloc(64 * 1024))
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', idat),
    chunk('IEND', Buffer.alloc(0)),
  ])
}
