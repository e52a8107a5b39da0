import { createSimdKernel, type SimdKernel } from './simd-kernel'

/**
 * Above this many dimensions vectors are stored as int8 with a per-vector scale (4x smaller; the
 * study measured < 0.005 change in retrieval), e.g. 100k x 1920-d = 192 MB instead of 768 MB.
 */
export const QUANTIZE_ABOVE_DIM = 256

/** Largest int16 query value for the int8 kernel: 2047 * 127 * 4096 dims stays inside int32. */
const Q16_MAX = 2047

/**
 * Slot-addressed vectors in one contiguous buffer, scored against a query for a list of candidate
 * slots. With WebAssembly SIMD the buffer lives in the kernel's memory (elements padded to a
 * multiple of 16); float32 or int8 (per-vector scale). `cand` and `sims` are views the caller fills
 * and reads; they are replaced when the store grows.
 */
export class VectorStore {
  readonly dim: number
  readonly stride: number
  readonly quantized: boolean
  private readonly kernel: SimdKernel | null
  private cap: number
  private n = 0
  private f32!: Float32Array
  private i8!: Int8Array
  private scales!: Float32Array
  cand!: Int32Array
  sims!: Float32Array
  private q32!: Float32Array
  private q16!: Int16Array
  private offs = { vec: 0, scales: 0, cand: 0, out: 0 }

  constructor(dim: number, cap: number, opts: { simd?: boolean; quantize?: boolean } = {}) {
    this.dim = dim
    this.cap = Math.max(16, cap)
    this.quantized = opts.quantize ?? dim > QUANTIZE_ABOVE_DIM
    this.kernel = opts.simd === false ? null : createSimdKernel()
    this.stride = this.kernel || this.quantized ? Math.ceil(dim / 16) * 16 : dim
    this.layout(this.cap, false)
  }

  get simd(): boolean {
    return this.kernel !== null
  }

  /** Slots the buffer holds now (`ensure` grows it). */
  get capacity(): number {
    return this.cap
  }

  /** Bytes held by the vectors and their scales. */
  get bytes(): number {
    return this.cap * this.stride * (this.quantized ? 1 : 4) + (this.quantized ? this.cap * 4 : 0)
  }

  private layout(cap: number, keep: boolean): void {
    const eb = this.quantized ? 1 : 4
    if (!this.kernel) {
      if (this.quantized) {
        const v = new Int8Array(cap * this.stride)
        const s = new Float32Array(cap)
        if (keep) {
          v.set(this.i8.subarray(0, this.n * this.stride))
          s.set(this.scales.subarray(0, this.n))
        }
        this.i8 = v
        this.scales = s
      } else {
        const v = new Float32Array(cap * this.stride)
        if (keep) v.set(this.f32.subarray(0, this.n * this.stride))
        this.f32 = v
      }
      this.cand = new Int32Array(cap)
      this.sims = new Float32Array(cap)
      this.q32 = new Float32Array(this.stride)
      return
    }
    const round = (x: number) => Math.ceil(x / 64) * 64
    const old = { ...this.offs }
    const vec = round(this.stride * 4)
    const scales = round(vec + cap * this.stride * eb)
    const cand = round(scales + (this.quantized ? cap * 4 : 0))
    const out = round(cand + cap * 4)
    const need = out + cap * 4
    const mem = this.kernel.memory
    if (mem.buffer.byteLength < need) mem.grow(Math.ceil((need - mem.buffer.byteLength) / 65536))
    const buf = mem.buffer
    if (keep && this.quantized && this.n > 0) {
      new Uint8Array(buf).copyWithin(scales, old.scales, old.scales + this.n * 4)
    }
    this.offs = { vec, scales, cand, out }
    if (this.quantized) {
      this.i8 = new Int8Array(buf, vec, cap * this.stride)
      this.scales = new Float32Array(buf, scales, cap)
      this.q16 = new Int16Array(buf, 0, this.stride)
    } else {
      this.f32 = new Float32Array(buf, vec, cap * this.stride)
      this.q32 = new Float32Array(buf, 0, this.stride)
    }
    this.cand = new Int32Array(buf, cand, cap)
    this.sims = new Float32Array(buf, out, cap)
  }

  /** Makes room for `cap` slots, keeping the first `n`. */
  ensure(cap: number, n: number): void {
    this.n = n
    if (cap <= this.cap) return
    this.cap = cap
    this.layout(cap, true)
  }

