import { defineStore } from 'pinia'
import { computed, ref, shallowRef, watch } from 'vue'
import type { ApiError } from '@api/errors'
import type { AuditInfo, DuplicateGroup, StagedAction } from '@api/domains/duplicates'
import { getBridge } from '@renderer/bridge'
import { useLiveResource } from '@renderer/composables/live-resource'
import { toUiError } from '@renderer/lib/errors'
import { useJobsStore } from './jobs'
import { useProfilesStore } from './profiles'

type Api = ReturnType<typeof getBridge>['api']['duplicates']
export type Preview = Awaited<ReturnType<Api['preview']>>
export type GroupsPage = Awaited<ReturnType<Api['groups']>>
export type Staged = Awaited<ReturnType<Api['staged']>>
export type GroupKind = 'all' | 'across' | 'within'
export type { AuditInfo, DuplicateGroup, StagedAction }

export const GROUPS_PAGE = 20
/** The thresholds whose catch the preview shows (those at or above the scan's floor). */
export const PREVIEW_THRESHOLDS = [0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.99]

/**
 * The near-duplicate audit of the active profile: its last scan (live while it runs), what each
 * threshold catches, the groups at the chosen threshold, and the actions staged on them until
 * they are applied (through the gallery's write path) or discarded.
 */
export const useDuplicatesStore = defineStore('duplicates', () => {
  const profiles = useProfilesStore()
  const jobs = useJobsStore()
  const profile = computed(() => profiles.active)
  const audit = ref<AuditInfo | null>(null)
  const threshold = ref(0.95)
  const acrossOnly = ref(false)
  const kind = ref<GroupKind>('all')
  const page = ref(0)
  const preview = shallowRef<Preview | null>(null)
  const groups = shallowRef<GroupsPage | null>(null)
  const staged = shallowRef<Staged | null>(null)
  const busy = ref(false)
  const error = ref<ApiError | null>(null)
  /** Jobs started by the last Apply (deletes, moves): the groups reload as they end. */
  const applyJobs = ref<number[]>([])

  const scanning = computed(() => audit.value?.state === 'running')
  const status = useLiveResource({
    fetch: () => getBridge().api.duplicates.status({ profile: profile.value }),
    apply(a) {
      const was = audit.value
      audit.value = a
      if (a.state !== 'done') {
        preview.value = null
        groups.value = null
      }
      if (!was || was.auditId !== a.auditId || was.state !== a.state) {
        if (a.threshold !== null && was?.auditId !== a.auditId) threshold.value = a.threshold
        if (a.state === 'done') void refresh()
      }
    },
    events: {
      'job.progress': (p) => p.profile === profile.value && p.kind === 'duplicate-audit',
    },
    coalesceMs: 500,
    pollMs: 3000,
    pollWhile: () => scanning.value,
  })

  // Another profile: nothing of the last one's audit applies (audit ids are per profile).
  watch(profile, () => {
    audit.value = null
    preview.value = null
    groups.value = null
    staged.value = null
    applyJobs.value = []
    page.value = 0
    error.value = null
  })

  /** Whether the jobs of the last Apply have all ended (the groups then reload once). */
  const applying = computed(() =>
    applyJobs.value.some((id) => {
      const st = jobs.byId[id]?.state
      return !st || st === 'queued' || st === 'running' || st === 'paused'
    }),
  )
  watch(applying, (now, before) => {
    if (before && !now) void refresh()
  })

  async function guard<T>(fn: () => Promise<T>): Promise<T | undefined> {
    error.value = null
    try {
      return await fn()
    } catch (e) {
      error.value = toUiError(e)
      return undefined
    }
  }

  /** What each threshold catches, from the last scan's pairs. */
  async function loadPreview() {
    const a = audit.value
    if (!a || a.state !== 'done') return
    const floor = a.floor ?? 0.5
    const list = [...new Set([...PREVIEW_THRESHOLDS, threshold.value])]
      .filter((x) => x >= floor - 1e-9)
      .sort((x, y) => x - y)
    if (!list.length) return
    const r = await guard(() =>
      getBridge().api.duplicates.preview({ profile: profile.value, thresholds: list }),
    )
    if (r) preview.value = r
  }
  async function loadGroups() {
    if (audit.value?.state !== 'done') return
    const r = await guard(() =>
      getBridge().api.duplicates.groups({
        profile: profile.value,
        page: page.value,
        pageSize: GROUPS_PAGE,
        kind: kind.value,
        threshold: threshold.value,
      }),
    )
    if (r) groups.value = r
  }
  async function loadStaged() {
    const r = await guard(() => getBridge().api.duplicates.staged({ profile: profile.value }))
    if (r) staged.value = r
  }
  async function refresh() {
    await Promise.all([loadPreview(), loadGroups(), loadStaged()])
  }

  function setThreshold(v: number) {
    threshold.value = v
    page.value = 0
    void loadGroups()
  }
  function setKind(k: GroupKind) {
    kind.value = k
    page.value = 0
    void loadGroups()
  }
  function setPage(p: number) {
    page.value = p
    void loadGroups()
  }

  async function scan() {
    busy.value = true
    try {
      const r = await guard(() =>
        getBridge().api.duplicates.scan({
          profile: profile.value,
          threshold: threshold.value,
          ...(acrossOnly.value ? { acrossProducts: true } : {}),
        }),
      )
      if (!r) return
      preview.value = null
      groups.value = null
      await jobs.fetchOne(r.jobId)
      await status.load()
    } finally {
      busy.value = false
    }
  }

  /** Stages one group's action (replacing what was staged for it). */
  async function stage(action: StagedAction) {
    const r = await guard(() =>
      getBridge().api.duplicates.plan({ profile: profile.value, actions: [action] }),
    )
    if (r) staged.value = r
    await loadGroups()
  }
  /** Takes back the staged action of these groups (all with none). */
  async function unstage(groupIds?: string[]) {
    const r = await guard(() =>
      getBridge().api.duplicates.discard({
        profile: profile.value,
        ...(groupIds ? { groupIds } : {}),
      }),
    )
    if (r) staged.value = r
    await loadGroups()
  }
  async function apply() {
    busy.value = true
    try {
      const r = await guard(() => getBridge().api.duplicates.apply({ profile: profile.value }))
      if (!r) return
      applyJobs.value = r.jobIds
      await Promise.all(r.jobIds.map((id) => jobs.fetchOne(id)))
      await refresh()
      return r
    } finally {
      busy.value = false
    }
  }

  return {
    profile,
    audit,
    threshold,
    acrossOnly,
    kind,
    page,
    preview,
    groups,
    staged,
    busy,
    error,
    applyJobs,
    applying,
    scanning,
    loading: status.loading,
    loaded: status.loaded,
    statusError: status.error,
    start: status.start,
    stop: status.stop,
    loadStatus: status.load,
    loadPreview,
    loadGroups,
    refresh,
    setThreshold,
    setKind,
    setPage,
    scan,
    stage,
    unstage,
    apply,
  }
})
