import { describe, expect, it } from 'vitest'
import { hamming } from '../../../../electron/core/gallery'
import { bandNeighbours } from '../../../../electron/core/gallery/phash'
import { newGallery } from './helpers'

let seed = 99
const rnd = () => (seed = (seed * 48271) % 2147483647) / 2147483647
const randomHash = () =>
  Array.from({ length: 16 }, () => '0123456789abcdef'[Math.floor(rnd() * 16)]).join('')
function flip(h: string, bits: number): string {
  let v = BigInt('0x' + h)
  const used = new Set<number>()
  while (used.size < bits) used.add(Math.floor(rnd() * 64))
  for (const b of used) v ^= 1n << BigInt(b)
  return v.toString(16).padStart(16, '0')
}
/** Reference distance through BigInt. */
function popcountDistance(a: string, b: string): number {
  let x = BigInt('0x' + a) ^ BigInt('0x' + b)
  let n = 0
  while (x) {
    n += Number(x & 1n)
    x >>= 1n
  }
  return n
}

describe('gallery hashes', () => {
  it('hamming and band neighbourhoods are right', () => {
    for (let i = 0; i < 200; i++) {
      const a = randomHash()
      const b = i % 2 ? randomHash() : flip(a, i % 20)
      expect(hamming(a, b)).toBe(popcountDistance(a, b))
    }
    expect(hamming('0000000000000000', 'ffffffffffffffff')).toBe(64)
    expect(bandNeighbours(0x1234, 0)).toEqual([0x1234])
    expect(new Set(bandNeighbours(0x1234, 1)).size).toBe(17)
    expect(new Set(bandNeighbours(0x1234, 2)).size).toBe(1 + 16 + 120)
    expect(new Set(bandNeighbours(0, 3)).size).toBe(1 + 16 + 120 + 560)
  })

  it('findNearPhash returns exactly the hashes within the distance, nearest first', () => {
    const { g } = newGallery()
    const hashes: { picName: string; phash: string }[] = []
    const bases = Array.from({ length: 8 }, randomHash)
    g.batch(() => {
      for (let i = 0; i < 1500; i++) {
        // Clusters of near-duplicates around a few bases, plus random hashes.
        const phash = i % 3 === 0 ? flip(bases[i % 8], Math.floor(rnd() * 22)) : randomHash()
        const picName = `${i}.jpg`
        hashes.push({ picName, phash })
        g.recordAdded({ productId: `p${i % 100}`, picName, phash })
      }
      g.recordAdded({ productId: 'nohash', picName: 'x.jpg' })
    })
    for (const maxHamming of [0, 1, 3, 4, 6, 8, 11, 12, 15, 16, 20, 30]) {
      for (const probe of [bases[0], flip(bases[1], 2), flip(bases[2], 5), randomHash()]) {
        const want = hashes
          .map((h) => ({ ...h, distance: popcountDistance(probe, h.phash) }))
          .filter((h) => h.distance <= maxHamming)
          .sort((a, b) => a.distance - b.distance)
        const got = g.findNearPhash(probe.toUpperCase(), maxHamming, 1000)
        const label = `${probe} <= ${maxHamming}`
        expect(
          got.map((m) => m.distance),
          label,
        ).toEqual(want.map((w) => w.distance))
        expect(got.map((m) => m.picName).sort(), label).toEqual(want.map((w) => w.picName).sort())
        for (const m of got) expect(hamming(m.phash!, probe)).toBe(m.distance)
      }
    }
    expect(g.findNearPhash(bases[0], 30, 3)).toHaveLength(3)
    expect(() => g.findNearPhash('xyz', 3)).toThrow(TypeError)
    expect(() => g.findNearPhash(bases[0], 65)).toThrow(/maxHamming/)
  })

  it('findBySha256 finds every image with the same content', () => {
    const { g } = newGallery()
    const sha = 'cafe'.repeat(16)
    g.recordAdded({ productId: 'p1', picName: 'a.jpg', sha256: sha })
    g.recordAdded({ productId: 'p2', picName: 'copy.jpg', sha256: sha.toUpperCase() })
    g.recordAdded({ productId: 'p3', picName: 'other.jpg', sha256: 'beef'.repeat(16) })
    expect(g.findBySha256(sha).map((i) => [i.productId, i.picName])).toEqual([
      ['p1', 'a.jpg'],
      ['p2', 'copy.jpg'],
    ])
    expect(g.findBySha256('0'.repeat(64))).toEqual([])
    g.recordDeleted({ productId: 'p1', picName: 'a.jpg' })
    expect(g.findBySha256(sha)).toHaveLength(1)
    expect(() => g.findBySha256('abc')).toThrow(TypeError)
  })
})
