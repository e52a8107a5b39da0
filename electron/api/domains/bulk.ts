import { z } from 'zod'
import { method } from '../define'
import { Attributes, ProfileRef, SmallImage } from '../schemas'
import { JobError } from './jobs'

/**
 * The `bulk` domain: add many pictures at once. `plan` previews what will happen to every picture
 * (ids from the naming rule, what preprocessing does or why it refuses it, duplicates already in
 * the gallery) without sending anything; `start` turns a plan (or the same options directly) into
 * a job of the persistent queue. In a browser, dropped files are first uploaded with `stage` into
 * a staging folder of the data folder and planned from there; the desktop app passes real paths.
 */

export const SourceType = z.enum(['auto', 'file', 'folder', 'csv', 'jsonl', 'increment-meta'])

export const BulkSource = z.union([
  z.string().min(1).max(4096),
  z.object({ path: z.string().min(1).max(4096), type: SourceType.optional() }),
])

/** Fields applied to every picture (a manifest's own values win). */
export const BulkDefaults = Attributes.extend({ crop: z.boolean().optional() })

export const BulkOptions = ProfileRef.extend({
  sources: z.array(BulkSource).min(1).max(10_000),
  /** folder (default), file, a template such as {product}/{name}, or /regex/ with (?<product>…). */
  naming: z.string().max(512).optional(),
  defaults: BulkDefaults.optional(),
  /**
   * Pictures already in the gallery (same bytes) under another id. Default skip. Identical files
   * within the batch are flagged (`duplicate.existing[].inPlan`) and added, each under its own id.
   */
  duplicates: z.enum(['skip', 'add']).optional(),
  /** Pictures smaller than the service type's minimum side. Default reject. */
  smallImage: SmallImage.optional(),
  /** Skip pictures already in the gallery under the same id with the same bytes. Default true. */
  skipUnchanged: z.boolean().optional(),
  recursive: z.boolean().optional(),
  /** Largest perceptual-hash distance flagged as a near duplicate; 0 turns it off. Default 6. */
  nearDistance: z.number().int().min(0).max(32).optional(),
})
export type BulkOptions = z.input<typeof BulkOptions>

/** The paths of bulk-add sources (files, folders, manifests on the serving machine). */
function sourcePaths(sources: z.output<typeof BulkSource>[]): string[] {
  return sources.map((s) => (typeof s === 'string' ? s : s.path))
}

export const DuplicateRef = z.object({
  productId: z.string(),
  picName: z.string(),
  distance: z.number().optional(),
  /** The other picture is in the same plan (earlier or later), not in the gallery. */
  inPlan: z.boolean().optional(),
  /** That picture's file (relative to its source), when it is in the same plan. */
  relPath: z.string().optional(),
})

/** One line of the preview. */
export const PlanRow = z.object({
  index: z.number(),
  op: z.enum(['add', 'delete']),
  /** add, skip (duplicate, unchanged), reject (invalid, unreadable…), delete (manifest lines). */
  action: z.enum(['add', 'delete', 'skip', 'reject']),
  source: z.string().nullable(),
  origin: z.string().nullable(),
  relPath: z.string(),
  productId: z.string().nullable(),
  picName: z.string().nullable(),
  /** What preprocessing does: kept as is, resized, converted, or refused. */
  outcome: z.enum(['kept', 'resized', 'converted', 'rejected']).nullable(),
  /** The preprocessing steps (short English forms the UI translates). */
  steps: z.array(z.string()),
  width: z.number().nullable(),
  height: z.number().nullable(),
  format: z.string().nullable(),
  /** Why the item is skipped or rejected. */
  reason: JobError.extend({ hint: z.string().optional() }).nullable(),
  duplicate: z
    .object({ kind: z.enum(['exact', 'near']), existing: z.array(DuplicateRef) })
    .nullable(),
  /** Already in the gallery under the same ids with the same bytes. */
  unchanged: z.boolean(),
})
export type PlanRow = z.infer<typeof PlanRow>

