/** Small vector helpers shared by the featurizer and its benchmarks. */

export function l2normalize(v: Float32Array): Float32Array {
  let s = 0
  for (let i = 0; i < v.length; i++) s += v[i] * v[i]
  const n = Math.sqrt(s)
  if (n > 0) for (let i = 0; i < v.length; i++) v[i] /= n
  return v
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0
  for (let i = 0; i < a.length; i++) s += a[i] * b[i]
  return s
}

/** Cosine similarity of two L2-normalised vectors mapped to a 0..1 score. */
export function cosine(a: Float32Array, b: Float32Array): number {
  return dot(a, b)
}
