import { describe, expect, it } from 'vitest'
import { hamming, phashFromGrey32 } from '../../../../electron/core/imaging/phash'

describe('hamming', () => {
  it('counts differing bits of two 64-bit hex hashes', () => {
    expect(hamming('0000000000000000', '0000000000000000')).toBe(0)
    expect(hamming('0000000000000000', 'ffffffffffffffff')).toBe(64)
    expect(hamming('8000000000000001', '0000000000000000')).toBe(2)
    expect(hamming('00000000f0f0f0f0', '000000000f0f0f0f')).toBe(32)
    expect(() => hamming('abc', '0000000000000000')).toThrow(/16-hex/)
  })
})

describe('phashFromGrey32', () => {
  const gradient = (f: (x: number, y: number) => number) => {
    const g = new Uint8Array(1024)
    for (let y = 0; y < 32; y++)
      for (let x = 0; x < 32; x++) g[y * 32 + x] = Math.max(0, Math.min(255, f(x, y)))
    return g
  }

  it('gives 16 hex chars, stable under brightness shifts, different for different structure', () => {
    const f = (x: number, y: number) =>
      90 + 50 * Math.sin(x / 4 + y / 9) + 30 * Math.cos(y / 5) + x * 1.5
    const a = gradient(f)
    const brighter = gradient((x, y) => f(x, y) + 25)
    const other = gradient((x, y) => 128 + 120 * Math.sin(y / 3) * Math.cos(x / 5))
    const ha = phashFromGrey32(a)
    expect(ha).toMatch(/^[0-9a-f]{16}$/)
    expect(hamming(ha, phashFromGrey32(brighter))).toBeLessThanOrEqual(4)
    expect(hamming(ha, phashFromGrey32(other))).toBeGreaterThan(16)
  })
})
