/**
 * PCA-whitening: learn a linear projection (mean, top-k principal directions scaled by the inverse
 * square root of their variance) from sample descriptors, and apply it. Pure TypeScript: subspace
 * iteration with Rayleigh-Ritz and Jacobi on the small k x k problem.
 */

export interface Projection {
  /** Input dimension. */
  dim: number
  /** Output dimension. */
  k: number
  /** Mean of the learning samples (dim). */
  mean: Float32Array
  /** Row-major k x dim matrix: rows are whitened principal directions. */
  matrix: Float32Array
}

/** Project `v` (dim) to k dimensions: matrix * (v - mean), then L2-normalised. */
export function project(p: Projection, v: Float32Array): Float32Array {
  const out = new Float32Array(p.k)
  const centred = new Float32Array(p.dim)
  for (let j = 0; j < p.dim; j++) centred[j] = v[j] - p.mean[j]
  let norm = 0
  for (let i = 0; i < p.k; i++) {
    let s = 0
    const row = i * p.dim
    for (let j = 0; j < p.dim; j++) s += p.matrix[row + j] * centred[j]
    out[i] = s
    norm += s * s
  }
  norm = Math.sqrt(norm)
  if (norm > 0) for (let i = 0; i < p.k; i++) out[i] /= norm
  return out
}

export interface LearnOptions {
  k: number
  /** Added to every eigenvalue before whitening (as a fraction of the largest): softens whitening. */
  shrink?: number
  /** Exponent of the whitening: 0.5 = full whitening, 0 = plain PCA rotation. */
  power?: number
  iterations?: number
  seed?: number
}

/** Learn a PCA-whitening projection from n samples of dimension dim (row-major). */
export function learnPca(
  samples: Float32Array,
  n: number,
  dim: number,
  opts: LearnOptions,
): Projection {
  const k = Math.min(opts.k, dim, n)
  const power = opts.power ?? 0.5
  const mean = new Float64Array(dim)
  for (let s = 0; s < n; s++) for (let j = 0; j < dim; j++) mean[j] += samples[s * dim + j]
  for (let j = 0; j < dim; j++) mean[j] /= n
  // Covariance (dim x dim, symmetric), accumulated row by row.
  const cov = new Float64Array(dim * dim)
  const x = new Float64Array(dim)
  for (let s = 0; s < n; s++) {
    for (let j = 0; j < dim; j++) x[j] = samples[s * dim + j] - mean[j]
    for (let a = 0; a < dim; a++) {
      const xa = x[a]
      if (xa === 0) continue
      const row = a * dim
      for (let b = a; b < dim; b++) cov[row + b] += xa * x[b]
    }
  }
  for (let a = 0; a < dim; a++) {
    for (let b = a; b < dim; b++) {
      const v = cov[a * dim + b] / (n - 1)
      cov[a * dim + b] = v
      cov[b * dim + a] = v
    }
  }
  const { values, vectors } = topEigen(cov, dim, k, opts.iterations ?? 60, opts.seed ?? 1)
  const shrink = (opts.shrink ?? 0) * values[0]
  const matrix = new Float32Array(k * dim)
  for (let i = 0; i < k; i++) {
    const scale = 1 / Math.pow(Math.max(values[i], 1e-12) + shrink, power)
    for (let j = 0; j < dim; j++) matrix[i * dim + j] = vectors[i * dim + j] * scale
  }
  return { dim, k, mean: Float32Array.from(mean), matrix }
}

