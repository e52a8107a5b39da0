/**
 * Bulk-add benchmark: `npx tsx bench/bulk-add.ts [--part a|b|c|d|all] [--limit 1006] [--items 100]
 * [--qps 5] [--faults 0.1] [--cloud-concurrency 8]`.
 *
 * (a) Local engine, end to end: plan (read the folder, imaging preview, SHA-256) + job (imaging
 *     prepare, AddImage, result stored per item) for catalogue-hm (1,006 photos; LOUPE_DATASETS,
 *     see bench/README.md — generated look-alikes when it is missing).
 *     Baseline measured in the same run: a plain loop, same concurrency, calling imaging.prepare +
 *     engine.addImage directly (no plan, no queue, no SQLite), on a fresh engine.
 * (b) Cloud path under faults: the real cloud engine (official SDK, ACS3 signing, HTTP) against the
 *     wire server on 127.0.0.1, whose engine enforces an AddImage QPS limit (token bucket, 1 s of
 *     burst — answers DeniedRequest past it, as the cloud's flow control does) and injects faults:
 *     half DeniedRequest (403), half InternalError (500). Behind it: an engine recording every
 *     accepted AddImage in SQLite (cheap, so the figures measure the client, not a featurizer).
 *     Runs: baseline without faults; with faults; with faults and a client configured at twice the
 *     instance's QPS (AIMD must bring it down). Reports the request rate the client achieved against
 *     the limit (target >= 98 %), items lost (target 0) and sends beyond one per item.
 * (c) The limiter's adaptive policy simulated on a virtual clock: random denials vs real overload.
 * (d) The app against the real engine API: a headless host (`loupe serve` in its own process, the
 *     local engine behind its Image Search wire API, signed with an AccessKey of its key store), a proxy in front of it
 *     that enforces the instance's AddImage flow control (QPS token bucket, 1 s of burst, answering
 *     DeniedRequest past it) and injects faults (half DeniedRequest, half 500, in the cloud's error
 *     envelopes), and a second core with a cloud profile pointing at the proxy, running the bulk add
 *     as the app does (`bulk.start`: plan, queue, cloud rate limits, retries, gallery cache).
 *     Reports the request rate against the limit (target >= 98 %), items lost (target 0, checked on
 *     the engine: Detail count and CheckImageExists for every picture) and sends beyond one per item.
 *     `--api-items N` pictures (default 300: retries waiting out their backoff at the end weigh
 *     less than with a few).
 * Part (a) also runs the app's path end to end (core `bulk.start`, as `loupe bulk-add` does: plan
 * with duplicate lookups, thumbnails and the gallery cache) against the same baseline.
 */
import Database from 'better-sqlite3'
import crypto from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { createCloudEngine } from '../electron/core/engines/cloud/index'
import { EngineError } from '../electron/core/engines/errors'
import { createFeaturizer } from '../electron/core/engines/local/featurizer/index'
import { createLocalEngine } from '../electron/core/engines/local/index'
import type { AddImageRequest, AddImageResult, Engine } from '../electron/core/engines/types'
import { createWireHandler } from '../electron/core/engines/wire/server'
import { createImaging } from '../electron/core/imaging/index'
import type { Imaging } from '../electron/core/imaging/types'
import { collectPlan, planBulkAdd } from '../electron/core/jobs/bulk-add/plan'
import { enqueueBulkAdd, registerBulkAdd } from '../electron/core/jobs/bulk-add/run'
import { RateLimiter } from '../electron/core/jobs/limiter'
import { JobQueue } from '../electron/core/jobs/queue'
import { openGallery } from '../electron/core/gallery/index'
import { writeThrough } from '../electron/core/gallery/write-through'
import { createCore } from '../electron/core/app'
import { createFileSecretStore } from '../electron/core/profiles/file-secret-store'
import { createKeyStore } from '../electron/core/engines/wire/keys'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { catalogueForBench } from './lib/datasets'
import { serveProcess } from './lib/serve-process'
import { pool } from './lib/pool'

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def
}
const PART = arg('part', 'all')
const LIMIT = Number(arg('limit', '1006'))
const ITEMS = Number(arg('items', '100'))
const API_ITEMS = Number(arg('api-items', '300'))
const QPS = Number(arg('qps', '5'))
const FAULTS = Number(arg('faults', '0.1'))
const CATALOGUE = await catalogueForBench('bulk-add', Math.max(LIMIT, ITEMS, API_ITEMS))
const CONCURRENCY = 4
const CLOUD_CONCURRENCY = Number(arg('cloud-concurrency', '8'))

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

