/**
 * The `bulk` domain of the contract (jobs/service.ts builds it): previews of a bulk add (plans,
 * kept in memory), naming-rule checks, and starting a bulk add as a job of the persistent queue —
 * from a preview, or streaming its plan into the job as it is made.
 */

import path from 'node:path'
import type { z } from 'zod'
import type { bulkDomain, PlanRow, PlanStatus } from '../../api/domains/bulk'
import { CoreError } from '../errors'
import {
  bulkAddFingerprint,
  deriveIds,
  enqueueBulkAdd,
  parseNamingRule,
  planBulkAdd,
  type BulkAddOptions,
  type BulkAddRuntime,
  type BulkAddSource,
  type GalleryLookup,
  type PlanItem,
} from './bulk-add/index'
import { applyOverrides, createPlanStore, toPlanRow } from './plans'
import type { JobQueue } from './queue'
import type { JobServiceDeps } from './service'
import type { Staging } from './staging'
import type { JobId } from './types'

type In<M extends { input: z.ZodType }> = z.output<M['input']>
type BulkOptionsIn = In<typeof bulkDomain.plan>

export interface BulkServiceDeps {
  d: Pick<JobServiceDeps, 'profiles' | 'galleries' | 'logger' | 'concurrency'>
  runtime: BulkAddRuntime
  staging: Staging
  /** The job service's queue (opened on first use) and its start (resumes unfinished jobs). */
  getQueue: () => JobQueue
  startJobs: () => void
  /** Bulk adds whose plan is streaming into their job (the job service waits for them). */
  filling: Map<JobId, Promise<unknown>>
  /** True once Loupe closes or the queue stops: streaming plans stop adding items. */
  interrupted: () => boolean
}

