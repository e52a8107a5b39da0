/**
 * The `copy` domain: copy or sync a gallery between profiles. `plan` reads both galleries (a
 * local engine's store; a cloud instance through a fresh metadata export), diffs them and probes
 * where every picture would come from (plan.ts); `start` turns a plan into one `gallery-copy` job
 * of the persistent queue (job.ts) after the capacity and delete checks; when the job ends, the
 * verification (verify.ts) runs and is stored with it for `report`.
 */
import crypto from 'node:crypto'
import type { z } from 'zod'
import type { CopyPlan, CopyReport, copyDomain } from '../../api/domains/copy'
import { CoreError } from '../errors'
import type { EngineRegistry } from '../engines/registry'
import type { Galleries } from '../galleries'
import type { Imaging } from '../imaging/types'
import type { JobService } from '../jobs/service'
import type { ItemRecord, JobInfo } from '../jobs/types'
import { TERMINAL_JOB_STATES } from '../jobs/types'
import type { Logger } from '../log'
import type { ProfileStore } from '../profiles/store'
import type { DumpService } from '../tasks/dumps'
import type { BatchService } from '../tasks/batch/service'
import { readGallery } from './enumerate'
import { copyJobHandler, toJobItem } from './job'
import { createBatchSender } from './batch-send'
import { choosePath } from './fast-path'
import { planCopy, type PlannedCopy } from './plan'
import { createOssSource } from './oss-source'
import { createSources, type OssRef } from './sources'
import {
  COPY_KIND,
  type CopyItemResult,
  type CopyParams,
  type CopyPath,
  type CopyPayload,
  keyOf,
} from './types'
import { emptyReport, readReport, verifyCopy, writeReport } from './verify'

type In<M extends { input: z.ZodType }> = z.output<M['input']>

export interface CopyServiceDeps {
  dataDir: string
  profiles: ProfileStore
  engines: EngineRegistry
  galleries: Galleries
  imaging: () => Imaging
  jobs: JobService
  dumps: Pick<DumpService, 'tasks' | 'watch'>
  logger: Logger
  /** Batch tasks: the increment.meta fast path to a cloud target (fast-path.ts). */
  batch?: BatchService | null
  /** Searches by picture made by the verification. Default 10. */
  sampleSize?: number
}

/** Items shown in the plan itself (`planItems` pages through all). */
const PLAN_ITEMS_SHOWN = 500
/** Plans kept at once, and how long an unused one is kept. */
const MAX_PLANS = 8
/** Pictures of a batch-path copy sent in one batch task at most. */
const BATCH_WINDOW = 2000
const PLAN_TTL_MS = 60 * 60_000

interface KeptPlan {
  view: CopyPlan
  planned: PlannedCopy
  scope: CopyParams['scope']
  batch: In<typeof copyDomain.plan>['batch']
  /** The copy's identity (profiles, scope, sync): an unfinished job with it is resumed. */
  fingerprint: string
  usedAt: number
  jobId: number | null
}

/** The identity of a copy: same profiles, sync mode and narrowing. */
function copyFingerprint(from: string, to: string, sync: boolean, scope: object): string {
  const s = scope as { productIds?: string[]; keys?: { productId: string; picName: string }[] }
  const norm = {
    from,
    to,
    sync,
    scope: {
      ...scope,
      ...(s.productIds ? { productIds: [...s.productIds].sort() } : {}),
      ...(s.keys ? { keys: s.keys.map((k) => keyOf(k.productId, k.picName)).sort() } : {}),
    },
  }
  const hash = crypto.createHash('sha256').update(JSON.stringify(norm)).digest('hex')
  return `${COPY_KIND}:${hash}`
}

