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
 * Plain background (catalogue photos): the median colour of the border ring, when most of the
 * border is close to it; foreground = pixels farther from it than the border's own noise allows.
 * Cluttered background (photos taken in a store): a minimum-barrier saliency map seeded from the
 * border (FastMBD, Zhang et al. 2015) thresholded with Otsu's method. Either mask is closed, split
 * into 8-connected components, and near components are merged; the largest, most central one is
 * the main subject.
 */
export function detectSubjects(
  rgb: Uint8Array,
  w: number,
  h: number,
  width: number,
  height: number,
  opts: DetectOptions = {},
): Subjects {
  const minArea = opts.minArea ?? 0.004
  const minSide = opts.minSide ?? 0.05
  const plain = plainBackgroundMask(rgb, w, h, opts.threshold)
  let mask = plain ?? saliencyMask(rgb, w, h)
  if (!mask) return { main: null, all: [] }
  mask = erode(erode(dilate(dilate(mask, w, h), w, h), w, h), w, h)

  const comps = components(mask, w, h).filter(
    (c) => c.area >= minArea * w * h && (c.x2 - c.x1 >= minSide * w || c.y2 - c.y1 >= minSide * h),
  )
  const merged = mergeNear(comps, Math.max(1, Math.round(0.02 * Math.max(w, h))))
  if (merged.length === 0) return { main: null, all: [] }
  const score = (c: Comp) => {
    const dx = (c.x1 + c.x2) / 2 / w - 0.5
    const dy = (c.y1 + c.y2) / 2 / h - 0.5
    return c.area * (1 - Math.hypot(dx, dy))
  }
  merged.sort((a, b) => score(b) - score(a))

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
  // A "subject" filling (nearly) the whole frame tells nothing: the whole image is the subject.
  if (cover > (plain ? 0.98 : 0.85)) return { main: null, all: boxes.slice(1) }
  return { main, all: boxes }
}

/** RGB distance within which a border pixel counts as background colour. */
const BORDER_TOLERANCE = 38

/**
 * Foreground mask against a plain background: null when the border ring (2 px) is not mostly
 * one colour. The threshold adapts to the border's noise (JPEG artefacts, soft shadows) so that
 * white garments on white still separate.
 */
function plainBackgroundMask(
  rgb: Uint8Array,
  w: number,
  h: number,
  threshold?: number,
): Uint8Array | null {
  const ring = Math.min(2, Math.floor(Math.min(w, h) / 4))
  if (ring < 1) return null
  const idx: number[] = []
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (x < ring || y < ring || x >= w - ring || y >= h - ring) idx.push(y * w + x)
    }
  }
  const bg = [0, 0, 0]
  for (let c = 0; c < 3; c++) {
    const vals = idx.map((i) => rgb[i * 3 + c]).sort((a, b) => a - b)
    bg[c] = vals[vals.length >> 1]
  }
  const dist = (i: number) =>
    Math.hypot(rgb[i * 3] - bg[0], rgb[i * 3 + 1] - bg[1], rgb[i * 3 + 2] - bg[2])
  const near = idx
    .map(dist)
    .filter((d) => d <= BORDER_TOLERANCE)
    .sort((a, b) => a - b)
  if (near.length < 0.6 * idx.length) return null
  const noise = near[Math.floor(near.length * 0.9)]
  const t = threshold ?? Math.min(BORDER_TOLERANCE, Math.max(14, 2 * noise + 10))
  const mask = new Uint8Array(w * h)
  for (let i = 0; i < w * h; i++) if (dist(i) > t) mask[i] = 1
  return mask
}

/**
 * Salient-region mask for cluttered photos: the minimum barrier distance of every pixel to the
 * image border (summed over R, G, B), thresholded with Otsu's method. Null when nothing stands out
 * clearly from the border.
 */
function saliencyMask(rgb: Uint8Array, w: number, h: number): Uint8Array | null {
  const n = w * h
  const sal = new Float32Array(n)
  for (let c = 0; c < 3; c++) {
    const img = new Float32Array(n)
    for (let i = 0; i < n; i++) img[i] = rgb[i * 3 + c]
    const d = fastMbd(img, w, h)
    for (let i = 0; i < n; i++) sal[i] += d[i]
  }
  let max = 0
  let sum = 0
  for (let i = 0; i < n; i++) {
    if (sal[i] > max) max = sal[i]
    sum += sal[i]
  }
  if (max < 60) return null
  const t = otsu(sal, max)
  const mask = new Uint8Array(n)
  let inside = 0
  let count = 0
  for (let i = 0; i < n; i++) {
    if (sal[i] > t) {
      mask[i] = 1
      inside += sal[i]
      count++
    }
  }
  if (count === 0 || count === n) return null
  const meanIn = inside / count
  const meanOut = (sum - inside) / (n - count)
  // Require a clear contrast between the salient region and the rest.
  if (meanIn < 2.5 * meanOut + 20) return null
  return mask
}

/** Minimum barrier distance to the border, by raster scanning (FastMBD, 3 passes). */
function fastMbd(img: Float32Array, w: number, h: number): Float32Array {
  const n = w * h
  const d = new Float32Array(n).fill(Infinity)
  const hi = Float32Array.from(img)
  const lo = Float32Array.from(img)
  for (let x = 0; x < w; x++) {
    d[x] = 0
    d[(h - 1) * w + x] = 0
  }
  for (let y = 0; y < h; y++) {
    d[y * w] = 0
    d[y * w + w - 1] = 0
  }
  const relax = (p: number, q: number) => {
    const u = hi[q] > img[p] ? hi[q] : img[p]
    const l = lo[q] < img[p] ? lo[q] : img[p]
    if (u - l < d[p]) {
      d[p] = u - l
      hi[p] = u
      lo[p] = l
    }
  }
  for (let pass = 0; pass < 3; pass++) {
    if (pass % 2 === 0) {
      for (let y = 1; y < h - 1; y++) {
        for (let x = 1; x < w - 1; x++) {
          const p = y * w + x
          relax(p, p - 1)
          relax(p, p - w)
        }
      }
    } else {
      for (let y = h - 2; y > 0; y--) {
        for (let x = w - 2; x > 0; x--) {
          const p = y * w + x
          relax(p, p + 1)
          relax(p, p + w)
        }
      }
    }
  }
  return d
}

/** Otsu's threshold of non-negative values up to `max` (64 bins). */
function otsu(v: Float32Array, max: number): number {
  const bins = 64
  const hist = new Float64Array(bins)
  for (const x of v) hist[Math.min(bins - 1, Math.floor((x / max) * bins))]++
  const total = v.length
  let sumAll = 0
  for (let i = 0; i < bins; i++) sumAll += i * hist[i]
  let wB = 0
  let sumB = 0
  let best = 0
  let bestVar = -1
  for (let i = 0; i < bins; i++) {
    wB += hist[i]
    if (wB === 0) continue
    const wF = total - wB
    if (wF === 0) break
    sumB += i * hist[i]
    const mB = sumB / wB
    const mF = (sumAll - sumB) / wF
    const between = wB * wF * (mB - mF) * (mB - mF)
    if (between > bestVar) {
      bestVar = between
      best = i
    }
  }
  return ((best + 1) / bins) * max
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
