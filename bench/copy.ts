/**
 * Copy benchmark (issue 14): `npx tsx bench/copy.ts [--items 200] [--faults 0.1] [--part all|addimage|batch]
 * [--capacity 1000000]` (the target instances' capacity: above 100,000 the cloud allows AddImage 5/s, 1/s at
 * 100,000 or less).
 *
 * The target is a remote Loupe: `loupe serve --cloud-write-limits` in its own process, whose engine
 * API limits writes as the cloud documents them (AddImage 5/s on an instance above 100,000
 * pictures — each target instance here has capacity 1,000,000 — DeniedRequest past it). The
 * source is a local gallery of `--items` catalogue photos added by bulk add in the bench's own
 * core, which also holds the cloud profiles of the target's instances (official SDK).
 *
 * AddImage path (the copy job: copy.plan → copy.start → the gallery-copy job of the queue, the
 * target's AddImage limiter, retries; then copy.report's verification):
 *   baseline — measured in the same run: a plain loop of AddImage calls through the same SDK,
 *              scheduled at exactly the limit (16 in flight, a denied or failed call sent again
 *              at the end), no queue, no imaging, no SQLite: what the target lets any client reach;
 *   copy     — the copy job, no faults;
 *   faults   — the copy job through a fault proxy: `--faults` of the AddImage calls answered 500
 *              InternalError, 503 ServiceUnavailable or DeniedRequest, or their connection dropped
 *              before forwarding or after (the engine added it, the answer is lost).
 *   Each run: accepted AddImage/s at the target (first to last accepted answer) as a fraction of
 *   the limit (goal ≥ 98 %) and of the baseline; then the target is listed (Detail count and
 *   CheckImageExists of every key): lost (goal 0) and extra pictures (duplicates, goal 0).
 * Fast path (core/copy/fast-path.ts, items in, outcomes out): the same pictures as one
 *   increment.meta batch task — uploaded with ali-oss to an OSS server on 127.0.0.1 that stores
 *   bucket `local` in the target instance's batch root (the remote engine reads what arrived),
 *   IncreaseInstance, IncreaseList until the end. Pictures/s end to end, against the AddImage
 *   limit; the fixed cost of a task (one picture) and the break-even size behind
 *   FAST_PATH_THRESHOLD. The engine behind is this machine's local engine: its batch rate is this
 *   machine's featurizer, not the cloud's.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createCore, type Core } from '../electron/core/app'
import { createCloudEngine } from '../electron/core/engines/cloud/index'
import { createKeyStore } from '../electron/core/engines/wire/keys'
import { writeLimitsLikeCloud } from '../electron/core/engines/wire/server'
import {
  FAST_PATH_THRESHOLD,
  runFastPath,
  type FastPathItem,
} from '../electron/core/copy/fast-path'
import { createFileSecretStore } from '../electron/core/profiles/file-secret-store'
import { startFakeOss } from '../test/unit/core/tasks/batch/oss-server'
import {
  seeded,
  startFaultProxy,
  type FaultDecision,
  type FaultProxy,
} from '../test/helpers/fault-proxy'
import { catalogueForBench } from './lib/datasets'
import { serveProcess } from './lib/serve-process'

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def
}
const ITEMS = Number(arg('items', '200'))
const FAULTS = Number(arg('faults', '0.1'))
const PART = arg('part', 'all')
const CAPACITY = Number(arg('capacity', '1000000'))
const QPS = writeLimitsLikeCloud(CAPACITY, 'AddImage')
const fmt = (n: number, d = 1) => n.toFixed(d)
const pct = (n: number) => `${fmt(n * 100)} %`

const CATALOGUE = await catalogueForBench('copy', ITEMS)
const files = fs
  .readdirSync(CATALOGUE)
  .filter((f) => f.endsWith('.jpg'))
  .sort()
  .slice(0, ITEMS)
  .map((f) => path.join(CATALOGUE, f))
const keys = files.map((f) => ({ productId: path.basename(f, '.jpg'), picName: path.basename(f) }))

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-bench-copy-'))
const hostDir = path.join(dir, 'host')
const appDir = path.join(dir, 'app')
const key = await createKeyStore(hostDir).create({ description: 'bench copy' })
const host = await serveProcess(hostDir, ['--cloud-write-limits'])
const proxies: FaultProxy[] = []

async function instance(name: string): Promise<void> {
  await host.call('profiles.create', { kind: 'local', name })
  await host.call('profiles.update', { name, patch: { local: { capacity: CAPACITY } } })
}

/** What the target instance holds: count, keys of the source missing, pictures beyond them. */
async function listTarget(inst: string) {
  const d = (await host.call('instance.detail', { profile: inst })) as {
    instance: { totalCount: number }
  }
  let missing = 0
  for (const k of keys) {
    const r = (await host.call('images.exists', { profile: inst, ...k })) as { exist: boolean }
    if (!r.exist) missing++
  }
  const count = d.instance.totalCount
  return { count, missing, extra: count - (keys.length - missing) }
}

