/**
 * Encoding the processed pixels under the size limit: JPEG with decreasing quality; PNG (kept when
 * transparency matters) with a palette when too big; as a last resort a smaller picture.
 */
import sharp from 'sharp'
import { cannotShrink } from './errors'
import type { OutputFormat } from './types'
import type { RawImage } from './pnm'

export interface Encoded {
  data: Buffer
  format: OutputFormat
  width: number
  height: number
  quality?: number
  palette?: boolean
  /** True when the picture had to be made smaller to fit `maxBytes`. */
  shrunk: boolean
}

export interface EncodeOptions {
  /** Preferred format (PNG for lossless sources or transparency). */
  format: OutputFormat
  /** Transparency that must survive (forces PNG). */
  alpha: boolean
  maxBytes: number
  /** Smallest side allowed when shrinking to fit (0 = shrinking not allowed). */
  minSide: number
}

const JPEG_QUALITIES = [90, 80, 70, 60, 50, 40]

function input(raw: RawImage) {
  return sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: raw.channels } })
}

async function jpeg(raw: RawImage, quality: number, size?: { width: number; height: number }): Promise<Buffer> {
  let img = input(raw)
  if (size) img = img.resize(size.width, size.height, { fit: 'fill' })
  if (raw.channels === 2 || raw.channels === 4) img = img.flatten({ background: '#ffffff' })
  return img.jpeg({ quality, chromaSubsampling: quality >= 90 ? '4:4:4' : '4:2:0' }).toBuffer()
}

async function png(raw: RawImage, palette: boolean, size?: { width: number; height: number }): Promise<Buffer> {
  let img = input(raw)
  if (size) img = img.resize(size.width, size.height, { fit: 'fill' })
  return img.png(palette ? { palette: true, quality: 90, effort: 1, compressionLevel: 9 } : { compressionLevel: 6 }).toBuffer()
}

export async function encodeOutput(raw: RawImage, opts: EncodeOptions): Promise<Encoded> {
  const { maxBytes } = opts
  const base = { width: raw.width, height: raw.height, shrunk: false }
  let best = Infinity
  const fits = (b: Buffer) => {
    best = Math.min(best, b.length)
    return b.length <= maxBytes
  }
  if (opts.format === 'png' || opts.alpha) {
    const full = await png(raw, false)
    if (fits(full)) return { ...base, data: full, format: 'png' }
    if (opts.alpha) {
      const pal = await png(raw, true)
      if (fits(pal)) return { ...base, data: pal, format: 'png', palette: true }
      return shrink(raw, opts, pal.length, (size) => png(raw, true, size), 'png', undefined, true, best)
    }
  }
  let last = 0
  for (const q of JPEG_QUALITIES) {
    const b = await jpeg(raw, q)
    if (fits(b)) return { ...base, data: b, format: 'jpeg', quality: q }
    last = b.length
    // Far too big: lowering quality alone will not do; stop early and shrink.
    if (q <= 70 && b.length > maxBytes * 2.5) break
  }
  return shrink(raw, opts, last, (size) => jpeg(raw, 70, size), 'jpeg', 70, false, best)
}

async function shrink(
  raw: RawImage,
  opts: EncodeOptions,
  lastBytes: number,
  encode: (size: { width: number; height: number }) => Promise<Buffer>,
  format: OutputFormat,
  quality: number | undefined,
  palette: boolean,
  best: number,
): Promise<Encoded> {
  let w = raw.width
  let h = raw.height
  let bytes = lastBytes
  for (let i = 0; i < 12 && opts.minSide > 0; i++) {
    const s = Math.min(0.9, Math.sqrt(opts.maxBytes / bytes) * 0.95)
    let nw = Math.round(w * s)
    let nh = Math.round(h * s)
    if (Math.min(nw, nh) < opts.minSide) {
      const k = opts.minSide / Math.min(nw, nh)
      nw = Math.round(nw * k)
      nh = Math.round(nh * k)
      if (nw >= w && nh >= h) break
    }
    w = nw
    h = nh
    const b = await encode({ width: w, height: h })
    bytes = b.length
    best = Math.min(best, bytes)
    if (bytes <= opts.maxBytes) {
      return { data: b, format, width: w, height: h, quality, palette: palette || undefined, shrunk: true }
    }
  }
  throw cannotShrink(best, opts.maxBytes)
}
