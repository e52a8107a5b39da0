/**
 * The work on one picture, run inside an imaging worker (or in-process with `workers: 0`):
 * sniff → decode (sharp; BMP and Netpbm through their own decoders) → orientation, first frame,
 * sRGB → fit the service type's bounds → encode under the size limit, or keep the original bytes
 * when nothing needs changing. The thumbnail and the hashes come from the same decoded pixels.
 */
import { createHash } from 'node:crypto'
import fs, { promises as fsp } from 'node:fs'
import path from 'node:path'
import { isMainThread } from 'node:worker_threads'
import sharp, { type Metadata, type Sharp } from 'sharp'
import { CoreError } from '../errors'
import { pixelLease } from '../util/pixel-budget'
import { decodeBmp, readBmpHeader } from './bmp'
import { boundsFor, planFit } from './bounds'
import { encodeOutput, rawSource, type Encoded, type PictureSource } from './encode'
import {
  corruptImage,
  emptyImage,
  fileTooLarge,
  tooManyPixels,
  unreadable,
  unsupportedFormat,
} from './errors'
import { readJpegHeader } from './jpeg-header'
import { phashRaw } from './phash'
import { decodePnm, readPnmHeader, type RawImage } from './pnm'
import { configureSharp } from './sharp-config'
import { orientedSize, regionToProcessed, validateRegion } from './region'
import { sniffFormat } from './sniff'
import type {
  Action,
  Geometry,
  ImageFormat,
  OriginalInfo,
  OutputFormat,
  PrepareOptions,
  PreparedImage,
} from './types'

export const DEFAULT_MAX_BYTES = 4_000_000
export const DEFAULT_LIMIT_PIXELS = 100_000_000
/** Files above this size are not read at all. */
export const MAX_INPUT_BYTES = 512 * 1024 * 1024
export const THUMB_SIZE = 256
/** libwebp method for thumbnails: 0 is the fastest (thumbnails ~25 % larger than at 2). */
const THUMB_EFFORT = 0
/**
 * A prepared picture already within THUMB_SIZE, in a format every browser shows and at most this
 * many bytes, is its own thumbnail: a WebP encode of it would cost more than the rest of the
 * preparation (libwebp is several times slower than the JPEG encoder) for a file barely smaller.
 */
export const THUMB_REUSE_MAX_BYTES = 64 * 1024
const THUMB_REUSE_FORMATS = new Set<ImageFormat>(['jpeg', 'png', 'webp'])
const DEFAULT_KEEP: ImageFormat[] = ['jpeg', 'png', 'webp', 'gif', 'tiff']
const LOSSLESS = new Set<ImageFormat>(['png', 'gif', 'bmp', 'ppm', 'tiff'])

export type PrepareInput = { bytes: Buffer; name?: string } | { path: string }

/** What holds the decode budget for one picture (util/pixel-budget.ts), taken once its size is known. */
type Lease = ReturnType<typeof pixelLease>

configureSharp()

/** Read a file for the pipeline, with clear errors. */
export async function readInput(file: string): Promise<Buffer> {
  try {
    // A worker thread may block: synchronous reads avoid a thread-pool round trip per syscall.
    const st = isMainThread ? await fsp.stat(file) : fs.statSync(file)
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' })
    if (st.size > MAX_INPUT_BYTES) throw fileTooLarge(st.size, MAX_INPUT_BYTES, path.basename(file))
    return isMainThread ? await fsp.readFile(file) : fs.readFileSync(file)
  } catch (err) {
    if (err instanceof CoreError) throw err
    throw unreadable(file, err as NodeJS.ErrnoException)
  }
}

interface Source {
  format: ImageFormat
  /** A sharp pipeline that yields the first frame, upright. */
  image: () => Sharp
  width: number
  height: number
  orientation?: number
  frames?: number
  space?: string
  bitDepth?: number
  hasAlpha: boolean
}

const LABEL: Record<ImageFormat, string> = {
  jpeg: 'a JPEG image',
  png: 'a PNG image',
  gif: 'a GIF image',
  webp: 'a WebP image',
  tiff: 'a TIFF image',
  bmp: 'a BMP image',
  ppm: 'a PPM image',
}

