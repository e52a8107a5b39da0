import { onBeforeUnmount, watch, type Ref } from 'vue'

/**
 * Keeps the keyboard's place when a control replaces itself: Pause becomes Resume, Stop gives way
 * to Remove, the drop zone gives way to the picture it took. Without this the focused control
 * leaves the page and the focus falls back to the start of the document. When the control focused
 * last inside `root` has gone or been hidden and nothing else holds the focus (also after a dialog
 * it opened closes), the first present of `targets` (data-testid values, in order of preference) takes it, or
 * else the first enabled button in `root`.
 */
export function useFocusKeeper(root: Ref<HTMLElement | null>, targets: string[]) {
  let last: HTMLElement | null = null
  const shown = (e: HTMLElement) => e.isConnected && e.getClientRects().length > 0
  const onIn = (e: FocusEvent) => {
    last = e.target instanceof HTMLElement ? e.target : null
  }
  const observer =
    typeof MutationObserver === 'undefined' ? null : new MutationObserver(() => restore())
  // The focus let go to nowhere (a dialog opened from here closed, and the control that opened it
  // has gone meanwhile): tried once the browser has settled.
  const onOut = (e: FocusEvent) => {
    if (!e.relatedTarget) setTimeout(restore, 0)
  }
  document.addEventListener('focusout', onOut, true)

  function restore() {
    const el = root.value
    if (!el || !last || shown(last)) return
    // A hidden control may keep the focus a moment before the browser lets it go.
    const active = document.activeElement
    if (
      active instanceof HTMLElement &&
      active !== last &&
      active !== document.body &&
      active !== el &&
      shown(active)
    )
      return
    const to =
      targets
        .map((id) => el.querySelector<HTMLElement>(`[data-testid="${id}"]`))
        .find((t): t is HTMLElement => !!t && !t.hasAttribute('disabled') && shown(t)) ??
      Array.from(el.querySelectorAll<HTMLElement>('button:not([disabled])')).find(shown)
    // Nothing to go to yet (a progress bar instead of the buttons, a stopped job finishing its last
    // pictures): the focus waits on `root` itself, and moves on when they return.
    if (!to) {
      if (active !== el && shown(el)) {
        if (!el.hasAttribute('tabindex')) el.tabIndex = -1
        el.focus()
      }
      return
    }
    last = null
    to.focus()
  }

  watch(
    root,
    (el, old) => {
      old?.removeEventListener('focusin', onIn)
      observer?.disconnect()
      if (!el) return
      el.addEventListener('focusin', onIn)
      // Added or removed controls, and controls hidden (v-show) or shown.
      observer?.observe(el, {
        childList: true,
        subtree: true,
        attributes: true,
        attributeFilter: ['style', 'class'],
      })
    },
    { immediate: true, flush: 'post' },
  )
  onBeforeUnmount(() => {
    document.removeEventListener('focusout', onOut, true)
    observer?.disconnect()
    root.value?.removeEventListener('focusin', onIn)
  })
  /** Put the focus back now if its control has gone (e.g. from a panel that closed over it). */
  return { restore }
}
