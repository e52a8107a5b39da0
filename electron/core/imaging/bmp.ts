/**
 * BMP decoding. Pixels are decoded by `bmp-ts` (the decoder Jimp uses), except plain 24/32-bit
 * BI_RGB which is a byte copy done here; this wrapper reads the header itself first so that it can refuse bombs and truncated files before allocating, read
 * pixel data from the offset the file declares, and work around three defects of bmp-ts 1.0.9:
 * 4-bit images of odd width stop after the first row, RLE4/RLE8 write pixels to the wrong bytes,
 * and BI_RGB images with a V4/V5 header take their (unused, often zero) masks literally. RLE is
 * decoded here (a few lines); BMPs embedding a JPEG or PNG hand that stream back to the caller.
 */
import { decode as bmpDecode } from 'bmp-ts'
import { corruptImage, tooManyPixels, unsupportedFormat } from './errors'
import type { RawImage } from './pnm'

export type BmpResult =
  ({ kind: 'raw' } & RawImage) | { kind: 'embedded'; data: Buffer; format: 'jpeg' | 'png' }

export interface BmpHeader {
  dataOffset: number
  dibSize: number
  width: number
  height: number
  topDown: boolean
  bpp: number
  compression: number
  colors: number
}

const BI_RGB = 0
const BI_RLE8 = 1
const BI_RLE4 = 2
const BI_BITFIELDS = 3
const BI_JPEG = 4
const BI_PNG = 5
const BI_ALPHABITFIELDS = 6

const LABEL = 'a BMP image'

export function readBmpHeader(buf: Buffer, name?: string): BmpHeader {
  if (buf.length < 26) throw corruptImage(LABEL, 'the header is incomplete', name)
  const dataOffset = buf.readUInt32LE(10)
  const dibSize = buf.readUInt32LE(14)
  if (dibSize === 12 || dibSize === 16 || dibSize === 64) {
    throw unsupportedFormat('an OS/2 BMP image', name)
  }
  if (buf.length < 14 + 40) throw corruptImage(LABEL, 'the header is incomplete', name)
  const width = buf.readInt32LE(18)
  const rawHeight = buf.readInt32LE(22)
  const bpp = buf.readUInt16LE(28)
  const compression = buf.readUInt32LE(30)
  const colors = buf.readUInt32LE(46)
  if (width <= 0 || rawHeight === 0 || rawHeight === -0x80000000) {
    throw corruptImage(LABEL, `the header declares ${width} × ${rawHeight} pixels`, name)
  }
  return {
    dataOffset,
    dibSize,
    width,
    height: Math.abs(rawHeight),
    topDown: rawHeight < 0,
    bpp,
    compression,
    colors,
  }
}

export function decodeBmp(buf: Buffer, limitPixels: number, name?: string): BmpResult {
  const h = readBmpHeader(buf, name)
  const { width, height, bpp, compression } = h
  if (width * height > limitPixels) throw tooManyPixels(width, height, limitPixels, name)
  if (h.dataOffset >= buf.length) throw corruptImage(LABEL, 'the file ends before its pixels', name)

  if (compression === BI_JPEG || compression === BI_PNG) {
    return {
      kind: 'embedded',
      data: buf.subarray(h.dataOffset),
      format: compression === BI_JPEG ? 'jpeg' : 'png',
    }
  }
  const valid =
    (compression === BI_RGB && [1, 4, 8, 16, 24, 32].includes(bpp)) ||
    (compression === BI_RLE8 && bpp === 8) ||
    (compression === BI_RLE4 && bpp === 4) ||
    ((compression === BI_BITFIELDS || compression === BI_ALPHABITFIELDS) &&
      (bpp === 16 || bpp === 32))
  if (!valid) {
    throw unsupportedFormat(
      `a BMP image with ${bpp} bits per pixel and compression ${compression}`,
      name,
    )
  }

  // Colour table: right after the header (and the three/four masks a 40-byte header may carry).
  let tableStart = 14 + h.dibSize
  if (h.dibSize === 40 && compression === BI_BITFIELDS) tableStart += 12
  if (h.dibSize === 40 && compression === BI_ALPHABITFIELDS) tableStart += 16
  const tableLen = bpp <= 8 || h.colors > 0 ? (h.colors === 0 ? 1 << bpp : h.colors) : 0
  if (bpp <= 8 && tableLen > 1 << bpp) {
    throw corruptImage(
      LABEL,
      `the colour table declares ${tableLen} colours for ${bpp}-bit pixels`,
      name,
    )
  }
  const tableEnd = tableStart + tableLen * 4
  if (tableEnd > buf.length || tableEnd > h.dataOffset) {
    throw corruptImage(LABEL, 'the colour table overlaps the pixels or the end of the file', name)
  }

  if (compression === BI_RLE8 || compression === BI_RLE4) {
    return decodeRle(buf, h, tableStart, tableLen, name)
  }

  const stride = Math.ceil((width * bpp) / 32) * 4
  const need = stride * height
  const have = buf.length - h.dataOffset
  // Tolerate writers that omit the padding of the last row.
  if (have < need - (stride - Math.ceil((width * bpp) / 8))) {
    throw corruptImage(LABEL, `truncated: ${have} of ${need} pixel bytes`, name)
  }

  // Plain 24- and 32-bit BI_RGB (most BMPs) need no library: copying bytes is 20× faster than
  // bmp-ts's per-pixel callbacks. The 4th byte of 32-bit BI_RGB is reserved: opaque.
  if (compression === BI_RGB && (bpp === 24 || bpp === 32)) {
    const step = bpp / 8
    const out = Buffer.allocUnsafe(width * height * 3)
    const rowBytes = Math.ceil((width * bpp) / 8)
    for (let y = 0; y < height; y++) {
      const fileRow = h.topDown ? y : height - 1 - y
      const start = h.dataOffset + fileRow * stride
      let o = y * width * 3
      if (start + rowBytes > buf.length) {
        out.fill(0, o, o + width * 3)
        continue
      }
      for (let x = 0, i = start; x < width; x++, i += step) {
        out[o++] = buf[i + 2]
        out[o++] = buf[i + 1]
        out[o++] = buf[i]
      }
    }
    return { kind: 'raw', data: out, width, height, channels: 3 }
  }

  // Rebuild the file so bmp-ts finds the pixels right after the colour table.
  const head = Buffer.from(buf.subarray(0, tableEnd))
  const odd4 = bpp === 4 && width % 2 === 1
  if (odd4) head.writeInt32LE(width + 1, 18) // same row stride; the extra column is cropped below
  if (compression === BI_RGB && h.dibSize > 40 && (bpp === 16 || bpp === 32)) {
    // Masks are meaningless for BI_RGB: write the defaults bmp-ts assumes for a 40-byte header.
    head.writeUInt32LE(bpp === 32 ? 0x00ff0000 : 0x7c00, 54)
    head.writeUInt32LE(bpp === 32 ? 0x0000ff00 : 0x03e0, 58)
    head.writeUInt32LE(bpp === 32 ? 0x000000ff : 0x001f, 62)
    if (h.dibSize >= 56) head.writeUInt32LE(0, 66)
  }
  let pixels = buf.subarray(h.dataOffset, h.dataOffset + need)
  if (pixels.length < need) pixels = Buffer.concat([pixels, Buffer.alloc(need - pixels.length)])
  const patched = Buffer.concat([head, pixels])

  let decoded: ReturnType<typeof bmpDecode>
  try {
    decoded = bmpDecode(patched, { toRGBA: false })
  } catch (err) {
    throw corruptImage(LABEL, (err as Error).message, name)
  }
  const srcWidth = odd4 ? width + 1 : width
  const abgr = decoded.data
  const hasAlphaMask = (bpp === 16 || bpp === 32) && alphaMask(buf, h) !== 0
  let channels: 3 | 4 = 3
  if (hasAlphaMask) {
    // An alpha mask whose values are all 0 (or all 255) carries no transparency.
    let anyNon0 = false
    let partial = false
    for (let i = 0; i < abgr.length; i += 4) {
      const a = abgr[i]
      if (a !== 0) anyNon0 = true
      if (a !== 255) partial = true
    }
    if (anyNon0 && partial) channels = 4
  }
  const out = Buffer.allocUnsafe(width * height * channels)
  let o = 0
  for (let y = 0; y < height; y++) {
    let i = y * srcWidth * 4
    for (let x = 0; x < width; x++, i += 4) {
      out[o++] = abgr[i + 3]
      out[o++] = abgr[i + 2]
      out[o++] = abgr[i + 1]
      if (channels === 4) out[o++] = abgr[i]
    }
  }
  return { kind: 'raw', data: out, width, height, channels }
}

