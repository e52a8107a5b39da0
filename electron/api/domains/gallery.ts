import { z } from 'zod'
import { method } from '../define'
import { LIMITS, attrShape } from '../../domain'
import { Attributes, FilterText, ImageKey, ProfileRef } from '../schemas'

/**
 * The `gallery` domain: browsing the profile's local gallery cache (works offline), bulk changes
 * of a selection through the engine, exports, and the engine's reachability for the offline banner.
 */

export const SyncState = z.enum([
  'synced',
  'pending-add',
  'pending-update',
  'pending-delete',
  'error',
])

const nInt = z.number().int().nullable()
const nStr = z.string().nullable()

export const GalleryImage = z.object({
  productId: z.string(),
  picName: z.string(),
  categoryId: nInt,
  customContent: nStr,
  ...attrShape(
    () => nInt,
    () => nStr,
  ),
  region: nStr,
  sourcePath: nStr,
  sha256: nStr,
  phash: nStr,
  thumbnail: nStr,
  syncState: SyncState,
  syncError: nStr,
  addedAt: z.number(),
  updatedAt: z.number(),
  seenAt: z.number().nullable(),
  /** The local engine could not predict the category: no labelled neighbours (Other). */
  categoryNote: z.literal('noLabelledNeighbours').nullish(),
})
export type GalleryImage = z.infer<typeof GalleryImage>

/** What to match: every condition given must hold (text AND filter AND category …). */
export const GalleryQuery = z.object({
  /** Free text: substrings of productId, picName, customContent and the text attributes. */
  text: z.string().max(512).optional(),
  /** The engine's filter language, e.g. `int_attr>=100 AND str_attr="red"`. */
  filter: FilterText.optional(),
  categoryId: z.number().int().min(0).optional(),
  productId: z.string().min(1).max(LIMITS.productId).optional(),
  syncState: z.union([SyncState, z.array(SyncState).min(1).max(5)]).optional(),
})
export type GalleryQuery = z.infer<typeof GalleryQuery>

export const GallerySort = z.enum(['updated', 'added', 'productId', 'picName', 'category'])
export const GroupSort = z.enum(['productId', 'count', 'updated'])
export const SortOrder = z.enum(['asc', 'desc'])

const Paging = {
  limit: z.number().int().min(1).max(1000).default(100),
  offset: z.number().int().min(0).max(100_000_000).default(0),
}

export const ListInput = ProfileRef.extend(GalleryQuery.shape).extend({
  sort: GallerySort.default('updated'),
  order: SortOrder.default('desc'),
  ...Paging,
})

export const ListResult = z.object({ total: z.number(), items: z.array(GalleryImage) })

export const ProductGroup = z.object({
  productId: z.string(),
  count: z.number(),
  updatedAt: z.number(),
  cover: GalleryImage,
})

export const GroupsInput = ProfileRef.extend(GalleryQuery.omit({ productId: true }).shape).extend({
  sort: GroupSort.default('productId'),
  order: SortOrder.default('asc'),
  ...Paging,
})

export const GalleryStats = z.object({
  count: z.number(),
  products: z.number(),
  byCategory: z.array(z.object({ categoryId: z.number().nullable(), count: z.number() })),
  bySyncState: z.record(z.string(), z.number()),
  lastImportAt: z.number().nullable(),
})

export const ApiErrorShape = z.object({
  code: z.string(),
  message: z.string(),
  hint: z.string().optional(),
  requestId: z.string().optional(),
  httpStatus: z.number().optional(),
})

export const EngineStatus = z.object({
  profile: z.string(),
  kind: z.enum(['local', 'cloud']),
  /** The engine answered (writes possible). The cache browses either way. */
  online: z.boolean(),
  checkedAt: z.number(),
  /** Why the engine cannot be used, when it cannot. */
  error: ApiErrorShape.nullable(),
})
export type EngineStatus = z.infer<typeof EngineStatus>

/** Images to act on: explicit keys, or every image matching a query. */
export const Selection = z.union([
  z.object({ keys: z.array(ImageKey).min(1).max(100_000) }),
  z.object({ query: GalleryQuery }),
])
export type Selection = z.infer<typeof Selection>

/** Caller-chosen id of a long operation: progress events carry it, `cancel` takes it. */
export const OpId = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,64}$/, '1-64 letters, digits, ".", "_", ":" or "-"')

export const BulkUpdateInput = ProfileRef.extend({
  selection: Selection,
  attributes: Attributes.refine((a) => Object.values(a).some((v) => v !== undefined), {
    message: 'Give at least one attribute to change',
  }),
  opId: OpId.optional(),
})

