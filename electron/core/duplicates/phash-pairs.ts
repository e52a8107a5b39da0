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
import { bandNeighbours, hamming, normalizePhash, phashBands } from '../gallery/phash'

/** Bits within which hashes are compared (one bit flip per band probed). */
export const PHASH_MAX_BITS = 7

export const phashSimilarity = (bits: number) => 1 - bits / 80

/** Pairs (i < j) of hashes within the bits `floor` allows (≤ PHASH_MAX_BITS), with their distance. */
export function phashPairs(
  hashes: (string | null)[],
  floor: number,
  emit: (i: number, j: number, bits: number) => void,
): void {
  const maxBits = Math.min(PHASH_MAX_BITS, Math.floor((1 - floor) * 80 + 1e-9))
  if (maxBits < 0) return
  const norm = hashes.map((h) => {
    try {
      return h ? normalizePhash(h) : null
    } catch {
      return null
    }
  })
  const bands = norm.map((h) => (h ? phashBands(h) : null))
  const index: Map<number, number[]>[] = [new Map(), new Map(), new Map(), new Map()]
  bands.forEach((b, i) => {
    if (!b) return
    for (let k = 0; k < 4; k++) {
      const list = index[k].get(b[k])
      if (list) list.push(i)
      else index[k].set(b[k], [i])
    }
  })
  const radius = Math.floor(maxBits / 4)
  const seen = new Set<number>()
  const n = hashes.length
  bands.forEach((b, i) => {
    if (!b) return
    for (let k = 0; k < 4; k++) {
      for (const v of bandNeighbours(b[k], radius)) {
        for (const j of index[k].get(v) ?? []) {
          if (j <= i || seen.has(i * n + j)) continue
          seen.add(i * n + j)
          const bits = hamming(norm[i]!, norm[j]!)
          if (bits <= maxBits) emit(i, j, bits)
        }
      }
    }
  })
}
