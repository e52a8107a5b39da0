import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { BatchLine, BatchTask } from '../../../electron/api/domains/batch'
import type { ApiError } from '../../../electron/api/errors'
import type { EventPayload } from '../../../electron/api/events'
import { getBridge } from '../bridge'
import { asApiError } from './gallery'
import { useProfilesStore } from './profiles'

export type BatchCreateInput = Parameters<ReturnType<typeof getBridge>['api']['batch']['create']>[0]
export type BatchPreviewInput = Parameters<
  ReturnType<typeof getBridge>['api']['batch']['preview']
>[0]

const FINAL = ['success', 'failed', 'cancelled']

/**
 * Batch tasks of the active profile. `task.status` events (kind batch) update the list, coalesced
 * (progress events come up to 10 times a second).
 */
export const useBatchStore = defineStore('batch', () => {
  const profiles = useProfilesStore()
  const tasks = ref<BatchTask[]>([])
  const runner = ref<{ pid: number; host: string; self: boolean } | null>(null)
  const loading = ref(false)
  const error = ref<ApiError | null>(null)
  const running = computed(() => tasks.value.some((t) => !FINAL.includes(t.state)))

  async function load() {
    loading.value = true
    try {
      const r = await getBridge().api.batch.list({ profile: profiles.active, limit: 100 })
      tasks.value = r.tasks
      runner.value = r.runner
      error.value = null
    } catch (e) {
      error.value = asApiError(e)
    } finally {
      loading.value = false
    }
  }
  async function preview(input: BatchPreviewInput) {
    return getBridge().api.batch.preview({ ...input, profile: profiles.active })
  }
  async function create(input: BatchCreateInput) {
    const t = await getBridge().api.batch.create({ ...input, profile: profiles.active })
    await load()
    return t
  }
  async function retry(id: number) {
    const t = await getBridge().api.batch.retryFailed({ id })
    await load()
    return t
  }
  async function cancel(id: number) {
    const t = await getBridge().api.batch.cancel({ id })
    await load()
    return t
  }
  async function lines(id: number, states?: BatchLine['state'][], offset = 0) {
    return getBridge().api.batch.lines({ id, ...(states ? { states } : {}), offset, limit: 200 })
  }

  let off: (() => void) | null = null
  let timer: ReturnType<typeof setTimeout> | null = null
  let poll: ReturnType<typeof setInterval> | null = null
  function reloadSoon() {
    if (timer) return
    timer = setTimeout(() => {
      timer = null
      void load()
    }, 300)
  }
  function start() {
    off ??= getBridge().on('task.status', (p: EventPayload<'task.status'>) => {
      if (p.kind === 'batch' && p.profile === profiles.active) reloadSoon()
    })
    poll ??= setInterval(() => {
      if (running.value && !loading.value) void load()
    }, 5000)
    void load()
  }
  function stop() {
    off?.()
    off = null
    if (timer) clearTimeout(timer)
    timer = null
    if (poll) clearInterval(poll)
    poll = null
  }
  return {
    tasks,
    runner,
    loading,
    error,
    running,
    load,
    preview,
    create,
    retry,
    cancel,
    lines,
    start,
    stop,
  }
})
