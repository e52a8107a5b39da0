/**
 * Retrieval quality of the local engine's featurizer on the real-image datasets (COIL-100 and the
 * Grocery Store Dataset; `LOUPE_DATASETS`, see bench/README.md), against the HSV
 * square-root histogram baseline measured in the same run.
 *
 *   npx tsx bench/quality.ts            full sets
 *   npx tsx bench/quality.ts --crop     also: every image described on its detected main subject
 *   QUALITY_STRIDE=4 npx tsx bench/quality.ts   every 4th query only (quick look)
 *
 * COIL: gallery = views at multiples of 40 degrees, queries = the others (by object).
 * Grocery A: gallery = train + iconic, queries = val (by fine class). Grocery B: gallery = iconic.
 */
import { readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { createFeaturizer } from '../electron/core/engines/local/featurizer/index'
import { decode } from '../electron/core/engines/local/featurizer/decode'
import { colourDecoded } from '../electron/core/engines/local/featurizer/pipeline'
import { requireDatasets } from './lib/datasets'

const DATA = requireDatasets('quality', ['coil100-dev', 'grocery-dev'])
const STRIDE = Math.max(1, Number(process.env.QUALITY_STRIDE ?? 1))
const CROP = process.argv.includes('--crop')

interface Item {
  file: string
  label: number
  set: 'gallery' | 'query' | 'train' | 'val' | 'iconic'
}

function coil(): Item[] {
  const dir = path.join(DATA, 'coil100-dev')
  return readdirSync(dir)
    .filter((f) => f.endsWith('.png'))
    .sort()
    .map((f) => {
      const m = /obj(\d+)__(\d+)\.png/.exec(f)!
      const set = Number(m[2]) % 40 === 0 ? 'gallery' : 'query'
      return { file: path.join(dir, f), label: Number(m[1]), set }
    })
}

function grocery(): Item[] {
  const dir = path.join(DATA, 'grocery-dev')
  const split = (name: 'train' | 'val'): Item[] =>
    readFileSync(path.join(dir, `${name}.txt`), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [p, fine] = line.split(',').map((s) => s.trim())
        return { file: path.join(dir, p), label: Number(fine), set: name }
      })
  const iconic = readFileSync(path.join(dir, 'classes.csv'), 'utf8')
    .split('\n')
    .slice(1)
    .filter(Boolean)
    .map((line): Item => {
      const c = line.split(',')
      return {
        file: path.join(dir, 'iconic', `${c[0]}_Iconic.jpg`),
        label: Number(c[1]),
        set: 'iconic',
      }
    })
  return [...split('train'), ...split('val'), ...iconic]
}

function strideQueries(items: Item[], querySet: Item['set']): Item[] {
  let q = 0
  return items.filter((it) => it.set !== querySet || q++ % STRIDE === 0)
}

type Vectors = Float32Array[]

interface Scores {
  r1: number
  r5: number
  map10: number
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0
  for (let i = 0; i < a.length; i++) s += a[i] * b[i]
  return s
}

function evaluate(q: Vectors, ql: number[], g: Vectors, gl: number[]): Scores {
  let r1 = 0
  let r5 = 0
  let map = 0
  for (let i = 0; i < q.length; i++) {
    const top = g
      .map((v, j) => ({ s: dot(q[i], v), j }))
      .sort((a, b) => b.s - a.s)
      .slice(0, 10)
    const hits = top.map((t) => gl[t.j] === ql[i])
    if (hits[0]) r1++
    if (hits.slice(0, 5).some(Boolean)) r5++
    const relevant = gl.filter((l) => l === ql[i]).length
    let found = 0
    let ap = 0
    hits.forEach((h, k) => {
      if (h) ap += ++found / (k + 1)
    })
    map += relevant ? ap / Math.min(relevant, 10) : 0
  }
  return { r1: r1 / q.length, r5: r5 / q.length, map10: map / q.length }
}