/** Accepted AddImage answers at the target per second, first to last, from a proxy's log. */
function acceptedRate(p: FaultProxy) {
  const adds = p.log.filter((l) => l.action === 'AddImage')
  const ok = adds.filter((l) => l.upstream === 200).map((l) => l.at)
  const span = (Math.max(...ok) - Math.min(...ok)) / 1000
  const answered = adds.filter((l) => l.upstream === 200 && l.decision === 'pass').length
  const sends = new Map<string, number>()
  for (const l of adds) if (l.upstream === 200) sends.set(l.digest, (sends.get(l.digest) ?? 0) + 1)
  const ms = adds
    .filter((l) => l.upstream === 200 && l.ms !== undefined)
    .map((l) => l.ms!)
    .sort((a, b) => a - b)
  return {
    /** The target's time per accepted AddImage, p50 (ms). */
    p50: ms[Math.floor(ms.length / 2)] ?? 0,
    requests: adds.length,
    accepted: ok.length,
    answered,
    rate: (ok.length - 1) / span,
    span,
    denied: adds.filter((l) => l.upstream === 403 || l.decision.includes('Denied')).length,
    /** Pictures the engine took more than once (a lost answer, then the retry): overwrites. */
    resent: [...sends.values()].filter((n) => n > 1).length,
  }
}

async function cloudProfile(core: Core, name: string, inst: string, port: number) {
  await core.api.profiles.create({
    kind: 'cloud',
    name,
    serviceType: 'product',
    cloud: {
      instanceName: inst,
      region: 'cn-shanghai',
      endpoint: `127.0.0.1:${port}`,
      protocol: 'http',
      accessKeyId: key.accessKeyId,
      accessKeySecret: key.accessKeySecret,
    },
  })
}

/** The plain loop: AddImage at exactly the limit, 16 in flight, failures sent again at the end. */
async function baseline(): Promise<ReturnType<typeof acceptedRate>> {
  await instance('base')
  const proxy = await startFaultProxy(host.port, () => 'pass')
  proxies.push(proxy)
  const engine = createCloudEngine({
    instanceName: 'base',
    endpoint: `127.0.0.1:${proxy.port}`,
    protocol: 'http',
    accessKeyId: key.accessKeyId,
    accessKeySecret: key.accessKeySecret,
  })
  const bytes = files.map((f) => fs.readFileSync(f))
  const todo = keys.map((_, i) => i)
  const t0 = performance.now()
  let slot = 0
  let inflight = 0
  await new Promise<void>((resolve) => {
    let left = todo.length
    const next = () => {
      while (inflight < 16 && todo.length > 0) {
        const i = todo.shift()!
        const at = t0 + (slot++ * 1000) / QPS
        inflight++
        setTimeout(
          () =>
            engine
              .addImage({ ...keys[i], picContent: bytes[i] })
              .then(() => --left === 0 && resolve())
              .catch(() => todo.push(i))
              .finally(() => {
                inflight--
                next()
              }),
          Math.max(0, at - performance.now()),
        )
      }
    }
    next()
  })
  return acceptedRate(proxy)
}

