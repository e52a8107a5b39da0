import sharp from 'sharp'
import { decodeBmp, readBmpHeader } from '../../imaging/bmp'
import { readJpegHeader } from '../../imaging/jpeg-header'
import { configureSharp } from '../../imaging/sharp-config'
import { decodePnm, readPnmHeader, type RawImage } from '../../imaging/pnm'
import { sniffFormat, type Sniffed } from '../../imaging/sniff'
import { withPixels } from '../../util/pixel-budget'
import {
  PICTURE_MAX_BYTES,
  formatRegion as formatRegionText,
  parseRegion as parseRegionText,
  pixelBounds,
} from '../../../domain'
import { EngineError, type ErrorCode } from '../errors'
import type { Box } from './featurizer/types'

configureSharp()

/** The cloud's limit on an image's size. */
export const MAX_PICTURE_BYTES = PICTURE_MAX_BYTES

/** Formats the cloud accepts (PNG, JPG, JPEG, BMP, GIF, WEBP, TIFF, PPM) as sharp names them. */
const ACCEPTED_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'bmp', 'ppm', 'pnm'])

const FORMAT_HINT = 'Use PNG, JPG, BMP, GIF, WebP, TIFF or PPM.'

export interface PictureInfo {
  width: number
  height: number
  format: string
  /** The picture in a format sharp decodes (BMP and PPM/PGM/PBM are converted to PNG). */
  bytes: Buffer
}

/** Most pixels any decode here accepts (far above the cloud's 4096 × 4096; a safety net). */
const LIMIT_PIXELS = 8192 * 8192

/** What a picture's header declares, read without decoding a pixel. */
interface Header {
  format: string
  width: number
  height: number
  orientation?: number
}

/**
 * The format, size and orientation flag `bytes` declare: BMP, Netpbm and most JPEGs read here,
 * the rest by sharp's header read (libvips opens lazily: no pixel is decoded, so a 30000 × 30000
 * bomb costs no more than a thumbnail). Unreadable → UnsupportedPicFormat.
 */
async function readHeader(bytes: Buffer, sniffed: Sniffed, field: string): Promise<Header> {
  const invalid = (err: unknown, label?: string) =>
    new EngineError(
      'UnsupportedPicFormat',
      `The specified image format is invalid: ${field}${label ? ` (${label})` : ''} cannot be decoded${
        err instanceof Error && label ? `: ${err.message}` : '.'
      }`,
      { hint: FORMAT_HINT, cause: err },
    )
  if (sniffed.supported && (sniffed.format === 'bmp' || sniffed.format === 'ppm')) {
    try {
      const h = sniffed.format === 'bmp' ? readBmpHeader(bytes) : readPnmHeader(bytes)
      return { format: sniffed.format, width: h.width, height: h.height }
    } catch (err) {
      throw invalid(err, sniffed.label)
    }
  }
  const jpeg = sniffed.supported && sniffed.format === 'jpeg' ? readJpegHeader(bytes) : null
  if (jpeg) return { format: 'jpeg', ...jpeg }
  try {
    const meta = await sharp(bytes, { limitInputPixels: false }).metadata()
    return {
      format: meta.format ?? 'unknown',
      width: meta.width ?? 0,
      height: meta.height ?? 0,
      ...(meta.orientation !== undefined ? { orientation: meta.orientation } : {}),
    }
  } catch (err) {
    throw invalid(err)
  }
}

/** BMP and Netpbm, which the cloud accepts but sharp cannot read, as PNG; others unchanged. */
async function normalise(bytes: Buffer, sniffed: Sniffed, field: string): Promise<Buffer> {
  if (!sniffed.supported || (sniffed.format !== 'bmp' && sniffed.format !== 'ppm')) return bytes
  try {
    let raw: RawImage
    if (sniffed.format === 'bmp') {
      const r = decodeBmp(bytes, LIMIT_PIXELS)
      if (r.kind === 'embedded') return r.data
      raw = r
    } else {
      raw = decodePnm(bytes, LIMIT_PIXELS)
    }
    return await sharp(raw.data, {
      raw: { width: raw.width, height: raw.height, channels: raw.channels },
    })
      .png({ compressionLevel: 1 })
      .toBuffer()
  } catch (err) {
    throw new EngineError(
      'UnsupportedPicFormat',
      `The specified image format is invalid: ${field} (${sniffed.label}) cannot be decoded: ${(err as Error).message}`,
      { hint: FORMAT_HINT, cause: err },
    )
  }
}

/**
 * Checks a picture as the cloud does: present, at most 4 MB, an accepted format, no EXIF
 * rotation, each side within the service type's pixel bounds — all from its header, before any
 * pixel is decoded, so a picture of the wrong size (or a decompression bomb) is refused with
 * UnsupportedPicPixels at the cost of a header read. `field` names the request field.
 */
