/**
 * What planning needs from a JPEG, read from its header in JavaScript: size, components and EXIF
 * orientation. It spares a libvips call per picture (sharp's `metadata()`), which costs about as
 * much as decoding a catalogue-sized JPEG. Anything unusual — no frame header before the scan, a
 * precision other than 8 bits, an odd component count, a damaged segment — returns null and the
 * caller asks sharp instead, so the answers are the same as sharp's.
 */

export interface JpegHeader {
  width: number
  height: number
  /** 1 (grey), 3 (YCbCr/RGB) or 4 (CMYK/YCCK). */
  components: 1 | 3 | 4
  /** EXIF orientation tag of the first Exif segment, when there is one. */
  orientation?: number
}

/** Start-of-frame markers (baseline, extended, progressive, lossless; Huffman and arithmetic). */
function isSof(m: number): boolean {
  return m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc
}

export function readJpegHeader(buf: Uint8Array): JpegHeader | null {
  if (buf.length < 4 || buf[0] !== 0xff || buf[1] !== 0xd8) return null
  let orientation: number | undefined
  let exifSeen = false
  let p = 2
  while (p + 4 <= buf.length) {
    if (buf[p] !== 0xff) return null
    const m = buf[p + 1]
    if (m === 0xff) {
      p++ // fill byte
      continue
    }
    if (m === 0xd8 || m === 0x01 || (m >= 0xd0 && m <= 0xd7)) {
      p += 2 // markers without a length
      continue
    }
    if (m === 0xd9 || m === 0xda) return null // end of image or scan before any frame header
    const len = (buf[p + 2] << 8) | buf[p + 3]
    if (len < 2 || p + 2 + len > buf.length) return null
    const s = p + 4 // payload
    const end = p + 2 + len
    if (m === 0xe1 && end - s >= 14 && ascii(buf, s, 6) === 'Exif\0\0') {
      if (exifSeen) return null // several Exif segments: let libvips choose
      exifSeen = true
      orientation = exifOrientation(buf, s + 6, end)
      // out of range: what libvips makes of it is its business
      if (orientation !== undefined && (orientation < 1 || orientation > 8)) return null
    } else if (isSof(m)) {
      if (end - s < 6) return null
      const precision = buf[s]
      const height = (buf[s + 1] << 8) | buf[s + 2]
      const width = (buf[s + 3] << 8) | buf[s + 4]
      const components = buf[s + 5]
      if (precision !== 8 || width === 0 || height === 0) return null
      if (components !== 1 && components !== 3 && components !== 4) return null
      return { width, height, components, ...(orientation !== undefined ? { orientation } : {}) }
    }
    p = end
  }
  return null
}

function ascii(buf: Uint8Array, start: number, len: number): string {
  let s = ''
  for (let i = start; i < start + len; i++) s += String.fromCharCode(buf[i])
  return s
}

/** The Orientation tag (0x0112) of IFD0 of the TIFF structure at `t` (undefined when absent). */
function exifOrientation(buf: Uint8Array, t: number, end: number): number | undefined {
  const le = buf[t] === 0x49 && buf[t + 1] === 0x49
  if (!le && !(buf[t] === 0x4d && buf[t + 1] === 0x4d)) return undefined
  const u16 = (o: number) => (le ? buf[o] | (buf[o + 1] << 8) : (buf[o] << 8) | buf[o + 1])
  const u32 = (o: number) =>
    le
      ? (buf[o] | (buf[o + 1] << 8) | (buf[o + 2] << 16) | (buf[o + 3] << 24)) >>> 0
      : ((buf[o] << 24) | (buf[o + 1] << 16) | (buf[o + 2] << 8) | buf[o + 3]) >>> 0
  if (t + 8 > end || u16(t + 2) !== 42) return undefined
  const ifd = t + u32(t + 4)
  if (ifd + 2 > end) return undefined
  const n = u16(ifd)
  for (let i = 0; i < n; i++) {
    const e = ifd + 2 + i * 12
    if (e + 12 > end) return undefined
    if (u16(e) !== 0x0112) continue
    const type = u16(e + 2)
    if (type === 3) return u16(e + 8) // SHORT
    if (type === 4) return u32(e + 8) // LONG
    return undefined
  }
  return undefined
}
