import { defineStore } from 'pinia'
import { computed, markRaw, ref, shallowRef } from 'vue'
import type { PlanRow, PlanStatus } from '@api/domains/bulk'
import type { ApiError } from '@api/errors'
import { getBridge } from '@renderer/bridge'
import { emptyAttrs, formToAttrs, type AttrForm } from '@renderer/lib/attributes'
import { readDrop, samples, upload, type Picked } from '@renderer/lib/files'
import { useJobsStore } from './jobs'
import { toUiError } from '@renderer/lib/errors'

export type { PlanRow, PlanStatus }

export type BulkPhase =
  'empty' | 'reading' | 'uploading' | 'ready' | 'planning' | 'preview' | 'starting' | 'started'

export type NamingMode = 'folder' | 'file' | 'template'

function baseName(p: string): string {
  const parts = p.split(/[\\/]/).filter(Boolean)
  return parts[parts.length - 1] ?? p
}
/**
 * A copy of a picture already in the gallery under another id: skipped by default (the
 * duplicates option). Identical files within the batch are only flagged: they are all added.
 */
export function isGalleryCopy(r: PlanRow): boolean {
  return r.duplicate?.kind === 'exact' && r.duplicate.existing.some((e) => !e.inPlan)
}

function parentName(p: string): string {
  const parts = p.split(/[\\/]/).filter(Boolean)
  return parts[parts.length - 2] ?? ''
}

/**
 * The bulk add in progress in the Add view: what was dropped, the options, the preview and the
 * job started from it. Kept in a store so that leaving the view (or dropping files on another
 * view) keeps it.
 */
