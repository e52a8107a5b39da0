import { ref, watch, type Ref } from 'vue'
import { useRoute, useRouter } from 'vue-router'

/**
 * The task a desktop notification click asked to show (`/tasks?batch=<id>` or `?dump=<id>`):
 * taken from the address once (the parameter is then removed, so the same task can be asked for
 * again), null otherwise.
 */
export function useFocusedTask(kind: 'batch' | 'dump'): Ref<number | null> {
  const focused = ref<number | null>(null)
  const route = useRoute()
  const router = useRouter()
  if (!route || !router) return focused
  watch(
    () => route.query[kind],
    (v) => {
      const id = Number(v)
      if (typeof v !== 'string' || !Number.isInteger(id) || id < 0) return
      focused.value = id
      const query = { ...route.query }
      delete query[kind]
      void router.replace({ query })
    },
    { immediate: true },
  )
  return focused
}
