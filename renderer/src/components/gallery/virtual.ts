import { computed, onBeforeUnmount, onMounted, ref, watch, type Ref } from 'vue'

/**
 * Virtual scrolling over fixed-height rows: only the rows near the viewport are rendered, so a
 * list of 100,000 images costs as much as one screenful. Tracks the scroller's size (for the
 * number of grid columns) and its scroll position (coalesced to one update per frame).
 */
export function useVirtualRows(
  el: Ref<HTMLElement | null>,
  o: { rowHeight: Ref<number>; rows: Ref<number>; overscan?: number; headerHeight?: number },
) {
  const scrollTop = ref(0)
  const height = ref(0)
  const width = ref(0)
  let frame = 0
  let ro: ResizeObserver | null = null

  function measure() {
    const e = el.value
    if (!e) return
    height.value = e.clientHeight
    width.value = e.clientWidth
  }
  function onScroll() {
    if (frame) return
    frame = requestAnimationFrame(() => {
      frame = 0
      scrollTop.value = el.value?.scrollTop ?? 0
    })
  }
  onMounted(() => {
    measure()
    el.value?.addEventListener('scroll', onScroll, { passive: true })
    if (typeof ResizeObserver !== 'undefined' && el.value) {
      ro = new ResizeObserver(measure)
      ro.observe(el.value)
    }
  })
  onBeforeUnmount(() => {
    el.value?.removeEventListener('scroll', onScroll)
    ro?.disconnect()
    if (frame) cancelAnimationFrame(frame)
  })

  const overscan = o.overscan ?? 3
  const header = o.headerHeight ?? 0
  const range = computed(() => {
    const rh = Math.max(1, o.rowHeight.value)
    const top = Math.max(0, scrollTop.value - header)
    const first = Math.max(0, Math.floor(top / rh) - overscan)
    const last = Math.min(o.rows.value - 1, Math.ceil((top + height.value) / rh) + overscan)
    return { first, last }
  })
  const totalHeight = computed(() => header + o.rows.value * o.rowHeight.value)

  function scrollToTop() {
    if (el.value) el.value.scrollTop = 0
    scrollTop.value = 0
  }
  /** Brings row `r` into view (keyboard navigation). */
  function scrollToRow(r: number) {
    const e = el.value
    if (!e) return
    const y = header + r * o.rowHeight.value
    if (y < e.scrollTop + header) e.scrollTop = y - header
    else if (y + o.rowHeight.value > e.scrollTop + e.clientHeight)
      e.scrollTop = y + o.rowHeight.value - e.clientHeight
  }
  // Fewer rows than the scroll position (new query): back to the top.
  watch(o.rows, (n) => {
    if (el.value && header + n * o.rowHeight.value < el.value.scrollTop) scrollToTop()
  })

  return { scrollTop, height, width, range, totalHeight, scrollToTop, scrollToRow, measure }
}

/**
 * Arrow-key movement in a virtualized list or grid: brings item `i` (in row `row`) into view, waits
 * for it to be rendered and loaded (a few frames at most), and gives it the focus. Items carry
 * `data-index`; a skeleton (not loaded yet) is not focusable until it is.
 */
export async function focusItem(
  root: HTMLElement | null,
  i: number,
  scrollToRow: () => void,
): Promise<void> {
  if (!root) return
  scrollToRow()
  for (let k = 0; k < 60; k++) {
    const el = root.querySelector<HTMLElement>(`[data-index="${i}"][tabindex="0"]`)
    if (el) return el.focus()
    await new Promise((r) => requestAnimationFrame(r))
  }
}

/** The index an arrow key (Home, End, Page keys) moves to from `i`, or null for other keys. */
export function arrowTarget(
  key: string,
  i: number,
  count: number,
  cols: number,
  pageRows = 5,
): number | null {
  const to =
    key === 'ArrowDown'
      ? i + cols
      : key === 'ArrowUp'
        ? i - cols
        : key === 'ArrowRight' && cols > 1
          ? i + 1
          : key === 'ArrowLeft' && cols > 1
            ? i - 1
            : key === 'PageDown'
              ? i + cols * pageRows
              : key === 'PageUp'
                ? i - cols * pageRows
                : key === 'Home'
                  ? 0
                  : key === 'End'
                    ? count - 1
                    : null
  if (to === null || count === 0) return null
  return Math.min(count - 1, Math.max(0, to))
}
