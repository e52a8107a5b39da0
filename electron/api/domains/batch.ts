import { z } from 'zod'
import { method } from '../define'
import { BATCH_LINE_STATES, BATCH_STATES, wireShape } from '../../domain'
import { Attributes, ProfileName, RegionText } from '../schemas'

/* ---------- batch tasks (IncreaseInstance / IncreaseList, run by Loupe end to end) ---------- */

const LocalPath = z.string().min(1).max(4096)

export const BatchSource = z.discriminatedUnion('type', [
  z.object({ type: z.literal('folder'), path: LocalPath, recursive: z.boolean().optional() }),
  z.object({
    type: z.literal('files'),
    paths: z.array(LocalPath).min(1).max(1_000_000),
    root: LocalPath.optional(),
  }),
  z.object({ type: z.literal('manifest'), path: LocalPath }),
])
export type BatchSource = z.infer<typeof BatchSource>

/** The paths a batch source reads on the serving machine. */
function sourcePaths(s: BatchSource): string[] {
  if (s.type === 'files') return [...s.paths, ...(s.root === undefined ? [] : [s.root])]
  return [s.path]
}

export const BatchDefaults = Attributes.extend({
  crop: z.boolean().optional(),
  region: RegionText.optional(),
})

const BatchPlanInput = z.object({
  profile: ProfileName.optional(),
  source: BatchSource,
  /** folder, file, a template such as {product}/{name}, or /regex/ with (?<product>…). */
  naming: z.string().max(512).optional(),
  defaults: BatchDefaults.optional(),
})

export const BatchCreateInput = BatchPlanInput.extend({
  /** Run pictures through imaging first (orientation, pixel and size limits). Default true. */
  prepare: z.boolean().optional(),
  /** Cloud: the OSS bucket (same region as the instance). Local: leave empty (bucket "local"). */
  bucket: z.string().min(1).max(63).optional(),
  /** Cloud: the path in the bucket, "/a/b" (default /loupe/batch-<time>-<id>). */
  path: z.string().min(1).max(1024).optional(),
  callbackAddress: z.string().max(1024).optional(),
  /** Cloud: OSS endpoint, when not https://oss-<region>.aliyuncs.com. */
  ossEndpoint: z.string().max(1024).optional(),
  title: z.string().max(256).optional(),
})

export const MetaLine = z.object({
  OperationType: z.enum(['ADD', 'DELETE']),
  ProductId: z.string(),
  PicName: z.string().optional(),
  CategoryId: z.number().optional(),
  CustomContent: z.string().optional(),
  ...wireShape(
    () => z.number().optional(),
    () => z.string().optional(),
  ),
  Crop: z.boolean().optional(),
  Region: z.string().optional(),
})

export const BatchPreview = z.object({
  total: z.number(),
  adds: z.number(),
  deletes: z.number(),
  rejected: z.number(),
  sample: z.array(MetaLine),
  rejectedLines: z.array(z.object({ origin: z.string(), code: z.string(), message: z.string() })),
})

export { BATCH_LINE_STATES, BATCH_STATES }

export const BatchTask = z.object({
  id: z.number(),
  profile: z.string(),
  engineKind: z.enum(['local', 'cloud']),
  title: z.string(),
  source: z.union([
    BatchSource,
    z.object({ type: z.literal('retry'), of: z.number() }),
    /** A gallery copy's fast path (`tag` names the copy job). */
    z.object({ type: z.literal('copy'), tag: z.string(), items: z.number() }),
  ]),
  sourceText: z.string(),
  options: z.object({
    naming: z.string().optional(),
    defaults: BatchDefaults.partial().optional(),
    prepare: z.boolean(),
    callbackAddress: z.string().optional(),
    ossEndpoint: z.string().optional(),
    retryOf: z.number().optional(),
  }),
  state: z.enum(BATCH_STATES),
  detail: z.string().nullable(),
  bucket: z.string().nullable(),
  path: z.string().nullable(),
  engineTaskId: z.number().nullable(),
  engineStatus: z.string().nullable(),
  engineCode: z.string().nullable(),
  engineMessage: z.string().nullable(),
  errorUrl: z.string().nullable(),
  linesTotal: z.number(),
  linesRejected: z.number(),
  linesOk: z.number(),
  linesFailed: z.number(),
  filesTotal: z.number(),
  filesDone: z.number(),
  bytesTotal: z.number(),
  bytesDone: z.number(),
  error: z
    .object({ code: z.string(), message: z.string(), hint: z.string().optional() })
    .nullable(),
  createdAt: z.number(),
  startedAt: z.number().nullable(),
  preparedAt: z.number().nullable(),
  uploadedAt: z.number().nullable(),
  submittedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  updatedAt: z.number(),
})
export type BatchTask = z.infer<typeof BatchTask>

export const BatchLine = z.object({
  seq: z.number(),
  metaLine: z.number().nullable(),
  op: z.enum(['add', 'delete']),
  source: z.string().nullable(),
  origin: z.string(),
  productId: z.string(),
  picName: z.string().nullable(),
  state: z.enum(BATCH_LINE_STATES),
  code: z.string().nullable(),
  message: z.string().nullable(),
  /** The increment.meta line (JSON). */
  meta: z.string(),
})
export type BatchLine = z.infer<typeof BatchLine>

const TaskId = z.object({ id: z.number().int().positive() })

export const batchDomain = {
  /** What increment.meta a source gives (counts, first lines, lines set apart); nothing is stored. */
  preview: method(BatchPlanInput, BatchPreview, {
    slow: true,
    serverPaths: (i) => sourcePaths(i.source),
  }),
  /** Plan and queue a batch task; a path escaping its folder refuses the source (InvalidPicName). */
  create: method(BatchCreateInput, BatchTask, {
    slow: true,
    serverPaths: (i) => sourcePaths(i.source),
  }),
  list: method(
    z.object({
      profile: ProfileName.optional(),
      limit: z.number().int().min(1).max(500).optional(),
      offset: z.number().int().min(0).optional(),
    }),
    z.object({
      tasks: z.array(BatchTask),
      total: z.number(),
      /** The process running batch tasks of this data folder, if any. */
      runner: z.object({ pid: z.number(), host: z.string(), self: z.boolean() }).nullable(),
    }),
  ),
  get: method(TaskId, BatchTask),
  lines: method(
    TaskId.extend({
      states: z.array(z.enum(BATCH_LINE_STATES)).optional(),
      offset: z.number().int().min(0).optional(),
      limit: z.number().int().min(1).max(1000).optional(),
    }),
    z.object({ total: z.number(), lines: z.array(BatchLine) }),
  ),
  /** A new task with the failed and set-apart lines of a finished one. */
  retryFailed: method(TaskId, BatchTask, { slow: true }),
  /** Cancel a task not yet handed to the engine. */
  cancel: method(TaskId, BatchTask),
}
