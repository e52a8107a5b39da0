/**
 * Colour descriptor: a joint HSV histogram (8 hue x 4 saturation x 4 value bins) with square-root
 * (Hellinger) normalisation, so cosine similarity equals the Bhattacharyya coefficient of the two
 * colour distributions.
 */
export const HSV_BINS = { h: 8, s: 4, v: 4 } as const
export const HSV_DIM = HSV_BINS.h * HSV_BINS.s * HSV_BINS.v

/** `rgb` is interleaved 8-bit pixels with `channels` channels (3 or 4; alpha is ignored). */
export function hsvSqrtHistogram(rgb: Uint8Array, channels: number): Float32Array {
  const hist = new Float32Array(HSV_DIM)
  const n = Math.floor(rgb.length / channels)
  for (let i = 0; i < n; i++) {
    const o = i * channels
    const r = rgb[o] / 255
    const g = rgb[o + 1] / 255
    const b = rgb[o + 2] / 255
    const max = r > g ? (r > b ? r : b) : g > b ? g : b
    const min = r < g ? (r < b ? r : b) : g < b ? g : b
    const d = max - min
    let h = 0
    if (d > 0) {
      if (max === r) h = ((g - b) / d + 6) % 6
      else if (max === g) h = (b - r) / d + 2
      else h = (r - g) / d + 4
      h /= 6
    }
    const s = max > 0 ? d / max : 0
    const hb = Math.min(HSV_BINS.h - 1, Math.floor(h * HSV_BINS.h))
    const sb = Math.min(HSV_BINS.s - 1, Math.floor(s * HSV_BINS.s))
    const vb = Math.min(HSV_BINS.v - 1, Math.floor(max * HSV_BINS.v))
    hist[(hb * HSV_BINS.s + sb) * HSV_BINS.v + vb] += 1
  }
  // sqrt of the L1-normalised histogram already has unit L2 norm.
  const total = n || 1
  for (let i = 0; i < HSV_DIM; i++) hist[i] = Math.sqrt(hist[i] / total)
  return hist
}
