import type { Box, Subjects } from './types'

/** Side (px) of the downscaled copy the detector works on. */
export const DETECT_SIDE = 96

export interface DetectOptions {
  /** RGB distance above which a pixel differs from the background colour. */
  threshold?: number
  /** Smallest subject, as a fraction of the image area (mask pixels). */
  minArea?: number
  /** Smallest subject side, as a fraction of the image side. */
  minSide?: number
}

/**
 * Subjects on a small RGB image (`w` x `h`, 3 channels), boxes returned in the pixels of the
 * original `width` x `height` image.
 *
 * Background: the median colour of the border ring, when the border is mostly uniform (catalogue
 * photos on white or plain backgrounds). Foreground: pixels far from that colour, closed with a
 * 3x3 structuring element, split into 8-connected components; near components are merged.
 */
export function detectSubjects(
  rgb: Uint8Array,
  w: number,
  h: number,
  width: number,
  height: number,
  opts: DetectOptions = {},
): Subjects {
  const threshold = opts.threshold ?? 38
  const minArea = opts.minArea ?? 0.004
  const minSide = opts.minSide ?? 0.05
  const bg = borderBackground(rgb, w, h, threshold)
  if (!bg) return { main: null, all: [] }

  const t2 = threshold * threshold
  let mask: Uint8Array = new Uint8Array(w * h)
  for (let i = 0; i < w * h; i++) {
    const dr = rgb[i * 3] - bg[0]
    const dg = rgb[i * 3 + 1] - bg[1]
    const db = rgb[i * 3 + 2] - bg[2]
    if (dr * dr + dg * dg + db * db > t2) mask[i] = 1
  }
  mask = erode(dilate(mask, w, h), w, h)

  const comps = components(mask, w, h).filter(
    (c) => c.area >= minArea * w * h && (c.x2 - c.x1 >= minSide * w || c.y2 - c.y1 >= minSide * h),
  )
  const merged = mergeNear(comps, Math.max(1, Math.round(0.02 * Math.max(w, h))))
  merged.sort((a, b) => b.area - a.area)
  if (merged.length === 0) return { main: null, all: [] }

  const sx = width / w
  const sy = height / h
  const pad = 0.02
  const boxes: Box[] = merged.map((c) => {
    const px = (c.x2 - c.x1) * pad + 0.5
    const py = (c.y2 - c.y1) * pad + 0.5
    return {
      x1: Math.max(0, Math.floor((c.x1 - px) * sx)),
      x2: Math.min(width, Math.ceil((c.x2 + px) * sx)),
      y1: Math.max(0, Math.floor((c.y1 - py) * sy)),
      y2: Math.min(height, Math.ceil((c.y2 + py) * sy)),
    }
  })
  const main = boxes[0]
  const cover = ((main.x2 - main.x1) * (main.y2 - main.y1)) / (width * height)
  // A "subject" filling the whole frame tells nothing: the whole image is the subject.
  if (cover > 0.96) return { main: null, all: boxes.slice(1) }
  return { main, all: boxes }
}

/** Median colour of the 2-pixel border ring, or null when the border is not mostly uniform. */
function borderBackground(
  rgb: Uint8Array,
  w: number,
  h: number,
  threshold: number,
): [number, number, number] | null {
  const idx: number[] = []
  const ring = Math.min(2, Math.floor(Math.min(w, h) / 4))
  if (ring < 1) return null
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (x < ring || y < ring || x >= w - ring || y >= h - ring) idx.push(y * w + x)
    }
  }
  const med: [number, number, number] = [0, 0, 0]
  for (let c = 0; c < 3; c++) {
    const vals = idx.map((i) => rgb[i * 3 + c]).sort((a, b) => a - b)
    med[c] = vals[vals.length >> 1]
  }
  const t2 = threshold * threshold
  let close = 0
  for (const i of idx) {
    const dr = rgb[i * 3] - med[0]
    const dg = rgb[i * 3 + 1] - med[1]
    const db = rgb[i * 3 + 2] - med[2]
    if (dr * dr + dg * dg + db * db <= t2) close++
  }
  return close / idx.length >= 0.6 ? med : null
}

function dilate(m: Uint8Array, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h)
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let v = 0
      for (let dy = -1; dy <= 1 && !v; dy++) {
        const yy = y + dy
        if (yy < 0 || yy >= h) continue
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx
          if (xx >= 0 && xx < w && m[yy * w + xx]) {
            v = 1
            break
          }
        }
      }
      out[y * w + x] = v
    }
  }
  return out
}

function erode(m: Uint8Array, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h)
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let v = 1
      for (let dy = -1; dy <= 1 && v; dy++) {
        const yy = y + dy
        if (yy < 0 || yy >= h) continue
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx
          if (xx >= 0 && xx < w && !m[yy * w + xx]) {
            v = 0
            break
          }
        }
      }
      out[y * w + x] = v
    }
  }
  return out
}

interface Comp {
  x1: number
  x2: number
  y1: number
  y2: number
  area: number
}

/** 8-connected components of a binary mask: bounding boxes (x2/y2 exclusive) and pixel counts. */
export function components(mask: Uint8Array, w: number, h: number): Comp[] {
  const label = new Int32Array(w * h)
  const stack = new Int32Array(w * h)
  const out: Comp[] = []
  for (let start = 0; start < w * h; start++) {
    if (!mask[start] || label[start]) continue
    const id = out.length + 1
    const c: Comp = { x1: w, x2: 0, y1: h, y2: 0, area: 0 }
    let sp = 0
    stack[sp++] = start
    label[start] = id
    while (sp > 0) {
      const p = stack[--sp]
      const x = p % w
      const y = (p - x) / w
      c.area++
      if (x < c.x1) c.x1 = x
      if (x + 1 > c.x2) c.x2 = x + 1
      if (y < c.y1) c.y1 = y
      if (y + 1 > c.y2) c.y2 = y + 1
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy
        if (yy < 0 || yy >= h) continue
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx
          if (xx < 0 || xx >= w) continue
          const q = yy * w + xx
          if (mask[q] && !label[q]) {
            label[q] = id
            stack[sp++] = q
          }
        }
      }
    }
    out.push(c)
  }
  return out
}

/** Merge boxes that overlap or lie within `gap` pixels of each other, until none do. */
function mergeNear(comps: Comp[], gap: number): Comp[] {
  const list = comps.map((c) => ({ ...c }))
  let changed = true
  while (changed) {
    changed = false
    outer: for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const a = list[i]
        const b = list[j]
        if (a.x1 - gap < b.x2 && b.x1 - gap < a.x2 && a.y1 - gap < b.y2 && b.y1 - gap < a.y2) {
          list[i] = {
            x1: Math.min(a.x1, b.x1),
            x2: Math.max(a.x2, b.x2),
            y1: Math.min(a.y1, b.y1),
            y2: Math.max(a.y2, b.y2),
            area: a.area + b.area,
          }
          list.splice(j, 1)
          changed = true
          break outer
        }
      }
    }
  }
  return list
}
