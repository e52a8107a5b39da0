/**
 * The near-duplicate audit at scale (issue 15: 100,000 pictures in ≤ 2 minutes on 2 cores, memory
 * bounded), measured end to end through a real core: `duplicates.scan` as a `duplicate-audit` job
 * of the persistent queue, reading the local engine's stored vectors from its SQLite store, with
 * its progress as the Jobs panel sees it; then `duplicates.groups` and `duplicates.preview`.
 *
 *   npx tsx bench/duplicates.ts [--n 100000] [--subset 10000] [--threshold 0.95]
 *
 * The pictures: N synthetic 256-d descriptors shaped like the featurizer's (a shared mean
 * direction and a low-rank structure, so unrelated pictures score ~0.3 and pictures of one product
 * ~0.8-0.9, as catalogue photos do), products of 1-5 pictures, and 1 % planted near-duplicates
 * (a picture's descriptor moved slightly: cosine 0.955-0.995), half under another product id, half
 * under the same. Written straight into the engine's store and the gallery cache (describing
 * 100,000 real pictures would take the featurizer hours; the audit only reads descriptors).
 *
 * Baseline in the same run: brute force (every pair, the same SIMD kernel) on a random subset of
 * `--subset` pictures, timed and extrapolated by (N / subset)² — said so in the output — and the
 * audit's recall against it on that subset. Also: the perceptual-hash pass on N hashes. Prints the
 * load average (the machine is shared), the process's peak RSS, and the time of each phase.
 */
import { seededRandom } from '../electron/core/util/random'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { attrsOrNull } from '../electron/domain'
import { createCore } from '../electron/core/app'
import { Store } from '../electron/core/engines/local/store'
import { DIM, VERSION } from '../electron/core/engines/local/featurizer/constants'
import { createMemorySecretStore } from '../electron/core/profiles/secrets'
import { scanCells, vectorSet } from '../electron/core/duplicates/pairs'
import { phashPairs } from '../electron/core/duplicates/phash-pairs'

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : dflt
}
const N = arg('n', 100_000)
const SUBSET = Math.min(N, arg('subset', 10_000))
const THRESHOLD = arg('threshold', 0.95)

