import { nextTick } from 'vue'
import type { Router } from 'vue-router'

/**
 * Keyboard access to the sidebar and the view: every navigation item is a tab stop that Enter or
 * Space opens (n-menu's items are plain divs that only a mouse can use), the arrow keys, Home and
 * End move between the items, and a view opened from the keyboard takes the focus to its heading —
 * the next Tab is then in the view, not back through the header.
 */
export function useKeyboardNav(router: Router) {
  const items = (from: Element) =>
    Array.from(
      from.closest('[role="menu"], .n-menu')?.querySelectorAll<HTMLElement>('[data-nav]') ?? [],
    )

  /** The view's heading (or else its first control, or else the main area) takes the focus. */
  async function focusView() {
    await router.isReady()
    await nextTick()
    // Views are loaded lazily: wait for the heading of the new one a few frames at most.
    for (let i = 0; i < 30; i++) {
      const main = document.getElementById('main')
      const target =
        main?.querySelector<HTMLElement>('h1, h2') ?? (i === 29 ? (main ?? null) : null)
      if (target) {
        if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1')
        target.focus({ preventScroll: false })
        return
      }
      await new Promise((r) => requestAnimationFrame(r))
    }
  }

  /** Keys on the navigation (one listener for every item: `data-nav` names the item's view). */
  function onNavKey(e: KeyboardEvent) {
    const el = (e.target as HTMLElement).closest<HTMLElement>('[data-nav]')
    const name = el?.dataset.nav
    if (!el || !name || e.target !== el) return
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault()
      void router.push({ name }).then(focusView)
      return
    }
    const list = items(el)
    const i = list.indexOf(el)
    let next = -1
    if (e.key === 'ArrowDown') next = (i + 1) % list.length
    else if (e.key === 'ArrowUp') next = (i - 1 + list.length) % list.length
    else if (e.key === 'Home') next = 0
    else if (e.key === 'End') next = list.length - 1
    if (next < 0 || !list[next]) return
    e.preventDefault()
    list[next].focus()
  }

  return { onNavKey, focusView }
}