// ------------------------------------------------------------------------------------------ (a)

async function partA(): Promise<void> {
  const files = catalogueFiles(LIMIT)
  console.log(
    `\n(a) bulk add of ${files.length} catalogue photos (${CATALOGUE}) into the local engine`,
  )
  console.log(
    `    concurrency ${CONCURRENCY}, imaging and featurizer worker threads: 2 each, ${os.cpus().length} cores`,
  )
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

    // baseline: direct calls, same concurrency (run before and after the job: the machine is shared)
    const baseline = async (name: string): Promise<number> => {
      const base = await createLocalEngine({ dir: path.join(dir, name), name, featurizer })
      const t0 = performance.now()
      await pool(files, CONCURRENCY, async (f) => {
        const p = await imaging.prepare(f, { thumbnail: true })
        const id = path.basename(f, '.jpg')
        await base.addImage({ productId: id, picName: `${id}.jpg`, picContent: p.data })
      })
      const s = (performance.now() - t0) / 1000
      if ((await base.detail()).instance.totalCount !== files.length)
        throw new Error('baseline lost images')
      await base.close()
      return s
    }
    const base1 = await baseline('base1')

    // the job queue path
    const engine = await createLocalEngine({
      dir: path.join(dir, 'engine'),
      name: 'engine',
      featurizer,
    })
    const queue = new JobQueue({ dbPath: path.join(dir, 'jobs.db') })
    // as in the app: the engine writes through to a gallery cache
    const gallery = openGallery(path.join(dir, 'gallery.db'))
    const withCache = writeThrough(engine, { gallery: () => gallery, saveThumb: () => null })
    registerBulkAdd(queue, { engineFor: () => withCache, imaging })
    queue.start()
    const src = linkFolder(dir, files)
    const t1 = performance.now()
    const plan = await collectPlan([src], { naming: 'file' }, { imaging })
    const planS = (performance.now() - t1) / 1000
    const t2 = performance.now()
    const { jobId } = await enqueueBulkAdd(queue, plan, {
      profile: 'bench',
      concurrency: CONCURRENCY,
    })
    const job = await queue.whenSettled(jobId)
    const runS = (performance.now() - t2) / 1000
    const count = (await engine.detail()).instance.totalCount

    // streaming: the job starts while the plan is still being computed
    const engine2 = await createLocalEngine({
      dir: path.join(dir, 'engine2'),
      name: 'engine2',
      featurizer,
    })
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

    // the app's path: a core, as `loupe bulk-add` runs it (plan with duplicate lookups in the
    // gallery cache, perceptual hashes, thumbnails, gallery records)
    const appDir = path.join(dir, 'app')
    const core = createCore({
      dataDir: appDir,
      secrets: createFileSecretStore(appDir),
      host: 'headless',
    })
    core.jobs.startJobs()
    const t4 = performance.now()
    const started = await core.api.bulk.start({
      sources: [src],
      naming: 'file',
      duplicates: 'add',
    })
    const appJob = await core.jobs.whenSettled(started.jobId)
    const appS = (performance.now() - t4) / 1000
    const appCount = (await core.api.instance.detail({})).instance.totalCount
    const cached = core.galleries.get('local').stats().count
    await core.close()

    const base2 = await baseline('base2')
    const baseS = (base1 + base2) / 2
    const n = files.length
    console.log(
      `    baseline (direct prepare + addImage): ${fmt(baseS, 2)} s, ${fmt(n / baseS)} images/s (runs: ${fmt(base1, 2)} s before, ${fmt(base2, 2)} s after)`,
    )
    console.log(
      `    plan (walk, preview, SHA-256):        ${fmt(planS, 2)} s, ${fmt(n / planS)} images/s`,
    )
    console.log(
      `    job (prepare, AddImage, SQLite):      ${fmt(runS, 2)} s, ${fmt(n / runS)} images/s — ${fmt(n / runS / (n / baseS), 2)}x baseline`,
    )
    console.log(
      `    end to end, plan then job:            ${fmt(planS + runS, 2)} s, ${fmt(n / (planS + runS))} images/s — ${fmt(n / (planS + runS) / (n / baseS), 2)}x baseline`,
    )
    console.log(
      `    end to end, streamed plan → job:      ${fmt(streamS, 2)} s, ${fmt(n / streamS)} images/s — ${fmt(n / streamS / (n / baseS), 2)}x baseline`,
    )
    console.log(
      `    app (core bulk.start, gallery cache): ${fmt(appS, 2)} s, ${fmt(n / appS)} images/s — ${fmt(n / appS / (n / baseS), 2)}x baseline`,
    )
    console.log(
      `    job: ${job.state}, done ${job.counts.done}, failed ${job.counts.failed}, skipped ${job.counts.skipped}; engine holds ${count}; cache holds ${gallery.stats().count}`,
    )
    console.log(
      `    app job: ${appJob.state}, done ${appJob.done}, failed ${appJob.failed}, skipped ${appJob.skipped}; engine holds ${appCount}; gallery cache ${cached}`,
    )
    console.log(
      `    streamed job: ${job2.state}, done ${job2.counts.done}, skipped ${job2.counts.skipped}, failed ${job2.counts.failed}`,
    )
    await queue.close()
    await queue2.close()
    gallery.close()
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
  flowDenied: number
  injectedDenied: number
  injected500: number
}

