import { describe, expect, it } from 'vitest'
import { project } from '../../../../../../electron/core/engines/local/featurizer/pca'
import { learnWhitening } from '../../../../../../electron/core/engines/local/featurizer/whitening'

// Deterministic pseudo-random numbers (xorshift) so the test is reproducible.
function rng(seed: number) {
  let s = seed >>> 0
  return () => {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    return (s >>> 0) / 4294967296 - 0.5
  }
}

describe('learned whitening', () => {
  it('suppresses a strong nuisance direction that plain cosine is fooled by', () => {
    const dim = 12
    const classes = 6
    const perClass = 30
    const rand = rng(7)
    // Class centres differ weakly along dims 1..11; dim 0 is a large nuisance (e.g. lighting).
    const centres = Array.from({ length: classes }, () =>
      Array.from({ length: dim }, (_, j) => (j === 0 ? 0 : rand())),
    )
    const sample = (c: number) =>
      Float32Array.from({ length: dim }, (_, j) =>
        j === 0 ? 8 * rand() : centres[c][j] + 0.05 * rand(),
      )
    const n = classes * perClass
    const x = new Float32Array(n * dim)
    const labels: number[] = []
    for (let i = 0; i < n; i++) {
      const c = i % classes
      x.set(sample(c), i * dim)
      labels.push(c)
    }
    const p = learnWhitening(x, labels, n, dim, { k: 6, reg: 0.001 })
    expect(p.k).toBe(6)
    expect(p.matrix.length).toBe(6 * dim)

    // Fresh queries: nearest class centre by raw cosine vs after projection.
    const norm = (v: Float32Array) => {
      const s = Math.hypot(...v)
      return v.map((a) => a / s)
    }
    const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i], 0)
    const gallery = Array.from({ length: classes }, (_, c) => sample(c))
    let raw = 0
    let whitened = 0
    const trials = 120
    for (let t = 0; t < trials; t++) {
      const c = t % classes
      const q = sample(c)
      const best = (score: (g: Float32Array) => number) =>
        gallery.map((g, i) => ({ i, s: score(g) })).sort((a, b) => b.s - a.s)[0].i
      if (best((g) => dot(norm(q), norm(g))) === c) raw++
      if (best((g) => dot(project(p, q), project(p, g))) === c) whitened++
    }
    expect(whitened / trials).toBeGreaterThan(0.95)
    expect(whitened).toBeGreaterThan(raw)
  })
})
