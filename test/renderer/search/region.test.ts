import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { defineComponent, h, nextTick, ref } from 'vue'
import { NConfigProvider } from 'naive-ui'
import { i18n } from '@renderer/i18n'
import RegionCanvas, { type OverlayBox } from '@renderer/components/search/RegionCanvas.vue'
import {
  boxFromPoints,
  fitScale,
  formatRegion,
  moveBox,
  parseRegion,
  resizeBox,
  toDisplay,
  toOriginal,
  type Box,
} from '@renderer/lib/region'
import { dragTo, keyAction, pickAt, type Drag } from '@renderer/lib/region-input'

const IMG = { width: 200, height: 100 }

describe('region geometry', () => {
  it('reads and writes the engine’s x1,x2,y1,y2', () => {
    expect(parseRegion('10,50,20,80')).toEqual({ x1: 10, x2: 50, y1: 20, y2: 80 })
    expect(parseRegion(' 1 , 2 , 3 , 4 ')).toEqual({ x1: 1, x2: 2, y1: 3, y2: 4 })
    expect(parseRegion('50,10,20,80')).toBeNull()
    expect(parseRegion('1,2,3')).toBeNull()
    expect(parseRegion(null)).toBeNull()
    expect(formatRegion({ x1: 10, x2: 50, y1: 20, y2: 80 })).toBe('10,50,20,80')
  })

  it('converts between screen and original pixels at the fitted scale', () => {
    // 200x100 in a 400x400 area: 2x; never more than the upscale cap; shrinks to fit.
    expect(fitScale(IMG, { width: 400, height: 400 })).toBe(2)
    expect(fitScale(IMG, { width: 2000, height: 2000 })).toBe(3)
    expect(fitScale({ width: 4000, height: 3000 }, { width: 800, height: 450 })).toBe(0.15)
    const s = 0.15
    expect(toOriginal(150, 75, s, { width: 4000, height: 3000 })).toEqual([1000, 500])
    // Points outside the picture are clamped to its edges.
    expect(toOriginal(-20, 9999, s, { width: 4000, height: 3000 })).toEqual([0, 3000])
    const b: Box = { x1: 1000, y1: 500, x2: 3000, y2: 2500 }
    expect(toDisplay(b, s)).toEqual({ left: 150, top: 75, width: 300, height: 300 })
  })

  it('keeps boxes inside the picture when drawing, moving and resizing', () => {
    expect(boxFromPoints(150, 80, 20, 10, IMG)).toEqual({ x1: 20, x2: 150, y1: 10, y2: 80 })
    expect(boxFromPoints(190, 90, 400, 400, IMG)).toEqual({ x1: 190, x2: 200, y1: 90, y2: 100 })
    expect(boxFromPoints(10, 10, 11, 50, IMG)).toBeNull()
    const b = { x1: 150, x2: 190, y1: 10, y2: 30 }
    expect(moveBox(b, 50, -50, IMG)).toEqual({ x1: 160, x2: 200, y1: 0, y2: 20 })
    expect(resizeBox(b, 'se', 100, 5, IMG)).toEqual({ x1: 150, x2: 200, y1: 10, y2: 35 })
    expect(resizeBox(b, 'w', 100, 0, IMG)).toEqual({ x1: 188, x2: 190, y1: 10, y2: 30 })
    expect(resizeBox(b, 'n', 0, -50, IMG)).toEqual({ x1: 150, x2: 190, y1: 0, y2: 30 })
  })
})

