import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import { defineComponent, h, nextTick, ref } from 'vue'
import { usePopoverKeys } from '@renderer/composables/popover-keys'

/**
 * The keyboard of a popconfirm (Stop, Remove…) against the page around it: once its panel has left
 * the page, an Esc belongs to the drawer or dialog it sat in.
 */
async function focusOn(text: string) {
  for (let i = 0; i < 50 && document.activeElement?.textContent !== text; i++)
    await new Promise((r) => setTimeout(r, 10))
  expect(document.activeElement?.textContent).toBe(text)
}

function esc(): { reachedDrawer: boolean; prevented: boolean } {
  let reachedDrawer = false
  const drawer = () => (reachedDrawer = true)
  document.addEventListener('keydown', drawer)
  const e = new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, cancelable: true })
  document.body.dispatchEvent(e)
  document.removeEventListener('keydown', drawer)
  return { reachedDrawer, prevented: e.defaultPrevented }
}

let w: VueWrapper | null = null
// happy-dom lays nothing out: an element in the page has one box, as in a browser.
const realRects = Element.prototype.getClientRects
beforeEach(() => {
  Element.prototype.getClientRects = function (this: Element) {
    return (this.isConnected ? [new DOMRect(0, 0, 10, 10)] : []) as unknown as DOMRectList
  }
})
afterEach(() => {
  w?.unmount()
  w = null
  Element.prototype.getClientRects = realRects
})

function harness() {
  const there = ref(true) // the popconfirm exists (Stop is shown while the job is not over)
  let gone = 0
  const Comp = defineComponent({
    setup() {
      const pop = usePopoverKeys(undefined, { whenGone: () => gone++ })
      return () =>
        h('div', [
          there.value
            ? h('button', { 'data-testid': 'stop', onClick: () => pop.set(true) }, 'Stop')
            : null,
          there.value && pop.show.value
            ? h('div', { ref: pop.panel, 'data-testid': 'panel' }, [
                h('button', 'Keep running'),
                h('button', 'Stop the job'),
              ])
            : null,
        ])
    },
  })
  w = mount(Comp, { attachTo: document.body })
  return { there, gone: () => gone }
}

describe('popover keys', () => {
  it('Esc closes an open panel, and only the panel (the drawer around it stays)', async () => {
    harness()
    const stop = document.querySelector<HTMLButtonElement>('[data-testid="stop"]')!
    stop.focus()
    stop.click()
    await focusOn('Keep running')
    expect(esc()).toEqual({ reachedDrawer: false, prevented: true })
    await nextTick()
    await nextTick()
    expect(document.querySelector('[data-testid="panel"]')).toBeNull()
    expect(document.activeElement?.getAttribute('data-testid')).toBe('stop')
    // closed: the next Esc is the drawer's
    expect(esc()).toEqual({ reachedDrawer: true, prevented: false })
  })

  it('a panel removed while open (Stop gone with its job) no longer takes the next Esc', async () => {
    const h = harness()
    const stop = document.querySelector<HTMLButtonElement>('[data-testid="stop"]')!
    stop.focus()
    stop.click()
    await focusOn('Keep running')
    // "Stop the job": the job ends, and its Stop button and confirmation leave the page before
    // the confirmation reports that it closed.
    h.there.value = false
    await nextTick()
    await nextTick()
    expect(document.querySelector('[data-testid="panel"]')).toBeNull()
    expect(esc()).toEqual({ reachedDrawer: true, prevented: false })
    expect(h.gone()).toBe(1) // its owner was asked where the focus goes
  })
})
