/**
 * Netpbm decoder: PBM, PGM and PPM, plain (P1-P3) and raw (P4-P6), any maxval up to 65535.
 * Output is 8-bit grey (1 channel) or RGB (3 channels), top row first, ready for sharp's raw input.
 * Only the first image of a multi-image file is read.
 */
import { corruptImage, tooManyPixels } from './errors'

export interface RawImage {
  data: Buffer
  width: number
  height: number
  channels: 1 | 2 | 3 | 4
}

export interface PnmHeader {
  kind: 1 | 2 | 3 | 4 | 5 | 6
  width: number
  height: number
  maxval: number
  /** Offset of the first pixel byte / token. */
  offset: number
}

class Reader {
  pos: number
  constructor(
    readonly buf: Uint8Array,
    start: number,
  ) {
    this.pos = start
  }

  /** Skip whitespace and comments; false at end of data. */
  skip(): boolean {
    const b = this.buf
    while (this.pos < b.length) {
      const c = b[this.pos]
      if (c === 0x23) {
        while (this.pos < b.length && b[this.pos] !== 0x0a && b[this.pos] !== 0x0d) this.pos++
      } else if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c) {
        this.pos++
      } else {
        return true
      }
    }
    return false
  }

  /** A decimal integer, or null at end of data / on a non-digit. */
  int(): number | null {
    if (!this.skip()) return null
    const b = this.buf
    let n = 0
    let digits = 0
    while (this.pos < b.length && b[this.pos] >= 0x30 && b[this.pos] <= 0x39) {
      n = n * 10 + (b[this.pos] - 0x30)
      this.pos++
      if (++digits > 9) return null
    }
    return digits === 0 ? null : n
  }
}

const KIND_NAME = ['', 'PBM (P1)', 'PGM (P2)', 'PPM (P3)', 'PBM (P4)', 'PGM (P5)', 'PPM (P6)']

export function readPnmHeader(buf: Uint8Array, name?: string): PnmHeader {
  const kind = buf[1] - 0x30
  if (buf[0] !== 0x50 || kind < 1 || kind > 6)
    throw corruptImage('a PPM image', 'bad signature', name)
  const label = `a ${KIND_NAME[kind]} image`
  const r = new Reader(buf, 2)
  const width = r.int()
  const height = r.int()
  if (width === null || height === null)
    throw corruptImage(label, 'the header has no valid size', name)
  if (width < 1 || height < 1)
    throw corruptImage(label, `the header declares ${width} × ${height} pixels`, name)
  let maxval = 1
  if (kind !== 1 && kind !== 4) {
    const m = r.int()
    if (m === null || m < 1 || m > 65535)
      throw corruptImage(label, 'the header has no valid maximum value', name)
    maxval = m
  }
  // Exactly one whitespace byte separates the header from raw pixel data.
  if (r.pos >= buf.length) throw corruptImage(label, 'the file ends after its header', name)
  const c = buf[r.pos]
  if (!(c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c)) {
    throw corruptImage(label, 'the header is malformed', name)
  }
  return { kind: kind as PnmHeader['kind'], width, height, maxval, offset: r.pos + 1 }
}

/** Decode a Netpbm file. Throws CorruptImage on malformed or truncated data, UnsupportedPicPixels above `limitPixels`. */
export function decodePnm(buf: Uint8Array, limitPixels: number, name?: string): RawImage {
  const h = readPnmHeader(buf, name)
  const { kind, width, height, maxval } = h
  const label = `a ${KIND_NAME[kind]} image`
  if (width * height > limitPixels) throw tooManyPixels(width, height, limitPixels, name)
  const channels: 1 | 3 = kind === 3 || kind === 6 ? 3 : 1
  const samples = width * height * channels
  const out = Buffer.allocUnsafe(samples)
  const scale = (v: number) =>
    v >= maxval ? 255 : maxval === 255 ? v : Math.round((v * 255) / maxval)

  if (kind === 4) {
    const rowBytes = (width + 7) >> 3
    const need = rowBytes * height
    if (buf.length - h.offset < need) {
      throw corruptImage(label, `truncated: ${buf.length - h.offset} of ${need} pixel bytes`, name)
    }
    let o = 0
    for (let y = 0; y < height; y++) {
      const row = h.offset + y * rowBytes
      for (let x = 0; x < width; x++) {
        out[o++] = (buf[row + (x >> 3)] >> (7 - (x & 7))) & 1 ? 0 : 255
      }
    }
  } else if (kind === 5 || kind === 6) {
    const bps = maxval < 256 ? 1 : 2
    const need = samples * bps
    if (buf.length - h.offset < need) {
      throw corruptImage(label, `truncated: ${buf.length - h.offset} of ${need} pixel bytes`, name)
    }
    let p = h.offset
    if (bps === 1 && maxval === 255) {
      out.set(buf.subarray(p, p + samples))
    } else if (bps === 1) {
      const lut = new Uint8Array(256)
      for (let v = 0; v < 256; v++) lut[v] = scale(v)
      for (let i = 0; i < samples; i++) out[i] = lut[buf[p++]]
    } else {
      for (let i = 0; i < samples; i++, p += 2) out[i] = scale((buf[p] << 8) | buf[p + 1])
    }
  } else if (kind === 1) {
    // Plain PBM: '0'/'1' digits, whitespace optional between them.
    const r = new Reader(buf, h.offset)
    for (let i = 0; i < samples; i++) {
      if (!r.skip()) throw corruptImage(label, `truncated: ${i} of ${samples} pixels`, name)
      const c = buf[r.pos++]
      if (c !== 0x30 && c !== 0x31)
        throw corruptImage(label, `unexpected byte 0x${c.toString(16)} in the pixels`, name)
      out[i] = c === 0x31 ? 0 : 255
    }
  } else {
    const r = new Reader(buf, h.offset)
    for (let i = 0; i < samples; i++) {
      const v = r.int()
      if (v === null) {
        throw corruptImage(
          label,
          r.pos >= buf.length
            ? `truncated: ${i} of ${samples} samples`
            : 'a sample is not a number',
          name,
        )
      }
      out[i] = scale(v)
    }
  }
  return { data: out, width, height, channels }
}
