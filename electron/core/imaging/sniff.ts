/**
 * Format detection from magic bytes (never from the file name).
 */
import type { ImageFormat } from './types'

export type Sniffed =
  | { supported: true; format: ImageFormat; label: string }
  | { supported: false; format: null; label: string }

const LABELS: Record<ImageFormat, string> = {
  jpeg: 'a JPEG image',
  png: 'a PNG image',
  gif: 'a GIF image',
  webp: 'a WebP image',
  tiff: 'a TIFF image',
  bmp: 'a BMP image',
  ppm: 'a PPM/PGM/PBM image',
}

function ok(format: ImageFormat): Sniffed {
  return { supported: true, format, label: LABELS[format] }
}

function no(label: string): Sniffed {
  return { supported: false, format: null, label }
}

function ascii(buf: Uint8Array, start: number, len: number): string {
  let s = ''
  for (let i = start; i < Math.min(buf.length, start + len); i++) s += String.fromCharCode(buf[i])
  return s
}

function startsWith(buf: Uint8Array, bytes: number[], at = 0): boolean {
  if (buf.length < at + bytes.length) return false
  for (let i = 0; i < bytes.length; i++) if (buf[at + i] !== bytes[i]) return false
  return true
}

const BMP_HEADER_SIZES = new Set([12, 16, 40, 52, 56, 64, 108, 124])

