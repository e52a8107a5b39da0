import { nextTick, onBeforeUnmount, ref, watch, type Ref } from 'vue'

const FOCUSABLE =
  'button:not([disabled]), input:not([disabled]):not([tabindex="-1"]), textarea:not([disabled]), select:not([disabled]), [tabindex]:not([tabindex="-1"])'

/**
 * The keyboard for a naive-ui popconfirm or popover, which teleports its panel to the end of the
 * page and leaves the focus on the button that opened it (so Tab never reaches "Stop the job").
 * Bind `:show` to `pop.show` (or give the composable the component's own show ref) and
 * `@update:show` to `pop.set`, and put `pop.panel` as the ref of an element of the panel's content. When the panel opens, the focus moves to its first control (in
 * a popconfirm the one that keeps things as they are); Tab and Shift+Tab go round its controls
 * while it is open; Esc closes it and gives the focus back to its button. Nothing is held once it
 * has closed.
 */
export function usePopoverKeys(
  show: Ref<boolean> = ref(false),
  opts: {
    /** The button that opened the panel has gone meanwhile (Stop became Remove): where to go. */
    whenGone?: () => void
  } = {},
) {
  const panel = ref<HTMLElement | null>(null)
  let opener: HTMLElement | null = null

  const container = () => panel.value?.closest<HTMLElement>('.n-popover') ?? panel.value
  const controls = () =>
    Array.from(container()?.querySelectorAll<HTMLElement>(FOCUSABLE) ?? []).filter(
      (e) => e.getClientRects().length > 0,
    )

  function giveBack() {
    const o = opener
    opener = null
    if (!o) return
    if (o.isConnected && o.getClientRects().length > 0) return o.focus()
    // Its button has gone: let go of the panel's control (removing it would not) and ask the owner.
    const active = document.activeElement
    if (active instanceof HTMLElement && container()?.contains(active)) active.blur()
    opts.whenGone?.()
  }

  /** The panel's own open/close (a click on its button, outside, or one of its buttons). */
  function set(v: boolean) {
    if (v && !show.value) {
      const active = document.activeElement
      opener = active instanceof HTMLElement && active !== document.body ? active : null
    }
    if (!v && show.value) {
      // Closed from inside (its buttons, Esc): the focus goes back where it came from. Closed by
      // a click elsewhere: the focus stays where that click put it.
      const active = document.activeElement
      const inside = !!active && !!container()?.contains(active)
      if (inside || active === document.body) void nextTick(giveBack)
      else opener = null
    }
    show.value = v
  }

  /**
   * The panel left the page while open: its popconfirm was removed with it (a stopped job's Stop
   * goes, and with it its confirmation, before the confirmation says it closed). Let go of the
   * keys — an Esc meant for the drawer around it must reach the drawer — and of the focus.
   */
  function forget() {
    if (!show.value) return
    show.value = false
    const active = document.activeElement
    if (!(active instanceof HTMLElement) || active === document.body || !active.isConnected)
      void nextTick(giveBack)
    else opener = null
  }
  watch(panel, (now, before) => {
    if (before && !now) forget()
  })

  function onKey(e: KeyboardEvent) {
    if (!show.value) return
    if (panel.value && !panel.value.isConnected) {
      forget()
      return
    }
    if (e.key === 'Escape') {
      // Only the panel closes (not the drawer or dialog it sits in).
      e.preventDefault()
      e.stopImmediatePropagation()
      set(false)
    } else if (e.key === 'Tab') {
      const list = controls()
      if (!list.length) return
      const at = list.indexOf(document.activeElement as HTMLElement)
      const next = e.shiftKey
        ? list[at <= 0 ? list.length - 1 : at - 1]
        : list[at < 0 || at === list.length - 1 ? 0 : at + 1]
      e.preventDefault()
      next.focus()
    }
  }

  watch(show, async (v) => {
    if (!v) {
      document.removeEventListener('keydown', onKey, true)
      return
    }
    document.addEventListener('keydown', onKey, true)
    // The panel renders (and is placed) on the next frames.
    await nextTick()
    await new Promise((r) => requestAnimationFrame(() => r(null)))
    if (show.value) controls()[0]?.focus()
  })
  onBeforeUnmount(() => document.removeEventListener('keydown', onKey, true))

  return { show, panel, set }
}
