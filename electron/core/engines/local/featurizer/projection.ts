/**
 * The learned projection shipped beside this file (projection.bin): mean (DIM_IN float32) then a
 * row-major OUT x DIM_IN float32 matrix, little-endian. It maps the fused descriptor
 * [Conv_1 GAP | block-15 GAP | block-13 GAP | HSV sqrt histogram] to 256 dimensions with learned whitening
 * (Radenović et al.: whitening of the within-class scatter, then PCA), learned on the Grocery
 * Store *train* split only. See bench/README.md.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { DIM } from './constants'
import type { Projection } from './pca'

export const PROJECTION_IN = 1792 + 224 + 224 + 128
export const PROJECTION_OUT = DIM

let cached: Projection | null = null

export function projection(): Projection {
  if (cached) return cached
  const file = fileURLToPath(new URL('./projection.bin', import.meta.url))
  const buf = readFileSync(file)
  const floats = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength))
  if (floats.length !== PROJECTION_IN * (PROJECTION_OUT + 1)) {
    throw new Error(
      `projection.bin has ${floats.length} values, expected ${PROJECTION_IN * (PROJECTION_OUT + 1)}`,
    )
  }
  cached = {
    dim: PROJECTION_IN,
    k: PROJECTION_OUT,
    mean: floats.subarray(0, PROJECTION_IN),
    matrix: floats.subarray(PROJECTION_IN),
  }
  return cached
}