/**
 * What the wire server serves: an engine that records every accepted AddImage in its own SQLite
 * table (cheap, so the figures measure the client, not a featurizer), behind the instance's flow
 * control (token bucket: QPS tokens per second, 1 s of burst) and a fault injector.
 */
function faultyEngine(dbFile: string, qps: number, faults: number, stats: ServerStats) {
  const db = new Database(dbFile)
  db.pragma('journal_mode = WAL')
  db.exec('CREATE TABLE adds (key TEXT PRIMARY KEY, n INTEGER NOT NULL, bytes INTEGER NOT NULL)')
  const record = db.prepare(
    'INSERT INTO adds (key, n, bytes) VALUES (?, 1, ?) ON CONFLICT(key) DO UPDATE SET n = n + 1',
  )
  const count = db.prepare('SELECT n FROM adds WHERE key = ?')
  let tokens = qps
  let last = performance.now()
  let seed = 42
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    return seed / 0x7fffffff
  }
  const unsupported = async () => {
    throw new EngineError('UnsupportedOperationType', 'Not served by this bench engine.', {
      httpStatus: 500,
    })
  }
  const engine = {
    kind: 'local',
    async addImage(req: AddImageRequest): Promise<AddImageResult> {
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
        throw new EngineError(
          'InternalError',
          'The request processing has failed due to some unknown error.',
          {
            httpStatus: 500,
          },
        )
      }
      record.run(`${req.productId}/${req.picName}`, req.picContent.length)
      return {
        requestId: crypto.randomUUID().toUpperCase(),
        picInfo: { categoryId: 88888888, region: null },
      }
    },
    close: async () => db.close(),
  }
  const served = new Proxy(engine as unknown as Engine, {
    get: (t, k) =>
      k in t || k === 'then' || typeof k === 'symbol'
        ? (t as unknown as Record<string | symbol, unknown>)[k]
        : unsupported,
  })
  return {
    engine: served,
    times: (key: string) => (count.get(key) as { n: number } | undefined)?.n ?? 0,
    close: () => db.close(),
  }
}

