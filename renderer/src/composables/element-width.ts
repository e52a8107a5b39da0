import { onBeforeUnmount, ref, watch, type Ref } from 'vue'

/**
 * The current width of an element (0 while it is not rendered), kept up to date by a
 * ResizeObserver: tables use it to drop or narrow columns when their room is small (a 1000×700
 * window, a drawer) rather than scrolling sideways.
 */
export function useElementWidth(el: Ref<HTMLElement | null | undefined>): Ref<number> {
  const width = ref(0)
  const ro = new ResizeObserver(([e]) => (width.value = e.contentRect.width))
  watch(
    el,
    (now, before) => {
      if (before) ro.unobserve(before)
      if (now) {
        width.value = now.clientWidth
        ro.observe(now)
      } else width.value = 0
    },
    { immediate: true, flush: 'post' },
  )
  onBeforeUnmount(() => ro.disconnect())
  return width
}
