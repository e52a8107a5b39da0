import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { ApiError } from '@api/errors'
import type { EvalRunView } from '@api/domains/eval'
import { getBridge } from '@renderer/bridge'
import { useLiveResource } from '@renderer/composables/live-resource'
import { toUiError } from '@renderer/lib/errors'
import { readInput, upload } from '@renderer/lib/files'
import { saveText } from '@renderer/lib/download'

type Api = ReturnType<typeof getBridge>['api']['eval']
export type RunDetail = Awaited<ReturnType<Api['run']>>
export type Comparison = Awaited<ReturnType<Api['compare']>>
export type SetPreview = Awaited<ReturnType<Api['previewSet']>>
export type RunRef = { runId: string; profile: string }
export type ThumbKind = 'query' | 'expected' | 'first'
export type { EvalRunView }

export const PAGE_SIZE = 25

/**
 * The search-quality lab: saved runs (live while one runs), the run shown with its figures and a
 * page of per-query rows, a comparison of two runs or profiles, and the thumbnails of the rows.
 * What the user is setting up for the next run lives in `useEvalSetupStore` (eval-setup.ts).
 */
export const useEvalStore = defineStore('eval', () => {
  const runs = ref<EvalRunView[]>([])
  const running = computed(() =>
    runs.value.some((r) => r.state === 'running' || r.state === 'queued'),
  )
  const list = useLiveResource({
    fetch: () => getBridge().api.eval.runs({}),
    apply(r) {
      const s = selected.value
      const before = s ? runs.value.find((x) => x.runId === s.runId) : undefined
      runs.value = r.runs
      const now = s ? r.runs.find((x) => x.runId === s.runId) : undefined
      // the run shown follows its job (figures and rows fill in as queries are answered)
      if (now && (now.state === 'running' || now.state !== before?.state)) void loadDetail()
    },
    // a run's figures move with its job
    events: { 'job.progress': (p) => p.kind === 'quality-eval' },
    coalesceMs: 1000,
    pollMs: 4000,
    pollWhile: () => running.value,
  })

  /* ---------- the run shown ---------- */
  /** The lab's main pane: a new run being set up, or the run selected. */
  const showing = ref<'setup' | 'run'>('setup')
  const selected = ref<RunRef | null>(null)
  const filter = ref<'all' | 'failed'>('all')
  const page = ref(1)
  const detail = shallowRef<RunDetail | null>(null)
  const detailLoading = ref(false)
  const detailError = ref<ApiError | null>(null)
  let detailSeq = 0

  async function loadDetail() {
    const s = selected.value
    if (!s) return
    const seq = ++detailSeq
    detailLoading.value = true
    try {
      const r = await getBridge().api.eval.run({
        runId: s.runId,
        profile: s.profile,
        filter: filter.value,
        offset: (page.value - 1) * PAGE_SIZE,
        limit: PAGE_SIZE,
      })
      if (seq !== detailSeq) return
      detail.value = r
      detailError.value = null
    } catch (e) {
      if (seq === detailSeq) detailError.value = toUiError(e)
    } finally {
      if (seq === detailSeq) detailLoading.value = false
    }
  }
  function select(runId: string, profile?: string) {
    const run = runs.value.find((r) => r.runId === runId)
    const p = profile ?? run?.profiles[0]
    if (!p) return
    const same = selected.value?.runId === runId && selected.value.profile === p
    selected.value = { runId, profile: p }
    showing.value = 'run'
    if (same && detail.value) return void loadDetail()
    page.value = 1
    detail.value = null
    void loadDetail()
  }
  function setFilter(f: 'all' | 'failed') {
    filter.value = f
    page.value = 1
    void loadDetail()
  }
  function setPage(p: number) {
    page.value = p
    void loadDetail()
  }

  async function remove(runId: string) {
    await getBridge().api.eval.remove({ runId })
    if (selected.value?.runId === runId) {
      selected.value = null
      detail.value = null
      showing.value = 'setup'
    }
    await list.load()
  }

  /* ---------- comparison ---------- */
  const comparison = shallowRef<Comparison | null>(null)
  const comparing = ref(false)
  const compareError = ref<ApiError | null>(null)
  async function compare(a: RunRef, b: RunRef) {
    comparing.value = true
    compareError.value = null
    try {
      comparison.value = await getBridge().api.eval.compare({ a, b })
    } catch (e) {
      comparison.value = null
      compareError.value = toUiError(e)
    } finally {
      comparing.value = false
    }
  }

  /** Saves a run as CSV, JSON or a self-contained HTML report through the browser's download. */
  async function exportRun(runId: string, format: 'csv' | 'json' | 'html') {
    const r = await getBridge().api.eval.export({ runId, format })
    const type = { csv: 'text/csv', json: 'application/json', html: 'text/html' }[format]
    saveText(r.content ?? '', r.fileName, `${type};charset=utf-8`)
    return r
  }

  /* ---------- thumbnails of the rows (small data URLs, asked once) ---------- */
  const thumbs = new Map<string, Promise<string | null>>()
  function thumbnail(ref: RunRef, index: number, kind: ThumbKind): Promise<string | null> {
    const key = `${ref.runId}\u0000${ref.profile}\u0000${index}\u0000${kind}`
    let p = thumbs.get(key)
    if (!p) {
      p = getBridge()
        .api.eval.thumbnail({ runId: ref.runId, profile: ref.profile, index, ref: kind })
        .then((r) => {
          // no picture (yet): a row still running has no expected picture or first result —
          // asked again later instead of remembered as none
          if (!r.dataUrl) thumbs.delete(key)
          return r.dataUrl
        })
        .catch(() => {
          thumbs.delete(key)
          return null
        })
      thumbs.set(key, p)
    }
    return p
  }

  return {
    runs,
    running,
    loading: list.loading,
    loaded: list.loaded,
    error: list.error,
    load: list.load,
    start: list.start,
    stop: list.stop,
    showing,
    selected,
    filter,
    page,
    detail,
    detailLoading,
    detailError,
    loadDetail,
    select,
    setFilter,
    setPage,
    remove,
    comparison,
    comparing,
    compareError,
    compare,
    exportRun,
    thumbnail,
  }
})

/** A test set chosen in the browser: uploaded to the host's staging folder (desktop: its path). */
export async function stagedTestSet(list: FileList | File[] | null): Promise<string | null> {
  const picked = readInput(list)
  if (picked.paths[0]) return picked.paths[0]
  if (!picked.files.length) return null
  const r = await upload(getBridge().api.bulk, picked.files, () => {})
  return r.sources[0] ?? null
}