export function createBulkService({
  d,
  runtime,
  staging,
  getQueue,
  startJobs,
  filling,
  interrupted,
}: BulkServiceDeps) {
  const plans = createPlanStore()

  function profileName(p?: string): string {
    const name = p ?? d.profiles.active()
    d.profiles.get(name) // throws ProfileNotFound
    return name
  }

  function toOptions(profile: string, o: BulkOptionsIn): BulkAddOptions {
    const naming = o.naming ?? 'folder'
    parseNamingRule(naming) // throws InvalidNamingRule with the reason
    return {
      naming,
      defaults: o.defaults ?? {},
      duplicates: o.duplicates ?? 'skip',
      skipUnchanged: o.skipUnchanged ?? true,
      serviceType: d.profiles.get(profile).serviceType,
      smallImage: o.smallImage ?? 'reject',
      recursive: o.recursive ?? true,
      ...(o.nearDistance !== undefined ? { nearDistance: o.nearDistance } : {}),
    }
  }

  function lookup(profile: string): GalleryLookup {
    return {
      findBySha256: (sha) =>
        d.galleries
          .get(profile)
          .findBySha256(sha)
          .map((g) => ({ productId: g.productId, picName: g.picName })),
      findNearPhash: (phash, max) =>
        d.galleries
          .get(profile)
          .findNearPhash(phash, max, 20)
          .map((g) => ({ productId: g.productId, picName: g.picName, distance: g.distance })),
    }
  }

  function concurrencyFor(profile: string): number {
    try {
      return d.profiles.get(profile).kind === 'cloud' ? 16 : 4
    } catch {
      return 4
    }
  }

  function plan(profile: string, sources: BulkAddSource[], options: BulkAddOptions) {
    return planBulkAdd(sources, options, { imaging: runtime.imaging, gallery: lookup(profile) })
  }

  function sourcePaths(sources: BulkAddSource[]): string[] {
    return sources.map((s) => path.resolve(typeof s === 'string' ? s : s.path))
  }

  function title(sources: BulkAddSource[], given?: string): string {
    if (given) return given
    const names = sourcePaths(sources).map((p) => path.basename(p) || p)
    return `Bulk add: ${names.slice(0, 3).join(', ')}${names.length > 3 ? ` and ${names.length - 3} more` : ''}`
  }

  /** Interrupts a streaming plan when Loupe closes (the job waits, paused, to be filled again). */
  async function* untilClosing(gen: AsyncGenerator<PlanItem>): AsyncGenerator<PlanItem> {
    for await (const item of gen) {
      if (interrupted()) {
        await gen.return(undefined)
        throw new CoreError(
          'Interrupted',
          'Loupe stopped while this job was being planned. Start the same bulk add again to add the rest.',
        )
      }
      yield item
    }
  }

  async function startBulk(
    profile: string,
    sources: BulkAddSource[],
    options: BulkAddOptions,
    items: PlanItem[] | AsyncGenerator<PlanItem>,
    titleText: string,
  ): Promise<{ jobId: number; resumed: boolean }> {
    startJobs()
    const q = getQueue()
    const fingerprint = bulkAddFingerprint(profile, sources, options)
    const before = q.findResumableJob(fingerprint)
    const run = enqueueBulkAdd(q, Array.isArray(items) ? items : untilClosing(items), {
      profile,
      title: titleText,
      fingerprint,
      concurrency: d.concurrency ?? concurrencyFor(profile),
      serviceType: options.serviceType,
      smallImage: options.smallImage,
      sources: sourcePaths(sources),
    })
    // enqueueBulkAdd creates (or resumes) the job before it reads the first planned item.
    const job = q.findResumableJob(fingerprint)
    if (!job) {
      const r = await run
      return { jobId: r.jobId, resumed: r.resumed }
    }
    const done = run.catch((e) => {
      d.logger.log('warn', `bulk add job ${job.id}: planning stopped: ${(e as Error).message}`)
    })
    filling.set(job.id, done)
    void done.finally(() => filling.delete(job.id))
    if (Array.isArray(items)) await done
    return { jobId: job.id, resumed: !!before }
  }

  function status(s: ReturnType<typeof plans.get> & object): PlanStatus {
    const fp = bulkAddFingerprint(s.profile, s.sources, s.options)
    return {
      planId: s.id,
      profile: s.profile,
      state: s.state,
      planned: s.items.length,
      counts: { ...s.counts },
      error: s.error,
      resumableJobId: getQueue().findResumableJob(fp)?.id ?? null,
    }
  }

  function mustPlan(planId: string) {
    const s = plans.get(planId)
    if (!s) {
      throw new CoreError('PlanNotFound', 'This preview is no longer available.', {
        httpStatus: 404,
        hint: 'Preview the files again.',
      })
    }
    return s
  }

  const bulk = {
    async plan(input: In<typeof bulkDomain.plan>) {
      const profile = profileName(input.profile)
      const options = toOptions(profile, input)
      const sources = input.sources as BulkAddSource[]
      const s = plans.create(profile, sources, options, () => plan(profile, sources, options))
      return status(s)
    },
    async planPage(input: In<typeof bulkDomain.planPage>) {
      const s = mustPlan(input.planId)
      const rows: PlanRow[] = s.items
        .slice(input.offset, input.offset + input.limit)
        .map((item, i) => toPlanRow(item, input.offset + i))
      return { status: status(s), rows }
    },
    async discardPlan(input: In<typeof bulkDomain.discardPlan>) {
      plans.discard(input.planId)
      return { ok: true as const }
    },
    async derive(input: In<typeof bulkDomain.derive>) {
      let rule
      try {
        rule = parseNamingRule(input.naming)
      } catch (e) {
        const x = e as CoreError
        return {
          error: { code: x.code, message: x.message, ...(x.hint ? { hint: x.hint } : {}) },
          rows: [],
        }
      }
      return {
        error: null,
        rows: input.samples.map((s) => {
          const r = deriveIds(s.relPath, rule, { rootName: s.rootName })
          return 'error' in r
            ? { relPath: s.relPath, productId: null, picName: null, error: r.error }
            : { relPath: s.relPath, productId: r.productId, picName: r.picName, error: null }
        }),
      }
    },
    async start(input: In<typeof bulkDomain.start>) {
      if ('planId' in input) {
        const s = mustPlan(input.planId)
        if (s.state === 'planning') await s.finished
        if (s.state !== 'ready') {
          throw new CoreError(
            'PlanNotReady',
            s.error ? `The preview failed: ${s.error.message}` : 'The preview was stopped.',
            { hint: 'Preview the files again.' },
          )
        }
        const items = applyOverrides(s.items, input)
        const r = await startBulk(
          s.profile,
          s.sources,
          s.options,
          items,
          title(s.sources, input.title),
        )
        plans.discard(s.id)
        return r
      }
      const profile = profileName(input.profile)
      const options = toOptions(profile, input)
      const sources = input.sources as BulkAddSource[]
      return startBulk(
        profile,
        sources,
        options,
        plan(profile, sources, options),
        title(sources, input.title),
      )
    },
    async stage(input: In<typeof bulkDomain.stage>) {
      return staging.put(input.stageId, input.files)
    },
    async discardStage(input: In<typeof bulkDomain.discardStage>) {
      staging.discard(input.stageId)
      return { ok: true as const }
    },
  }

  return {
    bulk,
    /** Stops the previews being made. */
    close: () => plans.close(),
  }
}