async function cloudRun(
  label: string,
  files: string[],
  opts: { faults: number; clientQps: number },
  shared: { imaging: Imaging },
): Promise<{ attemptRate: number; lost: number }> {
  const dir = tmp()
  const stats: ServerStats = { requests: [], flowDenied: 0, injectedDenied: 0, injected500: 0 }
  const target = faultyEngine(path.join(dir, 'target.db'), QPS, opts.faults, stats)
  const engine = target.engine
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
    const { jobId } = await enqueueBulkAdd(queue, plan, {
      profile: 'cloud',
      concurrency: CLOUD_CONCURRENCY,
    })
    // sample the limiter: its rate, and whether a worker is waiting for a token (else the
    // pipeline, not the limiter, is what holds the rate back)
    const samples: { rate: number; waiting: number }[] = []
    const sampler = setInterval(() => {
      const st = queue.limiter('cloud', 'add').stats()
      samples.push({ rate: st.currentRate, waiting: st.waiting })
    }, 50)
    const job = await queue.whenSettled(jobId)
    clearInterval(sampler)
    const wall = (performance.now() - t0) / 1000
    const meanRate = samples.reduce((a, b) => a + b.rate, 0) / Math.max(1, samples.length)
    const starved = samples.filter((x) => x.waiting === 0).length / Math.max(1, samples.length)
    const req = stats.requests
    const span = (req[req.length - 1] - req[0]) / 1000
    const attemptRate = (req.length - 1) / span
    const expected = plan
      .filter((p) => p.action === 'add')
      .map((p) => `${p.productId}/${p.picName}`)
    let lost = 0
    let acceptedCalls = 0
    for (const k of expected) {
      const n = target.times(k)
      acceptedCalls += n
      if (n === 0) lost++
    }
    const limiter = queue.limiter('cloud', 'add').stats()
    console.log(`    ${label}`)
    console.log(
      `      ${req.length} requests in ${fmt(span, 2)} s = ${fmt(attemptRate, 2)} req/s = ${fmt((attemptRate / QPS) * 100)} % of the instance's ${QPS} QPS` +
        ` (client limiter ${opts.clientQps}/s, now ${fmt(limiter.currentRate, 2)}/s)`,
    )
    console.log(
      `      limiter: mean rate ${fmt(meanRate, 2)}/s; no worker waiting for a token ${fmt(starved * 100)} % of the time`,
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
    target.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

async function partB(): Promise<void> {
  const files = catalogueFiles(ITEMS)
  console.log(
    `\n(b) bulk add of ${files.length} photos through the official SDK → wire server (AddImage QPS ${QPS}), faults ${fmt(FAULTS * 100, 0)} %`,
  )
  const imaging = createImaging()
  try {
    const shared = { imaging }
    const base = await cloudRun(
      'baseline: no faults, client at the instance QPS',
      files,
      { faults: 0, clientQps: QPS },
      shared,
    )
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
  }
}

// ------------------------------------------------------------------------------------------ (c)

/**
 * The limiter's adaptive policy on a virtual clock (no timers): requests go out at the limiter's
 * current rate to an instance with a token-bucket QPS limit (1 s of burst) that also denies a
 * fraction of requests at random. Prints the attempt rate and the share denied by flow control.
 */
function partC(): void {
  console.log('\n(c) adaptive limiter policy, simulated (20,000 requests on a virtual clock)')
  const sim = (configured: number, limit: number, p: number) => {
    let clock = 0
    let seed = 7
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed / 0x7fffffff
    }
    const l = new RateLimiter({ ratePerSec: configured, now: () => clock })
    let tokens = limit
    let last = 0
    let flow = 0
    let ok = 0
    const n = 20_000
    for (let i = 0; i < n; i++) {
      clock += 1000 / l.currentRate
      tokens = Math.min(limit, tokens + ((clock - last) / 1000) * limit)
      last = clock
      if (tokens < 1) {
        flow++
        l.onDenied()
        continue
      }
      tokens -= 1
      if (rand() < p) l.onDenied()
      else {
        ok++
        l.onSuccess()
      }
    }
    const s = clock / 1000
    console.log(
      `    client ${configured}/s, instance ${limit}/s, random denials ${fmt(p * 100, 0)} %: ` +
        `${fmt(n / s, 2)} req/s (${fmt((n / s / limit) * 100)} % of the instance), ${fmt(ok / s, 2)} accepted/s, ` +
        `${fmt((flow / n) * 100)} % denied by flow control`,
    )
  }
  sim(5, 5, 0)
  sim(5, 5, 0.05)
  sim(5, 5, 0.1)
  sim(10, 5, 0.05)
  sim(5, 4, 0)
  sim(5, 1, 0)
}

// ------------------------------------------------------------------------------------------ (d)

/**
 * A proxy in front of an engine API: AddImage goes through the instance's flow control (token
 * bucket, QPS tokens a second, 1 s of burst) and a fault injector; everything else passes.
 */
function faultProxy(target: number, qps: number, faults: number) {
  const stats = {
    requests: [] as number[],
    /** Time of the first request of each picture (by body digest). */
    firsts: new Map<string, number>(),
    flowDenied: 0,
    injectedDenied: 0,
    injected500: 0,
    /** Time the engine behind the API took for each forwarded AddImage (ms). */
    upstreamMs: [] as number[],
  }
  let tokens = qps
  let last = performance.now()
  let seed = 4242
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    return seed / 0x7fffffff
  }
  const envelope = (res: http.ServerResponse, status: number, code: string, message: string) => {
    const body = JSON.stringify({
      RequestId: crypto.randomUUID().toUpperCase(),
      HostId: 'bench-proxy',
      Code: code,
      Message: message,
    })
    res.writeHead(status, {
      'content-type': 'application/json;charset=utf-8',
      'content-length': Buffer.byteLength(body),
    })
    res.end(body)
  }
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      if (req.headers['x-acs-action'] === 'AddImage') {
        const now = performance.now()
        stats.requests.push(now)
        const digest = crypto.createHash('sha1').update(body).digest('hex')
        if (!stats.firsts.has(digest)) stats.firsts.set(digest, now)
        tokens = Math.min(qps, tokens + ((now - last) / 1000) * qps)
        last = now
        if (tokens < 1) {
          stats.flowDenied++
          return envelope(res, 403, 'DeniedRequest', 'Request was denied due to flow control.')
        }
        tokens -= 1
        const r = rand()
        if (r < faults / 2) {
          stats.injectedDenied++
          return envelope(res, 403, 'DeniedRequest', 'Request was denied due to flow control.')
        }
        if (r < faults) {
          stats.injected500++
          return envelope(
            res,
            500,
            'InternalError',
            'The request processing has failed due to some unknown error.',
          )
        }
      }
      const t0 = performance.now()
      const fwd = http.request(
        {
          host: '127.0.0.1',
          port: target,
          method: req.method,
          path: req.url,
          // as sent: the signature covers the host header
          headers: req.headers,
        },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers)
          up.pipe(res)
          if (req.headers['x-acs-action'] === 'AddImage')
            up.on('end', () => stats.upstreamMs.push(performance.now() - t0))
        },
      )
      fwd.on('error', () => envelope(res, 502, 'InternalError', 'proxy: upstream failed'))
      fwd.end(body)
    })
  })
  return { server, stats }
}

