import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { BatchLine, BatchTask } from '@api/domains/batch'
import { getBridge } from '@renderer/bridge'
import { useLiveResource } from '@renderer/composables/live-resource'
import { useProfilesStore } from './profiles'

export type BatchCreateInput = Parameters<ReturnType<typeof getBridge>['api']['batch']['create']>[0]
export type BatchPreviewInput = Parameters<
  ReturnType<typeof getBridge>['api']['batch']['preview']
>[0]

const FINAL = ['success', 'failed', 'cancelled']

/**
 * Batch tasks of the active profile. `task.status` events (kind batch) update the list, coalesced
 * (progress events come up to 10 times a second), and every few seconds while one runs.
 */
export const useBatchStore = defineStore('batch', () => {
  const profiles = useProfilesStore()
  const tasks = ref<BatchTask[]>([])
  const runner = ref<{ pid: number; host: string; self: boolean } | null>(null)
  const running = computed(() => tasks.value.some((t) => !FINAL.includes(t.state)))
  const { loading, error, load, start, stop } = useLiveResource({
    fetch: () => getBridge().api.batch.list({ profile: profiles.active, limit: 100 }),
    apply(r) {
      tasks.value = r.tasks
      runner.value = r.runner
    },
    events: { 'task.status': (p) => p.kind === 'batch' && p.profile === profiles.active },
    coalesceMs: 300,
    pollMs: 5000,
    pollWhile: () => running.value,
  })
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
