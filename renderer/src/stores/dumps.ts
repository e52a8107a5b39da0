import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { DumpTask } from '../../../electron/api/domains/tasks'
import type { ApiError } from '../../../electron/api/errors'
import type { EventPayload } from '../../../electron/api/events'
import { getBridge } from '../bridge'
import { asApiError } from './gallery'
import { useProfilesStore } from './profiles'

/**
 * Metadata exports (dump tasks) of the active profile. The core watches running exports and
 * emits `task.status`; the list reloads on those events (and every few seconds while one runs,
 * in case an event was missed).
 */
export const useDumpsStore = defineStore('dumps', () => {
  const profiles = useProfilesStore()
  const items = ref<DumpTask[]>([])
  const offline = ref<ApiError | null>(null)
  const error = ref<ApiError | null>(null)
  const loading = ref(false)
  const creating = ref(false)
  const running = computed(() => items.value.some((t) => t.status === 'PROCESSING' || t.watching))

  async function load() {
    loading.value = true
    try {
      const r = await getBridge().api.tasks.dumpList({ profile: profiles.active })
      items.value = r.items
      offline.value = r.offline
      error.value = null
    } catch (e) {
      error.value = asApiError(e)
    } finally {
      loading.value = false
    }
  }
  async function create() {
    creating.value = true
    try {
      const t = await getBridge().api.tasks.dumpCreate({ profile: profiles.active })
      await load()
      return t
    } finally {
      creating.value = false
    }
  }
  async function download(id: number) {
    const t = await getBridge().api.tasks.dumpDownload({ profile: profiles.active, id })
    const i = items.value.findIndex((x) => x.id === id)
    if (i >= 0) items.value[i] = t
    return t
  }

  let off: (() => void) | null = null
  let timer: ReturnType<typeof setInterval> | null = null
  function start() {
    if (!off) {
      off = getBridge().on('task.status', (p: EventPayload<'task.status'>) => {
        if (p.kind === 'dump' && p.profile === profiles.active) void load()
      })
    }
    timer ??= setInterval(() => {
      if (running.value && !loading.value) void load()
    }, 5000)
    void load()
  }
  function stop() {
    off?.()
    off = null
    if (timer) clearInterval(timer)
    timer = null
  }
  return { items, offline, error, loading, creating, running, load, create, download, start, stop }
})
