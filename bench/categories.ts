/**
 * Category prediction on the local engine (issue 13): the labelled-neighbour vote the engine ships
 * (ranking.ts, through AddImage) against a bundled COCO object detector (bench/lib/coco-detector.ts,
 * measured and NOT adopted) and the combination an engine could ship (the vote, else the
 * detector), on labelled real pictures in the same run. Findings: bench/README.md, "Categories".
 *
 *   LOUPE_DETECTOR_MODELS=/tmp/package/models npx tsx bench/categories.ts [--fashion 120] [--grocery 120] [--latency 20]
 *
 * Pictures (bench/README.md, "Datasets"; labels in bench/data/):
 * - COIL-100 view 0 of objects 2..100, labelled BY EYE into the cloud's categories
 *   (bench/data/coil100-categories.csv: toys, bottles and drink cans, one telephone; rows marked
 *   ambiguous — plastic fruit, a piggy bank — are left out). For the vote, each half of the objects
 *   (odd / even number) is queried against an engine holding the OTHER half's views 80, 180 and
 *   260 with their labels: the vote never sees the query's own object.
 * - catalogue-hm: every n-th fashion photo (no labels; the cloud would call them Tops, Bottoms,
 *   Dress… none of which the detector can name): any bag/bottle/furniture/toy/digital answer is
 *   listed for a look; a bag may be right.
 * - Grocery val: every n-th photo; fruit and vegetables must stay Other, packaged drinks
 *   (juice, milk, oat milk) are Bottle (the cloud's "瓶饮"), the rest (yoghurts, sour cream) are
 *   left out as ambiguous.
 *
 * Each query goes through the engine API (AddImage without a CategoryId, then DeleteImage): the
 * vote. The detector runs on the same picture's main subject as the engine describes it
 * (Featurizer.describe with detection, as AddImage does), in this process, timed with its decode.
 * "vote, else detector" = the vote's category when it has one, else the detector's.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { OTHER_CATEGORY_ID, categoryName } from '../electron/core/engines/categories'
import { decode } from '../electron/core/engines/local/featurizer/decode'
import { createFeaturizer } from '../electron/core/engines/local/featurizer/index'
import { createLocalEngine, type LocalEngine } from '../electron/core/engines/local/index'
import {
  COCO_TO_CATEGORY,
  MIN_SCORE,
  categoryFromObjects,
  detectObjects,
  modelDir,
  type DetectedObject,
} from './lib/coco-detector'
import { SKIPPED_EXIT, requireDatasets } from './lib/datasets'

const DATA = requireDatasets('categories', ['catalogue-hm', 'coil100-dev', 'grocery-dev'])
if (!modelDir()) {
  process.stderr.write(
    'bench/categories needs the detector model: see bench/lib/coco-detector.ts (LOUPE_DETECTOR_MODELS).\n',
  )
  process.exit(SKIPPED_EXIT)
}
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : dflt
}
const FASHION = arg('fashion', 120)
const GROCERY = arg('grocery', 120)
const LATENCY = arg('latency', 20)
const TARGETS = [3, 8, 9, 20, 22]
const OTHER = OTHER_CATEGORY_ID

interface Item {
  set: 'coil' | 'fashion' | 'grocery'
  file: string
  /** Expected category; null = unknown (fashion: only listed). */
  truth: number | null
  /** COIL object number (for the halves). */
  obj?: number
}

