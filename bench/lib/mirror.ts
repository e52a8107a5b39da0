/** Flip averaging's second picture: `side` x `side` interleaved RGB mirrored left-right (new buffer). */
export function mirrored(rgb: Uint8Array, side: number): Uint8Array {
  const out = new Uint8Array(rgb.length)
  const row = side * 3
  for (let y = 0; y < side; y++) {
    const o = y * row
    for (let x = 0; x < side; x++) {
      const a = o + x * 3
      const b = o + (side - 1 - x) * 3
      out[a] = rgb[b]
      out[a + 1] = rgb[b + 1]
      out[a + 2] = rgb[b + 2]
    }
  }
  return out
}
