import { defineStore } from 'pinia'
import { computed, reactive, ref, watch } from 'vue'
import type { Auction, SearchResult } from '@api/schemas'
import type { ApiError } from '@api/errors'
import { getBridge } from '@renderer/bridge'
import { useProfilesStore } from './profiles'
import { releaseImage, type PickedImage } from '@renderer/lib/image-file'
import { formatRegion, parseRegion, sameBox, type Box, type Size } from '@renderer/lib/region'
import type { Attributes } from '@renderer/lib/attributes'
import { toUiError } from '@renderer/lib/errors'

export type SearchMode = 'pic' | 'name' | 'filter'

/** What the pipeline does with a picture below the engine's minimum (as Bulk add's option). */
export type SmallImage = 'reject' | 'upscale' | 'pad'

/** The option offered for a chosen picture: enlarge when it can, else pad; none when not small. */
export function smallImageFor(img: Pick<PickedImage, 'info'> | null): SmallImage {
  const i = img?.info
  if (!i?.small) return 'reject'
  return i.fits?.upscale ? 'upscale' : 'pad'
}

/** The engine's paging limits: Num 1..100, Start + Num <= 500. */
export const MAX_NUM = 100
export const MAX_RESULTS = 500
export const PAGE_SIZES = [10, 20, 50, 100] as const

/** The options shared by search by picture and by name. */
interface Options {
  categoryId?: number
  filter?: string
  distinctProductId?: boolean
  scoreThreshold?: number
}

type LastQuery =
  | {
      mode: 'pic'
      profile: string
      image: PickedImage
      region: Box | null
      crop: boolean
      smallImage: SmallImage
      opts: Options
    }
  | { mode: 'name'; profile: string; productId: string; picName: string; opts: Options }
  | { mode: 'filter'; profile: string; filter: string }

export interface Detected {
  size: Size
  main: Box | null
  multi: Box[]
}

export interface CompareState {
  loading: boolean
  score?: number
  error?: ApiError
  /** The result has no thumbnail Loupe can read: the user must choose its image. */
  noImage?: boolean
}

export const resultKey = (a: { productId: string; picName: string }) =>
  `${a.productId}\u0000${a.picName}`

