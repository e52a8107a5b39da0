import sharp, { type ResizeOptions } from 'sharp'
import { EngineError } from '../../errors'
import type { Box } from './types'

/** Largest input accepted (pixels): above the cloud's 4096 x 4096 limit, below a bomb. */
const MAX_INPUT_PIXELS = 8192 * 8192
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

/**
 * Decode an encoded image into a small oriented RGB working copy (transparency flattened onto
 * white). Throws `EngineError('UnsupportedPicFormat')` for anything sharp cannot decode.
 */
export async function decode(image: Uint8Array): Promise<Decoded> {
  if (!(image instanceof Uint8Array)) {
    throw new EngineError('UnsupportedPicFormat', 'The picture is not a binary buffer.')
  }
  if (image.length === 0) throw new EngineError('UnsupportedPicFormat', 'The picture is empty.')
  try {
    const input = sharp(image, {
      limitInputPixels: MAX_INPUT_PIXELS,
      failOn: 'error',
    })
    const meta = await input.metadata()
    const { data, info } = await input
      .rotate()
      .resize(WORK_SIDE, WORK_SIDE, { fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true })
    const width = meta.autoOrient?.width ?? meta.width
    const height = meta.autoOrient?.height ?? meta.height
    return { data, w: info.width, h: info.height, width, height }
  } catch (err) {
    throw new EngineError(
      'UnsupportedPicFormat',
      `The picture cannot be decoded: ${(err as Error).message}`,
      { hint: 'Use a JPG, PNG, WebP, GIF or TIFF image.', cause: err },
    )
  }
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