// --- labelled pictures -------------------------------------------------------------------------
const coilDir = path.join(DATA, 'coil100-dev')
const csv = fs
  .readFileSync(path.join(import.meta.dirname, 'data/coil100-categories.csv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => l.split(','))
const coil: Item[] = csv
  .filter((c) => c[2] === '0')
  .map((c) => ({
    set: 'coil',
    file: path.join(coilDir, c[0]),
    truth: Number(c[1]),
    obj: Number(/obj(\d+)__/.exec(c[0])![1]),
  }))
const coilLabel = new Map(csv.map((c) => [Number(/obj(\d+)__/.exec(c[0])![1]), Number(c[1])]))

const every = <T>(xs: T[], n: number) => {
  const step = Math.max(1, Math.floor(xs.length / n))
  return xs.filter((_, i) => i % step === 0).slice(0, n)
}
const fashion: Item[] = every(
  fs
    .readdirSync(path.join(DATA, 'catalogue-hm'))
    .filter((f) => f.endsWith('.jpg'))
    .sort(),
  FASHION,
).map((f) => ({ set: 'fashion', file: path.join(DATA, 'catalogue-hm', f), truth: null }))

const DRINKS = /^val\/Packages\/(Juice|Milk|Oat-Milk)\//
const groceryAll = fs
  .readFileSync(path.join(DATA, 'grocery-dev', 'val.txt'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => l.split(',')[0].trim())
const grocery: Item[] = every(groceryAll, GROCERY)
  .map((rel): Item | null => {
    const file = path.join(DATA, 'grocery-dev', rel)
    if (!rel.startsWith('val/Packages/')) return { set: 'grocery', file, truth: OTHER }
    return DRINKS.test(rel) ? { set: 'grocery', file, truth: 8 } : null
  })
  .filter((x): x is Item => x !== null)

// --- the stack -----------------------------------------------------------------------------------
const featurizer = createFeaturizer()
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-bench-categories-'))
async function engine(name: string): Promise<LocalEngine> {
  return createLocalEngine({ dir: path.join(tmp, name), name, featurizer, qps: 10_000 })
}
let seq = 0
async function addPredict(e: LocalEngine, bytes: Buffer): Promise<{ cat: number; ms: number }> {
  const productId = `q${seq++}`
  const t0 = performance.now()
  const r = await e.addImage({ productId, picName: 'q', picContent: bytes })
  const ms = performance.now() - t0
  await e.deleteImage({ productId })
  return { cat: r.picInfo.categoryId, ms }
}

interface Row extends Item {
  vote: number
  objects: DetectedObject[]
  detectorMs: number
}
const rows: Row[] = []

async function run(items: Item[], e: LocalEngine) {
  for (const it of items) {
    const bytes = fs.readFileSync(it.file)
    const { cat: vote } = await addPredict(e, bytes)
    // Where AddImage looks (crop on, no region): the detected main subject, else the whole picture.
    const { box } = await featurizer.describe(bytes, { detect: true })
    const t0 = performance.now()
    const objects = await detectObjects(await decode(bytes), box)
    rows.push({ ...it, vote, objects, detectorMs: performance.now() - t0 })
  }
}

process.stdout.write(
  `COIL ${coil.length} labelled objects, fashion ${fashion.length}, grocery ${grocery.length}\n`,
)
for (const half of [0, 1]) {
  const e = await engine(`coil-half-${half}`)
  const gallery = [...coilLabel.keys()].filter((o) => o % 2 !== half)
  for (const o of gallery)
    for (const v of [80, 180, 260]) {
      const file = path.join(coilDir, `obj${o}__${v}.png`)
      if (!fs.existsSync(file)) continue
      await e.addImage({
        productId: `g${o}`,
        picName: `v${v}`,
        picContent: fs.readFileSync(file),
        categoryId: coilLabel.get(o)!,
      })
    }
  process.stdout.write(`half ${half}: gallery of ${gallery.length} objects × 3 views… `)
  await run(
    coil.filter((c) => c.obj! % 2 === half),
    e,
  )
  process.stdout.write('queried\n')
  await e.close()
}
// Fashion and grocery: an empty gallery, the vote has nothing to learn from.
const empty = await engine('unlabelled')
await run([...fashion, ...grocery], empty)

// Latency of AddImage itself (the vote; unlabelled gallery, the issue's case).
const lat: number[] = []
for (const it of every([...coil, ...fashion], LATENCY)) {
  lat.push((await addPredict(empty, fs.readFileSync(it.file))).ms)
}
await empty.close()
await featurizer.close()
fs.rmSync(tmp, { recursive: true, force: true })

// --- figures -------------------------------------------------------------------------------------
const detectorAt = (r: Row, t: number) => categoryFromObjects(r.objects, t) ?? OTHER
const methods: Record<string, (r: Row) => number> = {
  'neighbour vote': (r) => r.vote,
  [`detector (≥ ${MIN_SCORE})`]: (r) => detectorAt(r, MIN_SCORE),
  'vote, else detector': (r) => (r.vote !== OTHER ? r.vote : detectorAt(r, MIN_SCORE)),
}
const pct = (a: number, b: number) => (b ? `${((100 * a) / b).toFixed(0)}%` : '–')
const q = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN
}
const judged = rows.filter((r) => r.truth !== null)
const name = (c: number) => categoryName(c) ?? String(c)

process.stdout.write(
  `\nLabelled pictures: ${judged.length} (COIL ${rows.filter((r) => r.set === 'coil').length}, ` +
    `grocery ${rows.filter((r) => r.set === 'grocery').length}); per category: correct / answered ` +
    `(precision), correct / labelled (coverage)\n\n`,
)
process.stdout.write(
  `| method | ${TARGETS.map((c) => name(c)).join(' | ')} | all 5: precision | coverage | abstain (all pictures) | fashion answers |\n`,
)
process.stdout.write(`|---|${TARGETS.map(() => '---|').join('')}---|---|---|---|\n`)
for (const [m, f] of Object.entries(methods)) {
  const cells = TARGETS.map((c) => {
    const answered = judged.filter((r) => f(r) === c).length
    const correct = judged.filter((r) => f(r) === c && r.truth === c).length
    const labelled = judged.filter((r) => r.truth === c).length
    return `${correct}/${answered} (${pct(correct, answered)}), ${correct}/${labelled}`
  })
  const answered = judged.filter((r) => TARGETS.includes(f(r))).length
  const correct = judged.filter((r) => TARGETS.includes(f(r)) && f(r) === r.truth).length
  const labelled = judged.filter((r) => TARGETS.includes(r.truth!)).length
  const abstain = rows.filter((r) => f(r) === OTHER).length
  const fashionAnswers = rows.filter((r) => r.set === 'fashion' && f(r) !== OTHER)
  process.stdout.write(
    `| ${m} | ${cells.join(' | ')} | ${correct}/${answered} (${pct(correct, answered)}) | ` +
      `${correct}/${labelled} (${pct(correct, labelled)}) | ${pct(abstain, rows.length)} | ` +
      `${fashionAnswers.length}/${fashion.length} |\n`,
  )
}

process.stdout.write('\nDetector alone, by threshold on its best detection (labelled pictures):\n')
for (const t of [0.2, 0.25, 0.3, 0.35, 0.4, 0.5]) {
  const answered = judged.filter((r) => detectorAt(r, t) !== OTHER)
  const correct = answered.filter((r) => detectorAt(r, t) === r.truth).length
  const fa = rows.filter((r) => r.set === 'fashion' && detectorAt(r, t) !== OTHER).length
  process.stdout.write(
    `  ≥ ${t.toFixed(2)}: ${correct}/${answered.length} right (${pct(correct, answered.length)}), ` +
      `coverage ${pct(correct, judged.filter((r) => TARGETS.includes(r.truth!)).length)}, ` +
      `fashion answers ${fa}/${fashion.length}\n`,
  )
}

process.stdout.write(`\nDetector answers (≥ ${MIN_SCORE}) that were wrong or unjudged:\n`)
for (const r of rows) {
  const c = detectorAt(r, MIN_SCORE)
  if (c === OTHER || c === r.truth) continue
  const o = r.objects[0]
  process.stdout.write(
    `  ${r.set} ${path.basename(r.file)}: ${name(c)} (${o.label} ${o.score}), truth ${r.truth === null ? 'unlabelled' : name(r.truth)}\n`,
  )
}
const missed = rows.filter(
  (r) => r.truth !== null && TARGETS.includes(r.truth) && detectorAt(r, MIN_SCORE) !== r.truth,
)
const byBest = new Map<string, number>()
for (const r of missed) {
  const k = r.objects[0] ? `${r.objects[0].label}` : '(nothing)'
  byBest.set(k, (byBest.get(k) ?? 0) + 1)
}
process.stdout.write(
  `\nMissed (${missed.length}), by the detector's best class: ${[...byBest]
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`)
    .join(', ')}\n`,
)
const ms = (x: number) => `${x.toFixed(0)} ms`
const det = rows.map((r) => r.detectorMs)
process.stdout.write(
  `\nLatency (one request at a time; the detector in this process, the featurizer in 2 threads):\n` +
    `  detector call (decode + CenterNet 512 px): p50 ${ms(q(det, 0.5))}, p95 ${ms(q(det, 0.95))} (${det.length} pictures)\n` +
    `  AddImage (describe + vote), unlabelled gallery: p50 ${ms(q(lat, 0.5))}, p95 ${ms(q(lat, 0.95))} (${lat.length} pictures)\n` +
    `COCO classes mapped: ${Object.entries(COCO_TO_CATEGORY)
      .map(([k, v]) => `${k}→${v}`)
      .join(', ')}\n` +
    `load average at the end: ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}\n`,
)
