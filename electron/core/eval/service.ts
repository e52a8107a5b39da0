/**
 * The `eval` domain of the contract (api/domains/eval.ts): the search-quality lab. A run reads its
 * test set once (testset.ts), is saved in every profile it measures (store.ts, with one pending row
 * per query) and becomes one `quality-eval` job of the persistent queue (job.ts) whose items, one
 * per query × profile, interleave the profiles so they progress side by side. Figures are computed
 * from the saved rows (figures.ts); exports are built by report.ts.
 */

import { createHash, randomUUID } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { z } from 'zod'
import type { evalDomain, EvalRunView, EvalSummary } from '../../api/domains/eval'
import { CoreError } from '../errors'
import type { Galleries } from '../galleries'
import type { PictureResolver } from '../images/gallery-picture'
import type { JobService } from '../jobs/service'
import type { NewItem } from '../jobs/types'
import type { Logger } from '../log'
import type { ProfileStore } from '../profiles/store'
import { compareRows, perCategory, recallByRank, summarize } from './figures'
import { EVAL_KIND, evalHandler, type EvalItem, type EvalParams, type SearchRequest } from './job'
import { buildExport, type ExportFormat } from './report'
import { createEvalStores, type RunRecord } from './store'
import { publicQuery, readTestSet } from './testset'
import { createThumbs } from './thumbs'
import { userFileMode } from '../util/private-fs'
import type { SearchResult } from '../../api/schemas'

type In<M extends { input: z.ZodType }> = z.output<M['input']>
type Domain = typeof evalDomain

export interface EvalServiceDeps {
  profiles: ProfileStore
  galleries: Pick<Galleries, 'get' | 'thumbnailFile'>
  jobs: JobService
  search(req: SearchRequest): Promise<SearchResult>
  /** Gets a profile's engine ready (its index open, the picture model loaded). */
  warm?(profile: string): Promise<void>
  /** The adapted space a local profile searches with (0: the plain descriptor); null: cloud. */
  descriptorOf?(profile: string): Promise<number | null>
  pictures?: PictureResolver
  logger?: Logger
}

function runNotFound(runId: string): CoreError {
  return new CoreError('EvalRunNotFound', `There is no quality run ${runId}.`, { httpStatus: 404 })
}