export function createCopyService(d: CopyServiceDeps) {
  const plans = new Map<string, KeptPlan>()
  const verifying = new Map<number, Promise<CopyReport>>()

  const kindOf = (profile: string) => d.profiles.get(profile).kind

  function cachedImage(profile: string, productId: string, picName: string) {
    try {
      return d.galleries.get(profile).get(productId, picName)
    } catch {
      return null
    }
  }

  const oss = d.batch ? createOssSource({ batch: d.batch, engines: d.engines }) : null
  const sources = createSources({
    cached: cachedImage,
    localEngine: async (profile) => (kindOf(profile) === 'local' ? d.engines.get(profile) : null),
    ...(oss
      ? {
          ossObject: (profile: string, productId: string, picName: string) =>
            kindOf(profile) === 'cloud' ? oss.ossObject(profile, productId, picName) : null,
          fetchOss: (profile: string, ref: OssRef) => oss.fetchOss(profile, ref),
        }
      : {}),
  })

  /** A fresh metadata export of a profile, watched to its end and downloaded: its file. */
  async function freshDump(profile: string): Promise<string> {
    // Quiet: the copy's dry run reports on it; a "Metadata export finished — import it" toast
    // would send the user elsewhere. Looked at every 3 s at most: the user waits for it.
    const task = await d.dumps.tasks.dumpCreate({ profile }, { quiet: true, pollMaxMs: 3000 })
    const r = await d.dumps.watch(profile, task.id)
    if (!r || r.status !== 'SUCCESS' || !r.file) {
      throw new CoreError(
        'DumpNotReady',
        `The metadata export ${task.id} of "${profile}" did not give a file` +
          (r?.message ? `: ${r.message}` : '.'),
      )
    }
    return r.file.path
  }

  const read = (profile: string, signal?: AbortSignal) =>
    readGallery(
      { kind: kindOf, engine: (p) => d.engines.get(p), freshDump: (p) => freshDump(p) },
      profile,
      signal,
    )

  const batchSender = d.batch ? createBatchSender({ batch: d.batch, dataDir: d.dataDir }) : null

  const handler = copyJobHandler({
    engine: (p) => d.engines.get(p),
    sources,
    imaging: d.imaging,
    serviceType: (p) => d.profiles.get(p).serviceType,
    cachedFacts: (p, productId, picName) => {
      const c = cachedImage(p, productId, picName)
      return c ? { region: c.region, sha256: c.sha256 } : null
    },
    batch: batchSender,
  })
  // Registered now, so a copy left unfinished resumes as soon as the queue starts.
  d.jobs.register(COPY_KIND, handler)

  const TERMINAL = new Set<string>(TERMINAL_JOB_STATES)
  d.jobs.onState((job) => {
    if (job.kind !== COPY_KIND || !TERMINAL.has(job.state)) return
    void verify(job as JobInfo<CopyParams>)
    if ((job as JobInfo<CopyParams>).params.path === 'batch') {
      batchSender
        ?.ended(job.id, job.state === 'cancelled')
        .catch((e: Error) => d.logger.log('warn', `copy job ${job.id}: ${e.message}`))
    }
  })

  function verify(job: JobInfo<CopyParams>): Promise<CopyReport> {
    let v = verifying.get(job.id)
    if (v) return v
    v = (async () => {
      const q = d.jobs.queue()
      const report = await verifyCopy(
        {
          engine: (p) => d.engines.get(p),
          sources,
          searchPicture: async (p, bytes) =>
            (
              await d.imaging().prepare(bytes, {
                serviceType: d.profiles.get(p).serviceType,
                thumbnail: false,
                hashes: false,
              })
            ).data,
          items: (jobId) => {
            const out: ItemRecord[] = []
            for (let offset = 0; ; offset += 1000) {
              const page = q.listItems(jobId, { offset, limit: 1000 })
              out.push(...page)
              if (page.length < 1000) break
            }
            return out as ItemRecord<CopyPayload, CopyItemResult>[]
          },
          pace: (p, signal) => q.limiter(p, 'search').acquire(signal),
          readKeys: async (p, signal) =>
            new Set((await read(p, signal)).map((r) => keyOf(r.productId, r.picName))),
        },
        job,
      )
      writeReport(d.dataDir, report)
      d.logger.log(
        'info',
        `copy job ${job.id}: verified — ${report.counts.copied} copied, ${report.missing.length} missing, ` +
          `${report.sample.agreed}/${report.sample.n} searches agree`,
      )
      return report
    })()
    verifying.set(job.id, v)
    v.finally(() => verifying.delete(job.id)).catch(() => {})
    return v
  }

  function dropOld(now: number): void {
    for (const [id, p] of plans) if (now - p.usedAt > PLAN_TTL_MS) plans.delete(id)
    while (plans.size >= MAX_PLANS) {
      const oldest = [...plans.entries()].sort((a, b) => a[1].usedAt - b[1].usedAt)[0]
      plans.delete(oldest[0])
    }
  }

  function mustPlan(planId: string): KeptPlan {
    const p = plans.get(planId)
    if (!p) {
      throw new CoreError('CopyPlanNotFound', `There is no copy plan ${planId}.`, {
        httpStatus: 404,
      })
    }
    p.usedAt = Date.now()
    return p
  }

  const api = {
    async plan(input: In<typeof copyDomain.plan>): Promise<CopyPlan> {
      if (input.from === input.to) {
        throw new CoreError('CopySameProfile', `"${input.from}" cannot be copied onto itself.`)
      }
      const scope = {
        ...(input.filter ? { filter: input.filter } : {}),
        ...(input.category !== undefined ? { category: input.category } : {}),
        ...(input.productIds ? { productIds: input.productIds } : {}),
        ...(input.keys ? { keys: input.keys } : {}),
      }
      // Both profiles must exist (ProfileNotFound otherwise) before anything is read.
      const targetKind = kindOf(input.to)
      kindOf(input.from)
      const planned = await planCopy(
        {
          read,
          sources,
          detail: async (p) => {
            const r = await (await d.engines.get(p)).detail()
            return { capacity: r.instance.capacity || null, totalCount: r.instance.totalCount }
          },
          sha256: (p, productId, picName) => cachedImage(p, productId, picName)?.sha256 ?? null,
          rates: (p) => d.jobs.rateLimits(p),
        },
        { from: input.from, to: input.to, sync: !!input.sync, scope },
      )
      const pictures = planned.items.filter(
        (i) => i.payload?.picture && i.action !== 'noPicture',
      ).length
      const path: CopyPath =
        d.batch && input.batch
          ? choosePath({
              targetKind,
              sends: pictures,
              bucket: input.batch.bucket,
              threshold: input.batch.threshold,
            })
          : 'addImage'
      const now = Date.now()
      dropOld(now)
      const planId = crypto.randomUUID()
      const fingerprint = copyFingerprint(input.from, input.to, !!input.sync, scope)
      let resumable: JobInfo | undefined
      try {
        resumable = d.jobs.queue().findResumableJob(fingerprint)
      } catch {
        resumable = undefined // another process runs the queue: start says so
      }
      const view: CopyPlan = {
        planId,
        ...planned.view,
        path,
        items: planned.items.slice(0, PLAN_ITEMS_SHOWN).map(({ payload: _p, ...i }) => i),
        resumableJobId: resumable?.id ?? null,
        createdAt: now,
      }
      plans.set(planId, {
        view,
        planned,
        scope: {
          ...scope,
          ...(input.keys ? { keys: input.keys.length } : {}),
        } as CopyParams['scope'],
        batch: input.batch,
        fingerprint,
        usedAt: now,
        jobId: null,
      })
      return view
    },

    async planItems(input: In<typeof copyDomain.planItems>) {
      const p = mustPlan(input.planId)
      const actions = input.actions?.length ? new Set(input.actions) : null
      const all = actions ? p.planned.items.filter((i) => actions.has(i.action)) : p.planned.items
      return {
        items: all
          .slice(input.offset, input.offset + input.limit)
          .map(({ payload: _p, ...i }) => i),
        total: all.length,
      }
    },

    async discardPlan(input: In<typeof copyDomain.discardPlan>) {
      plans.delete(input.planId)
      return { ok: true as const }
    },

    async start(input: In<typeof copyDomain.start>) {
      const p = mustPlan(input.planId)
      if (p.jobId !== null) return { jobId: p.jobId, resumed: false }
      const v = p.view
      if (!v.capacity.fits) {
        throw new CoreError(
          'CopyTargetFull',
          `"${v.to}" can hold ${v.capacity.target} pictures and has ${v.capacity.used}: ` +
            `after this copy it would have ${v.capacity.afterCopy}, ${v.capacity.short} too many.`,
          {
            details: { short: v.capacity.short },
            hint: 'Copy fewer pictures (a filter, a category or product ids), delete some from the target, or raise its capacity.',
          },
        )
      }
      if (v.deletes.length > 0 && !input.confirmDeletes) {
        throw new CoreError(
          'CopyDeletesNotConfirmed',
          `This sync deletes ${v.deletes.length} pictures from "${v.to}"; confirm them first.`,
          {
            details: { count: v.deletes.length },
            hint: 'Look at the list of deletes (loupe copy --sync --dry-run), then confirm them (loupe copy --sync --yes).',
          },
        )
      }
      d.jobs.startJobs()
      const q = d.jobs.queue()
      const items = p.planned.items.flatMap((i) => toJobItem(i, v.from) ?? [])
      const existing = q.findResumableJob(p.fingerprint)
      if (existing) {
        // The same copy, unfinished: it goes on, with what this plan found that it lacks.
        q.addItems(existing.id, items)
        if (existing.state === 'paused') q.resume(existing.id)
        p.jobId = existing.id
        d.logger.log('info', `copy job ${existing.id}: resumed (${v.from} → ${v.to})`)
        return { jobId: existing.id, resumed: true }
      }
      const params: CopyParams = {
        from: v.from,
        to: v.to,
        sync: v.sync,
        path: v.path,
        planId: v.planId,
        scope: p.scope,
        planned: {
          source: v.counts.source,
          target: v.counts.target,
          noPicture: v.counts.noPicture,
        },
        sampleSize: d.sampleSize ?? 10,
        ...(v.path === 'batch' && p.batch
          ? {
              batch: {
                bucket: p.batch.bucket,
                ...(p.batch.path ? { path: p.batch.path } : {}),
                ...(p.batch.ossEndpoint ? { ossEndpoint: p.batch.ossEndpoint } : {}),
              },
              batchWindow: BATCH_WINDOW,
            }
          : {}),
      }
      // The fast path's tasks run where the batch runner runs (this process when none does).
      if (params.batch) await d.batch?.start()
      const cloud = kindOf(v.to) === 'cloud'
      const jobId = q.createJob({
        kind: COPY_KIND,
        profile: v.to,
        title: `${v.sync ? 'Sync' : 'Copy'} ${v.from} → ${v.to}`,
        params,
        concurrency: params.batch ? BATCH_WINDOW : cloud ? 16 : 4,
        fingerprint: p.fingerprint,
        items,
      })
      p.jobId = jobId
      d.logger.log('info', `copy job ${jobId}: ${v.from} → ${v.to}, ${items.length} items`)
      return { jobId, resumed: false }
    },

    async report(input: In<typeof copyDomain.report>): Promise<CopyReport> {
      const job = d.jobs.queue().getJob<CopyParams>(input.jobId)
      if (!job) {
        throw new CoreError('JobNotFound', `There is no job ${input.jobId}.`, { httpStatus: 404 })
      }
      if (job.kind !== COPY_KIND) {
        throw new CoreError('CopyNotACopyJob', `Job ${job.id} is a ${job.kind} job.`)
      }
      const stored = readReport(d.dataDir, job.id)
      if (stored) return stored
      if (!TERMINAL.has(job.state)) return emptyReport(job.id, 'pending')
      // Ended while Loupe was not running the verification (a crash, another process): now.
      void verify(job).catch((e: Error) =>
        d.logger.log('warn', `copy job ${job.id}: verification failed: ${e.message}`),
      )
      return emptyReport(job.id, 'running')
    },
  }

  return { api, verify }
}

export type CopyService = ReturnType<typeof createCopyService>