/** Recognise the format of an encoded picture from its first bytes. */
export function sniffFormat(buf: Uint8Array): Sniffed {
  if (buf.length === 0) return no('empty')
  if (startsWith(buf, [0xff, 0xd8, 0xff])) return ok('jpeg')
  if (startsWith(buf, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return ok('png')
  const head6 = ascii(buf, 0, 6)
  if (head6 === 'GIF87a' || head6 === 'GIF89a') return ok('gif')
  if (ascii(buf, 0, 4) === 'RIFF' && ascii(buf, 8, 4) === 'WEBP') return ok('webp')
  if (ascii(buf, 0, 4) === 'RIFF') {
    const kind = ascii(buf, 8, 4)
    return no(
      kind === 'AVI ' ? 'an AVI video' : kind === 'WAVE' ? 'a WAV sound file' : 'a RIFF file',
    )
  }
  // TIFF (and BigTIFF): II*\0, MM\0*, II+\0, MM\0+
  if (
    startsWith(buf, [0x49, 0x49, 0x2a, 0x00]) ||
    startsWith(buf, [0x4d, 0x4d, 0x00, 0x2a]) ||
    startsWith(buf, [0x49, 0x49, 0x2b, 0x00]) ||
    startsWith(buf, [0x4d, 0x4d, 0x00, 0x2b])
  ) {
    return ok('tiff')
  }
  if (buf[0] === 0x42 && buf[1] === 0x4d && buf.length >= 18) {
    const dib = buf[14] | (buf[15] << 8) | (buf[16] << 16) | (buf[17] << 24)
    if (BMP_HEADER_SIZES.has(dib)) return ok('bmp')
  }
  if (buf[0] === 0x50 && buf.length >= 3 && buf[1] >= 0x31 && buf[1] <= 0x37 && isSpace(buf[2])) {
    return buf[1] === 0x37 ? no('a PAM image (P7)') : ok('ppm')
  }
  return no(describeOther(buf))
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c
}

/** A readable name for a file that is not a supported picture. */
function describeOther(buf: Uint8Array): string {
  // ISO base media (HEIF/AVIF/MP4/MOV): size, 'ftyp', brand
  if (ascii(buf, 4, 4) === 'ftyp') {
    const brand = ascii(buf, 8, 4)
    if (brand === 'avif' || brand === 'avis') return 'an AVIF image'
    if (['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1'].includes(brand)) {
      return 'a HEIC/HEIF image'
    }
    if (brand === 'qt  ') return 'a QuickTime video'
    if (brand === 'crx ') return 'a Canon raw photo (CR3)'
    return 'an MP4 video'
  }
  if (
    startsWith(buf, [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20]) ||
    startsWith(buf, [0xff, 0x4f, 0xff, 0x51])
  ) {
    return 'a JPEG 2000 image'
  }
  if (
    startsWith(buf, [0xff, 0x0a]) ||
    startsWith(buf, [0x00, 0x00, 0x00, 0x0c, 0x4a, 0x58, 0x4c, 0x20])
  ) {
    return 'a JPEG XL image'
  }
  if (startsWith(buf, [0x00, 0x00, 0x01, 0x00])) return 'a Windows icon (ICO)'
  if (startsWith(buf, [0x00, 0x00, 0x02, 0x00])) return 'a Windows cursor (CUR)'
  if (ascii(buf, 0, 4) === '8BPS') return 'a Photoshop document (PSD)'
  if (ascii(buf, 0, 5) === '%PDF-') return 'a PDF document'
  if (startsWith(buf, [0x50, 0x4b, 0x03, 0x04])) return 'a ZIP archive (or an Office document)'
  if (startsWith(buf, [0x1f, 0x8b])) return 'a gzip archive'
  if (ascii(buf, 0, 6) === 'Rar!\x1a\x07') return 'a RAR archive'
  if (startsWith(buf, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) return 'a 7-Zip archive'
  if (startsWith(buf, [0x7f, 0x45, 0x4c, 0x46])) return 'an executable (ELF)'
  if (ascii(buf, 0, 2) === 'MZ') return 'a Windows executable'
  if (ascii(buf, 0, 4) === 'OggS') return 'an Ogg media file'
  if (ascii(buf, 0, 3) === 'ID3' || startsWith(buf, [0xff, 0xfb])) return 'an MP3 sound file'
  if (startsWith(buf, [0x1a, 0x45, 0xdf, 0xa3])) return 'a Matroska/WebM video'
  if (ascii(buf, 0, 4) === 'SQLi') return 'an SQLite database'
  if (ascii(buf, 0, 10) === '#?RADIANCE' || ascii(buf, 0, 6) === '#?RGBE')
    return 'a Radiance HDR image'
  if (ascii(buf, 0, 4) === 'qoif') return 'a QOI image'
  if (startsWith(buf, [0x76, 0x2f, 0x31, 0x01])) return 'an OpenEXR image'
  if (ascii(buf, 0, 4) === 'DDS ') return 'a DirectDraw surface (DDS)'
  if (buf[0] === 0x42 && buf[1] === 0x4d)
    return 'a file starting like a BMP image but with an unknown header'
  const text = textKind(buf)
  if (text) return text
  return 'unrecognised binary data'
}

/** Looks at the first KB: text, and which kind of text. */
function textKind(buf: Uint8Array): string | null {
  const n = Math.min(buf.length, 1024)
  let start = 0
  if (startsWith(buf, [0xef, 0xbb, 0xbf])) start = 3
  else if (startsWith(buf, [0xff, 0xfe]) || startsWith(buf, [0xfe, 0xff]))
    return 'a text file (UTF-16)'
  let printable = 0
  for (let i = start; i < n; i++) {
    const c = buf[i]
    if (c === 0) return null
    if (c >= 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c >= 0x80) printable++
  }
  if (printable < (n - start) * 0.95) return null
  const head = Buffer.from(buf.subarray(start, n)).toString('utf8').trimStart().toLowerCase()
  if (head.startsWith('<svg') || (head.startsWith('<?xml') && head.includes('<svg')))
    return 'an SVG drawing'
  if (head.startsWith('<!doctype html') || head.startsWith('<html')) return 'an HTML page'
  if (head.startsWith('<?xml')) return 'an XML document'
  if (head.startsWith('{') || head.startsWith('[')) return 'a JSON/text file'
  if (/^data:image\/[a-z+]+;base64,/.test(head)) return 'a data: URL (text), not the picture bytes'
  if (/^[a-z0-9+/]{64}/.test(head)) return 'base64 text, not the picture bytes'
  return 'a text file'
}

/**
 * The file extension for a thumbnail's bytes: `.webp`, or `.jpg` / `.png` when a small picture
 * is its own thumbnail (see `PreparedImage.thumbnail`).
 */
export function thumbnailExtension(thumbnail: Uint8Array): '.webp' | '.jpg' | '.png' {
  const f = sniffFormat(thumbnail).format
  return f === 'jpeg' ? '.jpg' : f === 'png' ? '.png' : '.webp'
}
