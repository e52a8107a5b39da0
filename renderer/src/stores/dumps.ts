import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { DumpTask } from '@api/domains/tasks'
import type { ApiError } from '@api/errors'
import { getBridge } from '@renderer/bridge'
import { useLiveResource } from '@renderer/composables/live-resource'
import { useProfilesStore } from './profiles'
import { realPath, upload } from '@renderer/lib/files'

/** An export by its task id, or a file (a console export, an increment.meta). */
export type DumpSource = { id: number } | { file: string }

/**
 * Metadata exports (dump tasks) of the active profile. The core watches running exports and
 * emits `task.status`; the list reloads on those events (and every few seconds while one runs,
 * in case an event was missed).
 */
export const useDumpsStore = defineStore('dumps', () => {
  const profiles = useProfilesStore()
  const items = ref<DumpTask[]>([])
  const offline = ref<ApiError | null>(null)
  const creating = ref(false)
  const running = computed(() => items.value.some((t) => t.status === 'PROCESSING' || t.watching))
  const { loading, error, load, start, stop } = useLiveResource({
    fetch: () => getBridge().api.tasks.dumpList({ profile: profiles.active }),
    apply(r) {
      items.value = r.items
      offline.value = r.offline
    },
    events: { 'task.status': (p) => p.kind === 'dump' && p.profile === profiles.active },
    pollMs: 5000,
    pollWhile: () => running.value,
  })
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

  /** Preview what importing an export (or a file) would change in the gallery cache. */
  function diff(source: DumpSource, opId: string) {
    return getBridge().api.tasks.dumpDiff({ profile: profiles.active, source, sample: 20, opId })
  }
  /** Apply an export (or a file) to the gallery cache. */
  function importDump(source: DumpSource, opId: string) {
    return getBridge().api.tasks.dumpImport({ profile: profiles.active, source, opId })
  }
  /**
   * A file chosen with the system's file dialog, as the path the core reads it from: the desktop
   * app's real path (the preload's pathForFile), or, from a browser, the file uploaded to the
   * host's staging folder first (the same upload as a bulk add).
   */
  async function chosenFile(file: File): Promise<string> {
    const path = realPath(file)
    if (path) return path
    const r = await upload(getBridge().api.bulk, [{ file, relPath: file.name }], () => {})
    return r.sources[0]!
  }
  /** Stop a running diff or import (its `opId`); quietly does nothing if it already ended. */
  async function cancelOp(opId: string) {
    await getBridge()
      .api.gallery.cancel({ opId })
      .catch(() => {})
  }
  return {
    items,
    offline,
    error,
    loading,
    creating,
    running,
    load,
    create,
    download,
    diff,
    importDump,
    chosenFile,
    cancelOp,
    start,
    stop,
  }
})
