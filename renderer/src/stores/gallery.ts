import { defineStore } from 'pinia'
import { computed, reactive, ref, watch } from 'vue'
import type { z } from 'zod'
import type {
  BulkResult,
  EngineStatus,
  ExportFormat,
  GalleryImage,
  GalleryQuery,
  GalleryStats,
  PredictCategoriesResult,
  ProductGroup,
  Selection,
} from '@api/domains/gallery'
import type { ApiError } from '@api/errors'
import type { EventPayload } from '@api/events'
import { getBridge } from '@renderer/bridge'
import { useProfilesStore } from './profiles'
import { toUiError } from '@renderer/lib/errors'

export type Group = z.infer<typeof ProductGroup>
export type Stats = z.infer<typeof GalleryStats>
export type ViewMode = 'grid' | 'table'
export type SortKey = 'updated' | 'added' | 'productId' | 'picName' | 'category'
export type GroupSortKey = 'productId' | 'count' | 'updated'
export interface ImageKey {
  productId: string
  picName: string
}

/** Rows fetched per request (paging is in SQL; only what is on screen is loaded). */
export const PAGE_SIZE = 200
/** Pages kept in memory; the farthest from the screen are dropped first. */
const MAX_PAGES = 40

export const keyOf = (k: ImageKey) => `${k.productId}\u0000${k.picName}`

let opSeq = 0
const newOpId = (kind: string) =>
  `${kind}-${Date.now().toString(36)}-${(++opSeq).toString(36)}`.slice(0, 64)

/**
 * The Gallery view's state: the query, a sparse page cache over the matching rows (so a grid of
 * 100,000 images only ever holds what is near the screen), the selection, the engine's
 * reachability, and the long operations in flight.
 */
