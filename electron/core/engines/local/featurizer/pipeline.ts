/**
 * The featurizer's work on one image, run inside a worker thread (or in-process for tools).
 */
import { hsvSqrtHistogram, HSV_DIM } from './colour'
import { decode, pixels, toWorkBox, type Decoded } from './decode'
import { detectSubjects, DETECT_SIDE } from './subjects'
import type { Box, Embedding, Subjects } from './types'

export const VERSION = 'hsv844sqrt-1'
export const DIM = HSV_DIM

/** Colour histogram side: enough pixels for a stable histogram, cheap to compute. */
const HIST_SIDE = 128

export async function embedDecoded(d: Decoded, box?: Box | null): Promise<Embedding> {
  const wb = toWorkBox(d, box)
  const px = await pixels(d, wb, {
    width: HIST_SIDE,
    height: HIST_SIDE,
    fit: 'inside',
  })
  return {
    vector: hsvSqrtHistogram(px.data, 3),
    width: d.width,
    height: d.height,
  }
}

export async function embedImage(image: Uint8Array, box?: Box | null): Promise<Embedding> {
  return embedDecoded(await decode(image), box)
}

export async function detectDecoded(
  d: Decoded,
): Promise<Subjects & { width: number; height: number }> {
  const px = await pixels(d, null, {
    width: DETECT_SIDE,
    height: DETECT_SIDE,
    fit: 'inside',
  })
  const s = detectSubjects(px.data, px.width, px.height, d.width, d.height)
  return { ...s, width: d.width, height: d.height }
}

export async function detectImage(
  image: Uint8Array,
): Promise<Subjects & { width: number; height: number }> {
  return detectDecoded(await decode(image))
}