const rnd = seededRandom(12345)
const gauss = () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd())
const normalise = (v: Float32Array) => {
  let s = 0
  for (const x of v) s += x * x
  s = Math.sqrt(s) || 1
  for (let i = 0; i < v.length; i++) v[i] /= s
  return v
}
const dot = (a: Float32Array, b: Float32Array) => {
  let s = 0
  for (let i = 0; i < a.length; i++) s += a[i] * b[i]
  return s
}
const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')
const mb = (b: number) => `${Math.round(b / 1048576)} MB`
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`
const log = (s: string) => process.stdout.write(s + '\n')

// ---- the pictures ---------------------------------------------------------------------------
const LATENT = 48
const basis = Array.from({ length: LATENT }, (_, k) =>
  Float32Array.from({ length: DIM }, () => gauss() / Math.sqrt(DIM) / (1 + k / 12)),
)
const mean = normalise(Float32Array.from({ length: DIM }, gauss))
function picture(centre: Float32Array, spread: number): Float32Array {
  const v = new Float32Array(DIM)
  for (let k = 0; k < LATENT; k++) {
    const z = centre[k] + gauss() * spread
    const b = basis[k]
    for (let d = 0; d < DIM; d++) v[d] += z * b[d]
  }
  normalise(v)
  for (let d = 0; d < DIM; d++) v[d] = v[d] + 0.55 * mean[d] + (0.12 * gauss()) / Math.sqrt(DIM)
  return normalise(v)
}
/** A copy of `v` at a cosine in [0.955, 0.995]. */
function nearCopy(v: Float32Array): Float32Array {
  const target = 0.955 + rnd() * 0.04
  const noise = normalise(Float32Array.from({ length: DIM }, gauss))
  const along = dot(noise, v)
  for (let d = 0; d < DIM; d++) noise[d] -= along * v[d]
  normalise(noise)
  const s = Math.sqrt(1 - target * target)
  return normalise(Float32Array.from(v, (x, d) => target * x + s * noise[d]))
}

interface Pic {
  productId: string
  picName: string
  v: Float32Array
}
const pics: Pic[] = []
const planted: [number, number][] = []
log(
  `bench/duplicates: ${N} pictures, threshold ${THRESHOLD}; ${os.cpus().length} cores; load ${load()}`,
)
let t = performance.now()
for (let p = 0; pics.length < N; p++) {
  const centre = Float32Array.from({ length: LATENT }, gauss)
  const count = 1 + Math.floor(rnd() * 5)
  for (let k = 0; k < count && pics.length < N; k++) {
    pics.push({ productId: `p${p}`, picName: `${k}.jpg`, v: picture(centre, 0.45) })
    if (rnd() < 0.01 && pics.length < N) {
      const i = pics.length - 1
      const across = planted.length % 2 === 0
      pics.push({
        productId: across ? `dup${p}-${k}` : `p${p}`,
        picName: across ? `${k}.jpg` : `${k}-copy.jpg`,
        v: nearCopy(pics[i].v),
      })
      planted.push([i, pics.length - 1])
    }
  }
}
log(`generated in ${secs(performance.now() - t)}: ${planted.length} planted near-duplicates`)

// ---- the store and the cache ----------------------------------------------------------------
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-bench-dups-'))
const engineDir = path.join(dataDir, 'profiles', 'local', 'engine')
fs.mkdirSync(engineDir, { recursive: true })
t = performance.now()
{
  const store = new Store(path.join(engineDir, 'engine.db'))
  store.setMeta('featurizer_version', VERSION)
  store.db.transaction(() => {
    const now = Date.now()
    for (const p of pics) {
      store.upsert(
        {
          productId: p.productId,
          picName: p.picName,
          categoryId: 0,
          customContent: null,
          region: null,
          width: 218,
          height: 255,
          vector: p.v,
          fversion: VERSION,
          source: null,
          ...attrsOrNull({}),
        },
        now,
      )
    }
  })()
  store.close()
}
const dump = path.join(dataDir, 'dump.jsonl')
fs.writeFileSync(
  dump,
  pics
    .map((p) => JSON.stringify({ ProductId: p.productId, PicName: p.picName, CategoryId: '0' }))
    .join('\n'),
)
log(`engine store written in ${secs(performance.now() - t)}`)

const core = createCore({
  dataDir,
  secrets: createMemorySecretStore(),
  host: 'headless',
  warmModel: false,
})
t = performance.now()
await core.galleries.get('local').importDump(dump)
log(`gallery cache filled in ${secs(performance.now() - t)}`)
t = performance.now()
await core.engines.get('local')
log(`engine opened (its index loaded) in ${secs(performance.now() - t)}`)

// ---- the audit ------------------------------------------------------------------------------
let peak = process.memoryUsage().rss
const before = peak
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50)
const call = async <T>(name: string, input: unknown): Promise<T> => {
  const r = (await core.dispatch(name, input)) as { result?: T; error?: { message: string } }
  if (r.error) throw new Error(r.error.message)
  return r.result as T
}
const loadBefore = load()
const cpu0 = process.cpuUsage()
const t0 = performance.now()
let lastShown = 0
let partitioned = 0
const off = core.events.onAny((name, payload) => {
  if (name !== 'job.progress') return
  const p = payload as { done: number; total: number }
  const now = performance.now()
  if (!partitioned && p.done >= 1) partitioned = now - t0
  if (now - lastShown > 5000 || p.done === p.total) {
    lastShown = now
    log(`  progress ${p.done}/${p.total} items at ${secs(now - t0)}`)
  }
})
const { jobId } = await call<{ jobId: number }>('duplicates.scan', { threshold: THRESHOLD })
const job = await core.jobs.whenSettled(jobId)
const auditMs = performance.now() - t0
const cpu = process.cpuUsage(cpu0)
off()
clearInterval(sampler)
const status = await call<{ pictures: number; pairs: number; state: string }>(
  'duplicates.status',
  {},
)
log(
  `AUDIT: ${status.pictures} pictures in ${secs(auditMs)} (${job.state}; reading + partition ${secs(partitioned)}, ` +
    `scan ${secs(auditMs - partitioned)}), ${status.pairs} pairs ≥ floor ${(THRESHOLD - 0.05).toFixed(2)}; ` +
    `peak RSS ${mb(peak)} (${mb(before)} before: +${mb(peak - before)}); load ${loadBefore} → ${load()}`,
)
log(
  `  CPU time of this process during the audit: ${secs((cpu.user + cpu.system) / 1000)} ` +
    `(user ${secs(cpu.user / 1000)}): what it takes with a core to itself`,
)
t = performance.now()
const groups = await call<{ total: number }>('duplicates.groups', { pageSize: 50 })
log(`groups: ${groups.total} at ${THRESHOLD}, first page in ${secs(performance.now() - t)}`)
t = performance.now()
const preview = await call<{
  thresholds: { threshold: number; groups: number; pictures: number }[]
}>('duplicates.preview', { thresholds: [0.9, 0.93, 0.95, 0.97, 0.99] })
log(
  `preview in ${secs(performance.now() - t)}: ` +
    preview.thresholds
      .map((x) => `${x.threshold}: ${x.groups} groups / ${x.pictures} pictures`)
      .join('; '),
)

// ---- what the audit found, against planted pairs and brute force ------------------------------
const db = new Database(path.join(dataDir, 'profiles', 'local', 'duplicates.db'), {
  readonly: true,
})
const found = new Map<string, number>()
for (const r of db.prepare('SELECT a_product, a_pic, b_product, b_pic, sim FROM pairs').iterate()) {
  const x = r as { a_product: string; a_pic: string; b_product: string; b_pic: string; sim: number }
  found.set(`${x.a_product}/${x.a_pic}|${x.b_product}/${x.b_pic}`, x.sim)
}
db.close()
const pairKey = (i: number, j: number) => {
  const a = `${pics[i].productId}/${pics[i].picName}`
  const b = `${pics[j].productId}/${pics[j].picName}`
  const [x, y] =
    pics[i].productId < pics[j].productId ||
    (pics[i].productId === pics[j].productId && pics[i].picName <= pics[j].picName)
      ? [a, b]
      : [b, a]
  return `${x}|${y}`
}
const plantedFound = planted.filter(([i, j]) => found.has(pairKey(i, j))).length
log(`planted near-duplicates found: ${plantedFound}/${planted.length}`)

const floor = THRESHOLD - 0.05
const subset: number[] = []
const chosen = new Set<number>()
while (subset.length < SUBSET) {
  const i = Math.floor(rnd() * N)
  if (chosen.has(i)) continue
  chosen.add(i)
  subset.push(i)
}
subset.sort((a, b) => a - b)
const bset = vectorSet(DIM, SUBSET)
subset.forEach((i, k) => bset.store.set(k, pics[i].v))
const all = Int32Array.from({ length: SUBSET }, (_, k) => k)
t = performance.now()
const bruteCpu0 = process.cpuUsage()
let truth = 0
let truthAtT = 0
let hit = 0
let hitAtT = 0
await scanCells(bset, [all], floor, (a, b, sim) => {
  truth++
  const k = pairKey(subset[a], subset[b])
  if (found.has(k)) hit++
  if (sim >= THRESHOLD) {
    truthAtT++
    if (found.has(k)) hitAtT++
  }
})
const bruteMs = performance.now() - t
const bruteCpu = process.cpuUsage(bruteCpu0)
const extrapolated = bruteMs * (N / SUBSET) ** 2
log(
  `BRUTE FORCE baseline on a random subset of ${SUBSET}: ${secs(bruteMs)} for ${((SUBSET * (SUBSET - 1)) / 2).toExponential(2)} pairs; ` +
    `extrapolated to ${N} (× (${N}/${SUBSET})²): ${secs(extrapolated)} — the audit is ${(extrapolated / auditMs).toFixed(1)}× faster; ` +
    `CPU ${secs((bruteCpu.user + bruteCpu.system) / 1000)} → extrapolated ${secs(((bruteCpu.user + bruteCpu.system) / 1000) * (N / SUBSET) ** 2)}`,
)
log(
  `recall against brute force on the subset: ${hit}/${truth} pairs ≥ ${floor.toFixed(2)}, ${hitAtT}/${truthAtT} ≥ ${THRESHOLD}`,
)

// ---- the perceptual-hash pass -----------------------------------------------------------------
const hex = () =>
  Math.floor(rnd() * 0x10000)
    .toString(16)
    .padStart(4, '0')
const hashes = Array.from({ length: N }, () => hex() + hex() + hex() + hex())
for (let i = 0; i < N / 100; i++) {
  const src = hashes[Math.floor(rnd() * N)]
  let h = BigInt('0x' + src)
  for (let f = Math.floor(rnd() * 7); f > 0; f--) h ^= 1n << BigInt(Math.floor(rnd() * 64))
  hashes[Math.floor(rnd() * N)] = h.toString(16).padStart(16, '0')
}
t = performance.now()
let hp = 0
phashPairs(hashes, floor, () => hp++)
log(
  `perceptual-hash pass: ${N} hashes in ${secs(performance.now() - t)}, ${hp} pairs within 7 bits`,
)
log(`load average at the end: ${load()}`)

await core.close()
fs.rmSync(dataDir, { recursive: true, force: true })