export const useGalleryStore = defineStore('gallery', () => {
  const profiles = useProfilesStore()
  const profile = computed(() => profiles.active)

  /* ---- the query ---- */
  const text = ref('')
  /** The applied filter (the view applies it once the client-side check accepts it). */
  const filter = ref('')
  const categoryId = ref<number | null>(null)
  const productId = ref<string | null>(null)
  const sort = ref<SortKey>('updated')
  const order = ref<'asc' | 'desc'>('desc')
  const groupSort = ref<GroupSortKey>('productId')
  const groupOrder = ref<'asc' | 'desc'>('asc')
  const grouped = ref(false)
  const mode = ref<ViewMode>(
    (localStorage.getItem('loupe.gallery.mode') as ViewMode | null) === 'table' ? 'table' : 'grid',
  )
  watch(mode, (m) => localStorage.setItem('loupe.gallery.mode', m))

  const query = computed<GalleryQuery>(() => ({
    ...(text.value.trim() ? { text: text.value.trim() } : {}),
    ...(filter.value.trim() ? { filter: filter.value } : {}),
    ...(categoryId.value !== null ? { categoryId: categoryId.value } : {}),
    ...(productId.value !== null && !grouped.value ? { productId: productId.value } : {}),
  }))

  /* ---- the rows ---- */
  const total = ref<number | null>(null)
  const error = ref<ApiError | null>(null)
  const loading = ref(false)
  /** Bumped on every loaded page: item getters depend on it. */
  const tick = ref(0)
  let generation = 0
  let pages = new Map<number, (GalleryImage | Group)[]>()
  const inflight = new Set<number>()
  let lastWanted = 0

  function fetchPage(page: number) {
    const api = getBridge().api.gallery
    const paging = { limit: PAGE_SIZE, offset: page * PAGE_SIZE }
    if (grouped.value) {
      const { productId: _p, ...q } = query.value
      return api.groups({
        profile: profile.value,
        ...q,
        sort: groupSort.value,
        order: groupOrder.value,
        ...paging,
      })
    }
    return api.list({
      profile: profile.value,
      ...query.value,
      sort: sort.value,
      order: order.value,
      ...paging,
    })
  }

  async function loadPage(page: number) {
    if (pages.has(page) || inflight.has(page)) return
    const gen = generation
    inflight.add(page)
    loading.value = true
    try {
      const r = await fetchPage(page)
      if (gen !== generation) return
      total.value = r.total
      pages.set(page, r.items)
      error.value = null
      evict()
      tick.value++
    } catch (e) {
      if (gen === generation) error.value = toUiError(e)
    } finally {
      inflight.delete(page)
      if (gen === generation) loading.value = inflight.size > 0
    }
  }

  function evict() {
    if (pages.size <= MAX_PAGES) return
    const far = [...pages.keys()].sort(
      (a, b) => Math.abs(b - lastWanted) - Math.abs(a - lastWanted),
    )
    for (const p of far.slice(0, pages.size - MAX_PAGES)) pages.delete(p)
  }

  /** Makes sure rows [from, to] are loaded (what the virtual scroller shows). */
  function ensure(from: number, to: number) {
    if (to < from) return
    const a = Math.floor(Math.max(0, from) / PAGE_SIZE)
    const b = Math.floor(Math.max(0, to) / PAGE_SIZE)
    lastWanted = a
    for (let p = a; p <= b; p++) void loadPage(p)
  }

  function itemAt(i: number): GalleryImage | Group | undefined {
    void tick.value
    return pages.get(Math.floor(i / PAGE_SIZE))?.[i % PAGE_SIZE]
  }

  /** Drops the rows and loads the first page again (query changed, or the cache changed). */
  async function reload() {
    generation++
    pages = new Map()
    inflight.clear()
    tick.value++
    await Promise.all([loadPage(0), loadStats()])
  }

  /** After a change of a few rows: refetch the pages on screen without clearing them first. */
  async function refreshLoaded() {
    const keep = [...pages.keys()]
    generation++
    inflight.clear()
    const fresh = new Map<number, (GalleryImage | Group)[]>()
    const gen = generation
    await Promise.all(
      keep.map(async (p) => {
        try {
          const r = await fetchPage(p)
          if (gen !== generation) return
          total.value = r.total
          fresh.set(p, r.items)
        } catch (e) {
          if (gen === generation) error.value = toUiError(e)
        }
      }),
    )
    if (gen !== generation) return
    pages = fresh
    tick.value++
    void loadStats()
  }

  /* ---- stats and the engine's reachability ---- */
  const stats = ref<Stats | null>(null)
  const status = ref<EngineStatus | null>(null)
  const checking = ref(false)
  const offline = computed(() => status.value !== null && !status.value.online)
  const writeBlock = computed<ApiError | null>(() => (offline.value ? status.value!.error : null))

  async function loadStats() {
    try {
      stats.value = await getBridge().api.gallery.stats({ profile: profile.value })
    } catch {
      /* the list shows the error */
    }
  }
  async function checkStatus(refresh = false) {
    checking.value = true
    try {
      status.value = await getBridge().api.gallery.status({ profile: profile.value, refresh })
    } catch (e) {
      status.value = {
        profile: profile.value,
        kind: 'local',
        online: false,
        checkedAt: Date.now(),
        error: toUiError(e),
      }
    } finally {
      checking.value = false
    }
  }

  /* ---- selection ---- */
  const selected = ref(new Map<string, ImageKey>())
  const allMatching = ref(false)
  let anchor: number | null = null
  const selectionCount = computed(() =>
    allMatching.value ? (total.value ?? 0) : selected.value.size,
  )
  function isSelected(k: ImageKey) {
    return allMatching.value || selected.value.has(keyOf(k))
  }
  function toggle(k: ImageKey, index: number | null = null) {
    if (allMatching.value) {
      // Leaving "all matching": keep what is loaded, minus this one.
      allMatching.value = false
      const m = new Map<string, ImageKey>()
      for (const rows of pages.values()) {
        for (const r of rows)
          if ('picName' in r) m.set(keyOf(r), { productId: r.productId, picName: r.picName })
      }
      m.delete(keyOf(k))
      selected.value = m
      return
    }
    const m = new Map(selected.value)
    if (m.has(keyOf(k))) m.delete(keyOf(k))
    else m.set(keyOf(k), { productId: k.productId, picName: k.picName })
    selected.value = m
    anchor = index
  }
  /** Shift+click: selects the loaded rows between the last toggled one and this one. */
  function selectRange(index: number) {
    if (anchor === null) return
    const [a, b] = anchor < index ? [anchor, index] : [index, anchor]
    const m = new Map(selected.value)
    for (let i = a; i <= b; i++) {
      const r = itemAt(i)
      if (r && 'picName' in r) m.set(keyOf(r), { productId: r.productId, picName: r.picName })
    }
    selected.value = m
    anchor = index
  }
  function selectAllMatching() {
    allMatching.value = true
    selected.value = new Map()
  }
  function clearSelection() {
    allMatching.value = false
    selected.value = new Map()
    anchor = null
  }
  const selection = computed<Selection | null>(() => {
    if (allMatching.value) return { query: query.value }
    if (selected.value.size === 0) return null
    return { keys: [...selected.value.values()] }
  })

  /* ---- long operations ---- */
  const op = reactive<{
    id: string | null
    kind: string
    done: number
    total: number
  }>({ id: null, kind: '', done: 0, total: 0 })

  const offEvents: (() => void)[] = []
  function listen() {
    if (offEvents.length) return
    const b = getBridge()
    offEvents.push(
      b.on('gallery.progress', (p: EventPayload<'gallery.progress'>) => {
        if (p.opId !== op.id) return
        op.done = p.done
        op.total = p.total
      }),
      b.on('gallery.changed', (p: EventPayload<'gallery.changed'>) => {
        // Our own bulk changes reload when they finish; others' (imports) reload now.
        if (p.profile === profile.value && !op.id) void refreshLoaded()
      }),
    )
  }

  async function runOp<T>(kind: string, fn: (opId: string) => Promise<T>): Promise<T> {
    op.id = newOpId(kind)
    op.kind = kind
    op.done = 0
    op.total = kind === 'predict' ? 0 : selectionCount.value
    try {
      return await fn(op.id)
    } finally {
      op.id = null
    }
  }
  async function cancelOp() {
    if (op.id) await getBridge().api.gallery.cancel({ opId: op.id })
  }

  async function bulkUpdate(attributes: Record<string, string | number>): Promise<BulkResult> {
    const sel = selection.value
    if (!sel) throw new Error('Nothing selected')
    const r = await runOp('update', (opId) =>
      getBridge().api.gallery.update({ profile: profile.value, selection: sel, attributes, opId }),
    )
    if (r.stopped) void checkStatus(true)
    await refreshLoaded()
    return r
  }
  /** "Set category…": the selection gets the category as the user's (a job; write-through). */
  async function bulkSetCategory(categoryId: number): Promise<BulkResult> {
    const sel = selection.value
    if (!sel) throw new Error('Nothing selected')
    const r = await runOp('category', (opId) =>
      getBridge().api.gallery.setCategory({
        profile: profile.value,
        selection: sel,
        categoryId,
        opId,
      }),
    )
    if (r.stopped) void checkStatus(true)
    await refreshLoaded()
    return r
  }
  /** Local engine: predicts the category of every picture the user did not label. */
  async function predictRest(): Promise<PredictCategoriesResult> {
    const r = await runOp('predict', (opId) =>
      getBridge().api.gallery.predictCategories({ profile: profile.value, opId }),
    )
    await refreshLoaded()
    return r
  }
  async function bulkDelete(): Promise<BulkResult> {
    const sel = selection.value
    if (!sel) throw new Error('Nothing selected')
    const r = await runOp('delete', (opId) =>
      getBridge().api.gallery.remove({ profile: profile.value, selection: sel, opId }),
    )
    if (r.stopped) void checkStatus(true)
    if (r.done > 0) clearSelection()
    await refreshLoaded()
    return r
  }
  async function exportTo(format: ExportFormat, which: 'selection' | 'all') {
    const sel = which === 'selection' && selection.value ? selection.value : { query: query.value }
    return runOp('export', (opId) =>
      getBridge().api.gallery.export({ profile: profile.value, selection: sel, format, opId }),
    )
  }

  /* ---- one image ---- */
  async function updateOne(img: ImageKey, attrs: Record<string, string | number>) {
    const k = { productId: img.productId, picName: img.picName }
    await getBridge().api.images.update({ profile: profile.value, ...k, ...attrs })
    await refreshLoaded()
    return (await getBridge().api.gallery.get({ profile: profile.value, ...k })).image
  }
  /** Desktop: show the picture's source file in the system file manager. */
  async function revealSource(img: ImageKey) {
    await getBridge().api.gallery.revealSource({
      profile: profile.value,
      productId: img.productId,
      picName: img.picName,
    })
  }
  async function removeOne(img: ImageKey) {
    const k = { productId: img.productId, picName: img.picName }
    await getBridge().api.images.remove({ profile: profile.value, ...k })
    const m = new Map(selected.value)
    m.delete(keyOf(k))
    selected.value = m
    await refreshLoaded()
  }

  // A new query starts from the top with nothing selected.
  watch(
    [query, sort, order, grouped, groupSort, groupOrder],
    () => {
      clearSelection()
      void reload()
    },
    { deep: true },
  )

  /** Whether the engine has this id now (the cache may list a picture the engine lost). */
  async function inEngine(profile: string, productId: string, picName: string) {
    return (await getBridge().api.images.exists({ profile, productId, picName })).exist
  }

  return {
    inEngine,
    profile,
    text,
    filter,
    categoryId,
    productId,
    sort,
    order,
    groupSort,
    groupOrder,
    grouped,
    mode,
    query,
    total,
    error,
    loading,
    tick,
    stats,
    status,
    checking,
    offline,
    writeBlock,
    selected,
    allMatching,
    selectionCount,
    selection,
    op,
    listen,
    ensure,
    itemAt,
    reload,
    refreshLoaded,
    loadStats,
    checkStatus,
    isSelected,
    toggle,
    selectRange,
    selectAllMatching,
    clearSelection,
    cancelOp,
    bulkUpdate,
    bulkDelete,
    bulkSetCategory,
    predictRest,
    exportTo,
    updateOne,
    removeOne,
    revealSource,
  }
})
