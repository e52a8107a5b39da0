/**
 * What the pointer and the keyboard do to a region on a picture (RegionCanvas.vue), in original
 * pixels: a press starts a draw, a move of the selection or a resize by a handle; a press that
 * does not travel is a click that picks a detected subject; arrows nudge, Delete clears, Enter
 * searches. Pure: the component turns events into these calls and emits what they return.
 */
import {
  area,
  boxFromPoints,
  clampBox,
  containsPoint,
  moveBox,
  resizeBox,
  type Box,
  type Handle,
  type Size,
} from './region'

/** A pointer gesture on the picture. Start points in original pixels; client points on screen. */
export interface Drag {
  kind: 'draw' | 'move' | 'resize'
  handle?: Handle
  pointerId: number
  startX: number
  startY: number
  startClientX: number
  startClientY: number
  startBox: Box | null
  moved: boolean
}

/** Screen pixels (|dx| + |dy|) a press must travel before it is a drag rather than a click. */
export const DRAG_THRESHOLD = 3

/** A press on a handle resizes, on the selection moves it, anywhere else draws a new region. */
export function dragKind(
  handle: Handle | undefined,
  onSelection: boolean,
  box: Box | null,
): Drag['kind'] {
  return handle ? 'resize' : onSelection && box ? 'move' : 'draw'
}

/** True once the pointer has travelled far enough from the press to count as a drag. */
export function startsDragging(drag: Drag, clientX: number, clientY: number): boolean {
  return (
    drag.moved ||
    Math.abs(clientX - drag.startClientX) + Math.abs(clientY - drag.startClientY) >= DRAG_THRESHOLD
  )
}

/** The region with the pointer dragged to (x, y) original pixels; null when it does not change
 * (a drawn box too small, or nothing to move or resize). */
export function dragTo(drag: Drag, x: number, y: number, img: Size): Box | null {
  if (drag.kind === 'draw') return boxFromPoints(drag.startX, drag.startY, x, y, img)
  if (drag.kind === 'move' && drag.startBox) {
    return moveBox(drag.startBox, x - drag.startX, y - drag.startY, img)
  }
  if (drag.kind === 'resize' && drag.startBox && drag.handle) {
    return resizeBox(drag.startBox, drag.handle, x - drag.startX, y - drag.startY, img)
  }
  return null
}

/** A click without a drag at (x, y): the smallest detected subject under the pointer. */
export function pickAt<T extends { kind: string; box: Box }>(
  boxes: readonly T[],
  x: number,
  y: number,
): T | undefined {
  return boxes
    .filter((b) => b.kind !== 'result' && containsPoint(b.box, x, y))
    .sort((a, b) => area(a.box) - area(b.box))[0]
}

const ARROWS: Record<string, [number, number]> = {
  ArrowLeft: [-1, 0],
  ArrowRight: [1, 0],
  ArrowUp: [0, -1],
  ArrowDown: [0, 1],
}

/** What a key does: a new region, clearing it, or a search; null when the key does nothing. */
export type KeyAction = { type: 'box'; box: Box } | { type: 'clear' } | { type: 'submit' } | null

/**
 * Keyboard access to the region: arrows move it by 1 px (Shift: 10), Alt+arrows resize it from
 * its bottom-right corner; Delete, Backspace and Escape clear it; Enter asks for a search.
 */
export function keyAction(
  key: string,
  mods: { shiftKey: boolean; altKey: boolean },
  box: Box | null,
  img: Size | null,
): KeyAction {
  const d = ARROWS[key]
  if (d && box && img) {
    const step = mods.shiftKey ? 10 : 1
    return {
      type: 'box',
      box: mods.altKey
        ? resizeBox(box, 'se', d[0] * step, d[1] * step, img)
        : moveBox(box, d[0] * step, d[1] * step, img),
    }
  }
  if ((key === 'Delete' || key === 'Backspace' || key === 'Escape') && box) return { type: 'clear' }
  if (key === 'Enter') return { type: 'submit' }
  return null
}

/** The region with one coordinate typed in (rounded), clamped to the picture; null if invalid. */
export function withCoord(box: Box, k: keyof Box, v: number, img: Size): Box | null {
  return clampBox({ ...box, [k]: Math.round(v) }, img)
}

/** The region covering the whole picture. */
export function wholePicture(img: Size): Box {
  return { x1: 0, y1: 0, x2: img.width, y2: img.height }
}
