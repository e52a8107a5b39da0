/**
 * Learned whitening (Radenović, Tolias & Chum, TPAMI 2018): whiten the within-class scatter of
 * labelled descriptors, then keep the top-k principal directions of the whitened data. Used
 * offline by tools/learn-projection.ts to make projection.bin. Pure TypeScript (Float64):
 * Cholesky whitening, subspace iteration with Rayleigh-Ritz, Jacobi on the small problem.
 */
import type { Projection } from './pca'
import { jacobiEigen } from '../linalg'

export interface WhiteningOptions {
  /** Output dimension. */
  k: number
  /** Ridge added to the within-class scatter, as a fraction of its largest eigenvalue. */
  reg?: number
  iterations?: number
}

/** `x`: n row-major descriptors of dimension dim; `labels`: their class. */
export function learnWhitening(
  x: Float32Array,
  labels: ArrayLike<number>,
  n: number,
  dim: number,
  opts: WhiteningOptions,
): Projection {
  const k = Math.min(opts.k, dim)
  const mean = new Float64Array(dim)
  for (let s = 0; s < n; s++) for (let j = 0; j < dim; j++) mean[j] += x[s * dim + j]
  for (let j = 0; j < dim; j++) mean[j] /= n

  // Within-class scatter: samples centred on their class mean.
  const classMean = new Map<number, { sum: Float64Array; count: number }>()
  for (let s = 0; s < n; s++) {
    let c = classMean.get(labels[s])
    if (!c) classMean.set(labels[s], (c = { sum: new Float64Array(dim), count: 0 }))
    for (let j = 0; j < dim; j++) c.sum[j] += x[s * dim + j]
    c.count++
  }
  const centred = new Float64Array(n * dim)
  for (let s = 0; s < n; s++) {
    const c = classMean.get(labels[s])!
    for (let j = 0; j < dim; j++) centred[s * dim + j] = x[s * dim + j] - c.sum[j] / c.count
  }
  const cs = gram(centred, n, dim)
  const lmax = largestEigenvalue(cs, dim)
  const ridge = (opts.reg ?? 0.01) * lmax
  for (let j = 0; j < dim; j++) cs[j * dim + j] += ridge
  const l = cholesky(cs, dim) // cs = L L^T; whitening: y = L^-1 (x - mean)

  const y = new Float64Array(n * dim)
  const row = new Float64Array(dim)
  for (let s = 0; s < n; s++) {
    for (let j = 0; j < dim; j++) row[j] = x[s * dim + j] - mean[j]
    forwardSolve(l, row, dim)
    y.set(row, s * dim)
  }
  const cd = gram(y, n, dim)
  const { vectors } = topEigen(cd, dim, k, opts.iterations ?? 40)
  // Projection of x: V^T L^-1 (x - mean) = (L^-T V)^T (x - mean).
  const matrix = new Float32Array(k * dim)
  const v = new Float64Array(dim)
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < dim; j++) v[j] = vectors[i * dim + j]
    backwardSolveTransposed(l, v, dim)
    for (let j = 0; j < dim; j++) matrix[i * dim + j] = v[j]
  }
  return { dim, k, mean: Float32Array.from(mean), matrix }
}

/** (A^T A) / rows for a row-major rows x dim matrix. */
function gram(a: Float64Array, rows: number, dim: number): Float64Array {
  const g = new Float64Array(dim * dim)
  for (let s = 0; s < rows; s++) {
    const o = s * dim
    for (let p = 0; p < dim; p++) {
      const ap = a[o + p]
      if (ap === 0) continue
      const gr = p * dim
      for (let q = p; q < dim; q++) g[gr + q] += ap * a[o + q]
    }
  }
  for (let p = 0; p < dim; p++) {
    for (let q = p; q < dim; q++) {
      const v = g[p * dim + q] / rows
      g[p * dim + q] = v
      g[q * dim + p] = v
    }
  }
  return g
}

function largestEigenvalue(a: Float64Array, dim: number): number {
  let v = new Float64Array(dim).fill(1 / Math.sqrt(dim))
  let lambda = 0
  for (let it = 0; it < 100; it++) {
    const w = new Float64Array(dim)
    for (let p = 0; p < dim; p++) {
      let s = 0
      for (let q = 0; q < dim; q++) s += a[p * dim + q] * v[q]
      w[p] = s
    }
    const norm = Math.hypot(...w)
    if (norm === 0) return 0
    const next = norm
    for (let p = 0; p < dim; p++) w[p] /= norm
    v = w
    if (Math.abs(next - lambda) < 1e-9 * next) return next
    lambda = next
  }
  return lambda
}

/** Lower-triangular L with a = L L^T (row-major, in a new array). */
function cholesky(a: Float64Array, dim: number): Float64Array {
  const l = new Float64Array(dim * dim)
  for (let i = 0; i < dim; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * dim + j]
      for (let t = 0; t < j; t++) s -= l[i * dim + t] * l[j * dim + t]
      if (i === j) {
        if (s <= 0) throw new Error('matrix is not positive definite')
        l[i * dim + i] = Math.sqrt(s)
      } else l[i * dim + j] = s / l[j * dim + j]
    }
  }
  return l
}

/** Solve L y = b in place (b becomes y). */
function forwardSolve(l: Float64Array, b: Float64Array, dim: number) {
  for (let i = 0; i < dim; i++) {
    let s = b[i]
    for (let t = 0; t < i; t++) s -= l[i * dim + t] * b[t]
    b[i] = s / l[i * dim + i]
  }
}

/** Solve L^T y = b in place. */
function backwardSolveTransposed(l: Float64Array, b: Float64Array, dim: number) {
  for (let i = dim - 1; i >= 0; i--) {
    let s = b[i]
    for (let t = i + 1; t < dim; t++) s -= l[t * dim + i] * b[t]
    b[i] = s / l[i * dim + i]
  }
}
/** Top-k eigenpairs of a symmetric matrix (row-major), by subspace iteration + Rayleigh-Ritz. */
function topEigen(
  a: Float64Array,
  dim: number,
  k: number,
  iterations: number,
  seed = 1,
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
  const v = new Float64Array(m * dim)
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
  const { values, vectors: q } = jacobiEigen(h, m)
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