function alphaMask(buf: Buffer, h: BmpHeader): number {
  // The alpha mask sits at byte 66 both after a 40-byte header (BI_ALPHABITFIELDS) and in V3+ headers.
  const has =
    h.compression === BI_ALPHABITFIELDS || (h.compression === BI_BITFIELDS && h.dibSize >= 56)
  return has ? buf.readUInt32LE(66) : 0
}

/** RLE8 / RLE4 into RGB, with the colour table. Missing pixels (skips, early end) stay black. */
function decodeRle(
  buf: Buffer,
  h: BmpHeader,
  tableStart: number,
  tableLen: number,
  name?: string,
): BmpResult {
  const { width, height } = h
  const palette = new Uint8Array(256 * 3)
  for (let i = 0; i < tableLen; i++) {
    const p = tableStart + i * 4
    palette[i * 3] = buf[p + 2]
    palette[i * 3 + 1] = buf[p + 1]
    palette[i * 3 + 2] = buf[p]
  }
  const out = Buffer.alloc(width * height * 3)
  const four = h.compression === BI_RLE4
  let x = 0
  let row = 0 // rows counted in file order (bottom-up unless topDown)
  let p = h.dataOffset
  const end = buf.length
  const put = (index: number) => {
    if (x < width && row < height) {
      const y = h.topDown ? row : height - 1 - row
      const o = (y * width + x) * 3
      const c = index * 3
      out[o] = palette[c]
      out[o + 1] = palette[c + 1]
      out[o + 2] = palette[c + 2]
    }
    x++
  }
  let finished = false
  while (p + 1 < end) {
    const count = buf[p]
    const value = buf[p + 1]
    p += 2
    if (count > 0) {
      for (let i = 0; i < count; i++) put(four ? (i & 1 ? value & 0x0f : value >> 4) : value)
    } else if (value === 0) {
      x = 0
      row++
    } else if (value === 1) {
      finished = true
      break
    } else if (value === 2) {
      if (p + 1 >= end) break
      x += buf[p]
      row += buf[p + 1]
      p += 2
    } else {
      const n = value
      const bytes = four ? (n + 1) >> 1 : n
      if (p + bytes > end) break
      for (let i = 0; i < n; i++)
        put(four ? (i & 1 ? buf[p + (i >> 1)] & 0x0f : buf[p + (i >> 1)] >> 4) : buf[p + i])
      p += bytes + (bytes & 1) // runs are padded to 16 bits
    }
    if (row > height) break
  }
  if (!finished && row < height - 1) {
    throw corruptImage(
      LABEL,
      `truncated: the compressed pixels stop at row ${row} of ${height}`,
      name,
    )
  }
  return { kind: 'raw', data: out, width, height, channels: 3 }
}