export const PlanCounts = z.object({
  add: z.number(),
  skip: z.number(),
  reject: z.number(),
  delete: z.number(),
  exact: z.number(),
  near: z.number(),
  kept: z.number(),
  resized: z.number(),
  converted: z.number(),
})

export const PlanStatus = z.object({
  planId: z.string(),
  profile: z.string(),
  state: z.enum(['planning', 'ready', 'failed', 'cancelled']),
  /** Items planned so far. */
  planned: z.number(),
  counts: PlanCounts,
  error: JobError.extend({ hint: z.string().optional() }).nullable(),
  /** An unfinished job made from the same sources and options: start resumes it. */
  resumableJobId: z.number().nullable(),
})
export type PlanStatus = z.infer<typeof PlanStatus>

const PlanId = z.string().regex(/^[A-Za-z0-9-]{6,64}$/)
const StageId = z.string().regex(/^[a-z0-9-]{8,64}$/)

/** A file dropped in a browser: its path relative to what was dropped, and its bytes. */
export const StagedFile = z.object({
  relPath: z.string().min(1).max(1024),
  base64: z.string().max(40 * 1024 * 1024),
})

export const bulkDomain = {
  /** Start planning (in the background); poll `planPage` for rows. Nothing is sent. */
  plan: method(BulkOptions, PlanStatus, { serverPaths: (i) => sourcePaths(i.sources) }),
  /** Planned rows from `offset` (what is ready so far) and the plan's status. */
  planPage: method(
    z.object({
      planId: PlanId,
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(5000).default(1000),
    }),
    z.object({ status: PlanStatus, rows: z.array(PlanRow) }),
  ),
  /** Stop planning and forget the plan. */
  discardPlan: method(z.object({ planId: PlanId }), z.object({ ok: z.literal(true) })),
  /** The ids a naming rule gives for a few paths (live preview while the rule is edited). */
  derive: method(
    z.object({
      naming: z.string().max(512),
      samples: z
        .array(z.object({ relPath: z.string().min(1).max(4096), rootName: z.string().max(1024) }))
        .max(100),
    }),
    z.object({
      error: JobError.extend({ hint: z.string().optional() }).nullable(),
      rows: z.array(
        z.object({
          relPath: z.string(),
          productId: z.string().nullable(),
          picName: z.string().nullable(),
          error: z.string().nullable(),
        }),
      ),
    }),
  ),
  /**
   * Start a bulk-add job, from a finished plan (with per-item overrides) or directly from options
   * (planned while it runs). An unfinished job with the same sources and options is resumed.
   */
  start: method(
    z.union([
      z
        .object({
          planId: PlanId,
          /** `add`: every picture skipped as a duplicate is added anyway. */
          duplicates: z.enum(['skip', 'add']).optional(),
          /** Per item (by plan index): add anyway, or skip. */
          overrides: z
            .array(z.object({ index: z.number().int().min(0), action: z.enum(['add', 'skip']) }))
            .max(1_000_000)
            .optional(),
          title: z.string().max(200).optional(),
        })
        .strict(),
      BulkOptions.extend({ title: z.string().max(200).optional() }).strict(),
    ]),
    z.object({ jobId: z.number(), resumed: z.boolean() }),
    { serverPaths: (i) => ('sources' in i ? sourcePaths(i.sources) : []) },
  ),
  /** Upload dropped files (browser host) into a staging folder; call again with the same stageId. */
  stage: method(
    z.object({ stageId: StageId.optional(), files: z.array(StagedFile).min(1).max(500) }),
    z.object({
      stageId: z.string(),
      /** The staged top-level files and folders, as sources for `plan`. */
      sources: z.array(z.string()),
      staged: z.number(),
      bytes: z.number(),
    }),
    { slow: true },
  ),
  /** Delete a staging folder that will not be used. */
  discardStage: method(z.object({ stageId: StageId }), z.object({ ok: z.literal(true) })),
}