export function createEvalService(d: EvalServiceDeps) {
  const stores = createEvalStores((p) => d.profiles.dirOf(p))
  const thumbs = createThumbs({ thumbnailFile: d.galleries.thumbnailFile, pictures: d.pictures })

  d.jobs.register(
    EVAL_KIND,
    evalHandler({
      stores,
      search: d.search,
      warm: d.warm,
      limiter: (profile) => d.jobs.queue().limiter(profile, 'search'),
      gallery: (profile) => {
        try {
          return d.galleries.get(profile)
        } catch {
          return null
        }
      },
      cacheComplete: (profile) => {
        try {
          return d.profiles.get(profile).kind === 'local'
        } catch {
          return false
        }
      },
    }),
    { doneBody: (job) => doneBody(job.params as EvalParams) },
  )

  /** What the end-of-job notification says: each profile's recall@1 and @5. */
  function doneBody(p: EvalParams): string {
    return p.profiles
      .map((profile) => {
        const s = summarize(stores.existing(profile)?.rows(p.runId) ?? [])
        const pc = (v: number) => `${Math.round(v * 100)} %`
        return `${profile}: R@1 ${pc(s.r1)}, R@5 ${pc(s.r5)} (${s.answered} queries${s.errors ? `, ${s.errors} failed` : ''})`
      })
      .join(' · ')
  }

  const knownProfiles = (): string[] => d.profiles.list().profiles.map((p) => p.name)

  /** The run as saved in the first of its profiles that still has it. */
  function findRunOrNull(runId: string): RunRecord | null {
    for (const p of knownProfiles()) {
      const r = stores.existing(p)?.getRun(runId)
      if (r) return r
    }
    return null
  }
  function findRun(runId: string): RunRecord {
    const r = findRunOrNull(runId)
    if (!r) throw runNotFound(runId)
    return r
  }

  function profilesOf(run: RunRecord): string[] {
    const known = new Set(knownProfiles())
    return run.profiles.filter((p) => known.has(p) && stores.existing(p)?.getRun(run.runId))
  }

  function jobState(run: RunRecord): EvalRunView['state'] {
    if (run.jobId === null) return 'unknown'
    try {
      return d.jobs.queue().getJob(run.jobId)?.state ?? 'unknown'
    } catch {
      return 'unknown'
    }
  }

  function view(run: RunRecord): EvalRunView {
    const summary: Record<string, EvalSummary> = {}
    for (const p of profilesOf(run)) summary[p] = summarize(stores.get(p).rows(run.runId))
    return {
      runId: run.runId,
      name: run.name,
      testSet: run.testSet,
      naming: run.naming,
      profiles: run.profiles,
      options: run.options,
      createdAt: run.createdAt,
      state: jobState(run),
      jobId: run.jobId,
      summary,
      descriptors: run.descriptors,
    }
  }

  function rowsOf(runId: string, profile: string) {
    const s = stores.existing(profile)
    if (!s?.getRun(runId)) {
      throw new CoreError(
        'EvalRunNotFound',
        `The quality run ${runId} has no results on "${profile}".`,
        {
          httpStatus: 404,
        },
      )
    }
    return s.rows(runId)
  }

  const api = {
    async previewSet(input: In<Domain['previewSet']>) {
      const set = await readTestSet(input)
      return {
        queries: set.queries.length,
        products: set.products,
        problems: set.problems.slice(0, 200),
        sample: set.queries.slice(0, 20).map(publicQuery),
      }
    },

    async start(input: In<Domain['start']>) {
      for (const p of input.profiles) d.profiles.get(p)
      const profiles = [...new Set(input.profiles)]
      const fingerprint = evalFingerprint(input, profiles)
      const queue = d.jobs.queue()
      const unfinished = queue.findResumableJob(fingerprint)
      const resumedRun = unfinished && findRunOrNull((unfinished.params as EvalParams).runId)
      if (unfinished && resumedRun) {
        d.jobs.startJobs()
        if (unfinished.state === 'paused') queue.resume(unfinished.id)
        return {
          runId: resumedRun.runId,
          jobId: unfinished.id,
          queries: resumedRun.queries,
          resumed: true,
        }
      }
      const set = await readTestSet(input)
      if (!set.queries.length) {
        const first = set.problems[0]
        throw new CoreError(
          'TestSetEmpty',
          `The test set ${input.path} gives no query${first ? ` (${first.message})` : ''}.`,
          { httpStatus: 400 },
        )
      }
      const runId = randomUUID()
      const name =
        input.name?.trim() || `${path.basename(path.resolve(input.path))} — ${profiles.join(', ')}`
      const run: RunRecord = {
        runId,
        name,
        testSet: path.resolve(input.path),
        naming: input.naming ?? 'folder',
        profiles,
        options: input.options,
        createdAt: Date.now(),
        jobId: null,
        queries: set.queries.length,
        descriptors: {},
      }
      for (const p of profiles) {
        const space = (await d.descriptorOf?.(p)) ?? null
        if (space !== null) run.descriptors[p] = space
      }
      for (const p of profiles) stores.get(p).createRun(run, set.queries)
      const items: NewItem<EvalItem>[] = []
      for (const q of set.queries) {
        for (const p of profiles) {
          items.push({ key: `${p}\u0000${q.index}`, payload: { runId, profile: p, query: q } })
        }
      }
      const params: EvalParams = { runId, profiles, options: input.options }
      const jobId = queue.createJob({
        kind: EVAL_KIND,
        profile: profiles[0],
        title: `Quality: ${name}`,
        params,
        items,
        fingerprint,
      })
      for (const p of profiles) stores.get(p).setJob(runId, jobId)
      d.jobs.startJobs()
      d.logger?.log(
        'info',
        `quality run ${runId}: ${set.queries.length} queries × ${profiles.length} profiles, job ${jobId}`,
      )
      return { runId, jobId, queries: set.queries.length, resumed: false }
    },

    async runs(input: In<Domain['runs']>) {
      const seen = new Map<string, RunRecord>()
      const names = input.profile ? [input.profile] : knownProfiles()
      for (const p of names) {
        for (const r of stores.existing(p)?.listRuns() ?? [])
          if (!seen.has(r.runId)) seen.set(r.runId, r)
      }
      const runs = [...seen.values()].sort((a, b) => b.createdAt - a.createdAt).map(view)
      return { runs }
    },

    async run(input: In<Domain['run']>) {
      const run = findRun(input.runId)
      const profile = input.profile ?? profilesOf(run)[0] ?? run.profiles[0]
      const rows = rowsOf(run.runId, profile)
      const page = stores.get(profile).page(run.runId, {
        failed: input.filter === 'failed',
        offset: input.offset,
        limit: input.limit,
      })
      return {
        run: view(run),
        profile,
        summary: summarize(rows),
        recallByRank: recallByRank(rows, run.options.num),
        perCategory: perCategory(rows),
        rows: page.rows.map(({ expectedCategory: _c, source: _s, ...r }) => r),
        total: page.total,
      }
    },

    async compare(input: In<Domain['compare']>) {
      const a = rowsOf(input.a.runId, input.a.profile)
      const b = rowsOf(input.b.runId, input.b.profile)
      return { a: summarize(a), b: summarize(b), ...compareRows(a, b) }
    },

    async export(input: In<Domain['export']>) {
      const run = findRun(input.runId)
      const format = input.format as ExportFormat
      const profiles = profilesOf(run).map((p) => ({
        profile: p,
        rows: stores.get(p).rows(run.runId),
      }))
      const text = await buildExport(format, { run: view(run), profiles, thumbs })
      const safe = run.name.replace(/[^\p{L}\p{N}._-]+/gu, '-').slice(0, 80) || 'quality'
      const fileName = `${safe}.${format}`
      const bytes = Buffer.byteLength(text)
      if (!input.file) return { file: null, bytes, fileName, content: text }
      // With the user's usual mode, not the data folder's 0600: an export is meant to be shared.
      await fs.promises.writeFile(input.file, text)
      if (process.platform !== 'win32') await fs.promises.chmod(input.file, userFileMode())
      return { file: input.file, bytes, fileName }
    },

    async thumbnail(input: In<Domain['thumbnail']>) {
      const run = findRun(input.runId)
      const profile = input.profile ?? profilesOf(run)[0] ?? run.profiles[0]
      const row = stores.existing(profile)?.row(run.runId, input.index)
      if (!row) return { dataUrl: null }
      if (input.ref === 'query') {
        return { dataUrl: await thumbs.file(row.source) }
      }
      const ref = input.ref === 'expected' ? row.expected : row.top[0]
      return { dataUrl: ref ? await thumbs.picture(profile, ref.productId, ref.picName) : null }
    },

    async remove(input: In<Domain['remove']>) {
      const run = findRun(input.runId)
      const state = jobState(run)
      if (state === 'running' || state === 'queued') {
        throw new CoreError('EvalRunRunning', `The quality run ${run.runId} is still running.`, {
          httpStatus: 409,
        })
      }
      for (const p of run.profiles) stores.existing(p)?.removeRun(run.runId)
      return { ok: true as const }
    },
  }

  return {
    api,
    stores,
    close(): void {
      stores.close()
      thumbs.clear()
    },
  }
}

/** Same test set, naming, profiles and options: the same run (an unfinished one is resumed). */
function evalFingerprint(input: In<Domain['start']>, profiles: string[]): string {
  const key = JSON.stringify({
    path: path.resolve(input.path),
    naming: input.naming ?? 'folder',
    recursive: input.recursive !== false,
    profiles,
    options: input.options,
  })
  return `${EVAL_KIND}:${createHash('sha256').update(key).digest('hex')}`
}

export type EvalService = ReturnType<typeof createEvalService>
