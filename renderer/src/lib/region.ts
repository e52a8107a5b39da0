/**
 * Rectangles on an image in its original pixels (as displayed: EXIF orientation applied), and their
 * conversion to and from the scaled picture on screen. `x2`/`y2` are exclusive-ish edges as the
 * engine writes them (`x1,x2,y1,y2`); a box always has x1 < x2 and y1 < y2 inside the image.
 */
import { formatRegion, regionBox, type Box, type Size } from '@domain/region'

export type { Box, Size }

/** Side handles and corners of a selection. */
export type Handle = 'n' | 's' | 'e' | 'w' | 'ne' | 'nw' | 'se' | 'sw'
export const HANDLES: readonly Handle[] = ['nw', 'n', 'ne', 'e', 'se', 's', 'sw', 'w']

/** The smallest box side the tool lets the user make, in original pixels. */
export const MIN_SIDE = 2

/** Parses the engine's `x1,x2,y1,y2` (the domain's parser); null when malformed or empty. */
export function parseRegion(text: string | null | undefined): Box | null {
  return regionBox(text)
}

/** The engine's `x1,x2,y1,y2` for a box (what the API takes; shown where the user copies it). */
export { formatRegion }

/**
 * The one way a region is shown to the user: its corners, upper-left then lower-right, and its
 * size — `(22, 26) – (196, 230) · 174 × 204 px`. Every view uses it (the add result, the gallery
 * detail, the search summary); the API's `x1,x2,y1,y2` appears only beside a copy button.
 */
export function regionLabel(b: Box): string {
  return `(${b.x1}, ${b.y1}) – (${b.x2}, ${b.y2}) · ${b.x2 - b.x1} × ${b.y2 - b.y1} px`
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v))

/** Scale of the picture on screen: fits `avail`, never above `maxUpscale` times its size. */
export function fitScale(img: Size, avail: Size, maxUpscale = 3): number {
  if (img.width <= 0 || img.height <= 0) return 1
  return Math.min(avail.width / img.width, avail.height / img.height, maxUpscale)
}

/** A point on screen (relative to the picture's top-left) in original pixels, clamped to the image. */
export function toOriginal(px: number, py: number, scale: number, img: Size): [number, number] {
  return [clamp(Math.round(px / scale), 0, img.width), clamp(Math.round(py / scale), 0, img.height)]
}

/** A box in original pixels as CSS pixels on screen. */
export function toDisplay(
  b: Box,
  scale: number,
): { left: number; top: number; width: number; height: number } {
  return {
    left: b.x1 * scale,
    top: b.y1 * scale,
    width: (b.x2 - b.x1) * scale,
    height: (b.y2 - b.y1) * scale,
  }
}

/** The box spanned by two corner points (any order), clamped to the image, null if too small. */
export function boxFromPoints(
  ax: number,
  ay: number,
  bx: number,
  by: number,
  img: Size,
): Box | null {
  const x1 = clamp(Math.min(ax, bx), 0, img.width)
  const x2 = clamp(Math.max(ax, bx), 0, img.width)
  const y1 = clamp(Math.min(ay, by), 0, img.height)
  const y2 = clamp(Math.max(ay, by), 0, img.height)
  if (x2 - x1 < MIN_SIDE || y2 - y1 < MIN_SIDE) return null
  return { x1, x2, y1, y2 }
}

/** The box moved by (dx, dy) original pixels, kept whole inside the image. */
export function moveBox(b: Box, dx: number, dy: number, img: Size): Box {
  const w = b.x2 - b.x1
  const h = b.y2 - b.y1
  const x1 = clamp(b.x1 + dx, 0, img.width - w)
  const y1 = clamp(b.y1 + dy, 0, img.height - h)
  return { x1, x2: x1 + w, y1, y2: y1 + h }
}

/** The box with one handle dragged by (dx, dy) original pixels; edges never cross. */
export function resizeBox(b: Box, handle: Handle, dx: number, dy: number, img: Size): Box {
  let { x1, x2, y1, y2 } = b
  if (handle.includes('w')) x1 = clamp(x1 + dx, 0, x2 - MIN_SIDE)
  if (handle.includes('e')) x2 = clamp(x2 + dx, x1 + MIN_SIDE, img.width)
  if (handle.includes('n')) y1 = clamp(y1 + dy, 0, y2 - MIN_SIDE)
  if (handle.includes('s')) y2 = clamp(y2 + dy, y1 + MIN_SIDE, img.height)
  return { x1, x2, y1, y2 }
}

/** The box clamped to the image, or null if nothing valid is left. */
export function clampBox(b: Box, img: Size): Box | null {
  return boxFromPoints(b.x1, b.y1, b.x2, b.y2, img)
}

export function sameBox(a: Box | null, b: Box | null): boolean {
  if (!a || !b) return a === b
  return a.x1 === b.x1 && a.x2 === b.x2 && a.y1 === b.y1 && a.y2 === b.y2
}

export function containsPoint(b: Box, x: number, y: number): boolean {
  return x >= b.x1 && x <= b.x2 && y >= b.y1 && y <= b.y2
}

export const area = (b: Box) => (b.x2 - b.x1) * (b.y2 - b.y1)
