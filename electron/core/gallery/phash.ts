/**
 * 64-bit perceptual hashes as 16 hex characters, split into four 16-bit bands for multi-index
 * hashing: two hashes within Hamming distance d agree on at least one band within floor(d/4) bits
 * (pigeonhole), so a lookup probes each band's index with every value within that radius and then
 * verifies the full distance.
 */

const PHASH_RE = /^[0-9a-f]{16}$/

/** Lowercases and checks a perceptual hash; throws TypeError if it is not 16 hex characters. */
export function normalizePhash(phash: string): string {
  const p = typeof phash === 'string' ? phash.trim().toLowerCase() : ''
  if (!PHASH_RE.test(p)) {
    throw new TypeError(`A perceptual hash is 16 hex characters (64 bits), got ${String(phash)}`)
  }
  return p
}

const SHA_RE = /^[0-9a-f]{64}$/

export function normalizeSha256(sha: string): string {
  const s = typeof sha === 'string' ? sha.trim().toLowerCase() : ''
  if (!SHA_RE.test(s)) throw new TypeError(`A SHA-256 is 64 hex characters, got ${String(sha)}`)
  return s
}

/** The four 16-bit bands of a normalized hash, most significant first. */
export function phashBands(phash: string): [number, number, number, number] {
  return [
    parseInt(phash.slice(0, 4), 16),
    parseInt(phash.slice(4, 8), 16),
    parseInt(phash.slice(8, 12), 16),
    parseInt(phash.slice(12, 16), 16),
  ]
}

function popcount16(x: number): number {
  x = x - ((x >> 1) & 0x5555)
  x = (x & 0x3333) + ((x >> 2) & 0x3333)
  x = (x + (x >> 4)) & 0x0f0f
  return (x + (x >> 8)) & 0x1f
}

/** Hamming distance between two normalized hashes (0..64). */
export function hamming(a: string, b: string): number {
  const x = phashBands(a)
  const y = phashBands(b)
  let d = 0
  for (let i = 0; i < 4; i++) d += popcount16(x[i] ^ y[i])
  return d
}

/** Every 16-bit value within `radius` bit flips of `v` (including v itself). */
export function bandNeighbours(v: number, radius: number): number[] {
  const out = [v]
  const flip = (start: number, left: number, cur: number): void => {
    if (left === 0) return
    for (let b = start; b < 16; b++) {
      const n = cur ^ (1 << b)
      out.push(n)
      flip(b + 1, left - 1, n)
    }
  }
  flip(0, radius, v)
  return out
}
