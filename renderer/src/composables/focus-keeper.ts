import { onBeforeUnmount, watch, type Ref } from 'vue'

/**
 * Keeps the keyboard's place when a control replaces itself: Pause becomes Resume, Stop gives way
 * to Remove, the drop zone gives way to the picture it took. Without this the focused control
 * leaves the page and the focus falls back to the start of the document. When the control focused
 * last inside `root` has gone or been hidden and nothing else holds the focus, the first present of `targets` (data-testid values, in order of preference) takes it, or
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

  function restore() {
    const el = root.value
    if (!el || !last || shown(last)) return
    // A hidden control may keep the focus a moment before the browser lets it go.
    const active = document.activeElement
    if (
      active instanceof HTMLElement &&
      active !== last &&
      active !== document.body &&
      shown(active)
    )
      return
    last = null
    for (const id of targets) {
      const t = el.querySelector<HTMLElement>(`[data-testid="${id}"]`)
      if (t && !t.hasAttribute('disabled') && shown(t)) return t.focus()
    }
    Array.from(el.querySelectorAll<HTMLElement>('button:not([disabled])')).find(shown)?.focus()
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
    observer?.disconnect()
    root.value?.removeEventListener('focusin', onIn)
  })
}
