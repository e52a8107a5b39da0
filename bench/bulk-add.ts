/**
 * Bulk-add benchmark: `npx tsx bench/bulk-add.ts [--part a|b|all] [--limit 1006] [--items 100]
 * [--qps 5] [--faults 0.1]`.
 *
 * (a) Local engine, end to end: plan (read the folder, imaging preview, SHA-256) + job (imaging
 *     prepare, AddImage, result stored per item) for shared/datasets/catalogue-hm (1,006 photos).
 *     Baseline measured in the same run: a plain loop, same concurrency, calling imaging.prepare +
 *     engine.addImage directly (no plan, no queue, no SQLite), on a fresh engine.
 * (b) Cloud path under faults: the real cloud engine (official SDK, ACS3 signing, HTTP) against the
 *     wire server on 127.0.0.1, whose engine enforces an AddImage QPS limit (token bucket, 1 s of
 *     burst — answers DeniedRequest past it, as the cloud's flow control does) and injects faults:
 *     half DeniedRequest (403), half InternalError (500). Behind it: a real local engine.
 *     Runs: baseline without faults; with faults; with faults and a client configured at twice the
 *     instance's QPS (AIMD must bring it down). Reports the request rate the client achieved against
 *     the limit (target >= 98 %), items lost (target 0) and sends beyond one per item.
 */
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { createCloudEngine } from '../electron/core/engines/cloud/index'
import { EngineError } from '../electron/core/engines/errors'
import { createFeaturizer } from '../electron/core/engines/local/featurizer/index'
import { createLocalEngine, type LocalEngine } from '../electron/core/engines/local/index'
import type { Engine } from '../electron/core/engines/types'
import { createWireHandler } from '../electron/core/engines/wire/server'
import { createImaging } from '../electron/core/imaging/index'
import type { Imaging } from '../electron/core/imaging/types'
import { collectPlan, planBulkAdd } from '../electron/core/jobs/bulk-add/plan'
import { enqueueBulkAdd, registerBulkAdd } from '../electron/core/jobs/bulk-add/run'
import { JobQueue } from '../electron/core/jobs/queue'

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def
}
const PART = arg('part', 'all')
const LIMIT = Number(arg('limit', '1006'))
const ITEMS = Number(arg('items', '100'))
const QPS = Number(arg('qps', '5'))
const FAULTS = Number(arg('faults', '0.1'))
const CATALOGUE = '/work/shared/datasets/catalogue-hm'
const CONCURRENCY = 4

const fmt = (n: number, d = 1) => n.toFixed(d)
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-bench-'))

function catalogueFiles(n: number): string[] {
  return fs
    .readdirSync(CATALOGUE)
    .filter((f) => f.endsWith('.jpg'))
    .sort()
    .slice(0, n)
    .map((f) => path.join(CATALOGUE, f))
}

/** A folder of symlinks to the first n catalogue photos (the dataset is read-only). */
function linkFolder(dir: string, files: string[]): string {
  const src = path.join(dir, 'photos')
  fs.mkdirSync(src, { recursive: true })
  for (const f of files) fs.symlinkSync(f, path.join(src, path.basename(f)))
  return src
}

async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (i < items.length) await fn(items[i++])
    }),
  )
}

// ------------------------------------------------------------------------------------------ (a)

