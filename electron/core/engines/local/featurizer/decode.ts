import sharp, { type ResizeOptions } from 'sharp'
import { readJpegHeader } from '../../../imaging/jpeg-header'
import { configureSharp } from '../../../imaging/sharp-config'
import { withPixels } from '../../../util/pixel-budget'
import { EngineError } from '../../errors'
import type { Box } from './types'

configureSharp()

/** Largest input accepted (pixels): above the cloud's 4096 x 4096 limit, below a bomb. */
const MAX_INPUT_PIXELS = 8192 * 8192 // the message below names it
/** Longest side of the working copy every descriptor and the detector are computed from. */
export const WORK_SIDE = 512

export interface Decoded {
  /** Oriented RGB pixels, longest side at most WORK_SIDE. */
  data: Buffer
  w: number
  h: number
  /** Size of the oriented original image: boxes are given and returned in these pixels. */
  width: number
  height: number
}

const FORMAT_HINT = 'Use a JPG, PNG, WebP, GIF or TIFF image.'

/** Stored size and EXIF orientation from the header alone (a JPEG's read here, others by sharp). */
async function header(
  image: Uint8Array,
): Promise<{ width: number; height: number; orientation: number }> {
  const jpeg = readJpegHeader(image)
  if (jpeg) return { width: jpeg.width, height: jpeg.height, orientation: jpeg.orientation ?? 1 }
  const meta = await sharp(image, { limitInputPixels: false }).metadata()
  return { width: meta.width ?? 0, height: meta.height ?? 0, orientation: meta.orientation ?? 1 }
}

/**
 * Decode an encoded image into a small oriented RGB working copy (transparency flattened onto
 * white). The size is read from the header first: a picture over MAX_INPUT_PIXELS is refused
 * with `UnsupportedPicPixels` before any decoding, and the decode waits for its pixels in the
 * process's decode budget (util/pixel-budget.ts). Throws `EngineError('UnsupportedPicFormat')`
 * for anything sharp cannot decode.
 */
export async function decode(image: Uint8Array): Promise<Decoded> {
  if (!(image instanceof Uint8Array)) {
    throw new EngineError('UnsupportedPicFormat', 'The picture is not a binary buffer.')
  }
  if (image.length === 0) throw new EngineError('UnsupportedPicFormat', 'The picture is empty.')
  const cannot = (err: unknown) =>
    new EngineError(
      'UnsupportedPicFormat',
      `The picture cannot be decoded: ${(err as Error).message}`,
      { hint: FORMAT_HINT, cause: err },
    )
  let head: { width: number; height: number; orientation: number }
  try {
    head = await header(image)
  } catch (err) {
    throw cannot(err)
  }
  const { width: sw, height: sh } = head
  if (!sw || !sh) throw cannot(new Error('the picture declares no size'))
  if (sw * sh > MAX_INPUT_PIXELS) {
    throw new EngineError(
      'UnsupportedPicPixels',
      `The specified pixels is not supported: the picture is ${sw}x${sh} ` +
        `(${Math.round((sw * sh) / 1e5) / 10} MP); at most 8192 x 8192 (67.1 MP) can be decoded.`,
      { hint: 'Resize the image so each side is at most 4096 pixels.' },
    )
  }
  // Orientations 5-8 swap the sides.
  const swap = head.orientation >= 5 && head.orientation <= 8
  const width = swap ? sh : sw
  const height = swap ? sw : sh
  return withPixels(sw * sh, async () => {
    try {
      const { data, info } = await sharp(image, {
        limitInputPixels: MAX_INPUT_PIXELS,
        failOn: 'error',
      })
        .rotate()
        .resize(WORK_SIDE, WORK_SIDE, { fit: 'inside', withoutEnlargement: true })
        .flatten({ background: '#ffffff' })
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true })
      return { data, w: info.width, h: info.height, width, height }
    } catch (err) {
      throw cannot(err)
    }
  })
}

/** Clamp a box to a width x height image and round it outwards; null when it is empty. */
export function clampBox(box: Box, width: number, height: number): Box | null {
  const x1 = Math.max(0, Math.min(width, Math.floor(Math.min(box.x1, box.x2))))
  const x2 = Math.max(0, Math.min(width, Math.ceil(Math.max(box.x1, box.x2))))
  const y1 = Math.max(0, Math.min(height, Math.floor(Math.min(box.y1, box.y2))))
  const y2 = Math.max(0, Math.min(height, Math.ceil(Math.max(box.y1, box.y2))))
  if (x2 - x1 < 1 || y2 - y1 < 1) return null
  return { x1, x2, y1, y2 }
}

/** A box in original-image pixels mapped onto the working copy (null = whole image). */
export function toWorkBox(d: Decoded, box: Box | null | undefined): Box | null {
  if (!box) return null
  const sx = d.w / d.width
  const sy = d.h / d.height
  const b = clampBox(
    { x1: box.x1 * sx, x2: box.x2 * sx, y1: box.y1 * sy, y2: box.y2 * sy },
    d.w,
    d.h,
  )
  if (!b) {
    throw new EngineError('InvalidRegion', 'The region lies outside the picture or is empty.')
  }
  return b
}

/** Raw RGB pixels of the working copy (optionally a box of it), resized with `resize`. */
export async function pixels(
  d: Decoded,
  box: Box | null,
  resize: ResizeOptions & { width: number; height: number },
): Promise<{ data: Buffer; width: number; height: number }> {
  let img = sharp(d.data, { raw: { width: d.w, height: d.h, channels: 3 } })
  if (box && (box.x1 > 0 || box.y1 > 0 || box.x2 < d.w || box.y2 < d.h)) {
    img = img.extract({
      left: box.x1,
      top: box.y1,
      width: box.x2 - box.x1,
      height: box.y2 - box.y1,
    })
  }
  const { data, info } = await img.resize(resize).raw().toBuffer({ resolveWithObject: true })
  return { data, width: info.width, height: info.height }
}