export const BulkDeleteInput = ProfileRef.extend({ selection: Selection, opId: OpId.optional() })

/**
 * Sets the category of the selected images as the user's. Local engine: without describing the
 * pictures again. Cloud: UpdateImage cannot change a category, so each picture is added again
 * from its source file — only where that file is known and unchanged (else the item fails and
 * says why).
 */
export const SetCategoryInput = ProfileRef.extend({
  selection: Selection,
  categoryId: z.number().int().min(0),
  opId: OpId.optional(),
})

/** Local engine: predicts the category of every image the user did not label. */
export const PredictCategoriesInput = ProfileRef.extend({ opId: OpId.optional() })

export const PredictCategoriesResult = z.object({
  opId: z.string(),
  /** Images not labelled by the user (looked at). */
  total: z.number(),
  /** Got a category from labelled neighbours. */
  predicted: z.number(),
  /** No labelled picture near: still Other ("no labelled neighbours"). */
  noLabelledNeighbours: z.number(),
  /** Labelled neighbours disagree: Other. */
  undecided: z.number(),
  /** Images whose category or note changed. */
  changed: z.number(),
  cancelled: z.boolean(),
})
export type PredictCategoriesResult = z.infer<typeof PredictCategoriesResult>

export const ItemFailure = z.object({
  productId: z.string(),
  picName: z.string(),
  code: z.string(),
  message: z.string(),
})

export const BulkResult = z.object({
  opId: z.string(),
  /** How the work ran: queued as a job, or one by one in this call. */
  mode: z.enum(['job', 'sequential']),
  jobId: z.number().nullable(),
  total: z.number(),
  done: z.number(),
  failed: z.number(),
  /** Not attempted (cancelled, or stopped after an error every other image would hit too). */
  skipped: z.number(),
  /** The first failures (at most 100). */
  failures: z.array(ItemFailure),
  /** Set when the work stopped early: the engine cannot be reached, credentials, quota… */
  stopped: ApiErrorShape.nullable(),
  cancelled: z.boolean(),
})
export type BulkResult = z.infer<typeof BulkResult>

export const ExportFormat = z.enum(['csv', 'jsonl', 'meta'])
export type ExportFormat = z.infer<typeof ExportFormat>

export const ExportInput = ProfileRef.extend({
  /** Default: the whole cache. */
  selection: Selection.optional(),
  format: ExportFormat,
  /** `text`: returned in the result (up to 50,000 images); `file`: written under exports/. */
  to: z.enum(['text', 'file']).default('file'),
  sort: GallerySort.default('productId'),
  order: SortOrder.default('asc'),
  opId: OpId.optional(),
})

export const ExportResult = z.object({
  format: ExportFormat,
  count: z.number(),
  fileName: z.string(),
  text: z.string().optional(),
  /** Absolute path of the written file (to: file). */
  path: z.string().optional(),
  /** Where a browser can download it (headless host), when the host serves files. */
  url: z.string().nullable().optional(),
})

export const RevealResult = z.object({
  path: z.string(),
  /** The host showed it in the file manager (desktop); false in a browser. */
  revealed: z.boolean(),
})

export const galleryDomain = {
  list: method(ListInput, ListResult),
  groups: method(GroupsInput, z.object({ total: z.number(), items: z.array(ProductGroup) })),
  get: method(ProfileRef.extend(ImageKey.shape), z.object({ image: GalleryImage.nullable() })),
  stats: method(ProfileRef, GalleryStats),
  /** Can the profile's engine be reached? Cached for a few seconds unless `refresh`. */
  status: method(ProfileRef.extend({ refresh: z.boolean().optional() }), EngineStatus),
  update: method(BulkUpdateInput, BulkResult, { slow: true }),
  remove: method(BulkDeleteInput, BulkResult, { slow: true }),
  setCategory: method(SetCategoryInput, BulkResult, { slow: true }),
  predictCategories: method(PredictCategoriesInput, PredictCategoriesResult, { slow: true }),
  export: method(ExportInput, ExportResult, { slow: true }),
  /** Stops a running bulk update/delete, export or dump import by its opId. */
  cancel: method(z.object({ opId: OpId }), z.object({ cancelled: z.boolean() })),
  /** The image's source file; the desktop host also shows it in the file manager. */
  revealSource: method(ProfileRef.extend(ImageKey.shape), RevealResult),
} as const