describe('region input', () => {
  it('keys: arrows need a region, Escape and Backspace clear it, Enter always searches', () => {
    const b: Box = { x1: 10, x2: 20, y1: 10, y2: 20 }
    const none = { shiftKey: false, altKey: false }
    expect(keyAction('ArrowUp', none, null, IMG)).toBeNull()
    expect(keyAction('Escape', none, null, IMG)).toBeNull()
    expect(keyAction('Escape', none, b, IMG)).toEqual({ type: 'clear' })
    expect(keyAction('Backspace', none, b, IMG)).toEqual({ type: 'clear' })
    expect(keyAction('Enter', none, null, IMG)).toEqual({ type: 'submit' })
    expect(keyAction('a', none, b, IMG)).toBeNull()
  })

  it('a click picks the smallest detected subject under it, never a shown result', () => {
    const boxes = [
      { id: 'r', kind: 'result', box: { x1: 0, x2: 10, y1: 0, y2: 10 } },
      { id: 'big', kind: 'main', box: { x1: 0, x2: 200, y1: 0, y2: 100 } },
      { id: 'small', kind: 'multi', box: { x1: 0, x2: 50, y1: 0, y2: 50 } },
    ]
    expect(pickAt(boxes, 5, 5)?.id).toBe('small')
    expect(pickAt(boxes, 100, 80)?.id).toBe('big')
    expect(pickAt(boxes.slice(0, 1), 5, 5)).toBeUndefined()
  })

  it('a drag too small to make a region changes nothing', () => {
    const d: Drag = {
      kind: 'draw',
      pointerId: 1,
      startX: 10,
      startY: 10,
      startClientX: 0,
      startClientY: 0,
      startBox: null,
      moved: true,
    }
    expect(dragTo(d, 11, 50, IMG)).toBeNull()
    expect(dragTo({ ...d, kind: 'move' }, 50, 50, IMG)).toBeNull()
  })
})

/** RegionCanvas bound with v-model, as a view uses it. */
function mountCanvas(initial: Box | null, boxes: OverlayBox[] = []) {
  const model = ref<Box | null>(initial)
  const picks: OverlayBox[] = []
  let submits = 0
  const Root = defineComponent({
    render: () =>
      h(NConfigProvider, null, () =>
        h(RegionCanvas, {
          src: 'data:image/png;base64,iVBORw0KGgo=',
          modelValue: model.value,
          'onUpdate:modelValue': (v: Box | null) => (model.value = v),
          onPick: (b: OverlayBox) => picks.push(b),
          onSubmit: () => submits++,
          boxes,
          imageWidth: IMG.width,
          imageHeight: IMG.height,
          maxWidth: 400,
          maxHeight: 400,
        }),
      ),
  })
  const w = mount(Root, { global: { plugins: [i18n] }, attachTo: document.body })
  return { w, model, picks, submits: () => submits }
}

const key = async (el: Element, k: string, mods: KeyboardEventInit = {}) => {
  el.dispatchEvent(
    new KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true, ...mods }),
  )
  await nextTick()
}
const pointer = async (el: Element, type: string, x: number, y: number) => {
  el.dispatchEvent(
    new PointerEvent(type, { clientX: x, clientY: y, button: 0, pointerId: 1, bubbles: true }),
  )
  await nextTick()
}

