/**
 * Small dense linear algebra shared by the index's PCA (pca.ts) and the featurizer's learned
 * whitening (featurizer/whitening.ts).
 */

/**
 * Cyclic Jacobi eigen-decomposition of a small symmetric n x n matrix (row-major; `input` is not
 * modified). Eigenvectors in the columns of `vectors`, eigenvalues unsorted.
 */
export function jacobiEigen(
  input: Float64Array,
  n: number,
): { values: Float64Array; vectors: Float64Array } {
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
