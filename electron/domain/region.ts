/**
 * The region format of the cloud's API: `x1,x2,y1,y2` in pixels — x1,y1 the upper-left corner,
 * x2,y2 the lower-right (pixel edges: a whole W × H picture is `0,W,0,H`). The one parser and
 * formatter; callers turn a problem into their own error (engine, imaging, bulk-add, UI).
 */

export interface Box {
  x1: number
  x2: number
  y1: number
  y2: number
}

export interface Size {
  width: number
  height: number
}

/**
 * What is wrong with a region text: `format` — not four non-negative numbers; `order` — x1 >= x2 or
 * y1 >= y2; `outside` — it crosses the edge of the picture (only when a size was given).
 */
export type RegionProblem = 'format' | 'order' | 'outside'

/** On failure, `box` is the parsed box when the text had the right form (problems `order`, `outside`). */
export type RegionParse = { ok: true; box: Box } | { ok: false; problem: RegionProblem; box?: Box }

export interface RegionOptions {
  /** Accept decimals such as `10.5` (the imaging pipeline's mapped regions); default integers only. */
  decimals?: boolean
  /** The picture the region must lie inside. */
  within?: Size
}

const INT = /^\d+$/
const DEC = /^\d+(\.\d+)?$/

/** The contract's pattern for a region text (integers, spaces around the commas allowed). */
export const REGION_TEXT_RE = /^\s*\d+\s*,\s*\d+\s*,\s*\d+\s*,\s*\d+\s*$/

/** Parses `x1,x2,y1,y2` (spaces around the numbers allowed). Never throws. */
export function parseRegion(text: string, opts: RegionOptions = {}): RegionParse {
  const parts = String(text)
    .split(',')
    .map((s) => s.trim())
  const re = opts.decimals ? DEC : INT
  if (parts.length !== 4 || parts.some((p) => !re.test(p))) return { ok: false, problem: 'format' }
  const [x1, x2, y1, y2] = parts.map(Number)
  const whole = opts.decimals || [x1, x2, y1, y2].every(Number.isSafeInteger)
  if (!whole) return { ok: false, problem: 'format' }
  return checkBox({ x1, x2, y1, y2 }, opts.within)
}

/** Checks a box: non-negative finite edges in order, inside `within` when given. */
export function checkBox(box: Box, within?: Size): RegionParse {
  const { x1, x2, y1, y2 } = box
  if (![x1, x2, y1, y2].every((v) => Number.isFinite(v) && v >= 0)) {
    return { ok: false, problem: 'format' }
  }
  const b = { x1, x2, y1, y2 }
  if (x1 >= x2 || y1 >= y2) return { ok: false, problem: 'order', box: b }
  if (within && (x2 > within.width || y2 > within.height)) {
    return { ok: false, problem: 'outside', box: b }
  }
  return { ok: true, box: b }
}

/** A region parsed and checked, or null (for forms and displays that only need yes or no). */
export function regionBox(text: string | null | undefined, opts: RegionOptions = {}): Box | null {
  if (!text) return null
  const r = parseRegion(text, opts)
  return r.ok ? r.box : null
}

/** The `x1,x2,y1,y2` text of a box, as given, or with each edge rounded to a whole pixel. */
export function formatRegion(b: Box, opts: { round?: boolean } = {}): string {
  const e = [b.x1, b.x2, b.y1, b.y2]
  return (opts.round ? e.map(Math.round) : e).join(',')
}
