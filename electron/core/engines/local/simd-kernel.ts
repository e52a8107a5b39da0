/**
 * A WebAssembly SIMD kernel for the index's exact scan: for each candidate slot, the dot product of
 * the query with that slot's vector (f32x4 lanes, four accumulators). The module is assembled here
 * from its instructions (no toolchain, nothing downloaded) and imports its memory, so the index can
 * keep its vectors in that memory and grow it.
 *
 *   scan(q, base, cand, m, stride, out):
 *     for i in 0..m: out[i] = dot(f32[q .. q+stride], f32[base + cand[i]*stride*4 ..])
 *   scan8(q, base, scales, cand, m, stride, out):   (int8 vectors, int16 query)
 *     for i in 0..m: out[i] = f32(dot(i16[q ..], i8[base + cand[i]*stride ..])) * scales[cand[i]]
 *
 * All pointers are byte offsets; `stride` (elements per vector) must be a positive multiple of 16.
 * For scan8 the query's int16 values times 127 times the stride must fit in an int32.
 * Returns null when the runtime has no WebAssembly SIMD (the index then scans in JavaScript).
 */

export interface SimdKernel {
  memory: WebAssembly.Memory
  scan(q: number, base: number, cand: number, m: number, stride: number, out: number): void
  scan8(
    q: number,
    base: number,
    scales: number,
    cand: number,
    m: number,
    stride: number,
    out: number,
  ): void
}

const I32 = 0x7f
const V128 = 0x7b

function uleb(n: number): number[] {
  const out: number[] = []
  do {
    let b = n & 0x7f
    n >>>= 7
    if (n !== 0) b |= 0x80
    out.push(b)
  } while (n !== 0)
  return out
}

function sleb(n: number): number[] {
  const out: number[] = []
  for (;;) {
    const b = n & 0x7f
    n >>= 7
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b)
      return out
    }
    out.push(b | 0x80)
  }
}

const str = (s: string) => [...uleb(s.length), ...Buffer.from(s, 'utf8')]
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body]
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()]

// Instructions.
const get = (i: number) => [0x20, ...uleb(i)]
const set = (i: number) => [0x21, ...uleb(i)]
const tee = (i: number) => [0x22, ...uleb(i)]
const i32c = (n: number) => [0x41, ...sleb(n)]
const I32_ADD = [0x6a]
const I32_MUL = [0x6c]
const I32_SHL = [0x74]
const I32_EQZ = [0x45]
const I32_LT_U = [0x49]
const F32_ADD = [0x92]
const F32_MUL = [0x94]
const F32_CONVERT_I32_S = [0xb2]
const f32load = (offset = 0) => [0x2a, 2, ...uleb(offset)]
const i32load = (offset = 0) => [0x28, 2, ...uleb(offset)]
const f32store = (offset = 0) => [0x38, 2, ...uleb(offset)]
const simd = (op: number, ...imm: number[]) => [0xfd, ...uleb(op), ...imm]
const v128load = (offset: number) => simd(0x00, 4, ...uleb(offset))
const V128_ZERO = simd(0x0c, ...new Array(16).fill(0))
const F32X4_ADD = simd(0xe4)
const F32X4_MUL = simd(0xe6)
const lane = (l: number) => simd(0x1f, l)
const i32lane = (l: number) => simd(0x1b, l)
const I16X8_EXTEND_LOW_I8X16_S = simd(0x87)
const I16X8_EXTEND_HIGH_I8X16_S = simd(0x88)
const I32X4_DOT_I16X8_S = simd(0xba)
const I32X4_ADD = simd(0xae)
const BLOCK = [0x02, 0x40]
const LOOP = [0x03, 0x40]
const END = [0x0b]
const brIf = (depth: number) => [0x0d, ...uleb(depth)]

// prettier-ignore
function scanBody(): number[] {
  // params: 0 q, 1 base, 2 cand, 3 m, 4 stride, 5 out; locals: 6 i, 7 p, 8 j, 9 bytes, 10-13 acc
  const [Q, BASE, CAND, M, STRIDE, OUT, I, P, J, BYTES] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
  const ACC = [10, 11, 12, 13]
  const accumulate = (k: number) => [
    ...get(ACC[k]),
    ...get(Q),
    ...get(J),
    ...I32_ADD,
    ...v128load(16 * k),
    ...get(P),
    ...get(J),
    ...I32_ADD,
    ...v128load(16 * k),
    ...F32X4_MUL,
    ...F32X4_ADD,
    ...set(ACC[k]),
  ]
  const body = [
    // locals: 4 x i32, 4 x v128
    ...vec([
      [4, I32],
      [4, V128],
    ]),
    ...get(STRIDE),
    ...i32c(4),
    ...I32_MUL,
    ...set(BYTES),
    ...BLOCK,
    ...get(M),
    ...I32_EQZ,
    ...brIf(0),
    ...LOOP,
    // p = base + cand[i] * bytes
    ...get(BASE),
    ...get(CAND),
    ...get(I),
    ...i32c(2),
    ...I32_SHL,
    ...I32_ADD,
    ...i32load(),
    ...get(BYTES),
    ...I32_MUL,
    ...I32_ADD,
    ...set(P),
    ...V128_ZERO,
    ...set(ACC[0]),
    ...V128_ZERO,
    ...set(ACC[1]),
    ...V128_ZERO,
    ...set(ACC[2]),
    ...V128_ZERO,
    ...set(ACC[3]),
    ...i32c(0),
    ...set(J),
    ...LOOP,
    ...accumulate(0),
    ...accumulate(1),
    ...accumulate(2),
    ...accumulate(3),
    ...get(J),
    ...i32c(64),
    ...I32_ADD,
    ...tee(J),
    ...get(BYTES),
    ...I32_LT_U,
    ...brIf(0),
    ...END,
    // acc0 = acc0 + acc1 + acc2 + acc3; out[i] = sum of its lanes
    ...get(ACC[0]),
    ...get(ACC[1]),
    ...F32X4_ADD,
    ...get(ACC[2]),
    ...F32X4_ADD,
    ...get(ACC[3]),
    ...F32X4_ADD,
    ...set(ACC[0]),
    ...get(OUT),
    ...get(I),
    ...i32c(2),
    ...I32_SHL,
    ...I32_ADD,
    ...get(ACC[0]),
    ...lane(0),
    ...get(ACC[0]),
    ...lane(1),
    ...F32_ADD,
    ...get(ACC[0]),
    ...lane(2),
    ...F32_ADD,
    ...get(ACC[0]),
    ...lane(3),
    ...F32_ADD,
    ...f32store(),
    ...get(I),
    ...i32c(1),
    ...I32_ADD,
    ...tee(I),
    ...get(M),
    ...I32_LT_U,
    ...brIf(0),
    ...END,
    ...END,
    ...END,
  ]
  return body
}

