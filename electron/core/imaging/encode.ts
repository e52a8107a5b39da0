/**
 * Encoding the processed picture under the size limit: JPEG with decreasing quality; PNG (kept when
 * transparency matters) with a palette when too big; as a last resort a smaller picture.
 */
import sharp, { type Sharp } from 'sharp'
import { cannotShrink } from './errors'
import type { OutputFormat, Size } from './types'
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

/** The processed picture, as a pipeline to encode (possibly run several times). */
export interface PictureSource {
  width: number
  height: number
  /** Whether the pipeline's pixels carry an alpha channel (flattened on white for JPEG). */
  alphaChannel: boolean
  /** A fresh pipeline yielding the picture, scaled to `size` when given. */
  pipeline(size?: Size): Sharp
}

export function rawSource(raw: RawImage): PictureSource {
  return {
    width: raw.width,
    height: raw.height,
    alphaChannel: raw.channels === 2 || raw.channels === 4,
    pipeline(size) {
      const img = sharp(raw.data, {
        raw: { width: raw.width, height: raw.height, channels: raw.channels },
      })
      return size ? img.resize(size.width, size.height, { fit: 'fill' }) : img
    },
  }
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

function jpeg(src: PictureSource, quality: number, size?: Size): Promise<Buffer> {
  let img = src.pipeline(size)
  if (src.alphaChannel) img = img.flatten({ background: '#ffffff' })
  return img.jpeg({ quality }).toBuffer()
}

function png(src: PictureSource, palette: boolean, size?: Size): Promise<Buffer> {
  return src
    .pipeline(size)
    .png(
      palette
        ? { palette: true, quality: 90, effort: 1, compressionLevel: 9 }
        : { compressionLevel: 6 },
    )
    .toBuffer()
}

export async function encodeOutput(src: PictureSource, opts: EncodeOptions): Promise<Encoded> {
  const { maxBytes } = opts
  const base = { width: src.width, height: src.height, shrunk: false }
  let best = Infinity
  const fits = (b: Buffer) => {
    best = Math.min(best, b.length)
    return b.length <= maxBytes
  }
  if (opts.format === 'png' || opts.alpha) {
    const full = await png(src, false)
    if (fits(full)) return { ...base, data: full, format: 'png' }
    if (opts.alpha) {
      const pal = await png(src, true)
      if (fits(pal)) return { ...base, data: pal, format: 'png', palette: true }
      return shrink(
        src,
        opts,
        pal.length,
        (size) => png(src, true, size),
        'png',
        undefined,
        true,
        best,
      )
    }
  }
  let last = 0
  for (const q of JPEG_QUALITIES) {
    const b = await jpeg(src, q)
    if (fits(b)) return { ...base, data: b, format: 'jpeg', quality: q }
    last = b.length
    // Far too big: lowering quality alone will not do; stop early and shrink.
    if (q <= 70 && b.length > maxBytes * 2.5) break
  }
  return shrink(src, opts, last, (size) => jpeg(src, 70, size), 'jpeg', 70, false, best)
}

async function shrink(
  src: PictureSource,
  opts: EncodeOptions,
  lastBytes: number,
  encode: (size: Size) => Promise<Buffer>,
  format: OutputFormat,
  quality: number | undefined,
  palette: boolean,
  best: number,
): Promise<Encoded> {
  let w = src.width
  let h = src.height
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
      return {
        data: b,
        format,
        width: w,
        height: h,
        quality,
        palette: palette || undefined,
        shrunk: true,
      }
    }
  }
  throw cannotShrink(best, opts.maxBytes)
}
