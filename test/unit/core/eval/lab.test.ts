/**
 * The search-quality lab end to end on real parts: a test set of grocery store photos (val split)
 * against a gallery of train photos + catalogue images (test/helpers/quality-set.ts), on the local
 * engine and, side by side, on a "cloud" profile that is another Loupe serving its local engine
 * over the Image Search wire protocol (real HTTP, signed requests, the cloud's 1 QPS for searches).
 * Figures are checked against the rows they come from; exports are parsed back.
 */
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type {
  EvalRow,
  EvalRunView,
  EvalSummary,
  CompareRow,
} from '../../../../electron/api/domains/eval'
import type { JobView } from '../../../../electron/api/domains/jobs'
import { createKeyStore } from '../../../../electron/core/engines/wire/keys'
import { startHeadless } from '../../../../electron/server/headless'
import { makeQualitySet, type QualitySet } from '../../../helpers/quality-set'
import { call, cleanupTmp, makeCore, tmp } from '../tasks/batch/helpers'

afterAll(() => cleanupTmp())

type Core = ReturnType<typeof makeCore>
type Dispatch = Core['dispatch']

interface RunAnswer {
  run: EvalRunView
  profile: string
  summary: EvalSummary
  recallByRank: number[]
  perCategory: { categoryId: number; queries: number; r1: number }[]
  rows: EvalRow[]
  total: number
}

async function waitJob(dispatch: Dispatch, jobId: number): Promise<JobView> {
  for (;;) {
    const r = await call<{ settled: boolean; job: JobView }>(dispatch, 'jobs.wait', {
      jobId,
      timeoutMs: 60_000,
    })
    if (r.settled) return r.job
  }
}

async function fillGallery(dispatch: Dispatch, profile: string, folder: string): Promise<void> {
  const { jobId } = await call<{ jobId: number }>(dispatch, 'bulk.start', {
    profile,
    sources: [folder],
    naming: 'folder',
    duplicates: 'add',
  })
  const job = await waitJob(dispatch, jobId)
  expect(job.state).toBe('done')
  expect(job.failed).toBe(0)
}

/** Every row of a run on a profile. */
async function allRows(dispatch: Dispatch, runId: string, profile: string): Promise<RunAnswer> {
  return call<RunAnswer>(dispatch, 'eval.run', { runId, profile, limit: 1000 })
}

/** The figures recomputed from the rows, independently of the service. */
function expectFiguresMatchRows(a: RunAnswer): void {
  const done = a.rows.filter((r) => r.state === 'done')
  expect(a.summary.answered).toBe(done.length)
  for (const r of done) {
    if (r.rank === null) {
      expect(r.top.some((h) => h.productId === r.query.productId)).toBe(false)
    } else {
      expect(r.top[r.rank - 1].productId).toBe(r.query.productId)
      expect(r.top.slice(0, r.rank - 1).some((h) => h.productId === r.query.productId)).toBe(false)
    }
  }
  const at = (k: number) => done.filter((r) => r.rank !== null && r.rank <= k).length / done.length
  expect(a.summary.r1).toBeCloseTo(at(1), 9)
  expect(a.summary.r5).toBeCloseTo(at(5), 9)
  expect(a.recallByRank[0]).toBeCloseTo(at(1), 9)
  expect(a.recallByRank[a.recallByRank.length - 1]).toBeCloseTo(at(a.recallByRank.length), 9)
  const mrr = done.reduce((s, r) => s + (r.rank ? 1 / r.rank : 0), 0) / done.length
  expect(a.summary.mrr).toBeCloseTo(mrr, 9)
  expect(a.summary.notFound).toBe(done.filter((r) => r.rank === null).length)
  // Every query not found first says why.
  for (const r of done.filter((x) => x.rank !== 1)) {
    expect(r.reason, JSON.stringify(r)).not.toBeNull()
    expect(r.reasonDetail).toBeTruthy()
  }
}

