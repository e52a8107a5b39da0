/**
 * The Engine interface: the operations of Alibaba Cloud Image Search (API 2020-12-14, official SDK
 * `@alicloud/imagesearch20201214`), with camelCase domain types. The wire layer maps them to and from
 * the cloud's PascalCase envelopes; the cloud engine maps the SDK's models to them.
 */

import type { AttrInput, ServiceType } from '../../domain'
import type { Geometry } from '../imaging/types'

/** Region on an image: `x1,x2,y1,y2` in pixels (the cloud's string form is kept as is). */
export type RegionString = string

export type { ServiceType } from '../../domain'

/** CategoryId, CustomContent and the filterable attributes (electron/domain/attributes.ts). */
export type ImageAttributes = AttrInput & {
  categoryId?: number
  customContent?: string
}

export interface AddImageRequest extends ImageAttributes {
  productId: string
  picName: string
  /** Encoded image bytes (JPEG, PNG, …) already prepared to the engine's limits. */
  picContent: Buffer
  /** Detect the subject (default true). A given region always wins. */
  crop?: boolean
  region?: RegionString
}

/**
 * What Loupe knows of a picture it adds besides the request: engines ignore it; the registry's
 * write-through wrapper records it in the gallery cache (see `gallery/write-through.ts`).
 */
export interface PictureFacts {
  /** The local file the picture was read from (absolute path), if any. */
  sourcePath?: string | null
  /** SHA-256 of the original bytes (hex). */
  sha256?: string | null
  /** 64-bit perceptual hash (16 hex characters). */
  phash?: string | null
  /** The thumbnail: its bytes (saved under the profile's thumbs/), or the path of one saved. */
  thumbnail?: Buffer | string | null
  /** How the bytes sent relate to the original: a region the engine reports is mapped back. */
  geometry?: Geometry
}

/**
 * Local engine only: the category could not be predicted — none of the picture's nearest gallery
 * neighbours has a category of its own (all "Other"), so there was nothing to learn it from.
 */
export type CategoryNote = 'noLabelledNeighbours'

export interface PicInfo {
  categoryId: number
  region: RegionString | null
  /** Set when `categoryId` is Other only for want of labelled neighbours (local engine). */
  categoryNote?: CategoryNote
}

export interface AddImageResult {
  requestId: string
  picInfo: PicInfo
}

export interface UpdateImageRequest extends ImageAttributes {
  productId: string
  picName: string
}

/**
 * Local engine only (not an operation of the cloud, whose UpdateImage cannot change a category):
 * set the category of an indexed image as the user's, without describing the picture again.
 */
export interface SetCategoryRequest {
  productId: string
  picName: string
  categoryId: number
}

/** What predicting the category of every image the user did not label changed and found. */
export interface PredictCategoriesResult {
  /** Images not labelled by the user, i.e. looked at. */
  total: number
  /** Got a category other than Other from labelled neighbours. */
  predicted: number
  /** No labelled picture is close enough: still Other, with the note. */
  noLabelledNeighbours: number
  /** Labelled neighbours disagree (no category has half the votes): Other. */
  undecided: number
  /** Images whose stored category or note changed (what a cache has to follow). */
  changed: {
    productId: string
    picName: string
    categoryId: number
    categoryNote: CategoryNote | null
  }[]
  /** Stopped by the signal before the end (what was done is kept). */
  cancelled: boolean
}

export interface DeleteImageRequest {
  productId?: string
  picName?: string
  /** With isDeleteByFilter, delete every image matching this filter expression. */
  filter?: string
  isDeleteByFilter?: boolean
}

export interface DeleteImageResult {
  requestId: string
  /** Picture names deleted (the cloud returns them for delete-by-filter). */
  picNames: string[]
}

export interface CheckImageExistsRequest {
  productId: string
  picName: string
}

export interface CheckImageExistsResult {
  requestId: string
  exist: boolean
}

export interface SearchOptions {
  categoryId?: number
  /** 1..100, default 10 */
  num?: number
  /** 0..499, default 0; start + num <= 500 */
  start?: number
  filter?: string
  distinctProductId?: boolean
  scoreThreshold?: number
}

export interface SearchImageByPicRequest extends SearchOptions {
  picContent: Buffer
  crop?: boolean
  region?: RegionString
}

export interface SearchImageByNameRequest extends SearchOptions {
  productId: string
  picName: string
}