async function describe(items: Item[]) {
  const f = createFeaturizer({ workers: 2 })
  const ours: Vectors = new Array(items.length)
  const base: Vectors = new Array(items.length)
  let next = 0
  let cropped = 0
  const started = performance.now()
  // Keep a few requests in flight per worker; the baseline runs on this thread meanwhile.
  const lane = async () => {
    while (next < items.length) {
      const i = next++
      const buf = readFileSync(items[i].file)
      let box = null
      if (CROP) {
        box = (await f.detect(buf)).main
        if (box) cropped++
      }
      ours[i] = (await f.embed(buf, box)).vector
    }
  }
  await Promise.all([lane(), lane(), lane(), lane()])
  const oursMs = (performance.now() - started) / items.length
  await f.close()
  const t = performance.now()
  for (let i = 0; i < items.length; i++) {
    base[i] = await colourDecoded(await decode(readFileSync(items[i].file)))
  }
  const baseMs = (performance.now() - t) / items.length
  return { ours, base, oursMs, baseMs, cropped }
}

function pick(items: Item[], v: Vectors, sets: Item['set'][]) {
  const idx = items.map((it, i) => (sets.includes(it.set) ? i : -1)).filter((i) => i >= 0)
  return { v: idx.map((i) => v[i]), l: idx.map((i) => items[i].label) }
}

const fmt = (x: number) => x.toFixed(3)
const rows: string[] = []
function report(name: string, s: Scores, b: Scores, withMap = true) {
  const ratio = b.r1 > 0 ? (s.r1 / b.r1).toFixed(2) + 'x' : '-'
  rows.push(
    `| ${name} | ${fmt(s.r1)} | ${fmt(s.r5)} | ${withMap ? fmt(s.map10) : '-'} | ` +
      `${fmt(b.r1)} | ${fmt(b.r5)} | ${withMap ? fmt(b.map10) : '-'} | ${ratio} |`,
  )
}

const coilItems = strideQueries(coil(), 'query')
const groceryItems = strideQueries(grocery(), 'val')
console.log(
  `datasets: ${DATA}\nCOIL ${coilItems.length} images, Grocery ${groceryItems.length} images` +
    (STRIDE > 1 ? ` (every ${STRIDE}th query)` : '') +
    (CROP ? ', described on the detected main subject' : ''),
)

const c = await describe(coilItems)
const cq = pick(coilItems, c.ours, ['query'])
const cg = pick(coilItems, c.ours, ['gallery'])
const bq = pick(coilItems, c.base, ['query'])
const bg = pick(coilItems, c.base, ['gallery'])
report(
  'COIL (gallery = every 40°)',
  evaluate(cq.v, cq.l, cg.v, cg.l),
  evaluate(bq.v, bq.l, bg.v, bg.l),
)

const g = await describe(groceryItems)
const q = pick(groceryItems, g.ours, ['val'])
const qb = pick(groceryItems, g.base, ['val'])
const gA = pick(groceryItems, g.ours, ['train', 'iconic'])
const gAb = pick(groceryItems, g.base, ['train', 'iconic'])
const gB = pick(groceryItems, g.ours, ['iconic'])
const gBb = pick(groceryItems, g.base, ['iconic'])
report(
  'Grocery A (gallery = train + iconic)',
  evaluate(q.v, q.l, gA.v, gA.l),
  evaluate(qb.v, qb.l, gAb.v, gAb.l),
)
report(
  'Grocery B (gallery = iconic only)',
  evaluate(q.v, q.l, gB.v, gB.l),
  evaluate(qb.v, qb.l, gBb.v, gBb.l),
  false,
)

console.log('\n| benchmark | R@1 | R@5 | mAP@10 | HSV R@1 | HSV R@5 | HSV mAP@10 | R@1 ratio |')
console.log('|---|---|---|---|---|---|---|---|')
for (const r of rows) console.log(r)
const n = coilItems.length + groceryItems.length
const oursMs = (c.oursMs * coilItems.length + g.oursMs * groceryItems.length) / n
const baseMs = (c.baseMs * coilItems.length + g.baseMs * groceryItems.length) / n
console.log(
  `\nfeaturizer: ${oursMs.toFixed(1)} ms/image wall clock (2 workers, incl. file read` +
    `${CROP ? ' and detection' : ''}); HSV baseline: ${baseMs.toFixed(1)} ms/image (one thread); ` +
    `ratio ${(oursMs / baseMs).toFixed(1)}x`,
)
if (CROP) console.log(`main subject found on ${c.cropped + g.cropped} of ${n} images`)