async function copyRun(core: Core, inst: string, decide: (n: number) => FaultDecision) {
  await instance(inst)
  const proxy = await startFaultProxy(host.port, (r) =>
    r.action === 'AddImage' ? decide(r.n) : 'pass',
  )
  proxies.push(proxy)
  await cloudProfile(core, `to-${inst}`, inst, proxy.port)
  const plan = await core.api.copy.plan({ from: 'local', to: `to-${inst}` })
  if (plan.path !== 'addImage' || plan.counts.add !== keys.length)
    throw new Error(`unexpected plan: ${plan.path}, ${plan.counts.add} adds`)
  const t0 = performance.now()
  const { jobId } = await core.api.copy.start({ planId: plan.planId })
  const job = await core.jobs.whenSettled(jobId)
  const wall = (performance.now() - t0) / 1000
  let report = await core.api.copy.report({ jobId })
  while (report.state !== 'done') {
    await new Promise((r) => setTimeout(r, 500))
    report = await core.api.copy.report({ jobId })
  }
  return { job, wall, report, proxy: acceptedRate(proxy), target: await listTarget(inst) }
}

function faultPattern(p: number): (n: number) => FaultDecision {
  const rand = seeded(1414)
  return () => {
    const x = rand()
    const k = p / 5
    if (x < k)
      return {
        status: 500,
        code: 'InternalError',
        message: 'The request processing has failed due to some unknown error.',
      }
    if (x < 2 * k)
      return {
        status: 503,
        code: 'ServiceUnavailable',
        message: 'The request has failed due to a temporary failure of the server.',
      }
    if (x < 3 * k)
      return {
        status: 403,
        code: 'DeniedRequest',
        message: 'Request was denied due to flow control.',
      }
    if (x < 4 * k) return 'drop'
    if (x < p) return 'drop-after'
    return 'pass'
  }
}

function printCopy(label: string, r: Awaited<ReturnType<typeof copyRun>>, base: number) {
  const { proxy: p, target: t, job } = r
  console.log(
    `  ${label}: ${p.accepted} accepted AddImage in ${fmt(p.span, 1)} s = ${fmt(p.rate, 2)}/s = ${pct(p.rate / QPS)} of the limit, ${pct(p.rate / base)} of the baseline; ${p.requests} requests (${p.denied} denied); job ${job.state}: ${job.done} done, ${job.failed} failed in ${fmt(r.wall, 1)} s`,
  )
  console.log(
    `    the target took ${fmt(p.p50, 0)} ms per AddImage (p50): the job's 16 calls in flight allow ${fmt(16_000 / Math.max(1, p.p50), 2)}/s`,
  )
  console.log(
    `    target listed: ${t.count} pictures, ${t.missing} lost, ${t.extra} extra (duplicates); the engine took ${p.resent} pictures twice (an answer lost after the add: overwritten, not doubled); verification: copied ${r.report.counts.copied}, missing ${r.report.missing.length}, sample ${r.report.sample.agreed}/${r.report.sample.n} agree`,
  )
  const ok = p.rate >= 0.98 * QPS && t.missing === 0 && t.extra === 0
  console.log(`    rate ≥ 98 % of the limit, 0 lost, 0 duplicates: ${ok ? 'PASS' : 'FAIL'}`)
}

