import { seededRandom } from '../../util/random'
import { VectorStore } from './vector-storage'
import { jacobiEigen } from './linalg'

/** A linear projection x -> comps · (x - mean), `p` rows of `dim` floats, orthonormal rows. */
export interface Projection {
  dim: number
  p: number
  mean: Float32Array
  /** Row-major p x dim. */
  comps: Float32Array
  /** comps · mean, subtracted from every projected vector. */
  compsMean: Float32Array
}

const rng = seededRandom

/** Orthonormalises the columns of a (rows x cols, column-major: cols arrays of `rows`) in place. */
function orthonormalise(cols: Float32Array[]): void {
  for (let j = 0; j < cols.length; j++) {
    const v = cols[j]
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < j; i++) {
        const u = cols[i]
        let d = 0
        for (let r = 0; r < v.length; r++) d += u[r] * v[r]
        for (let r = 0; r < v.length; r++) v[r] -= d * u[r]
      }
    }
    let n = 0
    for (let r = 0; r < v.length; r++) n += v[r] * v[r]
    n = Math.sqrt(n)
    if (n > 1e-20) for (let r = 0; r < v.length; r++) v[r] /= n
    else v.fill(0)
  }
}

/**
 * Learns the top-`p` principal directions of `sample` (randomised SVD with one power iteration;
 * the heavy products run through the SIMD scan kernel). `pause` is awaited between steps so a
 * caller on the main thread keeps serving.
 */
export async function trainProjection(
  sample: Float32Array[],
  p: number,
  pause: () => Promise<void> = async () => {},
): Promise<Projection> {
  const s = sample.length
  const dim = sample[0].length
  const l = Math.min(p + 16, dim, s)
  const mean = new Float32Array(dim)
  for (const x of sample) for (let i = 0; i < dim; i++) mean[i] += x[i]
  for (let i = 0; i < dim; i++) mean[i] /= s
  // Xc (s rows of dim) and its transpose (dim rows of s), as scannable stores.
  const rows = new VectorStore(dim, s, { quantize: false })
  const colsT = new VectorStore(s, dim, { quantize: false })
  rows.ensure(s, 0)
  colsT.ensure(dim, 0)
  const centred = new Float32Array(dim)
  const t = new Float32Array(s)
  for (let r = 0; r < s; r++) {
    for (let i = 0; i < dim; i++) centred[i] = sample[r][i] - mean[i]
    rows.set(r, centred)
  }
  for (let i = 0; i < dim; i++) {
    for (let r = 0; r < s; r++) t[r] = sample[r][i] - mean[i]
    colsT.set(i, t)
  }
  await pause()
  // A · v for each v (A = Xc: s x dim, or Xcᵀ: dim x s), through the kernels.
  const times = (store: VectorStore, n: number, vs: Float32Array[]): Float32Array[] => {
    const out: Float32Array[] = []
    for (let i = 0; i < n; i++) store.cand[i] = i
    for (const v of vs) {
      store.score(v, n)
      out.push(store.sims.slice(0, n))
    }
    return out
  }
  const rand = rng(0x9ca)
  const omega = Array.from({ length: l }, () => {
    const v = new Float32Array(dim)
    for (let i = 0; i < dim; i++) v[i] = rand() * 2 - 1
    return v
  })
  let y = times(rows, s, omega) // s x l (column-major)
  orthonormalise(y)
  await pause()
  const z = times(colsT, dim, y) // dim x l
  orthonormalise(z)
  await pause()
  y = times(rows, s, z)
  orthonormalise(y)
  await pause()
  // B = Qᵀ Xc: row j of B = Xcᵀ q_j
  const b = times(colsT, dim, y) // l rows of dim
  const c = new Float64Array(l * l)
  for (let i = 0; i < l; i++) {
    for (let j = i; j < l; j++) {
      let d = 0
      const bi = b[i]
      const bj = b[j]
      for (let k = 0; k < dim; k++) d += bi[k] * bj[k]
      c[i * l + j] = c[j * l + i] = d
    }
  }
  await pause()
  const { values, vectors } = jacobiEigen(c, l)
  const order = Array.from({ length: l }, (_, i) => i).sort((a, b2) => values[b2] - values[a])
  const comps = new Float32Array(p * dim)
  const take = Math.min(p, l)
  for (let k = 0; k < take; k++) {
    const e = order[k]
    const row = comps.subarray(k * dim, (k + 1) * dim)
    for (let j = 0; j < l; j++) {
      const w = vectors[j * l + e]
      if (w === 0) continue
      const bj = b[j]
      for (let i = 0; i < dim; i++) row[i] += w * bj[i]
    }
    let n = 0
    for (let i = 0; i < dim; i++) n += row[i] * row[i]
    n = Math.sqrt(n)
    if (n > 0) for (let i = 0; i < dim; i++) row[i] /= n
  }
  const compsMean = new Float32Array(p)
  for (let k = 0; k < p; k++) {
    let d = 0
    for (let i = 0; i < dim; i++) d += comps[k * dim + i] * mean[i]
    compsMean[k] = d
  }
  return { dim, p, mean, comps, compsMean }
}

/** comps · x (not centred: ranking by comps·x · comps·(y - mean) equals ranking by x·(y - mean)). */
export function projectQuery(pr: Projection, x: Float32Array): Float32Array {
  const out = new Float32Array(pr.p)
  const { dim, comps } = pr
  for (let k = 0; k < pr.p; k++) {
    let d = 0
    const o = k * dim
    for (let i = 0; i < dim; i++) d += comps[o + i] * x[i]
    out[k] = d
  }
  return out
}

/** comps · (x - mean) for a stored vector. */
export function projectStored(pr: Projection, x: Float32Array): Float32Array {
  const out = projectQuery(pr, x)
  for (let k = 0; k < pr.p; k++) out[k] -= pr.compsMean[k]
  return out
}