async function partD(): Promise<void> {
  const files = catalogueFiles(API_ITEMS)
  console.log(
    `\n(d) the app against the real engine API: ${files.length} photos, core bulk.start → cloud engine (SDK) → fault proxy (AddImage QPS ${QPS}, faults ${fmt(FAULTS * 100, 0)} %) → headless host → local engine`,
  )
  const dir = tmp()
  const hostDir = path.join(dir, 'host')
  const appDir = path.join(dir, 'app')
  // the engine runs in its own process, as an instance would (its work is not on our event loop)
  const key = await createKeyStore(hostDir).create({ description: 'bench' })
  const host = await serveProcess(hostDir)
  const { server, stats } = faultProxy(host.port, QPS, FAULTS)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const proxyPort = (server.address() as AddressInfo).port
  const core = createCore({
    dataDir: appDir,
    secrets: createFileSecretStore(appDir),
    host: 'headless',
  })
  try {
    await core.api.profiles.create({
      kind: 'cloud',
      name: 'remote',
      serviceType: 'product',
      cloud: {
        instanceName: 'local',
        endpoint: `127.0.0.1:${proxyPort}`,
        protocol: 'http',
        accessKeyId: key.accessKeyId,
        accessKeySecret: key.accessKeySecret,
      },
    })
    core.jobs.startJobs()
    const src = linkFolder(dir, files)
    // as the Add view does it: preview (plan) first, then start the previewed plan
    const tp = performance.now()
    const plan = await core.api.bulk.plan({
      profile: 'remote',
      sources: [src],
      naming: 'file',
      duplicates: 'add',
    })
    while (
      (await core.api.bulk.planPage({ planId: plan.planId, offset: 0, limit: 1 })).status.state ===
      'planning'
    )
      await new Promise((r) => setTimeout(r, 100))
    const planS = (performance.now() - tp) / 1000
    const t0 = performance.now()
    const { jobId } = await core.api.bulk.start({ planId: plan.planId })
    // is a worker waiting for a token (else preparing pictures or the engine holds the rate back)?
    const lag = monitorEventLoopDelay({ resolution: 10 })
    lag.enable()
    const samples: { waiting: number; rate: number }[] = []
    const sampler = setInterval(() => {
      const st = core.jobs.queue().limiter('remote', 'add').stats()
      samples.push({ waiting: st.waiting, rate: st.currentRate })
    }, 50)
    const job = await core.jobs.whenSettled(jobId)
    clearInterval(sampler)
    const starved = samples.filter((x) => x.waiting === 0).length / Math.max(1, samples.length)
    const meanRate = samples.reduce((a, x) => a + x.rate, 0) / Math.max(1, samples.length)
    lag.disable()
    const wall = (performance.now() - t0) / 1000
    if (job.error) console.log(`    the job stopped: ${job.error.code}: ${job.error.message}`)
    const req = stats.requests
    const span = (req[req.length - 1] - req[0]) / 1000
    const attemptRate = (req.length - 1) / span
    const accepted = req.length - stats.flowDenied - stats.injectedDenied - stats.injected500
    // the same rate until every picture was sent once (the tail is only retries waiting out
    // their backoff, with nothing else to send)
    const lastFirst = Math.max(...stats.firsts.values())
    const steady = req.filter((t) => t <= lastFirst)
    const steadyRate = (steady.length - 1) / ((lastFirst - req[0]) / 1000)
    // what the engine behind the API holds
    const count = ((await host.call('instance.detail', {})) as { instance: { totalCount: number } })
      .instance.totalCount
    let lost = 0
    for (const f of files) {
      const id = path.basename(f, '.jpg')
      const r = (await host.call('images.exists', { productId: id, picName: `${id}.jpg` })) as {
        exist: boolean
      }
      if (!r.exist) lost++
    }
    const limiter = core.jobs.queue().limiter('remote', 'add').stats()
    const up = [...stats.upstreamMs].sort((a, b) => a - b)
    const pct = (q: number) => up[Math.min(up.length - 1, Math.floor(q * up.length))] ?? 0
    console.log(
      `    ${req.length} AddImage requests in ${fmt(span, 2)} s = ${fmt(attemptRate, 2)} req/s = ${fmt((attemptRate / QPS) * 100)} % of the instance's ${QPS} QPS (client limiter now ${fmt(limiter.currentRate, 2)}/s)`,
    )
    console.log(
      `    until every picture was sent once: ${steady.length} requests in ${fmt((lastFirst - req[0]) / 1000, 2)} s = ${fmt(steadyRate, 2)} req/s = ${fmt((steadyRate / QPS) * 100)} % of the limit; then ${req.length - steady.length} retries in a ${fmt((req[req.length - 1] - lastFirst) / 1000, 2)} s tail`,
    )
    console.log(
      `    answers: ${accepted} accepted (${fmt(accepted / span, 2)}/s), ${stats.injectedDenied} injected DeniedRequest, ${stats.injected500} injected 500, ${stats.flowDenied} flow-control DeniedRequest`,
    )
    console.log(
      `    plan (preview) of the ${files.length} pictures: ${fmt(planS, 1)} s; during the job, no worker was waiting for a token ${fmt(starved * 100)} % of the time (the limiter, not the pipeline, sets the rate when this is near 0); the limiter's mean rate ${fmt(meanRate, 2)}/s (it slows down a little on each DeniedRequest); event-loop delay of the app p50 ${fmt(lag.percentile(50) / 1e6, 0)} ms, p99 ${fmt(lag.percentile(99) / 1e6, 0)} ms, max ${fmt(lag.max / 1e6, 0)} ms`,
    )
    console.log(
      `    the engine behind the API took ${fmt(pct(0.5), 0)} ms per AddImage (p50), ${fmt(pct(0.95), 0)} ms (p95), ${fmt(up[up.length - 1] ?? 0, 0)} ms (max); the job keeps ${core.jobs.queue().getJob(jobId)?.concurrency ?? '?'} calls in flight at most (cloud profile)`,
    )
    console.log(
      `    items: ${files.length} planned, ${job.done} done, ${job.failed} failed, lost ${lost}; engine holds ${count}; sent beyond once ${accepted - files.length}; ${fmt(job.done / wall, 2)} items/s over ${fmt(wall, 1)} s`,
    )
    console.log(
      `    rate vs the limit: ${fmt((attemptRate / QPS) * 100)} % (target ≥ 98 %) ${attemptRate >= 0.98 * QPS ? 'PASS' : 'FAIL'}; items lost: ${lost} (target 0) ${lost === 0 && count === files.length ? 'PASS' : 'FAIL'}`,
    )
  } finally {
    await core.close()
    await new Promise<void>((r) => server.close(() => r()))
    await host.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

if (PART === 'c' || PART === 'all') partC()
if (PART === 'a' || PART === 'all') await partA()
if (PART === 'b' || PART === 'all') await partB()
if (PART === 'd' || PART === 'all') await partD()