export const useBulkStore = defineStore('bulk', () => {
  const phase = ref<BulkPhase>('empty')
  const picked = shallowRef<Picked | null>(null)
  const uploadDone = ref(0)
  const uploadBytes = ref(0)
  const sources = ref<string[]>([])
  const stageId = ref<string | null>(null)
  const profile = ref('local')

  const namingMode = ref<NamingMode>('folder')
  /** "File = product" was chosen because every picture sits directly in the chosen folder. */
  const namingSuggested = ref(false)
  const template = ref('{product}/{name}')
  const naming = computed(() =>
    namingMode.value === 'template' ? template.value : namingMode.value,
  )
  const categoryId = ref<number | null>(null)
  const attrs = ref<AttrForm>(emptyAttrs())
  const crop = ref(true)
  const duplicates = ref<'skip' | 'add'>('skip')
  const smallImage = ref<'reject' | 'upscale' | 'pad'>('reject')

  const planId = ref<string | null>(null)
  const status = ref<PlanStatus | null>(null)
  const rows = shallowRef<PlanRow[]>([])
  const overrides = ref<Record<number, 'add' | 'skip'>>({})
  const dupAll = ref<'skip' | 'add' | null>(null)
  const jobId = ref<number | null>(null)
  const resumed = ref(false)
  const error = ref<ApiError | null>(null)
  let generation = 0
  const uploadSignal = { cancelled: false }

  const fileCount = computed(() => picked.value?.files.length ?? 0)
  const totalBytes = computed(() => picked.value?.files.reduce((n, f) => n + f.file.size, 0) ?? 0)

  /** What will be done with a row once the user's choices are applied. */
  function actionOf(r: PlanRow): PlanRow['action'] {
    if (r.action !== 'add' && r.action !== 'skip') return r.action
    const o = overrides.value[r.index]
    if (o) return o
    if (dupAll.value && isGalleryCopy(r) && r.reason?.code !== 'Unchanged') return dupAll.value
    return r.action
  }
  const toAdd = computed(() => rows.value.filter((r) => actionOf(r) === 'add').length)

  function clearPlan() {
    if (planId.value)
      void getBridge()
        .api.bulk.discardPlan({ planId: planId.value })
        .catch(() => {})
    planId.value = null
    status.value = null
    rows.value = []
    overrides.value = {}
    dupAll.value = null
  }

  function reset() {
    generation++
    uploadSignal.cancelled = true
    clearPlan()
    if (stageId.value && jobId.value === null) {
      void getBridge()
        .api.bulk.discardStage({ stageId: stageId.value })
        .catch(() => {})
    }
    phase.value = 'empty'
    picked.value = null
    sources.value = []
    stageId.value = null
    uploadDone.value = 0
    uploadBytes.value = 0
    jobId.value = null
    resumed.value = false
    error.value = null
    namingSuggested.value = false
  }

  /** Take dropped or chosen files: read them, upload them (browser) and get ready to preview. */
  async function take(input: Picked | Promise<Picked>, forProfile: string) {
    reset()
    const gen = generation
    profile.value = forProfile
    phase.value = 'reading'
    uploadSignal.cancelled = false
    try {
      const p = await input
      if (gen !== generation) return
      picked.value = markRaw(p)
      if (!p.files.length && !p.paths.length) {
        phase.value = 'empty'
        error.value = { code: 'NoPictures', message: 'No pictures were found in what was dropped.' }
        return
      }
      // Loose files, or a folder whose pictures all sit directly in it (a flat folder of 200
      // photos): "Folder = product" would make them ONE product — suggest "File = product".
      const flat = p.files.length > 1 && p.files.every((f) => f.relPath.split('/').length <= 2)
      namingSuggested.value = p.hasFolder && flat
      if (!p.hasFolder || flat) namingMode.value = 'file'
      if (p.paths.length) {
        sources.value = p.paths
      } else {
        phase.value = 'uploading'
        const r = await upload(
          getBridge().api.bulk,
          p.files,
          (done, bytes) => {
            if (gen !== generation) return
            uploadDone.value = done
            uploadBytes.value = bytes
          },
          uploadSignal,
        )
        if (gen !== generation) return
        stageId.value = r.stageId
        sources.value = r.sources
      }
      phase.value = 'ready'
    } catch (e) {
      if (gen !== generation) return
      error.value = toUiError(e)
      phase.value = 'empty'
    }
  }

  /** A drop event's items, read (folders walked). */
  function takeDrop(drop: { entries: FileSystemEntry[]; files: File[] }, forProfile: string) {
    return take(readDrop(drop), forProfile)
  }

  /** Samples for the live naming preview: the first files, as the core will see them. */
  function namingSamples(n = 8) {
    const p = picked.value
    if (!p) return []
    const loose = stageId.value ?? (p.paths[0] ? parentName(p.paths[0]) : '')
    return samples(p, n, loose)
  }

  function defaults() {
    return {
      ...formToAttrs(attrs.value),
      ...(categoryId.value !== null ? { categoryId: categoryId.value } : {}),
      ...(crop.value ? {} : { crop: false }),
    }
  }

  /** The ids a naming rule gives sample paths (the rule editor's live preview). */
  async function derive(rule: string, samples: { relPath: string; rootName: string }[]) {
    return getBridge().api.bulk.derive({ naming: rule, samples })
  }

  async function preview() {
    if (!sources.value.length) return
    clearPlan()
    error.value = null
    const gen = generation
    phase.value = 'planning'
    try {
      const s = await getBridge().api.bulk.plan({
        profile: profile.value,
        sources: sources.value,
        naming: naming.value,
        defaults: defaults(),
        duplicates: duplicates.value,
        smallImage: smallImage.value,
      })
      if (gen !== generation) return
      planId.value = s.planId
      status.value = s
      for (;;) {
        const page = await getBridge().api.bulk.planPage({
          planId: s.planId,
          offset: rows.value.length,
          limit: 2000,
        })
        if (gen !== generation || planId.value !== s.planId) return
        if (page.rows.length) rows.value = rows.value.concat(page.rows)
        status.value = page.status
        if (page.status.state !== 'planning' && rows.value.length >= page.status.planned) break
        if (!page.rows.length) await new Promise((r) => setTimeout(r, 400))
      }
      if (status.value?.state === 'failed' && status.value.error) {
        error.value = status.value.error
        phase.value = 'ready'
        return
      }
      phase.value = 'preview'
    } catch (e) {
      if (gen !== generation) return
      error.value = toUiError(e)
      phase.value = 'ready'
    }
  }

  function setAction(index: number, action: 'add' | 'skip') {
    overrides.value = { ...overrides.value, [index]: action }
  }
  function setAllDuplicates(action: 'add' | 'skip') {
    dupAll.value = action
    const next = { ...overrides.value }
    for (const r of rows.value) if (isGalleryCopy(r)) delete next[r.index]
    overrides.value = next
  }

  async function start() {
    if (!planId.value) return
    error.value = null
    phase.value = 'starting'
    try {
      // per-row choices that differ from the plan, plus duplicates decided for all
      const ov: { index: number; action: 'add' | 'skip' }[] = []
      for (const r of rows.value) {
        const a = actionOf(r)
        if ((a === 'add' || a === 'skip') && a !== r.action) ov.push({ index: r.index, action: a })
      }
      const first = sources.value.map(baseName).slice(0, 2).join(', ')
      const r = await getBridge().api.bulk.start({
        planId: planId.value,
        overrides: ov,
        title: `${first}${sources.value.length > 2 ? ` +${sources.value.length - 2}` : ''} · ${fileCount.value || rows.value.length}`,
      })
      planId.value = null
      jobId.value = r.jobId
      resumed.value = r.resumed
      phase.value = 'started'
      await useJobsStore().fetchOne(r.jobId)
    } catch (e) {
      error.value = toUiError(e)
      phase.value = 'preview'
    }
  }

  return {
    phase,
    picked,
    uploadDone,
    uploadBytes,
    sources,
    stageId,
    profile,
    namingMode,
    namingSuggested,
    template,
    naming,
    categoryId,
    attrs,
    crop,
    duplicates,
    smallImage,
    planId,
    status,
    rows,
    overrides,
    dupAll,
    jobId,
    resumed,
    error,
    fileCount,
    totalBytes,
    toAdd,
    actionOf,
    reset,
    take,
    takeDrop,
    namingSamples,
    preview,
    setAction,
    setAllDuplicates,
    start,
    clearPlan,
    derive,
  }
})
