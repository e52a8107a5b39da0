/**
 * Regions (`x1,x2,y1,y2`, the cloud's form: x1,y1 the upper-left corner, x2,y2 the lower-right) and
 * their mapping between an original picture and its processed copy. Coordinates are pixel edges:
 * a region covering a whole W × H picture is `0,W,0,H`. Pure functions, no I/O.
 */
import {
  checkBox,
  formatRegion as formatRegionText,
  parseRegion as parseRegionText,
  type RegionProblem,
} from '../../domain'
import { invalidRegion } from './errors'
import type { Box, Geometry, RegionSpace, Size } from './types'

/** Parse `x1,x2,y1,y2` (or check a box). Throws InvalidRegion when malformed or empty. */
export function parseRegion(region: string | Box): Box {
  const text = typeof region === 'string' ? region : formatRegion(region)
  const r =
    typeof region === 'string' ? parseRegionText(region, { decimals: true }) : checkBox(region)
  if (r.ok) return r.box
  return refuse(text, r, typeof region === 'string')
}

/** The `x1,x2,y1,y2` text of a box (edges as they are). */
export function formatRegion(box: Box): string {
  return formatRegionText(box)
}

/** Parse and check that a region lies inside a picture of `size`. */
export function validateRegion(region: string | Box, size: Size): Box {
  const text = typeof region === 'string' ? region : formatRegion(region)
  const r =
    typeof region === 'string'
      ? parseRegionText(region, { decimals: true, within: size })
      : checkBox(region, size)
  if (r.ok) return r.box
  if (r.problem === 'outside') {
    throw invalidRegion(
      text,
      `it crosses the edge of the ${size.width} × ${size.height} px picture`,
    )
  }
  return refuse(text, r, typeof region === 'string')
}

function refuse(text: string, r: { problem: RegionProblem; box?: Box }, isText: boolean): never {
  const b = r.box
  if (r.problem === 'order' && b) {
    if (b.x1 >= b.x2) throw invalidRegion(text, `x1 (${b.x1}) must be less than x2 (${b.x2})`)
    throw invalidRegion(text, `y1 (${b.y1}) must be less than y2 (${b.y2})`)
  }
  throw invalidRegion(
    text,
    isText
      ? 'expected four non-negative numbers x1,x2,y1,y2'
      : 'coordinates must be non-negative numbers',
  )
}

/** Size of a stored W × H picture once its EXIF orientation is applied. */
export function orientedSize(stored: Size, orientation = 1): Size {
  return orientation >= 5 && orientation <= 8
    ? { width: stored.height, height: stored.width }
    : { ...stored }
}

/** A point of the stored grid (W × H) in the oriented picture. */
export function orientPoint(x: number, y: number, stored: Size, orientation = 1): [number, number] {
  const W = stored.width
  const H = stored.height
  switch (orientation) {
    case 2:
      return [W - x, y]
    case 3:
      return [W - x, H - y]
    case 4:
      return [x, H - y]
    case 5:
      return [y, x]
    case 6:
      return [H - y, x]
    case 7:
      return [H - y, W - x]
    case 8:
      return [y, W - x]
    default:
      return [x, y]
  }
}

/** A point of the oriented picture back in the stored grid (W × H = stored size). */
export function unorientPoint(
  x: number,
  y: number,
  stored: Size,
  orientation = 1,
): [number, number] {
  const W = stored.width
  const H = stored.height
  switch (orientation) {
    case 2:
      return [W - x, y]
    case 3:
      return [W - x, H - y]
    case 4:
      return [x, H - y]
    case 5:
      return [y, x]
    case 6:
      return [y, H - x]
    case 7:
      return [W - y, H - x]
    case 8:
      return [W - y, x]
    default:
      return [x, y]
  }
}

function boxFrom(points: [number, number][]): { x1: number; x2: number; y1: number; y2: number } {
  const xs = points.map((p) => p[0])
  const ys = points.map((p) => p[1])
  return { x1: Math.min(...xs), x2: Math.max(...xs), y1: Math.min(...ys), y2: Math.max(...ys) }
}

