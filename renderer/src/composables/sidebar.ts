import { computed, onBeforeUnmount, onMounted, ref } from 'vue'

/** Below this window width the sidebar shows icons only unless the user opened it. */
export const NARROW_WIDTH = 1100

type Choice = 'collapsed' | 'expanded'
const key = (narrow: boolean) => `loupe.sidebar.${narrow ? 'narrow' : 'wide'}`
function read(narrow: boolean): Choice | null {
  const v = localStorage.getItem(key(narrow))
  return v === 'collapsed' || v === 'expanded' ? v : null
}

/**
 * The sidebar's state: collapsed by default in a narrow window, expanded in a wide one; the
 * user's toggle is remembered (separately for narrow and wide windows, so widening the window
 * after collapsing it in a narrow one brings the labels back).
 */
export function useSidebar() {
  const width = ref(window.innerWidth)
  const narrow = computed(() => width.value < NARROW_WIDTH)
  const choices = ref<Record<'narrow' | 'wide', Choice | null>>({
    narrow: read(true),
    wide: read(false),
  })
  const collapsed = computed(() => {
    const c = choices.value[narrow.value ? 'narrow' : 'wide']
    return c ? c === 'collapsed' : narrow.value
  })
  function toggle() {
    const next: Choice = collapsed.value ? 'expanded' : 'collapsed'
    choices.value = { ...choices.value, [narrow.value ? 'narrow' : 'wide']: next }
    localStorage.setItem(key(narrow.value), next)
  }
  const onResize = () => (width.value = window.innerWidth)
  onMounted(() => window.addEventListener('resize', onResize))
  onBeforeUnmount(() => window.removeEventListener('resize', onResize))
  return { collapsed, narrow, toggle }
}