async function partA(): Promise<void> {
  const files = catalogueFiles(LIMIT)
  console.log(`\n(a) bulk add of ${files.length} catalogue-hm photos into the local engine`)
  console.log(`    concurrency ${CONCURRENCY}, imaging and featurizer worker threads: 2 each, ${os.cpus().length} cores`)
  const dir = tmp()
  const featurizer = createFeaturizer()
  const imaging = createImaging()
  try {
    // warm-up (worker threads, JIT), not timed
    const warm = await createLocalEngine({ dir: path.join(dir, 'warm'), name: 'warm', featurizer })
    await pool(files.slice(0, 24), CONCURRENCY, async (f) => {
      const p = await imaging.prepare(f, { thumbnail: true })
      await warm.addImage({ productId: 'w', picName: path.basename(f), picContent: p.data })
    })
    await warm.close()

    // baseline: direct calls, same concurrency
    const base = await createLocalEngine({ dir: path.join(dir, 'base'), name: 'base', featurizer })
    const t0 = performance.now()
    await pool(files, CONCURRENCY, async (f) => {
      const p = await imaging.prepare(f, { thumbnail: true })
      const id = path.basename(f, '.jpg')
      await base.addImage({ productId: id, picName: `${id}.jpg`, picContent: p.data })
    })
    const baseS = (performance.now() - t0) / 1000
    const baseCount = (await base.detail()).instance.totalCount
    await base.close()

    // the job queue path
    const engine = await createLocalEngine({ dir: path.join(dir, 'engine'), name: 'engine', featurizer })
    const queue = new JobQueue({ dbPath: path.join(dir, 'jobs.db') })
    let recorded = 0
    registerBulkAdd(queue, {
      engineFor: () => engine,
      imaging,
      onAdded: () => {
        recorded++
      },
    })
    queue.start()
    const src = linkFolder(dir, files)
    const t1 = performance.now()
    const plan = await collectPlan([src], { naming: 'file' }, { imaging })
    const planS = (performance.now() - t1) / 1000
    const t2 = performance.now()
    const { jobId } = await enqueueBulkAdd(queue, plan, { profile: 'bench', concurrency: CONCURRENCY })
    const job = await queue.whenSettled(jobId)
    const runS = (performance.now() - t2) / 1000
    const count = (await engine.detail()).instance.totalCount

    // streaming: the job starts while the plan is still being computed
    const engine2 = await createLocalEngine({ dir: path.join(dir, 'engine2'), name: 'engine2', featurizer })
    const queue2 = new JobQueue({ dbPath: path.join(dir, 'jobs2.db') })
    registerBulkAdd(queue2, { engineFor: () => engine2, imaging })
    queue2.start()
    const t3 = performance.now()
    const s = await enqueueBulkAdd(queue2, planBulkAdd([src], { naming: 'file' }, { imaging }), {
      profile: 'bench',
      concurrency: CONCURRENCY,
    })
    const job2 = await queue2.whenSettled(s.jobId)
    const streamS = (performance.now() - t3) / 1000

    const n = files.length
    console.log(`    baseline (direct prepare + addImage): ${fmt(baseS, 2)} s, ${fmt(n / baseS)} images/s (${baseCount} stored)`)
    console.log(`    plan (walk, preview, SHA-256):        ${fmt(planS, 2)} s, ${fmt(n / planS)} images/s`)
    console.log(`    job (prepare, AddImage, SQLite):      ${fmt(runS, 2)} s, ${fmt(n / runS)} images/s — ${fmt((n / runS) / (n / baseS), 2)}x baseline`)
    console.log(`    end to end, plan then job:            ${fmt(planS + runS, 2)} s, ${fmt(n / (planS + runS))} images/s — ${fmt((n / (planS + runS)) / (n / baseS), 2)}x baseline`)
    console.log(`    end to end, streamed plan → job:      ${fmt(streamS, 2)} s, ${fmt(n / streamS)} images/s — ${fmt((n / streamS) / (n / baseS), 2)}x baseline`)
    console.log(`    job: ${job.state}, done ${job.counts.done}, failed ${job.counts.failed}, skipped ${job.counts.skipped}; engine holds ${count}; onAdded ${recorded}`)
    console.log(`    streamed job: ${job2.state}, done ${job2.counts.done}, skipped ${job2.counts.skipped}, failed ${job2.counts.failed}`)
    await queue.close()
    await queue2.close()
    await engine.close()
    await engine2.close()
  } finally {
    await imaging.close()
    await featurizer.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

// ------------------------------------------------------------------------------------------ (b)

const AK = 'LTAIbenchkey0001'
const SECRET = 'bench-secret-0123456789abcdef'

interface ServerStats {
  requests: number[]
  accepted: Map<string, number>
  flowDenied: number
  injectedDenied: number
  injected500: number
}

/** The local engine behind the instance's flow control and a fault injector. */
function faultyEngine(inner: LocalEngine, qps: number, faults: number, stats: ServerStats): Engine {
  let tokens = qps
  let last = performance.now()
  let seed = 42
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    return seed / 0x7fffffff
  }
  const e = Object.create(inner) as Engine
  e.addImage = async (req) => {
    const now = performance.now()
    stats.requests.push(now)
    tokens = Math.min(qps, tokens + ((now - last) / 1000) * qps)
    last = now
    if (tokens < 1) {
      stats.flowDenied++
      throw new EngineError('DeniedRequest', 'Request was denied due to flow control.')
    }
    tokens -= 1
    const r = rand()
    if (r < faults / 2) {
      stats.injectedDenied++
      throw new EngineError('DeniedRequest', 'Request was denied due to flow control.')
    }
    if (r < faults) {
      stats.injected500++
      throw new EngineError('InternalError', 'The request processing has failed due to some unknown error.', {
        httpStatus: 500,
      })
    }
    const res = await inner.addImage(req)
    const k = `${req.productId}/${req.picName}`
    stats.accepted.set(k, (stats.accepted.get(k) ?? 0) + 1)
    return res
  }
  return e
}

async function cloudRun(
  label: string,
  files: string[],
  opts: { faults: number; clientQps: number },
  shared: { imaging: Imaging; featurizer: ReturnType<typeof createFeaturizer> },
): Promise<{ attemptRate: number; lost: number }> {
  const dir = tmp()
  const local = await createLocalEngine({ dir: path.join(dir, 'engine'), name: 'demo', featurizer: shared.featurizer })
  const stats: ServerStats = { requests: [], accepted: new Map(), flowDenied: 0, injectedDenied: 0, injected500: 0 }
  const engine = faultyEngine(local, QPS, opts.faults, stats)
  const server = http.createServer(
    createWireHandler({
      resolveEngine: async (name) => (name === 'demo' ? engine : null),
      keys: { lookup: async (id) => (id === AK ? { secret: SECRET } : null) },
    }),
  )
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  const cloud = createCloudEngine({
    instanceName: 'demo',
    endpoint: `127.0.0.1:${port}`,
    protocol: 'http',
    accessKeyId: AK,
    accessKeySecret: SECRET,
  })
  const queue = new JobQueue({
    dbPath: path.join(dir, 'jobs.db'),
    rateLimits: () => ({ add: opts.clientQps }),
    retry: { maxAttempts: 6 },
  })
  registerBulkAdd(queue, { engineFor: () => cloud, imaging: shared.imaging })
  queue.start()
  try {
    const src = linkFolder(dir, files)
    const plan = await collectPlan([src], { naming: 'file' }, { imaging: shared.imaging })
    const t0 = performance.now()
    const { jobId } = await enqueueBulkAdd(queue, plan, { profile: 'cloud', concurrency: CONCURRENCY })
    const job = await queue.whenSettled(jobId)
    const wall = (performance.now() - t0) / 1000
    const req = stats.requests
    const span = (req[req.length - 1] - req[0]) / 1000
    const attemptRate = (req.length - 1) / span
    const acceptedCalls = [...stats.accepted.values()].reduce((a, b) => a + b, 0)
    const expected = plan.filter((p) => p.action === 'add').map((p) => `${p.productId}/${p.picName}`)
    let lost = 0
    for (const k of expected) {
      const [productId, picName] = k.split('/')
      if (!stats.accepted.has(k) || !(await local.checkImageExists({ productId, picName })).exist) lost++
    }
    const limiter = queue.limiter('cloud', 'add').stats()
    console.log(`    ${label}`)
    console.log(
      `      ${req.length} requests in ${fmt(span, 2)} s = ${fmt(attemptRate, 2)} req/s = ${fmt((attemptRate / QPS) * 100)} % of the instance's ${QPS} QPS` +
        ` (client limiter ${opts.clientQps}/s, now ${fmt(limiter.currentRate, 2)}/s)`,
    )
    console.log(
      `      answers: ${acceptedCalls} accepted, ${stats.injectedDenied} injected DeniedRequest, ${stats.injected500} injected 500, ${stats.flowDenied} flow-control DeniedRequest`,
    )
    console.log(
      `      items: ${expected.length} planned, ${job.counts.done} done, ${job.counts.failed} failed, lost ${lost}, sent beyond once ${acceptedCalls - expected.length + lost}; ` +
        `${fmt(job.counts.done / wall, 2)} items/s over ${fmt(wall, 1)} s`,
    )
    return { attemptRate, lost }
  } finally {
    await queue.close()
    await new Promise<void>((r) => server.close(() => r()))
    await cloud.close()
    await local.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

async function partB(): Promise<void> {
  const files = catalogueFiles(ITEMS)
  console.log(
    `\n(b) bulk add of ${files.length} photos through the official SDK → wire server (AddImage QPS ${QPS}), faults ${fmt(FAULTS * 100, 0)} %`,
  )
  const featurizer = createFeaturizer()
  const imaging = createImaging()
  try {
    const shared = { imaging, featurizer }
    const base = await cloudRun('baseline: no faults, client at the instance QPS', files, { faults: 0, clientQps: QPS }, shared)
    const faulty = await cloudRun(
      `faults: ${fmt(FAULTS * 100, 0)} % (DeniedRequest / 500), client at the instance QPS`,
      files,
      { faults: FAULTS, clientQps: QPS },
      shared,
    )
    const over = await cloudRun(
      `faults + client misconfigured at ${QPS * 2} QPS (AIMD must slow it down)`,
      files.slice(0, Math.ceil(files.length / 2)),
      { faults: FAULTS, clientQps: QPS * 2 },
      shared,
    )
    console.log(
      `    rate with faults / without: ${fmt(faulty.attemptRate / base.attemptRate, 3)}; ` +
        `with faults vs the limit: ${fmt((faulty.attemptRate / QPS) * 100)} % (target ≥ 98 %) ${faulty.attemptRate >= 0.98 * QPS ? 'PASS' : 'FAIL'}; ` +
        `items lost: ${base.lost + faulty.lost + over.lost} (target 0) ${base.lost + faulty.lost + over.lost === 0 ? 'PASS' : 'FAIL'}`,
    )
  } finally {
    await imaging.close()
    await featurizer.close()
  }
}

if (PART === 'a' || PART === 'all') await partA()
if (PART === 'b' || PART === 'all') await partB()
