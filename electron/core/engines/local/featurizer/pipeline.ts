/**
 * The featurizer's work on one image, run inside a worker thread (or in-process for tools).
 *
 * Descriptor: MobileNetV2-1.4 Conv_1, block-15 and block-13 global average pooling, fused 1:1:1:1
 * with the HSV square-root histogram, then projected to 256 dimensions with a learned whitening and
 * L2-normalised. Cosine similarity = dot product.
 */
import { backbone, INPUT_SIDE } from './backbone'
import { hsvSqrtHistogram } from './colour'
import { decode, pixels, toWorkBox, type Decoded } from './decode'
import { project } from './pca'
import { projection } from './projection'
import { detectSubjects, DETECT_SIDE } from './subjects'
import type { Box, DescribeOptions, Description, Embedding, Subjects } from './types'
import { l2normalize } from './vector'

export { DIM, VERSION } from './constants'

/** Colour histogram side: enough pixels for a stable histogram, cheap to compute. */
const HIST_SIDE = 128

/** The colour part alone (128-d): also the baseline of the benchmarks. */
export async function colourDecoded(d: Decoded, box?: Box | null): Promise<Float32Array> {
  const px = await pixels(d, toWorkBox(d, box), {
    width: HIST_SIDE,
    height: HIST_SIDE,
    fit: 'inside',
  })
  return hsvSqrtHistogram(px.data, 3)
}

/** The fused descriptor before projection (1792 + 224 + 224 + 128, each block weighted equally). */
export async function fusedDecoded(d: Decoded, box?: Box | null): Promise<Float32Array> {
  const wb = toWorkBox(d, box)
  const [hist, px, net] = await Promise.all([
    colourDecoded(d, box),
    pixels(d, wb, { width: INPUT_SIDE, height: INPUT_SIDE, fit: 'fill' }),
    backbone(),
  ])
  const { conv1, block15, block13 } = net.run(px.data, INPUT_SIDE)
  const blocks = [l2normalize(conv1), l2normalize(block15), l2normalize(block13), hist]
  const out = new Float32Array(blocks.reduce((n, b) => n + b.length, 0))
  let o = 0
  const w = 1 / Math.sqrt(blocks.length)
  for (const b of blocks) {
    for (let i = 0; i < b.length; i++) out[o + i] = b[i] * w
    o += b.length
  }
  return out
}

export async function embedDecoded(d: Decoded, box?: Box | null): Promise<Embedding> {
  const fused = await fusedDecoded(d, box)
  return { vector: project(projection(), fused), width: d.width, height: d.height }
}

export async function embedImage(image: Uint8Array, box?: Box | null): Promise<Embedding> {
  return embedDecoded(await decode(image), box)
}

export async function detectDecoded(
  d: Decoded,
): Promise<Subjects & { width: number; height: number }> {
  const px = await pixels(d, null, { width: DETECT_SIDE, height: DETECT_SIDE, fit: 'inside' })
  const s = detectSubjects(px.data, px.width, px.height, d.width, d.height)
  return { ...s, width: d.width, height: d.height }
}

export async function detectImage(
  image: Uint8Array,
): Promise<Subjects & { width: number; height: number }> {
  return detectDecoded(await decode(image))
}

/** Detect (when asked) and embed on one decode: see Featurizer.describe. */
export async function describeImage(image: Uint8Array, o: DescribeOptions): Promise<Description> {
  const d = await decode(image)
  let box = o.box ?? null
  let subjects: Box[] = []
  if (!box && o.detect) {
    const s = await detectDecoded(d)
    box = s.main ?? { x1: 0, x2: d.width, y1: 0, y2: d.height }
    subjects = s.all
  }
  return { ...(await embedDecoded(d, box)), box, subjects }
}