function fromRaw(format: ImageFormat, raw: RawImage): Source {
  return {
    format,
    image: () =>
      sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: raw.channels } }),
    width: raw.width,
    height: raw.height,
    hasAlpha: raw.channels === 2 || raw.channels === 4,
  }
}

async function fromEncoded(
  buf: Buffer,
  format: ImageFormat,
  label: string,
  limit: number,
  lease: Lease,
  name?: string,
): Promise<Source> {
  let meta: Metadata
  const jpeg = format === 'jpeg' ? readJpegHeader(buf) : null
  if (jpeg) {
    // The header read in JavaScript: the same answers as sharp's metadata() without its call.
    meta = {
      width: jpeg.width,
      height: jpeg.height,
      space: jpeg.components === 4 ? 'cmyk' : jpeg.components === 1 ? 'b-w' : 'srgb',
      depth: 'uchar',
      hasAlpha: false,
      ...(jpeg.orientation !== undefined ? { orientation: jpeg.orientation } : {}),
    } as Metadata
  } else {
    try {
      meta = await sharp(buf, { limitInputPixels: false }).metadata()
    } catch (err) {
      throw corruptImage(label, cleanVipsMessage(err), name)
    }
  }
  const width = meta.width ?? 0
  const height =
    meta.pageHeight && meta.pages && meta.pages > 1 ? meta.pageHeight : (meta.height ?? 0)
  if (width < 1 || height < 1) throw corruptImage(label, 'it declares no size', name)
  if (width * height > limit) throw tooManyPixels(width, height, limit, name)
  // From here on pixels get decoded: wait for them in the decode budget.
  await lease.take(width * height)
  const space =
    meta.space && !['srgb', 'b-w', 'rgb16', 'grey16', 'rgb'].includes(meta.space)
      ? meta.space
      : undefined
  const depth =
    meta.depth === 'ushort'
      ? 16
      : meta.bitsPerSample && meta.bitsPerSample > 8
        ? meta.bitsPerSample
        : undefined
  return {
    format,
    image: () => sharp(buf, { failOn: 'truncated', limitInputPixels: limit, autoOrient: true }),
    width,
    height,
    orientation: meta.orientation,
    frames: meta.pages && meta.pages > 1 ? meta.pages : undefined,
    space,
    bitDepth: depth,
    hasAlpha: meta.hasAlpha,
  }
}

function cleanVipsMessage(err: unknown): string {
  const m = String((err as Error)?.message ?? err).trim()
  return (
    m
      .replace(
        /^Input (buffer|file) (has corrupt header|contains unsupported image format):?\s*/i,
        (s) => (/corrupt/i.test(s) ? 'corrupt header ' : ''),
      )
      .replace(/\s+/g, ' ')
      .trim() || 'unreadable data'
  )
}

/**
 * Sniff and open a picture. The size comes from its header; a picture over `limit` pixels is
 * refused before anything is decoded (a decompression bomb costs a header read), and decoding
 * waits for the picture's pixels in the decode budget (`lease`).
 */
async function openSource(
  buf: Buffer,
  limit: number,
  lease: Lease,
  name?: string,
): Promise<Source> {
  const sniffed = sniffFormat(buf)
  if (!sniffed.supported) throw unsupportedFormat(sniffed.label, name)
  const format = sniffed.format
  if (format === 'ppm' || format === 'bmp') {
    const h = format === 'ppm' ? readPnmHeader(buf, name) : readBmpHeader(buf, name)
    if (h.width * h.height > limit) throw tooManyPixels(h.width, h.height, limit, name)
    await lease.take(h.width * h.height)
  }
  if (format === 'ppm') return fromRaw('ppm', decodePnm(buf, limit, name))
  if (format === 'bmp') {
    const r = decodeBmp(buf, limit, name)
    if (r.kind === 'raw') return fromRaw('bmp', r)
    const inner = await fromEncoded(
      r.data,
      r.format,
      `a BMP image embedding ${r.format.toUpperCase()}`,
      limit,
      lease,
      name,
    )
    return { ...inner, format: 'bmp' }
  }
  return fromEncoded(buf, format, sniffed.label, limit, lease, name)
}