/** Top-k eigenpairs of a symmetric matrix (row-major), by subspace iteration + Rayleigh-Ritz. */
function topEigen(
  a: Float64Array,
  dim: number,
  k: number,
  iterations: number,
  seed: number,
): { values: Float64Array; vectors: Float64Array } {
  // Work with a slightly larger block for faster convergence of the k-th pair.
  const m = Math.min(dim, k + Math.max(8, Math.ceil(k * 0.25)))
  let rnd = seed >>> 0 || 1
  const rand = () => {
    rnd ^= rnd << 13
    rnd ^= rnd >>> 17
    rnd ^= rnd << 5
    return (rnd >>> 0) / 4294967296 - 0.5
  }
  // V: m x dim (rows are vectors).
  let v = new Float64Array(m * dim)
  for (let i = 0; i < v.length; i++) v[i] = rand()
  orthonormalize(v, m, dim)
  const w = new Float64Array(m * dim)
  for (let it = 0; it < iterations; it++) {
    multiply(a, v, w, m, dim)
    v.set(w)
    orthonormalize(v, m, dim)
  }
  // Rayleigh-Ritz: H = V A V^T (m x m), eigen-decomposed with Jacobi.
  multiply(a, v, w, m, dim)
  const h = new Float64Array(m * m)
  for (let i = 0; i < m; i++) {
    for (let j = i; j < m; j++) {
      let s = 0
      for (let t = 0; t < dim; t++) s += v[i * dim + t] * w[j * dim + t]
      h[i * m + j] = s
      h[j * m + i] = s
    }
  }
  const { values, vectors: q } = jacobi(h, m)
  const order = Array.from(values.keys())
    .sort((x, y) => values[y] - values[x])
    .slice(0, k)
  const outV = new Float64Array(k * dim)
  const outL = new Float64Array(k)
  order.forEach((col, r) => {
    outL[r] = values[col]
    for (let i = 0; i < m; i++) {
      const c = q[i * m + col]
      if (c === 0) continue
      for (let t = 0; t < dim; t++) outV[r * dim + t] += c * v[i * dim + t]
    }
  })
  return { values: outL, vectors: outV }
}

/** W = V A (each row of V times symmetric A). */
function multiply(a: Float64Array, v: Float64Array, w: Float64Array, m: number, dim: number) {
  w.fill(0)
  for (let i = 0; i < m; i++) {
    const vi = i * dim
    for (let t = 0; t < dim; t++) {
      const c = v[vi + t]
      if (c === 0) continue
      const row = t * dim
      for (let j = 0; j < dim; j++) w[vi + j] += c * a[row + j]
    }
  }
}

/** Modified Gram-Schmidt on the rows of v (m x dim). */
function orthonormalize(v: Float64Array, m: number, dim: number) {
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < i; p++) {
      let d = 0
      for (let t = 0; t < dim; t++) d += v[i * dim + t] * v[p * dim + t]
      for (let t = 0; t < dim; t++) v[i * dim + t] -= d * v[p * dim + t]
    }
    let n = 0
    for (let t = 0; t < dim; t++) n += v[i * dim + t] * v[i * dim + t]
    n = Math.sqrt(n) || 1
    for (let t = 0; t < dim; t++) v[i * dim + t] /= n
  }
}

/** Cyclic Jacobi eigen-decomposition of a small symmetric matrix; eigenvectors in columns. */
function jacobi(input: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(input)
  const q = new Float64Array(n * n)
  for (let i = 0; i < n; i++) q[i * n + i] = 1
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += a[i * n + j] * a[i * n + j]
    if (off < 1e-22) break
    for (let p = 0; p < n; p++) {
      for (let r = p + 1; r < n; r++) {
        const apr = a[p * n + r]
        if (Math.abs(apr) < 1e-30) continue
        const theta = (a[r * n + r] - a[p * n + p]) / (2 * apr)
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1))
        const c = 1 / Math.sqrt(t * t + 1)
        const s = t * c
        for (let i = 0; i < n; i++) {
          const aip = a[i * n + p]
          const air = a[i * n + r]
          a[i * n + p] = c * aip - s * air
          a[i * n + r] = s * aip + c * air
        }
        for (let i = 0; i < n; i++) {
          const api = a[p * n + i]
          const ari = a[r * n + i]
          a[p * n + i] = c * api - s * ari
          a[r * n + i] = s * api + c * ari
        }
        for (let i = 0; i < n; i++) {
          const qip = q[i * n + p]
          const qir = q[i * n + r]
          q[i * n + p] = c * qip - s * qir
          q[i * n + r] = s * qip + c * qir
        }
      }
    }
  }
  const values = new Float64Array(n)
  for (let i = 0; i < n; i++) values[i] = a[i * n + i]
  return { values, vectors: q }
}
