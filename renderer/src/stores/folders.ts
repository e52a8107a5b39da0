import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { ReconcilePreview, WatchFile, WatchRule } from '@api/domains/watch'
import { getBridge } from '@renderer/bridge'
import { useLiveResource } from '@renderer/composables/live-resource'

export type RuleInput = Parameters<ReturnType<typeof getBridge>['api']['watch']['add']>[0]

/**
 * Watch rules with their live state. The core emits `watch.changed` when a rule's state moves
 * (scanning, syncing n/m, watching, paused…); the list reloads on those events, coalesced.
 */
export const useFoldersStore = defineStore('folders', () => {
  const rules = ref<WatchRule[]>([])
  const runner = ref<{ pid: number; host: string; self: boolean } | null>(null)
  const { loading, loaded, error, load, start, stop } = useLiveResource({
    fetch: () => getBridge().api.watch.list({}),
    apply(r) {
      rules.value = r.rules
      runner.value = r.runner
    },
    events: { 'watch.changed': true },
    coalesceMs: 250,
    // Rules changed by another process (the CLI) do not raise events here: look now and then.
    pollMs: 5000,
  })

  async function add(input: RuleInput) {
    const r = await getBridge().api.watch.add(input)
    await load()
    return r
  }
  async function update(id: number, patch: Partial<RuleInput>) {
    const r = await getBridge().api.watch.update({ id, patch })
    await load()
    return r
  }
  async function remove(id: number) {
    await getBridge().api.watch.remove({ id })
    await load()
  }
  async function pause(id: number) {
    await getBridge().api.watch.pause({ id })
    await load()
  }
  async function resume(id: number) {
    await getBridge().api.watch.resume({ id })
    await load()
  }
  async function reconcile(id: number): Promise<ReconcilePreview> {
    return getBridge().api.watch.reconcile({ id })
  }
  async function apply(id: number, token?: string) {
    const r = await getBridge().api.watch.apply({ id, ...(token ? { token } : {}) })
    await load()
    return r
  }
  /** Scan the folder again now (files and folders that could not be read are tried again). */
  async function rescan(id: number) {
    const r = await getBridge().api.watch.rescan({ id })
    await load()
    return r
  }
  async function files(id: number, states?: WatchFile['state'][]) {
    return getBridge().api.watch.files({ id, ...(states ? { states } : {}), limit: 500 })
  }
  async function samples(folder: string, include: string[] = [], exclude: string[] = []) {
    return getBridge().api.watch.samples({ folder, include, exclude })
  }
  async function pickFolder() {
    return getBridge().api.watch.pickFolder({})
  }

  return {
    rules,
    runner,
    loading,
    loaded,
    error,
    load,
    add,
    update,
    remove,
    pause,
    resume,
    reconcile,
    apply,
    rescan,
    files,
    samples,
    pickFolder,
    start,
    stop,
  }
})