function hasTransparency(data: Buffer, channels: number): boolean {
  if (channels !== 2 && channels !== 4) return false
  for (let i = channels - 1; i < data.length; i += channels) if (data[i] !== 255) return true
  return false
}

function dropAlpha(raw: RawImage): RawImage {
  const c = raw.channels
  if (c !== 2 && c !== 4) return raw
  const n = raw.width * raw.height
  const out = Buffer.allocUnsafe(n * (c - 1))
  for (let i = 0, o = 0, p = 0; i < n; i++, p += c) {
    out[o++] = raw.data[p]
    if (c === 4) {
      out[o++] = raw.data[p + 1]
      out[o++] = raw.data[p + 2]
    }
  }
  return { data: out, width: raw.width, height: raw.height, channels: (c - 1) as 1 | 3 }
}

/**
 * Whether a PNG of `raw` may come in under `maxBytes`: PNG is kept for lossless sources, but
 * encoding a big photo as PNG only to find it is 20 MB wastes seconds. Compressed sources
 * (PNG, GIF, TIFF) are judged by their own size scaled to the new area (with some slack for
 * re-compression); uncompressed ones (BMP, PPM) by their pixel count (photos rarely compress
 * below a third of their raw size).
 */
function pngMayFit(src: Source, srcBytes: number, raw: RawImage, maxBytes: number): boolean {
  const rawBytes = raw.width * raw.height * raw.channels
  if (src.format === 'bmp' || src.format === 'ppm') return rawBytes <= maxBytes * 3
  const area = (raw.width * raw.height) / (src.width * src.height)
  return srcBytes * area <= maxBytes * 1.5
}

export interface PipelineResult extends PreparedImage {
  /** True when `data` is the input buffer itself (nothing was changed). */
  kept: boolean
}

/**
 * Prepare one picture. `input.bytes` is not modified. Its decoding holds width × height of the
 * process's decode budget from the moment its size is known until the result is ready.
 */
export async function preparePicture(
  input: PrepareInput,
  opts: PrepareOptions = {},
): Promise<PipelineResult> {
  const lease = pixelLease()
  try {
    return await prepare(input, opts, lease)
  } finally {
    lease.release()
  }
}

