/**
 * The search-quality lab end to end on real parts: a test set of grocery store photos (val split)
 * against a gallery of train photos + catalogue images (test/helpers/quality-set.ts), on the local
 * engine and, side by side, on a "cloud" profile that is another Loupe serving its local engine
 * over the Image Search wire protocol (real HTTP, signed requests, the cloud's 1 QPS for searches).
 * Figures are checked against the rows they come from; exports are parsed back.
 */
import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type {
  EvalRow,
  EvalRunView,
  EvalSummary,
  CompareRow,
} from '../../../../electron/api/domains/eval'
import type { JobView } from '../../../../electron/api/domains/jobs'
import { parseCsv } from '../../../../electron/core/jobs/csv'
import { createFileSecretStore } from '../../../../electron/core/profiles/file-secret-store'
import { CSV_COLUMNS } from '../../../../electron/core/eval/report'
import { makeQualitySet, type QualitySet } from '../../../helpers/quality-set'
import { call, cleanupTmp, makeCore, tmp, until } from '../tasks/batch/helpers'
import { remoteProfile, startRemote, type RemoteLoupe } from '../copy/helpers'

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
    let remote: RemoteLoupe
    let dataDir = ''
    let runId = ''

    beforeAll(async () => {
      set = makeQualitySet(tmp('loupe-eval-set-'))
      remote = await startRemote()
      dataDir = tmp('loupe-eval-client-')
      // Secrets in a file: a core opened again on the folder (the resume test) finds the key.
      core = makeCore(dataDir, { secrets: createFileSecretStore(dataDir) })
      await call(core.dispatch, 'profiles.create', remoteProfile('remote', remote))
      // The same gallery on both engines (the remote one filled in its own host: no AddImage QPS).
      await Promise.all([
        fillGallery(core.dispatch, 'local', set.gallery),
        fillGallery(remote.core.dispatch, 'local', set.gallery),
      ])
    }, 300_000)
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

    it('tells why planted failures fail: a near-duplicate under another id, a product not in the gallery', async () => {
      const dir = tmp('loupe-eval-planted-')
      const cls = set.classes[0]
      const iconic = fs
        .readdirSync(path.join(set.gallery, cls))
        .find((f) => f.endsWith('_Iconic.jpg'))!
      // A re-encoded, smaller copy of the class's catalogue picture, in the gallery under another id.
      const copy = await sharp(path.join(set.gallery, cls, iconic))
        .resize(170)
        .jpeg({ quality: 55 })
        .toBuffer()
      fs.mkdirSync(path.join(dir, 'planted'))
      fs.writeFileSync(path.join(dir, 'planted', 'copy.jpg'), copy)
      await call(core.dispatch, 'images.add', {
        image: { path: path.join(dir, 'planted', 'copy.jpg') },
        productId: 'impostor',
        picName: 'copy.jpg',
        // Indexed whole, as the query is searched: the same bytes give the same vector.
        crop: false,
      })
      // A photo of a product the gallery does not have.
      const other = fs.readdirSync(path.join(set.testSet, set.classes[1]))[0]
      fs.copyFileSync(
        path.join(set.testSet, set.classes[1], other),
        path.join(dir, 'planted', 'missing.jpg'),
      )
      const csv = path.join(dir, 'set.csv')
      fs.writeFileSync(
        csv,
        [
          'path,productId,region,categoryId,filter',
          `planted/copy.jpg,${cls},,,`,
          'planted/missing.jpg,Missing-Product,,,',
          `planted/missing.jpg,${set.classes[1]},"10,100,10,100",88888888,"int_attr>=0 OR int_attr<0"`,
          'planted/copy.jpg,x,"100,10,5,50",,',
        ].join('\n') + '\n',
      )
      const preview = await call<{
        queries: number
        problems: { origin: string; code: string }[]
        sample: { region?: string; categoryId?: number; filter?: string }[]
      }>(core.dispatch, 'eval.previewSet', { path: csv })
      expect(preview.queries).toBe(3)
      expect(preview.problems).toEqual([
        expect.objectContaining({ origin: 'set.csv:5', code: 'InvalidRegion' }),
      ])
      expect(preview.sample[2]).toMatchObject({
        region: '10,100,10,100',
        categoryId: 88888888,
        filter: 'int_attr>=0 OR int_attr<0',
      })
      const started = await call<{ runId: string; jobId: number }>(core.dispatch, 'eval.start', {
        path: csv,
        profiles: ['local'],
        options: { num: 10 },
      })
      await waitJob(core.dispatch, started.jobId)
      const r = await allRows(core.dispatch, started.runId, 'local')
      expect(r.rows[0].top[0]).toMatchObject({ productId: 'impostor', picName: 'copy.jpg' })
      expect(r.rows[0]).toMatchObject({ state: 'done', reason: 'nearDuplicate' })
      expect(r.rows[0].reasonDetail).toContain(`${cls} / ${iconic}`)
      expect(r.rows[1]).toMatchObject({ state: 'done', rank: null, reason: 'notInGallery' })
      expect(r.rows[2].state).toBe('done')
      await call(core.dispatch, 'images.remove', { productId: 'impostor', picName: 'copy.jpg' })
    })

    it('compares two runs of one profile (subject detection on vs off)', async () => {
      const cropped = await call<{ runId: string; jobId: number }>(core.dispatch, 'eval.start', {
        path: set.testSet,
        profiles: ['local'],
        options: { num: 10, crop: true },
      })
      await waitJob(core.dispatch, cropped.jobId)
      const a = await allRows(core.dispatch, cropped.runId, 'local')
      expectFiguresMatchRows(a)
      // A miss with crop on was searched again on the whole picture: two calls, both counted.
      for (const r of a.rows) expect(r.apiCalls).toBe(r.rank === 1 ? 1 : 2)
      expect(a.summary.apiCalls).toBe(a.rows.reduce((n, r) => n + r.apiCalls, 0))
      const c = await call<{
        better: CompareRow[]
        worse: CompareRow[]
        same: number
        a: EvalSummary
      }>(core.dispatch, 'eval.compare', {
        a: { runId, profile: 'local' },
        b: { runId: cropped.runId, profile: 'local' },
      })
      expect(c.better.length + c.worse.length + c.same).toBe(set.queries)
      const base = await allRows(core.dispatch, runId, 'local')
      expect(c.a).toEqual(base.summary)
      const byFile = new Map(a.rows.map((r) => [r.query.file, r.rank]))
      for (const r of [...c.better, ...c.worse]) expect(r.b.rank).toBe(byFile.get(r.query.file))
    })

    it('exports CSV, JSON and a self-contained HTML report that parse back', async () => {
      const local = await allRows(core.dispatch, runId, 'local')
      const rem = await allRows(core.dispatch, runId, 'remote')

      const csv = await call<{ content: string; fileName: string }>(core.dispatch, 'eval.export', {
        runId,
        format: 'csv',
      })
      expect(csv.fileName).toBe('baseline.csv')
      const { records, problems } = parseCsv(csv.content)
      expect(problems).toEqual([])
      expect(records[0].fields).toEqual([...CSV_COLUMNS])
      const body = records
        .slice(1)
        .map((r) => Object.fromEntries(r.fields.map((v, i) => [CSV_COLUMNS[i], v])))
      expect(body).toHaveLength(set.queries * 2)
      for (const [profile, a] of [
        ['local', local],
        ['remote', rem],
      ] as const) {
        const mine = body.filter((b) => b.profile === profile)
        expect(mine.map((b) => b.rank)).toEqual(
          a.rows.map((r) => (r.rank === null ? '' : String(r.rank))),
        )
        expect(mine.map((b) => b.firstProductId)).toEqual(
          a.rows.map((r) => r.top[0]?.productId ?? ''),
        )
      }

      const json = await call<{ content: string }>(core.dispatch, 'eval.export', {
        runId,
        format: 'json',
      })
      const parsed = JSON.parse(json.content) as {
        run: EvalRunView
        profiles: Record<string, { summary: EvalSummary; recallByRank: number[]; rows: EvalRow[] }>
      }
      expect(parsed.run.runId).toBe(runId)
      expect(parsed.profiles.local.summary).toEqual(local.summary)
      expect(parsed.profiles.remote.recallByRank).toEqual(rem.recallByRank)
      expect(parsed.profiles.local.rows.map((r) => r.rank)).toEqual(local.rows.map((r) => r.rank))
      // No query picture's server path in the rows.
      expect(JSON.stringify(parsed.profiles)).not.toContain(set.testSet)

      const file = path.join(tmp('loupe-eval-html-'), 'report.html')
      const html = await call<{ file: string; bytes: number }>(core.dispatch, 'eval.export', {
        runId,
        format: 'html',
        file,
      })
      const text = fs.readFileSync(file, 'utf8')
      expect(html.bytes).toBe(Buffer.byteLength(text))
      // The chart of recall by rank: one line per profile, through recall@1 … recall@10.
      const lines = [
        ...text.matchAll(
          /<polyline class="recall-line" data-profile="([^"]+)"[^>]*points="([^"]+)"/g,
        ),
      ]
      expect(lines.map((m) => m[1])).toEqual(['local', 'remote'])
      for (const m of lines) expect(m[2].trim().split(' ')).toHaveLength(10)
      expect(text).toContain('id="recall-by-category"')
      expect(text.match(/class="category-bar"/g)!.length).toBeGreaterThanOrEqual(2)
      // Thumbnails inline: every query picture of both profiles, and they decode.
      const imgs = [...text.matchAll(/<img src="data:image\/jpeg;base64,([^"]+)"/g)]
      expect(imgs.length).toBeGreaterThanOrEqual(set.queries * 2)
      const meta = await sharp(Buffer.from(imgs[0][1], 'base64')).metadata()
      expect(meta.format).toBe('jpeg')
      // Nothing external: no URL, no src/href other than data:, no CSS import or url(), no script.
      expect(text).not.toMatch(/https?:\/\//i)
      expect(text).not.toMatch(/\b(?:src|href)\s*=\s*(?!["']?data:)/i)
      expect(text).not.toMatch(/url\(|@import|<script|<link/i)
      expect(text).toContain(
        `content="default-src 'none'; img-src data:; style-src 'unsafe-inline'"`,
      )
    })

    it('a run interrupted by closing Loupe resumes when it opens again, each query searched once', async () => {
      const args = { path: set.testSet, profiles: ['remote'], options: { num: 5 } }
      const started = await call<{ runId: string; jobId: number }>(
        core.dispatch,
        'eval.start',
        args,
      )
      // The remote profile searches at 1/s: close Loupe a few queries in.
      const early = await until(async () => {
        const r = await allRows(core.dispatch, started.runId, 'remote')
        return r.summary.answered >= 4 ? r : null
      }, 60_000)
      await core.close()
      core = makeCore(dataDir, { secrets: createFileSecretStore(dataDir) })
      const before = await allRows(core.dispatch, started.runId, 'remote')
      expect(before.summary.answered).toBeGreaterThanOrEqual(early.summary.answered)
      expect(before.summary.answered).toBeLessThan(set.queries)
      // The same start while it is unfinished names the same run (the CLI's "run again to resume").
      const again = await call<{ runId: string; resumed: boolean }>(
        core.dispatch,
        'eval.start',
        args,
      )
      expect(again).toMatchObject({ runId: started.runId, resumed: true })
      const job = await waitJob(core.dispatch, started.jobId)
      expect(job.state).toBe('done')
      const after = await allRows(core.dispatch, started.runId, 'remote')
      expect(after.summary.answered).toBe(set.queries)
      expect(after.summary.apiCalls).toBe(set.queries)
      // Rows answered before the interruption were not searched again.
      for (const r of before.rows.filter((x) => x.state === 'done')) {
        expect(after.rows[r.index]).toEqual(r)
      }
      expectFiguresMatchRows(after)
    })
  },
)
