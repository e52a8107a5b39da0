/**
 * The `space` domain (electron/api/domains/space.ts): learning, switching on and off the local
 * engine's gallery-adapted space (engines/local/space.ts) of a profile. Learning is a job of the
 * persistent queue, kind `gallery-adapt`, one at a time per profile:
 *
 *   views:<k>   one augmented view of each of up to 50 sampled pictures described (kept in the
 *               engine's file: a job paused, cancelled or interrupted by a restart goes on with
 *               the pictures not described yet)
 *   learn       the whitening learned from half the sample, measured on the gallery itself
 *
 * Switching is not a job: it re-projects the in-memory index (seconds at 100,000 pictures) and
 * answers when searches use the new space.
 */
import type { z } from 'zod'
import type * as S from '../../api/domains/space'
import type { ProfileRef } from '../../api/schemas'
import { CoreError } from '../errors'
import type { EngineRegistry } from '../engines/registry'
import type { Spaces } from '../engines/local/space'
import type { JobHandler } from '../jobs/types'
import type { JobService } from '../jobs/service'
import type { ProfileStore } from '../profiles/store'

type In<T extends z.ZodType> = z.output<T>
type Out<T extends z.ZodType> = z.input<T>

export const ADAPT_KIND = 'gallery-adapt'
/** Pictures whose view one item describes. */
export const VIEWS_PER_ITEM = 50

export type AdaptItem = { step: 'views'; ids: number[] } | { step: 'learn' }
export interface AdaptParams {
  spaceId: number
}

export interface SpaceServiceDeps {
  profiles: Pick<ProfileStore, 'get' | 'active'>
  engines: Pick<EngineRegistry, 'get'>
  jobs: Pick<JobService, 'register' | 'queue' | 'startJobs'>
}

function needsLocal(profile: string): CoreError {
  return new CoreError(
    'SpaceNeedsLocalEngine',
    `Profile "${profile}" uses Alibaba Cloud's engine: adapted spaces are the local engine's.`,
  )
}

export function createSpaceService(d: SpaceServiceDeps) {
  const profileName = (name?: string) => d.profiles.get(name ?? d.profiles.active()).name
  const local = async (profile: string): Promise<Spaces> => {
    if (d.profiles.get(profile).kind !== 'local') throw needsLocal(profile)
    const spaces = ((await d.engines.get(profile)) as { spaces?: Spaces }).spaces
    if (!spaces) throw needsLocal(profile)
    return spaces
  }

  const handler: JobHandler<AdaptItem, unknown, void> = {
    opClass: () => 'none',
    async run(item, ctx) {
      const { spaceId } = ctx.params as AdaptParams
      const spaces = await local(ctx.profile)
      if (item.payload.step === 'views') {
        const todo = new Set(spaces.undescribed(spaceId))
        const ids = item.payload.ids.filter((i) => todo.has(i))
        const failed = await spaces.describeViews(spaceId, ids, ctx.signal)
        ctx.signal.throwIfAborted()
        return { described: ids.length - failed, failed }
      }
      // Views an earlier item could not finish (it failed, or was retried after this one).
      const left = spaces.undescribed(spaceId)
      if (left.length) await spaces.describeViews(spaceId, left, ctx.signal)
      ctx.signal.throwIfAborted()
      const s = await spaces.learn(spaceId)
      return { recommended: s.figures?.recommended ?? false, reason: s.figures?.reason }
    },
  }
  d.jobs.register(ADAPT_KIND, handler)

  /** The newest space's learning job while it has not ended. */
  function runningJob(profile: string, spaceId: number | undefined): number | null {
    if (spaceId === undefined) return null
    const q = d.jobs.queue()
    const job = q
      .listJobs({ kind: ADAPT_KIND, profile })
      .find((j) => (j.params as AdaptParams).spaceId === spaceId)
    return job && !['done', 'failed', 'cancelled'].includes(job.state) ? job.id : null
  }

  async function status(profile: string): Promise<Out<typeof S.SpaceStatus>> {
    const spaces = await local(profile)
    const s = spaces.status()
    const jobId = runningJob(profile, s.spaces[0]?.id)
    // A space still learning without a job that runs: its job failed or was cancelled.
    const spacesOut = s.spaces.map((x, i) =>
      x.state === 'learning' && (i > 0 || jobId === null) ? { ...x, state: 'failed' as const } : x,
    )
    return { ...s, spaces: spacesOut, jobId }
  }

  return {
    /**
     * The adapted space a profile searches with now: 0 for the plain descriptor, null for a cloud
     * profile (the quality lab records it with each run).
     */
    async activeOf(profile: string): Promise<number | null> {
      if (d.profiles.get(profile).kind !== 'local') return null
      return (await local(profile)).status().active?.id ?? 0
    },
    api: {
      status: (input: In<typeof ProfileRef>) => status(profileName(input.profile)),

      async learn(input: In<typeof S.LearnInput>) {
        const profile = profileName(input.profile)
        const spaces = await local(profile)
        const newest = spaces.status().spaces[0]
        const busy = newest?.state === 'learning' ? runningJob(profile, newest.id) : null
        if (busy !== null) {
          throw new CoreError(
            'SpaceBusy',
            `An adapted space is being learned for profile "${profile}" (job ${busy}).`,
          )
        }
        const s = spaces.begin({ max: input.maxPictures })
        const ids = spaces.undescribed(s.id)
        const items: { key: string; payload: AdaptItem }[] = []
        for (let k = 0; k * VIEWS_PER_ITEM < ids.length; k++)
          items.push({
            key: `views:${k}`,
            payload: {
              step: 'views',
              ids: ids.slice(k * VIEWS_PER_ITEM, (k + 1) * VIEWS_PER_ITEM),
            },
          })
        items.push({ key: 'learn', payload: { step: 'learn' } })
        const params: AdaptParams = { spaceId: s.id }
        const jobId = d.jobs.queue().createJob({
          kind: ADAPT_KIND,
          profile,
          title: `Adapted space ${s.id}: learning from ${s.pictures} pictures`,
          params,
          concurrency: 1,
          items,
        })
        d.jobs.startJobs()
        return { jobId, spaceId: s.id }
      },

      async apply(input: In<typeof S.ApplyInput>) {
        const profile = profileName(input.profile)
        await (await local(profile)).apply(input.spaceId, { force: input.force })
        return status(profile)
      },

      async revert(input: In<typeof ProfileRef>) {
        const profile = profileName(input.profile)
        await (await local(profile)).revert()
        return status(profile)
      },
    },
  }
}