describe('RegionCanvas', () => {
  it('draws the region at the fitted scale and shows its coordinates in original pixels', async () => {
    i18n.global.locale.value = 'en-US'
    const { w } = mountCanvas({ x1: 10, y1: 20, x2: 60, y2: 70 })
    await nextTick()
    const stage = w.get('[data-testid="region-stage"]')
    expect(stage.attributes('style')).toContain('width: 400px')
    expect(stage.attributes('style')).toContain('height: 200px')
    const sel = w.get('[data-testid="region-selection"]').attributes('style')
    expect(sel).toContain('left: 20px')
    expect(sel).toContain('top: 40px')
    expect(sel).toContain('width: 100px')
    expect(sel).toContain('height: 100px')
    expect(w.get('[data-testid="region-size"]').text()).toBe('50 × 50 px of 200 × 100')
    expect((w.get('[data-testid="region-x1"] input').element as HTMLInputElement).value).toBe('10')
    w.unmount()
  })

  it('nudges the region by 1 px with arrows and 10 px with Shift, clamped to the picture', async () => {
    const { w, model } = mountCanvas({ x1: 10, y1: 20, x2: 60, y2: 70 })
    await nextTick()
    const stage = w.get('[data-testid="region-stage"]').element
    await key(stage, 'ArrowRight')
    expect(model.value).toEqual({ x1: 11, y1: 20, x2: 61, y2: 70 })
    await key(stage, 'ArrowDown', { shiftKey: true })
    expect(model.value).toEqual({ x1: 11, y1: 30, x2: 61, y2: 80 })
    await key(stage, 'ArrowLeft', { shiftKey: true })
    await key(stage, 'ArrowLeft', { shiftKey: true })
    expect(model.value).toEqual({ x1: 0, y1: 30, x2: 50, y2: 80 })
    await key(stage, 'ArrowDown', { shiftKey: true })
    await key(stage, 'ArrowDown', { shiftKey: true })
    expect(model.value).toEqual({ x1: 0, y1: 50, x2: 50, y2: 100 })
    // Alt+arrows resize from the bottom-right corner.
    await key(stage, 'ArrowRight', { altKey: true, shiftKey: true })
    expect(model.value).toEqual({ x1: 0, y1: 50, x2: 60, y2: 100 })
    await key(stage, 'ArrowUp', { altKey: true })
    expect(model.value).toEqual({ x1: 0, y1: 50, x2: 60, y2: 99 })
    // The on-screen selection follows: 0,50 -> 0px,100px at 2x.
    expect(w.get('[data-testid="region-selection"]').attributes('style')).toContain('top: 100px')
    await key(stage, 'Delete')
    expect(model.value).toBeNull()
    w.unmount()
  })

  it('Enter asks for a search; typed coordinates are clamped to the picture', async () => {
    const c = mountCanvas({ x1: 10, y1: 20, x2: 60, y2: 70 })
    await nextTick()
    await key(c.w.get('[data-testid="region-stage"]').element, 'Enter')
    expect(c.submits()).toBe(1)
    const x2 = c.w.get('[data-testid="region-x2"] input')
    await x2.setValue('500')
    await x2.trigger('blur')
    expect(c.model.value).toEqual({ x1: 10, y1: 20, x2: 200, y2: 70 })
    c.w.unmount()
  })

  it('draws a new region by dragging, in original pixels', async () => {
    const { w, model } = mountCanvas(null)
    await nextTick()
    const stage = w.get('[data-testid="region-stage"]').element
    // happy-dom lays nothing out: the stage's client rect is at 0,0, so client = screen coordinates.
    await pointer(stage, 'pointerdown', 40, 20)
    await pointer(stage, 'pointermove', 100, 80)
    await pointer(stage, 'pointermove', 140, 120)
    await pointer(stage, 'pointerup', 140, 120)
    expect(model.value).toEqual({ x1: 20, y1: 10, x2: 70, y2: 60 })
    // Dragging the selection moves it.
    const sel = w.get('[data-testid="region-selection"]').element
    await pointer(sel, 'pointerdown', 60, 40)
    await pointer(sel, 'pointermove', 80, 60)
    await pointer(sel, 'pointerup', 80, 60)
    expect(model.value).toEqual({ x1: 30, y1: 20, x2: 80, y2: 70 })
    // A handle resizes.
    const ne = w.get('[data-testid="region-handle-ne"]').element
    await pointer(ne, 'pointerdown', 160, 40)
    await pointer(ne, 'pointermove', 200, 20)
    await pointer(ne, 'pointerup', 200, 20)
    expect(model.value).toEqual({ x1: 30, y1: 10, x2: 100, y2: 70 })
    w.unmount()
  })

  it('detected boxes are drawn and picked by a click inside, or by their label', async () => {
    const boxes: OverlayBox[] = [
      { id: 'main', kind: 'main', label: 'Main subject', box: { x1: 0, y1: 0, x2: 200, y2: 100 } },
      { id: 'm0', kind: 'multi', label: 'Subject 1', box: { x1: 100, y1: 40, x2: 150, y2: 90 } },
    ]
    const { w, picks, model } = mountCanvas(null, boxes)
    await nextTick()
    expect(w.get('[data-testid="region-box-multi-1"]').attributes('style')).toContain('left: 200px')
    const stage = w.get('[data-testid="region-stage"]').element
    // A click (no drag) inside both picks the smaller one; no region is drawn.
    await pointer(stage, 'pointerdown', 240, 120)
    await pointer(stage, 'pointerup', 240, 120)
    expect(picks.map((p) => p.id)).toEqual(['m0'])
    expect(model.value).toBeNull()
    await pointer(stage, 'pointerdown', 20, 20)
    await pointer(stage, 'pointerup', 20, 20)
    expect(picks.map((p) => p.id)).toEqual(['m0', 'main'])
    await w.get('[data-testid="region-pick-0"]').trigger('click')
    expect(picks.at(-1)?.id).toBe('main')
    w.unmount()
  })
})
