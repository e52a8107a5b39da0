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

type PointMap = (x: number, y: number, W: number, H: number) => [number, number]

/** Where each EXIF orientation (2–8) sends a point of a stored W × H grid; any other leaves it. */
const ORIENT: Partial<Record<number, PointMap>> = {
  2: (x, y, W) => [W - x, y],
  3: (x, y, W, H) => [W - x, H - y],
  4: (x, y, _W, H) => [x, H - y],
  5: (x, y) => [y, x],
  6: (x, y, _W, H) => [H - y, x],
  7: (x, y, W, H) => [H - y, W - x],
  8: (x, y, W) => [y, W - x],
}

/** A point of the stored grid (W × H) in the oriented picture. */
export function orientPoint(x: number, y: number, stored: Size, orientation = 1): [number, number] {
  const map = ORIENT[orientation]
  return map ? map(x, y, stored.width, stored.height) : [x, y]
}

/**
 * A point of the oriented picture back in the stored grid (W × H = stored size): the orientation
 * that undoes `orientation`, applied on the oriented grid. Each EXIF orientation is its own inverse
 * except 6 and 8 (a quarter turn each way), which undo each other.
 */
export function unorientPoint(
  x: number,
  y: number,
  stored: Size,
  orientation = 1,
): [number, number] {
  const inverse = orientation === 6 ? 8 : orientation === 8 ? 6 : orientation
  return orientPoint(x, y, orientedSize(stored, orientation), inverse)
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

const NO_OFFSET: Offset = { left: 0, top: 0 }

/** A box with each x edge through `fx` and each y edge through `fy`. */
function eachEdge(b: Box, fx: (v: number) => number, fy: (v: number) => number): Box {
  return { x1: fx(b.x1), x2: fx(b.x2), y1: fy(b.y1), y2: fy(b.y2) }
}

/** The box spanned by a box's two corners once both went through `point`. */
function corners(b: Box, point: (x: number, y: number) => [number, number]): Box {
  return boxFrom([point(b.x1, b.y1), point(b.x2, b.y2)])
}

/** A function's parameters after its first. */
type Rest<F extends (...args: never[]) => unknown> =
  Parameters<F> extends [unknown, ...infer R] ? R : never

/**
 * Map a region on a stored picture of size `from` onto its processed copy: orientation applied,
 * scaled to `to` (the oriented picture's new size), then shifted by `offset` (padding). Returns
 * `x1,x2,y1,y2` in whole pixels, rounded outwards and clamped to the processed picture
 * (`to` plus the padding on both sides when `final` is given). The arguments after the region are
 * those of `mapBox`.
 */
export function mapRegion(region: string | Box, ...args: Rest<typeof mapBox>): string {
  return formatRegion(mapBox(parseRegion(region), ...args))
}

export function mapBox(
  box: Box,
  from: Size,
  to: Size,
  orientation = 1,
  offset: Offset = NO_OFFSET,
  final?: Size,
): Box {
  const o = orientedSize(from, orientation)
  const sx = to.width / o.width
  const sy = to.height / o.height
  const b = corners(box, (x, y) => orientPoint(x, y, from, orientation))
  const outSize = final ?? { width: to.width + offset.left, height: to.height + offset.top }
  return settle(
    eachEdge(
      b,
      (x) => x * sx + offset.left,
      (y) => y * sy + offset.top,
    ),
    outSize,
  )
}

/**
 * The inverse of `mapRegion`: a region on the processed copy back on the stored original. The
 * arguments after the region are those of `unmapBox`.
 */
export function unmapRegion(region: string | Box, ...args: Rest<typeof unmapBox>): string {
  return formatRegion(unmapBox(parseRegion(region), ...args))
}

export function unmapBox(
  box: Box,
  from: Size,
  to: Size,
  orientation = 1,
  offset: Offset = NO_OFFSET,
): Box {
  const o = orientedSize(from, orientation)
  const sx = o.width / to.width
  const sy = o.height / to.height
  const scaled = eachEdge(
    box,
    (x) => (x - offset.left) * sx,
    (y) => (y - offset.top) * sy,
  )
  return settle(
    corners(scaled, (x, y) => unorientPoint(x, y, from, orientation)),
    from,
  )
}

/** The original a region in `space` is drawn on: its size and the orientation still to apply. */
function source(g: Geometry, space: RegionSpace): { from: Size; orientation: number } {
  return space === 'stored'
    ? { from: g.stored, orientation: g.orientation }
    : { from: g.oriented, orientation: 1 }
}

/** A region on the original (in `space`) onto the processed picture described by `g`. */
export function regionToProcessed(
  region: string | Box,
  g: Geometry,
  space: RegionSpace = 'oriented',
): string {
  const { from, orientation } = source(g, space)
  const box = validateRegion(region, from)
  return formatRegion(mapBox(box, from, g.resized, orientation, g.pad, g.final))
}

/** A region on the processed picture (e.g. the one an engine returns) back on the original, for display. */
export function regionToOriginal(
  region: string | Box,
  g: Geometry,
  space: RegionSpace = 'oriented',
): string {
  const { from, orientation } = source(g, space)
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
