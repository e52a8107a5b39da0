import { z } from 'zod'
import { method } from '../define'
import { ProfileRef } from '../schemas'

/**
 * The `space` domain: the local engine's gallery-adapted space (issue 12; engines/local/space.ts).
 *
 * `learn` starts a job (kind `gallery-adapt`) that samples up to 2,000 pictures (whole products),
 * describes one augmented view of each, learns a whitening from half of them and measures it on
 * the gallery itself before → after: held-out views (the other half's views, R@1 on their own
 * picture) and own products (each picture whose product has another one in the sample, R@1 on
 * its product). It is **recommended** when the views improve and the own products do not get
 * worse. `apply` switches a learned space on (one not recommended only with `force`): the
 * in-memory index and every query pass through it, the stored vectors stay as they are. `revert`
 * goes back to the plain descriptor. Local profiles only.
 */

export const SpaceState = z.enum(['learning', 'candidate', 'active', 'retired', 'failed'])

export const Paired = z.object({
  queries: z.number(),
  /** R@1 with the plain descriptor, and through the space. */
  before: z.number(),
  after: z.number(),
  /** Queries found after and not before, and the other way. */
  better: z.number(),
  worse: z.number(),
})

export const SpaceReason = z.enum([
  'improves',
  'improvesViewsOnly',
  'ownProductsWorse',
  'viewsNotBetter',
])

export const SpaceFigures = z.object({
  pictures: z.number(),
  views: z.number(),
  learnedFrom: z.number(),
  heldOutViews: Paired,
  /** Null: fewer than 20 sampled pictures share a product with another (nothing to check). */
  ownProducts: Paired.nullable(),
  recommended: z.boolean(),
  reason: SpaceReason,
  learnMs: z.number(),
})
export type SpaceFigures = z.infer<typeof SpaceFigures>

export const SpaceInfo = z.object({
  id: z.number(),
  state: SpaceState,
  /** The picture model whose vectors it projects. */
  fversion: z.string(),
  reg: z.number(),
  pictures: z.number(),
  createdAt: z.number(),
  modifiedAt: z.number(),
  figures: SpaceFigures.nullable(),
})
export type SpaceInfo = z.infer<typeof SpaceInfo>

export const SpaceStatus = z.object({
  active: SpaceInfo.nullable(),
  /** The newest spaces, newest first. */
  spaces: z.array(SpaceInfo),
  /** Pictures a space can learn from (described by the current model, with a stored copy). */
  pictures: z.number(),
  minPictures: z.number(),
  /** The learning job of the newest space while it runs (follow it with `jobs.*`). */
  jobId: z.number().nullable(),
})
export type SpaceStatus = z.infer<typeof SpaceStatus>

export const LearnInput = ProfileRef.extend({
  /** Pictures sampled at most (default 2,000). */
  maxPictures: z.number().int().min(100).max(20_000).optional(),
})

export const ApplyInput = ProfileRef.extend({
  spaceId: z.number().int().positive(),
  /** Switch on a space the gallery's own measure does not recommend. */
  force: z.boolean().optional(),
})

export const spaceDomain = {
  status: method(ProfileRef, SpaceStatus),
  /** Starts learning a space (job kind `gallery-adapt`). */
  learn: method(LearnInput, z.object({ jobId: z.number(), spaceId: z.number() })),
  /** Switches a learned space on (searches wait a few seconds while the index is re-projected). */
  apply: method(ApplyInput, SpaceStatus, { slow: true }),
  /** Back to the plain descriptor. */
  revert: method(ProfileRef, SpaceStatus, { slow: true }),
} as const