describe(
  'quality lab: grocery photos on the local engine and a remote Loupe',
  { timeout: 600_000 },
  () => {
    let set: QualitySet
    let core: Core
    let remote: Awaited<ReturnType<typeof startHeadless>>
    let dataDir = ''
    let runId = ''

    beforeAll(async () => {
      set = makeQualitySet(tmp('loupe-eval-set-'))
      const remoteDir = tmp('loupe-eval-remote-')
      remote = await startHeadless({ dataDir: remoteDir, port: 0, rendererDir: remoteDir })
      await call(remote.core.dispatch, 'profiles.create', { kind: 'local', name: 'inst' })
      const key = await createKeyStore(remoteDir).create({ description: 'eval test' })
      dataDir = tmp('loupe-eval-client-')
      core = makeCore(dataDir)
      await call(core.dispatch, 'profiles.create', {
        kind: 'cloud',
        name: 'remote',
        cloud: {
          instanceName: 'inst',
          region: 'cn-shanghai',
          endpoint: `127.0.0.1:${remote.port}`,
          protocol: 'http',
          accessKeyId: key.accessKeyId,
          accessKeySecret: key.accessKeySecret,
        },
      })
      // The same gallery on both engines (the remote one filled in its own host: no AddImage QPS).
      await Promise.all([
        fillGallery(core.dispatch, 'local', set.gallery),
        fillGallery(remote.core.dispatch, 'inst', set.gallery),
      ])
    })
    afterAll(async () => {
      await core?.close()
      await remote?.close()
    })

    it('previews a folder test set with the folder naming rule', async () => {
      const p = await call<{
        queries: number
        products: number
        problems: unknown[]
        sample: { productId: string; file: string }[]
      }>(core.dispatch, 'eval.previewSet', { path: set.testSet })
      expect(p.queries).toBe(set.queries)
      expect(p.products).toBe(set.classes.length)
      expect(p.problems).toEqual([])
      for (const q of p.sample) expect(q.file.startsWith(`${q.productId}/`)).toBe(true)
    })

    it('runs the set on both profiles side by side, at the remote profile’s QPS', async () => {
      const started = await call<{ runId: string; jobId: number; queries: number }>(
        core.dispatch,
        'eval.start',
        {
          path: set.testSet,
          profiles: ['local', 'remote'],
          options: { num: 10 },
          name: 'baseline',
        },
      )
      runId = started.runId
      expect(started.queries).toBe(set.queries)
      const job = await waitJob(core.dispatch, started.jobId)
      expect(job.kind).toBe('quality-eval')
      expect(job.state).toBe('done')
      expect(job.total).toBe(set.queries * 2)
      // The cloud's search QPS (1/s, burst 2) holds for the remote profile's searches.
      expect(job.finishedAt! - job.createdAt).toBeGreaterThanOrEqual((set.queries - 2) * 1000)

      const { runs } = await call<{ runs: EvalRunView[] }>(core.dispatch, 'eval.runs', {})
      const run = runs.find((r) => r.runId === runId)!
      expect(run.state).toBe('done')
      expect(Object.keys(run.summary).sort()).toEqual(['local', 'remote'])
      const local = await allRows(core.dispatch, runId, 'local')
      const rem = await allRows(core.dispatch, runId, 'remote')
      for (const a of [local, rem]) {
        expect(a.summary.queries).toBe(set.queries)
        expect(a.summary.answered).toBe(set.queries)
        expect(a.summary.apiCalls).toBeGreaterThanOrEqual(set.queries)
        expect(a.summary.p95Ms!).toBeGreaterThanOrEqual(a.summary.p50Ms!)
        expectFiguresMatchRows(a)
      }
      // Same engine, same pictures behind both profiles: mostly the same first answers.
      const same = local.rows.filter(
        (r, i) => r.top[0]?.productId === rem.rows[i].top[0]?.productId,
      )
      expect(same.length).toBeGreaterThanOrEqual(Math.ceil(set.queries * 0.8))
      // Real retrieval: most store photos find their product in the first five.
      expect(local.summary.r5).toBeGreaterThan(0.5)
      console.log(
        `quality lab (${set.source}, ${set.queries} queries, ${set.galleryPictures} gallery pictures): ` +
          `local R@1 ${local.summary.r1.toFixed(3)} R@5 ${local.summary.r5.toFixed(3)} MRR ${local.summary.mrr.toFixed(3)} p50 ${local.summary.p50Ms} ms; ` +
          `remote R@1 ${rem.summary.r1.toFixed(3)} R@5 ${rem.summary.r5.toFixed(3)} p50 ${rem.summary.p50Ms} ms`,
      )
    })

    it('pages the failed rows and gives thumbnails of the query, the expected picture and the first result', async () => {
      const all = await allRows(core.dispatch, runId, 'local')
      const failed = await call<RunAnswer>(core.dispatch, 'eval.run', {
        runId,
        profile: 'local',
        filter: 'failed',
      })
      expect(failed.total).toBe(all.rows.filter((r) => r.rank !== 1).length)
      for (const r of failed.rows) expect(r.rank).not.toBe(1)
      const row = all.rows[0]
      for (const ref of ['query', 'expected', 'first'] as const) {
        const t = await call<{ dataUrl: string | null }>(core.dispatch, 'eval.thumbnail', {
          runId,
          profile: 'local',
          index: row.index,
          ref,
        })
        expect(t.dataUrl, ref).toMatch(/^data:image\/jpeg;base64,/)
        const meta = await sharp(Buffer.from(t.dataUrl!.split(',')[1], 'base64')).metadata()
        expect(meta.format).toBe('jpeg')
        expect(Math.max(meta.width!, meta.height!)).toBeLessThanOrEqual(128)
      }
    })

    it('compares two profiles query by query', async () => {
      const c = await call<{
        better: CompareRow[]
        worse: CompareRow[]
        same: number
        unmatched: number
      }>(core.dispatch, 'eval.compare', {
        a: { runId, profile: 'local' },
        b: { runId, profile: 'remote' },
      })
      expect(c.unmatched).toBe(0)
      expect(c.better.length + c.worse.length + c.same).toBe(set.queries)
      const rank = (v: number | null) => v ?? Infinity
      for (const r of c.better) expect(rank(r.b.rank)).toBeLessThan(rank(r.a.rank))
      for (const r of c.worse) expect(rank(r.b.rank)).toBeGreaterThan(rank(r.a.rank))
    })
  },
)