export async function probePicture(
  bytes: Buffer | undefined,
  serviceType: string,
  field: string,
  missingCode: ErrorCode,
): Promise<PictureInfo> {
  if (!bytes || !(bytes instanceof Uint8Array) || bytes.length === 0) {
    throw new EngineError(
      missingCode,
      missingCode === 'NoSpecifiedSearchPic'
        ? 'The search image is not specified.'
        : `The content of an image is not specified (${field} is empty).`,
    )
  }
  if (bytes.length > MAX_PICTURE_BYTES) {
    throw new EngineError(
      'BadRequest',
      `${field} is ${(bytes.length / 1048576).toFixed(2)} MB; an image can be at most 4 MB.`,
      { hint: 'Shrink or recompress the image below 4 MB.' },
    )
  }
  const buf = bytes
  const sniffed = sniffFormat(buf)
  const head = await readHeader(buf, sniffed, field)
  const { format, width, height } = head
  if (!ACCEPTED_FORMATS.has(format) || !width || !height) {
    throw new EngineError(
      'UnsupportedPicFormat',
      `The specified image format is invalid: ${field} is ${format}.`,
      { hint: FORMAT_HINT },
    )
  }
  if (head.orientation !== undefined && head.orientation > 1) {
    throw new EngineError(
      'IncorrectOrientation',
      `The image contains incorrect rotation flags in the meta data (${field} has EXIF orientation ${head.orientation}).`,
      { hint: 'Rotate the pixels and drop the EXIF orientation before sending the image.' },
    )
  }
  const b = pixelBounds(serviceType)
  const tooBig = (v: number) => (b.maxExclusive ? v >= b.max : v > b.max)
  if (width < b.min || height < b.min || tooBig(width) || tooBig(height)) {
    throw new EngineError(
      'UnsupportedPicPixels',
      `The specified pixels is not supported: ${field} is ${width}x${height}; each side must be ` +
        `${b.min} to ${b.max}${b.maxExclusive ? ' (exclusive)' : ''} pixels for ${serviceType} search.`,
      { hint: `Resize the image so each side is between ${b.min} and ${b.max} pixels.` },
    )
  }
  const normalised =
    format === 'bmp' || format === 'ppm'
      ? await withPixels(width * height, () => normalise(buf, sniffed, field))
      : buf
  return { width, height, format, bytes: normalised }
}

/** Parses `x1,x2,y1,y2` (electron/domain/region) and checks it lies inside a width x height picture. */
export function parseRegion(region: string, width: number, height: number): Box {
  const r = parseRegionText(String(region), { within: { width, height } })
  if (r.ok) return r.box
  switch (r.problem) {
    case 'format':
      throw new EngineError(
        'BadRequest',
        `Region "${truncate(region)}" is invalid: expected four non-negative integers x1,x2,y1,y2.`,
        {
          hint: 'Region is x1,x2,y1,y2 in pixels: x1,y1 the upper-left corner, x2,y2 the lower-right.',
        },
      )
    case 'order':
      throw new EngineError(
        'BadRequest',
        `Region "${region}" is invalid: x1 must be less than x2 and y1 less than y2.`,
        { hint: 'Region is x1,x2,y1,y2 (not x1,y1,x2,y2).' },
      )
    case 'outside':
      throw new EngineError(
        'BadRequest',
        `Region "${region}" crosses the boundary of the ${width}x${height} image.`,
        { hint: 'Give the region in pixels of the image that is sent.' },
      )
  }
}

/** The region text of a box, each edge rounded to a whole pixel. */
export function formatRegion(b: Box): string {
  return formatRegionText(b, { round: true })
}

function truncate(s: string): string {
  const t = String(s)
  return t.length > 60 ? t.slice(0, 57) + '...' : t
}

/** Longest side of the stored source copy (the featurizer works at 512 px). */
export const SOURCE_SIDE = 512

/**
 * A downscaled JPEG copy of an accepted picture, kept so vectors can be recomputed when the
 * featurizer changes. `scale` maps original pixels to the copy's.
 */
export async function makeSource(
  bytes: Buffer,
  info: PictureInfo,
): Promise<{ bytes: Buffer; scale: number }> {
  const longest = Math.max(info.width, info.height)
  const scale = longest > SOURCE_SIDE ? SOURCE_SIDE / longest : 1
  const out = await withPixels(info.width * info.height, () =>
    sharp(bytes, { limitInputPixels: LIMIT_PIXELS })
      .resize({
        width: Math.max(1, Math.round(info.width * scale)),
        height: Math.max(1, Math.round(info.height * scale)),
        fit: 'fill',
      })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: 92 })
      .toBuffer(),
  )
  return { bytes: out, scale }
}