/** Search by picture, name or filter; results with paging; actions on a result. */
export const useSearchStore = defineStore('search', () => {
  const profiles = useProfilesStore()

  /* ---- the query being edited ---- */
  const mode = ref<SearchMode>('pic')
  const image = ref<PickedImage | null>(null)
  const imageSize = ref<Size | null>(null)
  const region = ref<Box | null>(null)
  const crop = ref(true)
  const smallImage = ref<SmallImage>('reject')
  const categoryId = ref<number | null>(null)
  const filter = ref('')
  const pageSize = ref<number>(20)
  const distinct = ref(false)
  const thresholdOn = ref(false)
  const threshold = ref(0.5)
  const byName = reactive({ productId: '', picName: '' })
  const filterQuery = ref('')

  /* ---- the last answer ---- */
  const last = ref<LastQuery | null>(null)
  const results = ref<Auction[]>([])
  const head = ref<SearchResult['head'] | null>(null)
  const picInfo = ref<SearchResult['picInfo']>(null)
  const requestId = ref('')
  const detected = ref<Detected | null>(null)
  /** The region the shown results were searched with (null: the engine's own subject). */
  const searchedRegion = ref<Box | null>(null)
  const nextStart = ref(0)
  const lastPageFull = ref(false)
  const loading = ref(false)
  const loadingMore = ref(false)
  const error = ref<ApiError | null>(null)
  const compare = ref<Record<string, CompareState>>({})

  const canLoadMore = computed(
    () =>
      !!last.value &&
      lastPageFull.value &&
      nextStart.value < MAX_RESULTS &&
      nextStart.value < (head.value?.docsFound ?? 0),
  )
  /** More results exist than the engine lets anyone page to. */
  const atPagingLimit = computed(
    () => nextStart.value >= MAX_RESULTS && (head.value?.docsFound ?? 0) > MAX_RESULTS,
  )

  function options(): Options {
    return {
      ...(categoryId.value !== null ? { categoryId: categoryId.value } : {}),
      // Sent as typed (not trimmed) so that the engine's error positions match the text shown.
      ...(filter.value.trim() ? { filter: filter.value } : {}),
      ...(distinct.value ? { distinctProductId: true } : {}),
      ...(thresholdOn.value ? { scoreThreshold: threshold.value } : {}),
    }
  }

  function setImage(img: PickedImage) {
    if (image.value && image.value !== (last.value?.mode === 'pic' ? last.value.image : null)) {
      releaseImage(image.value)
    }
    image.value = img
    // The core's size (orientation applied): a region drawn on its preview maps onto the original.
    imageSize.value = img.info ? { width: img.info.width, height: img.info.height } : null
    smallImage.value = smallImageFor(img)
    region.value = null
    detected.value = null
    searchedRegion.value = null
    if (last.value?.mode === 'pic') clearResults()
  }

  function clearResults() {
    if (last.value?.mode === 'pic' && last.value.image !== image.value)
      releaseImage(last.value.image)
    last.value = null
    results.value = []
    head.value = null
    picInfo.value = null
    requestId.value = ''
    nextStart.value = 0
    lastPageFull.value = false
    compare.value = {}
    error.value = null
  }

  async function run(q: LastQuery, start: number, num: number): Promise<SearchResult> {
    const api = getBridge().api.search
    const paging = { start, num }
    if (q.mode === 'pic') {
      return api.byPic({
        profile: q.profile,
        image: { base64: q.image.base64, name: q.image.name },
        ...(q.region ? { region: formatRegion(q.region) } : { crop: q.crop }),
        ...(q.smallImage !== 'reject' ? { smallImage: q.smallImage } : {}),
        ...q.opts,
        ...paging,
      })
    }
    if (q.mode === 'name') {
      return api.byName({
        profile: q.profile,
        productId: q.productId,
        picName: q.picName,
        ...q.opts,
        ...paging,
      })
    }
    return api.byFilter({ profile: q.profile, filter: q.filter, ...paging })
  }

  async function start(q: LastQuery) {
    loading.value = true
    error.value = null
    const num = Math.min(pageSize.value, MAX_NUM)
    try {
      const r = await run(q, 0, num)
      last.value = q
      results.value = r.auctions
      head.value = r.head
      picInfo.value = r.picInfo
      requestId.value = r.requestId
      nextStart.value = num
      lastPageFull.value = r.auctions.length >= num
      compare.value = {}
      if (q.mode === 'pic') {
        searchedRegion.value = q.region
        applyDetected(r, q.region)
      }
    } catch (e) {
      error.value = toUiError(e)
      results.value = []
      head.value = null
      last.value = null
    } finally {
      loading.value = false
    }
  }

  /** The boxes of a search by picture, in the original picture's pixels. */
  function applyDetected(r: SearchResult, given: Box | null) {
    const o = r.original
    if (!o) return
    const main = parseRegion(o.region)
    const multi = o.multiRegion.map(parseRegion).filter((b): b is Box => !!b)
    imageSize.value = { width: o.width, height: o.height }
    // A search with a drawn box answers that box: keep the subjects found before to hop between.
    if (given && detected.value) return
    detected.value = {
      size: { width: o.width, height: o.height },
      main: given && sameBox(main, given) ? null : main,
      multi: multi.filter((b) => !sameBox(b, given)),
    }
  }

  async function searchByPic(withRegion?: Box | null) {
    if (!image.value) return
    mode.value = 'pic'
    if (withRegion !== undefined) region.value = withRegion
    await start({
      mode: 'pic',
      profile: profiles.active,
      image: image.value,
      region: region.value,
      crop: crop.value,
      smallImage: smallImage.value,
      opts: options(),
    })
  }

  async function searchByName(productId = byName.productId, picName = byName.picName) {
    byName.productId = productId
    byName.picName = picName
    mode.value = 'name'
    await start({
      mode: 'name',
      profile: profiles.active,
      productId: productId.trim(),
      picName: picName.trim(),
      opts: options(),
    })
  }

  async function searchByFilter(text = filterQuery.value) {
    filterQuery.value = text
    mode.value = 'filter'
    await start({ mode: 'filter', profile: profiles.active, filter: text })
  }

  async function loadMore() {
    const q = last.value
    if (!q || !canLoadMore.value || loadingMore.value) return
    const num = Math.min(pageSize.value, MAX_NUM, MAX_RESULTS - nextStart.value)
    loadingMore.value = true
    error.value = null
    try {
      const r = await run(q, nextStart.value, num)
      if (last.value !== q) return
      const seen = new Set(results.value.map(resultKey))
      results.value = [...results.value, ...r.auctions.filter((a) => !seen.has(resultKey(a)))]
      head.value = r.head
      requestId.value = r.requestId
      nextStart.value += num
      lastPageFull.value = r.auctions.length >= num
    } catch (e) {
      error.value = toUiError(e)
    } finally {
      loadingMore.value = false
    }
  }

  /**
   * Compares the query picture with a result's picture. The result is named by its key: the core
   * compares Loupe's own copy of it (the renderer fetches no thumbnail, which the desktop's CSP
   * forbids). When Loupe has no copy, `noImage` asks the user to choose the picture.
   */
  /** Similarity of two pictures the user picked (the Compare dialog). */
  async function comparePictures(
    profile: string,
    a: { base64: string; name?: string; info?: PickedImage['info'] },
    b: { base64: string; name?: string; info?: PickedImage['info'] },
  ) {
    // A small picture is enlarged (or padded when too elongated), as a search would offer.
    const small = [a, b].map(smallImageFor).find((x) => x !== 'reject')
    return getBridge().api.search.compare({
      profile,
      primary: { base64: a.base64, name: a.name },
      secondary: { base64: b.base64, name: b.name },
      ...(small ? { smallImage: small } : {}),
    })
  }

  async function compareWith(a: Auction): Promise<CompareState> {
    const key = resultKey(a)
    const q = last.value
    if (!q || q.mode !== 'pic') return { loading: false }
    compare.value[key] = { loading: true }
    let state: CompareState
    try {
      const r = await getBridge().api.search.compare({
        profile: q.profile,
        primary: { base64: q.image.base64, name: q.image.name },
        secondary: { productId: a.productId, picName: a.picName },
        ...(q.smallImage !== 'reject' ? { smallImage: q.smallImage } : {}),
      })
      state = { loading: false, score: r.score }
    } catch (e) {
      const error = toUiError(e)
      state =
        error.code === 'NoPictureCopy'
          ? { loading: false, noImage: true }
          : { loading: false, error }
    }
    compare.value[key] = state
    return state
  }

  async function updateAttributes(a: Auction, attrs: Attributes) {
    await getBridge().api.images.update({
      profile: profiles.active,
      productId: a.productId,
      picName: a.picName,
      ...attrs,
    })
    const i = results.value.findIndex((x) => resultKey(x) === resultKey(a))
    if (i >= 0) results.value[i] = { ...results.value[i], ...attrs }
  }

  async function remove(a: Auction) {
    const r = await getBridge().api.images.remove({
      profile: profiles.active,
      productId: a.productId,
      picName: a.picName,
    })
    const k = resultKey(a)
    results.value = results.value.filter((x) => resultKey(x) !== k)
    if (head.value) head.value = { ...head.value, docsFound: Math.max(0, head.value.docsFound - 1) }
    return r
  }

  // Results belong to a profile: switching profile clears them.
  watch(
    () => profiles.active,
    (p) => {
      if (last.value && last.value.profile !== p) clearResults()
    },
  )

  return {
    mode,
    image,
    imageSize,
    region,
    crop,
    smallImage,
    categoryId,
    filter,
    pageSize,
    distinct,
    thresholdOn,
    threshold,
    byName,
    filterQuery,
    last,
    results,
    head,
    picInfo,
    requestId,
    detected,
    searchedRegion,
    nextStart,
    loading,
    loadingMore,
    error,
    compare,
    canLoadMore,
    atPagingLimit,
    setImage,
    clearResults,
    searchByPic,
    searchByName,
    searchByFilter,
    loadMore,
    compareWith,
    comparePictures,
    updateAttributes,
    remove,
  }
})