/** Round outwards to whole pixels and clamp to a W × H picture. */
function settle(b: Box, size: Size): Box {
  const eps = 1e-6
  return {
    x1: Math.max(0, Math.min(size.width - 1, Math.floor(b.x1 + eps))),
    x2: Math.max(1, Math.min(size.width, Math.ceil(b.x2 - eps))),
    y1: Math.max(0, Math.min(size.height - 1, Math.floor(b.y1 + eps))),
    y2: Math.max(1, Math.min(size.height, Math.ceil(b.y2 - eps))),
  }
}

export interface Offset {
  left: number
  top: number
}

/**
 * Map a region on a stored picture of size `from` onto its processed copy: orientation applied,
 * scaled to `to` (the oriented picture's new size), then shifted by `offset` (padding). Returns
 * `x1,x2,y1,y2` in whole pixels, rounded outwards and clamped to the processed picture
 * (`to` plus the padding on both sides when `final` is given).
 */
export function mapRegion(
  region: string | Box,
  from: Size,
  to: Size,
  orientation = 1,
  offset: Offset = { left: 0, top: 0 },
  final?: Size,
): string {
  return formatRegion(mapBox(parseRegion(region), from, to, orientation, offset, final))
}

export function mapBox(
  box: Box,
  from: Size,
  to: Size,
  orientation = 1,
  offset: Offset = { left: 0, top: 0 },
  final?: Size,
): Box {
  const o = orientedSize(from, orientation)
  const sx = to.width / o.width
  const sy = to.height / o.height
  const b = boxFrom([
    orientPoint(box.x1, box.y1, from, orientation),
    orientPoint(box.x2, box.y2, from, orientation),
  ])
  const outSize = final ?? { width: to.width + offset.left, height: to.height + offset.top }
  return settle(
    {
      x1: b.x1 * sx + offset.left,
      x2: b.x2 * sx + offset.left,
      y1: b.y1 * sy + offset.top,
      y2: b.y2 * sy + offset.top,
    },
    outSize,
  )
}

/** The inverse of `mapRegion`: a region on the processed copy back on the stored original. */
export function unmapRegion(
  region: string | Box,
  from: Size,
  to: Size,
  orientation = 1,
  offset: Offset = { left: 0, top: 0 },
): string {
  return formatRegion(unmapBox(parseRegion(region), from, to, orientation, offset))
}

export function unmapBox(
  box: Box,
  from: Size,
  to: Size,
  orientation = 1,
  offset: Offset = { left: 0, top: 0 },
): Box {
  const o = orientedSize(from, orientation)
  const sx = o.width / to.width
  const sy = o.height / to.height
  const x1 = (box.x1 - offset.left) * sx
  const x2 = (box.x2 - offset.left) * sx
  const y1 = (box.y1 - offset.top) * sy
  const y2 = (box.y2 - offset.top) * sy
  const b = boxFrom([
    unorientPoint(x1, y1, from, orientation),
    unorientPoint(x2, y2, from, orientation),
  ])
  return settle(b, from)
}

/** A region on the original (in `space`) onto the processed picture described by `g`. */
export function regionToProcessed(
  region: string | Box,
  g: Geometry,
  space: RegionSpace = 'oriented',
): string {
  const from = space === 'stored' ? g.stored : g.oriented
  const orientation = space === 'stored' ? g.orientation : 1
  const box = validateRegion(region, from)
  return formatRegion(mapBox(box, from, g.resized, orientation, g.pad, g.final))
}

/** A region on the processed picture (e.g. the one an engine returns) back on the original, for display. */
export function regionToOriginal(
  region: string | Box,
  g: Geometry,
  space: RegionSpace = 'oriented',
): string {
  const from = space === 'stored' ? g.stored : g.oriented
  const orientation = space === 'stored' ? g.orientation : 1
  const box = parseRegion(region)
  // Clip to the picture content first: a region reaching into the padding maps to the edge.
  const c = {
    x1: Math.max(box.x1, g.pad.left),
    x2: Math.min(box.x2, g.pad.left + g.resized.width),
    y1: Math.max(box.y1, g.pad.top),
    y2: Math.min(box.y2, g.pad.top + g.resized.height),
  }
  if (c.x1 >= c.x2 || c.y1 >= c.y2) {
    throw invalidRegion(
      formatRegion(box),
      'it lies entirely in the padding added around the picture',
    )
  }
  return formatRegion(unmapBox(c, from, g.resized, orientation, g.pad))
}
