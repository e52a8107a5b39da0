import { z } from 'zod'
import { method } from '../define'
import { ImageKey, ProfileRef } from '../schemas'

/**
 * The `duplicates` domain: the near-duplicate audit of a profile's gallery (issue 15 part 2).
 *
 * A scan (`scan`, a job of kind `duplicate-audit`) finds every pair of pictures at least as similar
 * as its threshold — local engine: from its stored vectors; cloud: from the gallery cache's
 * thumbnails through the local picture model (`approximate: true`). Pairs are kept per profile, so
 * `preview` (any threshold at or above the scan's) and `groups` answer at once. Groups are
 * connected pictures: `across` when they carry more than one product id (a conflict: which
 * product should a shopper get?), `within` when they all belong to one product (wasted slots).
 *
 * Review: `plan` stages actions per group (undoable: `discard`, or stage another action for the
 * same group), `apply` runs them through the normal write path (gallery-delete jobs, and
 * `duplicate-move` jobs that add the picture under the new id then delete the old one), so the
 * gallery cache and the engine stay in step. "Not a duplicate" is remembered per profile: those
 * pairs never group again.
 */

/** Cosine similarity of two pictures' descriptors (1 = the same picture). */
export const Similarity = z.number().min(0.5).max(1)

/** Default threshold: re-encoded and resized copies score above it; distinct products rarely. */
export const DEFAULT_DUPLICATE_THRESHOLD = 0.95

export const DuplicateKind = z.enum(['across', 'within'])
export type DuplicateKind = z.infer<typeof DuplicateKind>

export const AuditState = z.enum(['none', 'running', 'done', 'failed', 'cancelled'])

/** The last audit of the profile (the one `preview` and `groups` read). */
export const AuditInfo = z.object({
  auditId: z.number().nullable(),
  jobId: z.number().nullable(),
  state: AuditState,
  /** Cloud profiles: computed from the cache's thumbnails with the local model. */
  approximate: z.boolean(),
  /** The threshold the scan was asked for (groups default to it). */
  threshold: z.number().nullable(),
  /** Pairs down to this similarity are kept: `preview` covers thresholds ≥ it. */
  floor: z.number().nullable(),
  /** Pictures compared. */
  pictures: z.number(),
  /** Pictures that could not be compared (cloud: no thumbnail in the cache). */
  missing: z.number(),
  pairs: z.number(),
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
})
export type AuditInfo = z.infer<typeof AuditInfo>

export const DuplicateMember = ImageKey.extend({
  categoryId: z.number().nullable(),
  customContent: z.string().nullable(),
  /** The set attributes (intAttr…, strAttr…) by name. */
  attributes: z.record(z.string(), z.union([z.string(), z.number()])),
  /** Similarity to the closest other member of the group. */
  similarity: z.number(),
  /** The gallery cache's thumbnail (as `GalleryImage.thumbnail`), when there is one. */
  thumbnail: z.string().nullable(),
})
export type DuplicateMember = z.infer<typeof DuplicateMember>

export const StagedAction = z.discriminatedUnion('action', [
  z.object({ groupId: z.string(), action: z.literal('keepOne'), keep: ImageKey }),
  z.object({
    groupId: z.string(),
    action: z.literal('moveTo'),
    productId: ImageKey.shape.productId,
  }),
  z.object({ groupId: z.string(), action: z.literal('notDuplicate') }),
])
export type StagedAction = z.infer<typeof StagedAction>

export const DuplicateGroup = z.object({
  /** Stable for the same members (a hash of their keys). */
  groupId: z.string(),
  kind: DuplicateKind,
  maxSimilarity: z.number(),
  members: z.array(DuplicateMember),
  /** The action staged for this group, if any. */
  staged: StagedAction.nullable(),
})
export type DuplicateGroup = z.infer<typeof DuplicateGroup>

const Pair = z.object({
  a: DuplicateMember,
  b: DuplicateMember,
  similarity: z.number(),
})

export const ThresholdPreview = z.object({
  threshold: z.number(),
  /** False when the last scan's floor is above this threshold (scan again lower to see it). */
  covered: z.boolean(),
  groups: z.number(),
  pictures: z.number(),
  across: z.number(),
  within: z.number(),
  /** Up to 3 pairs just above this threshold: what it catches at its edge. */
  examples: z.array(Pair),
})

export const PreviewInput = ProfileRef.extend({
  thresholds: z.array(Similarity).min(1).max(20),
  acrossProducts: z.boolean().optional(),
})
export const PreviewResult = z.object({
  audit: AuditInfo,
  thresholds: z.array(ThresholdPreview),
})

export const ScanInput = ProfileRef.extend({
  threshold: Similarity.default(DEFAULT_DUPLICATE_THRESHOLD),
  /** Keep only pairs of different product ids (a faster, smaller audit). */
  acrossProducts: z.boolean().optional(),
})
export const ScanResult = z.object({
  jobId: z.number(),
  auditId: z.number(),
  approximate: z.boolean(),
})

export const GroupsInput = ProfileRef.extend({
  page: z.number().int().min(0).default(0),
  pageSize: z.number().int().min(1).max(200).default(50),
  kind: z.enum(['across', 'within', 'all']).default('all'),
  /** Default: the scan's threshold. Below the scan's floor the groups are incomplete. */
  threshold: Similarity.optional(),
})
export const GroupsResult = z.object({
  audit: AuditInfo,
  threshold: z.number(),
  approximate: z.boolean(),
  total: z.number(),
  page: z.number(),
  pageSize: z.number(),
  groups: z.array(DuplicateGroup),
})

export const PlanInput = ProfileRef.extend({
  actions: z.array(StagedAction).min(1).max(10_000),
})
export const StagedSummary = z.object({
  actions: z.array(StagedAction),
  /** Pictures the staged actions delete (keepOne), move (moveTo), and pairs marked. */
  deletes: z.number(),
  moves: z.number(),
  notDuplicate: z.number(),
})

export const ApplyResult = z.object({
  /** The jobs doing it (gallery-delete, duplicate-move); follow them with `jobs.*`. */
  jobIds: z.array(z.number()),
  deletes: z.number(),
  moves: z.number(),
  notDuplicate: z.number(),
})

export const duplicatesDomain = {
  /** The last audit's state. */
  status: method(ProfileRef, AuditInfo),
  /** What each threshold catches, from the last scan's pairs. */
  preview: method(PreviewInput, PreviewResult),
  /** Starts an audit (job kind `duplicate-audit`); replaces the profile's last one. */
  scan: method(ScanInput, ScanResult),
  groups: method(GroupsInput, GroupsResult),
  /** Stages actions (one per group: a later one replaces an earlier one). */
  plan: method(PlanInput, StagedSummary),
  /** What is staged now. */
  staged: method(ProfileRef, StagedSummary),
  /** Unstages the given groups' actions (all when none given). */
  discard: method(
    ProfileRef.extend({ groupIds: z.array(z.string()).max(10_000).optional() }),
    StagedSummary,
  ),
  /** Applies what is staged through the gallery's write path; the staged list is emptied. */
  apply: method(ProfileRef, ApplyResult, { slow: true }),
} as const
