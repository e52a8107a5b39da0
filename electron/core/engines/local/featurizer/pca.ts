/**
 * A learned linear projection (centring + k x dim matrix, e.g. PCA- or learned whitening) and its
 * application to a descriptor.
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
