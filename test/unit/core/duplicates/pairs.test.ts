/**
 * The two pair finders of the audit against brute force: the cells (pairs.ts) on vectors shaped
 * like descriptors, with the partitioned path forced on a small set, and the perceptual-hash pass
 * (phash-pairs.ts), which must be exact.
 */
import { seededRandom } from '../../../../electron/core/util/random'
import { describe, expect, it } from 'vitest'
import {
  partition,
  scanCells,
  vectorSet,
  marginFor,
} from '../../../../electron/core/duplicates/pairs'
import { phashPairs, PHASH_MAX_BITS } from '../../../../electron/core/duplicates/phash-pairs'
import { hamming } from '../../../../electron/core/gallery/phash'

const rnd = seededRandom(99)
const gauss = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd())
const normalise = (v: Float32Array) => {
  const s = Math.sqrt(v.reduce((a, x) => a + x * x, 0)) || 1
  return v.map((x) => x / s)
}

describe('pairs of vectors', () => {
  const DIM = 64
  const N = 3000
  // Clusters (products) with a shared mean, and near-copies of some pictures.
  const mean = normalise(Float32Array.from({ length: DIM }, gauss))
  const vecs: Float32Array[] = []
  const copies: [number, number][] = []
  while (vecs.length < N) {
    const c = Float32Array.from({ length: DIM }, gauss)
    for (let k = 0; k < 4 && vecs.length < N; k++) {
      vecs.push(normalise(c.map((x, d) => x + gauss() * 0.5 + mean[d] * 4)))
      if (rnd() < 0.03 && vecs.length < N) {
        const i = vecs.length - 1
        vecs.push(normalise(vecs[i].map((x) => x + gauss() * 0.02)))
        copies.push([i, vecs.length - 1])
      }
    }
  }
  const set = vectorSet(DIM, N)
  vecs.forEach((v, i) => set.store.set(i, v))
  const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0)
  const floor = 0.9
  const truth = new Map<number, number>()
  for (let i = 0; i < N; i++) {
    for (let j = i + 1; j < N; j++) {
      const s = dot(vecs[i], vecs[j])
      if (s >= floor) truth.set(i * N + j, s)
    }
  }

  it('exact below the size limit: every pair ≥ the floor, once, with its similarity', async () => {
    const cells = await partition(set)
    expect(cells).toHaveLength(1)
    const got = new Map<number, number>()
    await scanCells(set, cells, floor, (i, j, s) => {
      expect(got.has(i * N + j)).toBe(false)
      got.set(i * N + j, s)
    })
    expect([...got.keys()].sort()).toEqual([...truth.keys()].sort())
    for (const [k, s] of got) expect(s).toBeCloseTo(truth.get(k)!, 4)
  })

  it('partitioned: cells much smaller than the set, every near-copy found, nothing below the floor', async () => {
    const cells = await partition(set, { exactBelow: 200, cellSize: 100, margin: marginFor(floor) })
    expect(cells.length).toBeGreaterThan(10)
    const work = cells.reduce((s, c) => s + (c.length * (c.length - 1)) / 2, 0)
    expect(work).toBeLessThan((N * (N - 1)) / 2 / 4)
    const got = new Set<number>()
    await scanCells(set, cells, floor, (i, j, s) => {
      expect(i).toBeLessThan(j)
      expect(s).toBeGreaterThanOrEqual(floor)
      expect(got.has(i * N + j)).toBe(false)
      got.add(i * N + j)
    })
    for (const [i, j] of copies) expect(got.has(i * N + j), `copy ${i}-${j}`).toBe(true)
    const recall = [...truth.keys()].filter((k) => got.has(k)).length / truth.size
    expect(recall).toBeGreaterThanOrEqual(0.95)
  })
})

describe('pairs of perceptual hashes', () => {
  it('are exactly the pairs within the allowed bits, as brute force finds them', () => {
    const hex = () =>
      Math.floor(rnd() * 0x10000)
        .toString(16)
        .padStart(4, '0')
    const hashes: (string | null)[] = Array.from(
      { length: 1000 },
      () => hex() + hex() + hex() + hex(),
    )
    // Near copies with 0..9 bits flipped, an unusable hash and a missing one.
    for (let c = 0; c < 200; c++) {
      let h = BigInt('0x' + hashes[Math.floor(rnd() * 800)])
      for (let f = c % 10; f > 0; f--) h ^= 1n << BigInt(Math.floor(rnd() * 64))
      hashes[800 + c] = h.toString(16).padStart(16, '0')
    }
    hashes[5] = 'not a hash'
    hashes[6] = null
    for (const floor of [0.9, 0.95, 0.99]) {
      const maxBits = Math.min(PHASH_MAX_BITS, Math.floor((1 - floor) * 80 + 1e-9))
      const want: string[] = []
      for (let i = 0; i < hashes.length; i++) {
        for (let j = i + 1; j < hashes.length; j++) {
          const a = hashes[i]
          const b = hashes[j]
          if (!a || !b || a.length !== 16 || b.length !== 16) continue
          const d = hamming(a, b)
          if (d <= maxBits) want.push(`${i}-${j}-${d}`)
        }
      }
      const got: string[] = []
      phashPairs(hashes, floor, (i, j, bits) => got.push(`${i}-${j}-${bits}`))
      expect(got.sort()).toEqual(want.sort())
      expect(want.length).toBeGreaterThan(floor === 0.99 ? 10 : 50)
    }
  })
})
