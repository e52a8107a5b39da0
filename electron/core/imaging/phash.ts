/**
 * 64-bit DCT perceptual hash (the classic pHash): 32 × 32 grey pixels, 2-D DCT-II, the 8 × 8
 * lowest frequencies compared with their median. Near-duplicates (re-encoded, resized, lightly
 * edited) are a few bits apart; unrelated pictures about 32.
 */

const N = 32
const K = 8

/** cos((2x + 1) u π / 2N) for u < K, x < N. */
const COS = (() => {
  const t = new Float64Array(K * N)
  for (let u = 0; u < K; u++) {
    for (let x = 0; x < N; x++) t[u * N + x] = Math.cos(((2 * x + 1) * u * Math.PI) / (2 * N))
  }
  return t
})()

/** Hash 32 × 32 grey pixels (row-major, 1024 values) into 16 hex chars. */
export function phashFromGrey32(grey: Uint8Array | Float64Array): string {
  if (grey.length !== N * N) throw new Error(`phash needs ${N * N} grey pixels, got ${grey.length}`)
  // Rows first: R[y][u] = sum_x g[y][x] cos_u(x), then columns: D[v][u] = sum_y R[y][u] cos_v(y).
  const rows = new Float64Array(N * K)
  for (let y = 0; y < N; y++) {
    for (let u = 0; u < K; u++) {
      let s = 0
      for (let x = 0; x < N; x++) s += grey[y * N + x] * COS[u * N + x]
      rows[y * K + u] = s
    }
  }
  const coeffs = new Float64Array(K * K)
  for (let v = 0; v < K; v++) {
    for (let u = 0; u < K; u++) {
      let s = 0
      for (let y = 0; y < N; y++) s += rows[y * K + u] * COS[v * N + y]
      coeffs[v * K + u] = s
    }
  }
  // Median of the 63 AC coefficients (the DC term only says how bright the picture is).
  const ac = Array.from(coeffs.subarray(1)).sort((a, b) => a - b)
  const median = ac[ac.length >> 1]
  let hi = 0
  let lo = 0
  for (let i = 0; i < 64; i++) {
    const bit = coeffs[i] > median ? 1 : 0
    if (i < 32) hi = (hi << 1) | bit
    else lo = (lo << 1) | bit
  }
  return (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0')
}

function popcount32(v: number): number {
  v = v - ((v >>> 1) & 0x55555555)
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333)
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24
}

/** Number of differing bits between two 16-hex-char hashes (0 = same picture, ~32 = unrelated). */
export function hamming(a: string, b: string): number {
  if (!/^[0-9a-f]{16}$/i.test(a) || !/^[0-9a-f]{16}$/i.test(b)) {
    throw new Error('hamming() expects two 16-hex-char perceptual hashes')
  }
  const d1 = parseInt(a.slice(0, 8), 16) ^ parseInt(b.slice(0, 8), 16)
  const d2 = parseInt(a.slice(8), 16) ^ parseInt(b.slice(8), 16)
  return popcount32(d1 >>> 0) + popcount32(d2 >>> 0)
}

/**
 * 32 × 32 grey (BT.601 luma, transparency flattened onto white) by area averaging of raw 8-bit
 * pixels with 1-4 channels.
 */
export function grey32(
  data: Uint8Array,
  width: number,
  height: number,
  channels: number,
): Float64Array {
  const out = new Float64Array(N * N)
  const colour = channels >= 3
  const alpha = channels === 2 || channels === 4
  for (let cy = 0; cy < N; cy++) {
    const y0 = Math.floor((cy * height) / N)
    const y1 = Math.max(y0 + 1, Math.floor(((cy + 1) * height) / N))
    for (let cx = 0; cx < N; cx++) {
      const x0 = Math.floor((cx * width) / N)
      const x1 = Math.max(x0 + 1, Math.floor(((cx + 1) * width) / N))
      let sum = 0
      for (let y = y0; y < y1; y++) {
        let p = (y * width + x0) * channels
        for (let x = x0; x < x1; x++, p += channels) {
          let v = colour ? 0.299 * data[p] + 0.587 * data[p + 1] + 0.114 * data[p + 2] : data[p]
          if (alpha) {
            const a = data[p + channels - 1] / 255
            v = v * a + 255 * (1 - a)
          }
          sum += v
        }
      }
      out[cy * N + cx] = sum / ((y1 - y0) * (x1 - x0))
    }
  }
  return out
}

/** Perceptual hash of raw 8-bit pixels. */
export function phashRaw(
  data: Uint8Array,
  width: number,
  height: number,
  channels: number,
): string {
  return phashFromGrey32(grey32(data, width, height, channels))
}
