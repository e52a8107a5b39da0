import { z } from 'zod'
import { method } from '../define'
import { FilterText, ImageKey, ProfileName } from '../schemas'

/**
 * The `copy` domain: copy or sync a gallery from one profile to another (local → cloud, cloud →
 * local, to a remote Loupe). `plan` is the dry run — what would be added, updated, deleted, where
 * each picture comes from, whether the target can hold it — and writes nothing; `start` turns a
 * plan into one job of kind `gallery-copy` in the persistent queue (pause, resume, cancel, retry
 * and kill -9 go through the `jobs` domain); `report` is the verification made when the job ended.
 */

/** Where a picture's bytes come from, in the order they are tried. */
export const CopySource = z.enum(['sourceFile', 'localStore', 'ossObject', 'none'])
export type CopySource = z.infer<typeof CopySource>

export const CopyAction = z.enum(['add', 'update', 'delete', 'unchanged', 'noPicture'])
export type CopyAction = z.infer<typeof CopyAction>

/** How the pictures reach the target: one AddImage each, or one increment.meta batch task. */
export const CopyPath = z.enum(['addImage', 'batch'])
export type CopyPath = z.infer<typeof CopyPath>

/** What to copy: the whole source gallery, or part of it (all given narrowings apply). */
export const CopyScope = z
  .object({
    from: ProfileName,
    to: ProfileName,
    /** Only pictures matching a filter in the engines' language (int_attr…, str_attr…). */
    filter: FilterText.min(1).optional(),
    category: z.number().int().min(0).optional(),
    productIds: z.array(ImageKey.shape.productId).min(1).max(10_000).optional(),
    /** A gallery selection (the Gallery view's selected rows). */
    keys: z.array(ImageKey).min(1).max(100_000).optional(),
    /** Make the target equal to the source: updates and deletes too (deletes need confirming). */
    sync: z.boolean().optional(),
    /**
     * The fast path to a cloud target: with an OSS bucket (same region as the instance; `local`
     * for a remote Loupe's batch root), at least `threshold` pictures (default 2000,
     * LOUPE_COPY_BATCH_THRESHOLD) go as increment.meta batch tasks instead of one AddImage each.
     */
    batch: z
      .object({
        bucket: z.string().min(3).max(63),
        path: z.string().max(1024).optional(),
        ossEndpoint: z.string().max(512).optional(),
        threshold: z.number().int().min(0).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
export type CopyScope = z.input<typeof CopyScope>

export const CopyPlanItem = z.object({
  productId: z.string(),
  picName: z.string(),
  action: CopyAction,
  source: CopySource,
  /** Why no picture is available, what changed for an update, the source file's path… */
  detail: z.string().optional(),
})
export type CopyPlanItem = z.infer<typeof CopyPlanItem>

export const CopyCounts = z.object({
  /** Pictures in the (narrowed) source gallery. */
  source: z.number(),
  /** Pictures in the target before the copy (its whole gallery). */
  target: z.number(),
  add: z.number(),
  update: z.number(),
  delete: z.number(),
  unchanged: z.number(),
  noPicture: z.number(),
})

export const CopyPlan = z.object({
  planId: z.string(),
  from: z.string(),
  to: z.string(),
  sync: z.boolean(),
  path: CopyPath,
  counts: CopyCounts,
  /** How many of the pictures to send come from each source. */
  sources: z.object({
    sourceFile: z.number(),
    localStore: z.number(),
    ossObject: z.number(),
    none: z.number(),
  }),
  capacity: z.object({
    /** The target's capacity (pictures), null when it does not say. */
    target: z.number().nullable(),
    used: z.number(),
    afterCopy: z.number(),
    fits: z.boolean(),
    /** By how many pictures the target is too small (0 when it fits). */
    short: z.number(),
  }),
  /** AddImage calls per second the target allows and the time the copy should take. */
  rate: z.object({ qps: z.number(), estimateSeconds: z.number() }),
  /** The first 500 items in order (`planItems` pages through all). */
  items: z.array(CopyPlanItem),
  /** Every delete of a sync, for confirmation. */
  deletes: z.array(ImageKey),
  /**
   * An unfinished copy job with the same profiles and scope (stopped by a crash, paused,
   * interrupted): `start` resumes it, adding what this plan found that it does not have.
   */
  resumableJobId: z.number().nullable(),
  createdAt: z.number(),
})
export type CopyPlan = z.infer<typeof CopyPlan>

const PlanId = z.string().regex(/^[A-Za-z0-9-]{6,64}$/)
const JobRef = z.object({ jobId: z.number().int().positive() })

export const CopyReport = z.object({
  jobId: z.number(),
  /** pending: the job has not ended; running: verifying now; done: the report below is final. */
  state: z.enum(['pending', 'running', 'done']),
  counts: z.object({
    /** Pictures in the narrowed source / in the target's whole gallery when the job ended. */
    source: z.number(),
    target: z.number(),
    copied: z.number(),
    deleted: z.number(),
    failed: z.number(),
    noPicture: z.number(),
  }),
  /** Keys copied by the job that the target does not have. */
  missing: z.array(ImageKey),
  /** N searches by picture on both profiles: does the same product come first? */
  sample: z.object({
    n: z.number(),
    agreed: z.number(),
    rows: z.array(
      z.object({
        productId: z.string(),
        picName: z.string(),
        sourceTop: z.string().nullable(),
        targetTop: z.string().nullable(),
        agree: z.boolean(),
      }),
    ),
  }),
  /** Why the verification could not be made in full (the target unreachable…), null otherwise. */
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  at: z.number().nullable(),
})
export type CopyReport = z.infer<typeof CopyReport>

export const copyDomain = {
  /** The dry run: reads both galleries (a fresh dump for a cloud source), writes nothing. */
  plan: method(CopyScope, CopyPlan, { slow: true }),
  /** A page of a plan's items, optionally only some actions. */
  planItems: method(
    z.object({
      planId: PlanId,
      actions: z.array(CopyAction).max(5).optional(),
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(5000).default(500),
    }),
    z.object({ items: z.array(CopyPlanItem), total: z.number() }),
  ),
  /** Forget a plan that will not be started. */
  discardPlan: method(z.object({ planId: PlanId }), z.object({ ok: z.literal(true) })),
  /**
   * Start the copy of a plan as a `gallery-copy` job. Refuses before any write with
   * `CopyTargetFull` (the target cannot hold it; says by how much) and `CopyDeletesNotConfirmed`
   * (a sync with deletes without `confirmDeletes`). The same plan started twice answers the job
   * made the first time; an unfinished job of the same copy (`resumableJobId`) is resumed
   * (`resumed: true`) with the plan's items it does not have yet.
   */
  start: method(
    z.object({ planId: PlanId, confirmDeletes: z.boolean().optional() }).strict(),
    z.object({ jobId: z.number(), resumed: z.boolean() }),
  ),
  /** The verification of a copy job (made when it ended, stored with it). */
  report: method(JobRef, CopyReport),
}