const core = createCore({
  dataDir: appDir,
  secrets: createFileSecretStore(appDir),
  host: 'headless',
})
try {
  await core.start()
  console.log(
    `copy bench: ${keys.length} pictures; target: loupe serve --cloud-write-limits (AddImage ${QPS}/s at capacity ${CAPACITY.toLocaleString('en')})`,
  )
  const tb = performance.now()
  const src = path.join(dir, 'photos')
  fs.mkdirSync(src)
  for (const f of files) fs.copyFileSync(f, path.join(src, path.basename(f)))
  const bulk = await core.api.bulk.start({
    profile: 'local',
    sources: [src],
    naming: 'file',
    duplicates: 'add',
    defaults: { intAttr: 7, strAttr: 'bench' },
  })
  const added = await core.jobs.whenSettled(bulk.jobId)
  console.log(
    `  source: ${added.done} pictures bulk-added to the local gallery in ${fmt((performance.now() - tb) / 1000, 1)} s`,
  )

  if (PART === 'all' || PART === 'addimage') {
    console.log(`\nAddImage path (the copy job) against the limit of ${QPS}/s`)
    const b = await baseline()
    console.log(
      `  baseline (plain loop at the limit, same SDK): ${b.accepted} accepted in ${fmt(b.span, 1)} s = ${fmt(b.rate, 2)}/s = ${pct(b.rate / QPS)} of the limit (${b.requests} requests, ${b.denied} denied); the target took ${fmt(b.p50, 0)} ms per AddImage (p50): 16 in flight allow ${fmt(16_000 / Math.max(1, b.p50), 2)}/s`,
    )
    printCopy('copy, no faults', await copyRun(core, 'clean', () => 'pass'), b.rate)
    printCopy(
      `copy, ${pct(FAULTS)} faults (500, 503, DeniedRequest, dropped before / after the add)`,
      await copyRun(core, 'faults', faultPattern(FAULTS)),
      b.rate,
    )
  }

  if (PART === 'all' || PART === 'batch') {
    console.log(`\nFast path (increment.meta batch task through OSS)`)
    await instance('batch')
    await instance('batch1')
    const oss = await startFakeOss({
      keys: { [key.accessKeyId]: key.accessKeySecret },
      bucketDir: () => path.join(hostDir, 'profiles', 'batch', 'batch'),
    })
    const oss1 = await startFakeOss({
      keys: { [key.accessKeyId]: key.accessKeySecret },
      bucketDir: () => path.join(hostDir, 'profiles', 'batch1', 'batch'),
    })
    await cloudProfile(core, 'to-batch', 'batch', host.port)
    await cloudProfile(core, 'to-batch1', 'batch1', host.port)
    const items: FastPathItem[] = files.map((f, i) => ({
      key: String(i),
      ...keys[i],
      file: path.join(src, path.basename(f)),
      fields: { intAttr: 7, strAttr: 'bench' },
    }))
    const fast = async (profile: string, endpoint: string, list: FastPathItem[]) => {
      const t0 = performance.now()
      let id = 0
      const out = await runFastPath(
        core.batch,
        {
          profile,
          bucket: 'local',
          path: `/bench/${profile}`,
          ossEndpoint: endpoint,
          tag: `bench-${profile}`,
        },
        list,
        { onTask: (t) => (id = t) },
      )
      const wall = (performance.now() - t0) / 1000
      return { out, wall, task: core.batch.store().get(id)! }
    }
    const one = await fast('to-batch1', oss1.endpoint, items.slice(0, 1))
    const all = await fast('to-batch', oss.endpoint, items)
    const t = all.task
    const s = (a: number | null, b: number | null) => fmt(((b ?? 0) - (a ?? 0)) / 1000, 1)
    const done = all.out.filter((o) => o.state === 'done').length
    const rate = done / all.wall
    console.log(
      `  ${done} of ${items.length} done in ${fmt(all.wall, 1)} s = ${fmt(rate, 2)} pictures/s = ${fmt(rate / QPS, 2)}× the AddImage limit (prepare ${s(t.startedAt, t.preparedAt)} s, upload ${s(t.preparedAt, t.uploadedAt)} s, submit ${s(t.uploadedAt, t.submittedAt)} s, engine + polling ${s(t.submittedAt, t.finishedAt)} s)`,
    )
    const list = await listTarget('batch')
    console.log(
      `  target listed: ${list.count} pictures, ${list.missing} lost, ${list.extra} extra`,
    )
    // The break-even size: a task's fixed cost T0 against the rate beyond it.
    const marginal = (items.length - 1) / Math.max(0.001, all.wall - one.wall)
    const breakEven = marginal > QPS ? one.wall / (1 / QPS - 1 / marginal) : Infinity
    console.log(
      `  one picture: ${fmt(one.wall, 1)} s (a task's fixed cost here); beyond it ${fmt(marginal, 2)} pictures/s → the batch is faster than AddImage at ${QPS}/s from ~${Number.isFinite(breakEven) ? Math.ceil(breakEven) : '∞'} pictures on this target (default FAST_PATH_THRESHOLD ${FAST_PATH_THRESHOLD}: see bench/README.md)`,
    )
    await oss.close()
    await oss1.close()
  }
} finally {
  await core.close()
  for (const p of proxies) await p.close()
  await host.close()
  fs.rmSync(dir, { recursive: true, force: true })
}