export interface SearchImageByFilterRequest {
  filter: string
  num?: number
  start?: number
}

export interface SearchImageByTextRequest {
  text: string
  num?: number
  start?: number
  filter?: string
}

export interface Auction extends ImageAttributes {
  productId: string
  picName: string
  categoryId: number
  customContent: string
  /** Similarity 0..1 (1 = identical). */
  score: number
  sortExprValues: string
}

export interface Category {
  id: number
  name: string
}

export interface SearchPicInfo {
  categoryId: number | null
  /** Set when `categoryId` is Other only for want of labelled neighbours (local engine). */
  categoryNote?: CategoryNote
  region: RegionString | null
  allCategories: Category[]
  multiRegion: RegionString[]
}

export interface SearchHead {
  docsFound: number
  docsReturn: number
  searchTime: number
}

export interface SearchResult {
  requestId: string
  auctions: Auction[]
  head: SearchHead
  picInfo: SearchPicInfo | null
}

export interface CompareSimilarByImageRequest {
  primaryPicContent: Buffer
  secondaryPicContent: Buffer
}

export interface CompareSimilarByImageResult {
  requestId: string
  score: number
}

export interface InstanceInfo {
  name: string
  capacity: number
  totalCount: number
  qps: number
  region: string
  serviceType: ServiceType | string
  /** Milliseconds since the epoch. */
  utcCreate: number
  /** Milliseconds since the epoch; null when it never expires (local). */
  utcExpireTime: number | null
}

export interface DetailResult {
  requestId: string
  instance: InstanceInfo
}

export type TaskStatus = 'PROCESSING' | 'SUCCESS' | 'FAIL'

export interface DumpMetaResult {
  requestId: string
  dumpMetaStatus: TaskStatus
  id: number
}

export interface DumpMetaTask {
  id: number
  status: TaskStatus
  code: string | null
  message: string | null
  metaUrl: string | null
  utcCreate: number
  utcModified: number
}

export interface ListRequest {
  id?: number
  pageNumber?: number
  pageSize?: number
}

export interface DumpMetaListResult {
  requestId: string
  pageNumber: number
  pageSize: number
  totalCount: number
  dumpMetaList: DumpMetaTask[]
}

export interface IncreaseInstanceRequest {
  bucketName: string
  path: string
  callbackAddress?: string
}

export interface IncreaseInstanceResult {
  requestId: string
  incrementStatus: TaskStatus
  id: number
}

export interface IncreaseTask {
  id: number
  bucketName: string
  path: string
  status: TaskStatus
  code: string | null
  message: string | null
  errorUrl: string | null
  callbackAddress: string | null
  utcCreate: number
  utcModified: number
}

export interface IncreaseListRequest extends ListRequest {
  bucketName?: string
  path?: string
  status?: TaskStatus
}

export interface IncreaseListResult {
  requestId: string
  pageNumber: number
  pageSize: number
  totalCount: number
  increments: IncreaseTask[]
}

/** Every operation of Image Search 2020-12-14. Implementations throw EngineError. */
export interface Engine {
  readonly kind: 'local' | 'cloud'
  /** `facts` are for the gallery cache's write-through (engines themselves ignore them). */
  addImage(req: AddImageRequest, facts?: PictureFacts): Promise<AddImageResult>
  updateImage(req: UpdateImageRequest): Promise<{ requestId: string }>
  deleteImage(req: DeleteImageRequest): Promise<DeleteImageResult>
  checkImageExists(req: CheckImageExistsRequest): Promise<CheckImageExistsResult>
  searchImageByPic(req: SearchImageByPicRequest): Promise<SearchResult>
  searchImageByName(req: SearchImageByNameRequest): Promise<SearchResult>
  searchImageByFilter(req: SearchImageByFilterRequest): Promise<SearchResult>
  searchImageByText(req: SearchImageByTextRequest): Promise<SearchResult>
  compareSimilarByImage(req: CompareSimilarByImageRequest): Promise<CompareSimilarByImageResult>
  detail(): Promise<DetailResult>
  dumpMeta(): Promise<DumpMetaResult>
  dumpMetaList(req: ListRequest): Promise<DumpMetaListResult>
  increaseInstance(req: IncreaseInstanceRequest): Promise<IncreaseInstanceResult>
  increaseList(req: IncreaseListRequest): Promise<IncreaseListResult>
  close(): Promise<void>
}