async function prepare(
  input: PrepareInput,
  opts: PrepareOptions,
  lease: Lease,
): Promise<PipelineResult> {
  const name = 'path' in input ? path.basename(input.path) : input.name
  const buf = 'path' in input ? await readInput(input.path) : input.bytes
  if (buf.length === 0) throw emptyImage(name)
  if (buf.length > MAX_INPUT_BYTES) throw fileTooLarge(buf.length, MAX_INPUT_BYTES, name)
  const limit = opts.limitInputPixels ?? DEFAULT_LIMIT_PIXELS
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES
  const serviceType = opts.serviceType ?? 'product'
  const bounds = boundsFor(serviceType)
  const keep = new Set(opts.keepFormats ?? DEFAULT_KEEP)

  const src = await openSource(buf, limit, lease, name)
  const orientation =
    src.orientation && src.orientation >= 1 && src.orientation <= 8 ? src.orientation : 1
  const stored = { width: src.width, height: src.height }
  const oriented = orientedSize(stored, orientation)
  const space = opts.regionSpace ?? 'oriented'
  if (opts.region) validateRegion(opts.region, space === 'stored' ? stored : oriented)
  const plan = planFit(oriented, bounds, opts.smallImage ?? 'reject', serviceType, name)

  const actions: Action[] = []
  const reasons: string[] = []
  if (orientation !== 1) {
    actions.push({ kind: 'oriented', orientation })
    reasons.push('orientation baked into the pixels')
  }
  if (src.orientation !== undefined && src.orientation !== 1 && orientation === 1) {
    reasons.push(`invalid orientation flag (${src.orientation}) removed`)
  }
  if (src.frames) {
    actions.push({ kind: 'first-frame', frames: src.frames })
    reasons.push('first frame only')
  }
  if (src.space === 'cmyk') {
    actions.push({ kind: 'colour', from: 'cmyk', to: 'srgb' })
    reasons.push('CMYK converted to RGB')
  }
  const from: [number, number] = [oriented.width, oriented.height]
  const to: [number, number] = [plan.resized.width, plan.resized.height]
  if (plan.downscaled) {
    actions.push({ kind: 'resized', from, to })
    reasons.push(`larger than ${bounds.max} px`)
  }
  if (plan.upscaled) {
    actions.push({ kind: 'upscaled', from, to })
    reasons.push(`smaller than ${bounds.min} px`)
  }
  if (plan.padded) {
    actions.push({ kind: 'padded', from: to, to: [plan.final.width, plan.final.height] })
    reasons.push(`smaller than ${bounds.min} px`)
  }
  if (!keep.has(src.format))
    reasons.push(`${src.format.toUpperCase()} is converted for the engines`)
  if (buf.length > maxBytes) reasons.push(`over ${Math.round(maxBytes / 1e5) / 10} MB`)
  const mustChange = reasons.length > 0

  const wantThumb = opts.thumbnail !== false
  const wantHash = opts.hashes !== false
  const decodeError = (err: unknown): CoreError => {
    const msg = String((err as Error)?.message ?? err)
    if (/pixel limit/i.test(msg)) return tooManyPixels(src.width, src.height, limit, name)
    return corruptImage(LABEL[src.format], cleanVipsMessage(err), name)
  }
  const decode = async (img: Sharp): Promise<RawImage> => {
    try {
      const { data, info } = await img.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true })
      return {
        data,
        width: info.width,
        height: info.height,
        channels: info.channels as RawImage['channels'],
      }
    } catch (err) {
      throw decodeError(err)
    }
  }
  /** `img` (whose size is `size`) at most THUMB_SIZE px on a side; no resize step when it is. */
  const toThumbSize = (img: Sharp, size: { width: number; height: number }) =>
    Math.max(size.width, size.height) <= THUMB_SIZE
      ? img
      : img.resize(THUMB_SIZE, THUMB_SIZE, { fit: 'inside', withoutEnlargement: true })

  let out: Encoded | null = null
  /** A copy of the picture at most THUMB_SIZE px on a side: the thumbnail and the phash come from it. */
  let small: RawImage | null = null
  let finalSize = plan.final
  if (mustChange && src.format === 'jpeg' && !plan.padded) {
    // JPEG (no transparency possible): encode straight from the file in one streaming pipeline, as
    // many times as the size ladder needs, and make the thumbnail with a shrink-on-load decode.
    const stream: PictureSource = {
      width: plan.final.width,
      height: plan.final.height,
      alphaChannel: false,
      pipeline(size) {
        const img = src.image().toColourspace('srgb')
        const to = size ?? (plan.downscaled || plan.upscaled ? plan.resized : null)
        return to ? img.resize(to.width, to.height, { fit: 'fill' }) : img
      },
    }
    try {
      out = await encodeOutput(stream, {
        format: 'jpeg',
        alpha: false,
        maxBytes,
        minSide: bounds.min,
      })
    } catch (err) {
      if (err instanceof CoreError) throw err
      throw decodeError(err)
    }
    if (wantThumb || wantHash) small = await decode(toThumbSize(src.image(), oriented))
  } else if (mustChange) {
    // Decode once: upright, first frame, sRGB 8-bit, at the final size; encode from those pixels.
    let img = src.image()
    if (plan.downscaled || plan.upscaled)
      img = img.resize(plan.resized.width, plan.resized.height, { fit: 'fill' })
    if (plan.padded) {
      img = img.extend({
        ...plan.pad,
        background: src.hasAlpha
          ? { r: 255, g: 255, b: 255, alpha: 0 }
          : { r: 255, g: 255, b: 255, alpha: 1 },
      })
    }
    let raw = await decode(img)
    const alpha = hasTransparency(raw.data, raw.channels)
    if (!alpha) raw = dropAlpha(raw)
    const preferred: OutputFormat =
      alpha || (LOSSLESS.has(src.format) && pngMayFit(src, buf.length, raw, maxBytes))
        ? 'png'
        : 'jpeg'
    out = await encodeOutput(rawSource(raw), {
      format: preferred,
      alpha,
      maxBytes,
      minSide: plan.padded ? 0 : bounds.min,
    })
    if (wantThumb || wantHash) {
      const r = raw
      small =
        Math.max(r.width, r.height) <= THUMB_SIZE
          ? r
          : await decode(
              toThumbSize(
                sharp(r.data, { raw: { width: r.width, height: r.height, channels: r.channels } }),
                r,
              ),
            )
    }
  }
  if (out) {
    finalSize = { width: out.width, height: out.height }
    if (out.shrunk) {
      const resized = actions.find(
        (a): a is Extract<Action, { kind: 'resized' }> => a.kind === 'resized',
      )
      if (resized) resized.to = [out.width, out.height]
      else actions.push({ kind: 'resized', from, to: [out.width, out.height] })
    }
    const reason = reasons.join('; ')
    if (out.format !== src.format)
      actions.push({ kind: 'converted', from: src.format, to: out.format, reason })
    actions.push({
      kind: 're-encoded',
      format: out.format,
      ...(out.quality !== undefined ? { quality: out.quality } : {}),
      ...(out.palette ? { palette: true } : {}),
      reason,
    })
  } else {
    // Nothing to change: one decode straight to thumbnail size (JPEG shrinks on load). It also
    // proves the whole file decodes: a truncated or damaged picture fails here (unless the caller
    // decodes it itself and asked for no proof: `verify: false`).
    if (wantThumb || wantHash || opts.verify !== false)
      small = await decode(toThumbSize(src.image(), oriented))
    actions.push({ kind: 'kept' })
  }

  const geometry: Geometry = {
    stored,
    orientation,
    oriented,
    resized: out?.shrunk ? finalSize : plan.resized,
    pad: plan.pad,
    final: finalSize,
  }
  const region = opts.region ? regionToProcessed(opts.region, geometry, space) : undefined

  const data = out ? out.data : buf
  const format: ImageFormat = out ? out.format : src.format
  let thumbnail: Buffer = Buffer.alloc(0)
  let phash = ''
  if (
    wantThumb &&
    Math.max(finalSize.width, finalSize.height) <= THUMB_SIZE &&
    THUMB_REUSE_FORMATS.has(format) &&
    data.length <= THUMB_REUSE_MAX_BYTES
  ) {
    // Its own bytes, in a buffer of its own (the caller's input is not shared).
    thumbnail = Buffer.allocUnsafeSlow(data.length)
    data.copy(thumbnail)
  } else if (small && wantThumb) {
    thumbnail = await sharp(small.data, {
      raw: { width: small.width, height: small.height, channels: small.channels },
    })
      .webp({ quality: 75, effort: THUMB_EFFORT })
      .toBuffer()
  }
  if (small && wantHash) phash = phashRaw(small.data, small.width, small.height, small.channels)
  const sha256 = wantHash ? createHash('sha256').update(buf).digest('hex') : ''

  const original: OriginalInfo = {
    format: src.format,
    width: stored.width,
    height: stored.height,
    orientedWidth: oriented.width,
    orientedHeight: oriented.height,
    bytes: buf.length,
    hasAlpha: src.hasAlpha,
    ...(src.orientation !== undefined ? { orientation: src.orientation } : {}),
    ...(src.frames ? { frames: src.frames } : {}),
    ...(src.space ? { space: src.space } : {}),
    ...(src.bitDepth ? { bitDepth: src.bitDepth } : {}),
  }
  return {
    data,
    format,
    width: finalSize.width,
    height: finalSize.height,
    original,
    actions,
    geometry,
    ...(region ? { region } : {}),
    thumbnail,
    sha256,
    phash,
    kept: !out,
  }
}