function scan8Body(): number[] {
  // params: 0 q, 1 base, 2 scales, 3 cand, 4 m, 5 stride, 6 out
  // locals: 7 i, 8 p, 9 j, 10 slot, 11 acc0, 12 acc1, 13 x
  const [Q, BASE, SCALES, CAND, M, STRIDE, OUT, I, P, J, SLOT, A0, A1, X] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
  ]
  // prettier-ignore
  return [
    ...vec([[4, I32], [3, V128]]),
    ...BLOCK,
    ...get(M), ...I32_EQZ, ...brIf(0),
    ...LOOP,
    // slot = cand[i]; p = base + slot * stride
    ...get(CAND), ...get(I), ...i32c(2), ...I32_SHL, ...I32_ADD, ...i32load(), ...set(SLOT),
    ...get(BASE), ...get(SLOT), ...get(STRIDE), ...I32_MUL, ...I32_ADD, ...set(P),
    ...V128_ZERO, ...set(A0),
    ...V128_ZERO, ...set(A1),
    ...i32c(0), ...set(J),
    ...LOOP,
    // x = i8[p + j]
    ...get(P), ...get(J), ...I32_ADD, ...v128load(0), ...set(X),
    // acc0 += dot(extend_low(x), i16[q + 2j]); acc1 += dot(extend_high(x), i16[q + 2j + 16])
    ...get(A0),
    ...get(X), ...I16X8_EXTEND_LOW_I8X16_S,
    ...get(Q), ...get(J), ...i32c(1), ...I32_SHL, ...I32_ADD, ...v128load(0),
    ...I32X4_DOT_I16X8_S, ...I32X4_ADD, ...set(A0),
    ...get(A1),
    ...get(X), ...I16X8_EXTEND_HIGH_I8X16_S,
    ...get(Q), ...get(J), ...i32c(1), ...I32_SHL, ...I32_ADD, ...v128load(16),
    ...I32X4_DOT_I16X8_S, ...I32X4_ADD, ...set(A1),
    ...get(J), ...i32c(16), ...I32_ADD, ...tee(J),
    ...get(STRIDE), ...I32_LT_U, ...brIf(0),
    ...END,
    ...get(A0), ...get(A1), ...I32X4_ADD, ...set(A0),
    // out[i] = f32(sum of lanes) * scales[slot]
    ...get(OUT), ...get(I), ...i32c(2), ...I32_SHL, ...I32_ADD,
    ...get(A0), ...i32lane(0),
    ...get(A0), ...i32lane(1), ...I32_ADD,
    ...get(A0), ...i32lane(2), ...I32_ADD,
    ...get(A0), ...i32lane(3), ...I32_ADD,
    ...F32_CONVERT_I32_S,
    ...get(SCALES), ...get(SLOT), ...i32c(2), ...I32_SHL, ...I32_ADD, ...f32load(),
    ...F32_MUL,
    ...f32store(),
    ...get(I), ...i32c(1), ...I32_ADD, ...tee(I),
    ...get(M), ...I32_LT_U, ...brIf(0),
    ...END,
    ...END,
    ...END,
  ]
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const a = scanBody()
  const b = scan8Body()
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(
      1,
      vec([
        [0x60, ...vec(new Array(6).fill([I32])), 0],
        [0x60, ...vec(new Array(7).fill([I32])), 0],
      ]),
    ),
    ...section(2, vec([[...str('env'), ...str('mem'), 0x02, 0x00, 1]])),
    ...section(3, vec([[0], [1]])),
    ...section(
      7,
      vec([
        [...str('scan'), 0x00, 0],
        [...str('scan8'), 0x00, 1],
      ]),
    ),
    ...section(
      10,
      vec([
        [...uleb(a.length), ...a],
        [...uleb(b.length), ...b],
      ]),
    ),
  ]
  return new Uint8Array(bytes)
}

let compiled: WebAssembly.Module | null | undefined

/** A kernel instance over a fresh memory of `pages` 64 KiB pages, or null without SIMD. */
export function createSimdKernel(pages = 1): SimdKernel | null {
  if (compiled === undefined) {
    try {
      const bytes = moduleBytes()
      compiled = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null
    } catch {
      compiled = null
    }
  }
  if (!compiled) return null
  const memory = new WebAssembly.Memory({ initial: Math.max(1, pages) })
  const inst = new WebAssembly.Instance(compiled, { env: { mem: memory } })
  const scan = inst.exports.scan as SimdKernel['scan']
  const scan8 = inst.exports.scan8 as SimdKernel['scan8']
  return { memory, scan, scan8 }
}
