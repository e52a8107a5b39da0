/**
 * The second signal of the audit: perceptual hashes (the gallery cache's 64-bit pHash of each
 * picture). A copy re-encoded or resized keeps its hash within a few bits, while the descriptor of
 * its main subject can move (the subject detector draws a slightly different box): measured on
 * catalogue-hm, 91 % of re-encoded/resized copies are within 4 bits of their original, and 21 of
 * its 505,515 pairs of distinct pictures are (bench/README.md, "Near-duplicate audit").
 *
 * A pair's similarity in the audit is max(descriptor cosine, 1 − Hamming/80): 0 bits → 1, 4 bits →
 * 0.95 (the default threshold), 6 bits → 0.925. Pairs within PHASH_MAX_BITS are found by
 * multi-index hashing (gallery/phash.ts: four 16-bit bands; within 7 bits two hashes agree on a
 * band within one bit flip), in memory, without comparing every pair.
 */
import { normalizePhash, phashBands } from '../gallery/phash'

/** Bits within which hashes are compared (one bit flip per band probed). */
export const PHASH_MAX_BITS = 7

export const phashSimilarity = (bits: number) => 1 - bits / 80

function popcount16(x: number): number {
  x = x - ((x >> 1) & 0x5555)
  x = (x & 0x3333) + ((x >> 2) & 0x3333)
  x = (x + (x >> 4)) & 0x0f0f
  return (x + (x >> 8)) & 0x1f
}

/** Pairs (i < j) of hashes within the bits `floor` allows (≤ PHASH_MAX_BITS), with their distance. */
export function phashPairs(
  hashes: (string | null)[],
  floor: number,
  emit: (i: number, j: number, bits: number) => void,
): void {
  const maxBits = Math.min(PHASH_MAX_BITS, Math.floor((1 - floor) * 80 + 1e-9))
  if (maxBits < 0) return
  const n = hashes.length
  // Four 16-bit bands per hash (typed), and per band a bucket list of the hashes by band value.
  const bands = new Uint16Array(n * 4)
  const has = new Uint8Array(n)
  hashes.forEach((h, i) => {
    let norm: string
    try {
      if (!h) return
      norm = normalizePhash(h)
    } catch {
      return
    }
    const b = phashBands(norm)
    for (let k = 0; k < 4; k++) bands[i * 4 + k] = b[k]
    has[i] = 1
  })
  const starts: Int32Array[] = []
  const members: Int32Array[] = []
  for (let k = 0; k < 4; k++) {
    const start = new Int32Array(65537)
    for (let i = 0; i < n; i++) if (has[i]) start[bands[i * 4 + k] + 1]++
    for (let v = 0; v < 65536; v++) start[v + 1] += start[v]
    const fill = start.slice(0, 65536)
    const list = new Int32Array(start[65536])
    for (let i = 0; i < n; i++) if (has[i]) list[fill[bands[i * 4 + k]]++] = i
    starts.push(start)
    members.push(list)
  }
  // Within maxBits ≤ 7 two hashes agree on some band within one bit flip (pigeonhole).
  const flips = maxBits >= 4 ? 16 : 0
  const seen = new Set<number>()
  for (let i = 0; i < n; i++) {
    if (!has[i]) continue
    const o = i * 4
    for (let k = 0; k < 4; k++) {
      const start = starts[k]
      const list = members[k]
      for (let f = -1; f < flips; f++) {
        const v = f < 0 ? bands[o + k] : bands[o + k] ^ (1 << f)
        for (let x = start[v]; x < start[v + 1]; x++) {
          const j = list[x]
          if (j <= i) continue
          const p = o
          const q = j * 4
          const bits =
            popcount16(bands[p] ^ bands[q]) +
            popcount16(bands[p + 1] ^ bands[q + 1]) +
            popcount16(bands[p + 2] ^ bands[q + 2]) +
            popcount16(bands[p + 3] ^ bands[q + 3])
          if (bits > maxBits) continue
          const key = i * n + j
          if (seen.has(key)) continue
          seen.add(key)
          emit(i, j, bits)
        }
      }
    }
  }
}