  set(slot: number, v: Float32Array): void {
    const o = slot * this.stride
    if (!this.quantized) {
      this.f32.set(v, o)
      return
    }
    let max = 0
    for (let i = 0; i < v.length; i++) {
      const a = Math.abs(v[i])
      if (a > max) max = a
    }
    const scale = max > 0 ? max / 127 : 1
    const inv = 1 / scale
    for (let i = 0; i < v.length; i++) this.i8[o + i] = Math.round(v[i] * inv)
    this.scales[slot] = scale
  }

  move(from: number, to: number): void {
    const s = this.stride
    if (this.quantized) {
      this.i8.copyWithin(to * s, from * s, (from + 1) * s)
      this.scales[to] = this.scales[from]
    } else {
      this.f32.copyWithin(to * s, from * s, (from + 1) * s)
    }
  }

  get(slot: number): Float32Array {
    const o = slot * this.stride
    if (!this.quantized) return this.f32.slice(o, o + this.dim)
    const out = new Float32Array(this.dim)
    const sc = this.scales[slot]
    for (let i = 0; i < this.dim; i++) out[i] = this.i8[o + i] * sc
    return out
  }

  /** dot(query, vector of `slot`) (dequantized when stored as int8). */
  dot(slot: number, query: Float32Array): number {
    const o = slot * this.stride
    let s = 0
    if (!this.quantized) {
      const f = this.f32
      for (let i = 0; i < this.dim; i++) s += query[i] * f[o + i]
      return s
    }
    const b = this.i8
    for (let i = 0; i < this.dim; i++) s += query[i] * b[o + i]
    return s * this.scales[slot]
  }

  /** sims[i] = dot(query, vector of slot cand[i]) for i < m. */
  score(query: Float32Array, m: number): void {
    if (m <= 0) return
    const k = this.kernel
    if (this.quantized) {
      let max = 0
      for (let i = 0; i < query.length; i++) {
        const a = Math.abs(query[i])
        if (a > max) max = a
      }
      const qs = max > 0 ? max / Q16_MAX : 1
      if (k) {
        const inv = 1 / qs
        for (let i = 0; i < query.length; i++) this.q16[i] = Math.round(query[i] * inv)
        k.scan8(0, this.offs.vec, this.offs.scales, this.offs.cand, m, this.stride, this.offs.out)
        const sims = this.sims
        for (let i = 0; i < m; i++) sims[i] *= qs
      } else {
        scoreSlots8(this.i8, this.scales, this.stride, query, this.cand, m, this.sims)
      }
      return
    }
    if (k) {
      this.q32.set(query)
      k.scan(0, this.offs.vec, this.offs.cand, m, this.stride, this.offs.out)
    } else {
      scoreSlots(this.f32, this.stride, query, this.cand, m, this.sims)
    }
  }
}

/** sims[i] = dot(q, vector of slot cand[i]) for i < m (vectors `stride` floats apart); unrolled by 8. */
export function scoreSlots(
  vecs: Float32Array,
  stride: number,
  q: Float32Array,
  cand: Int32Array,
  m: number,
  sims: Float32Array,
): void {
  const dim = q.length
  const d8 = dim - (dim % 8)
  for (let i = 0; i < m; i++) {
    const base = cand[i] * stride
    let s0 = 0
    let s1 = 0
    let s2 = 0
    let s3 = 0
    let j = 0
    for (; j < d8; j += 8) {
      const o = base + j
      s0 += q[j] * vecs[o] + q[j + 4] * vecs[o + 4]
      s1 += q[j + 1] * vecs[o + 1] + q[j + 5] * vecs[o + 5]
      s2 += q[j + 2] * vecs[o + 2] + q[j + 6] * vecs[o + 6]
      s3 += q[j + 3] * vecs[o + 3] + q[j + 7] * vecs[o + 7]
    }
    for (; j < dim; j++) s0 += q[j] * vecs[base + j]
    sims[i] = s0 + s1 + s2 + s3
  }
}

function scoreSlots8(
  vecs: Int8Array,
  scales: Float32Array,
  stride: number,
  q: Float32Array,
  cand: Int32Array,
  m: number,
  sims: Float32Array,
): void {
  const dim = q.length
  for (let i = 0; i < m; i++) {
    const slot = cand[i]
    const base = slot * stride
    let s0 = 0
    let s1 = 0
    let j = 0
    for (; j + 1 < dim; j += 2) {
      s0 += q[j] * vecs[base + j]
      s1 += q[j + 1] * vecs[base + j + 1]
    }
    if (j < dim) s0 += q[j] * vecs[base + j]
    sims[i] = (s0 + s1) * scales[slot]
  }
}
