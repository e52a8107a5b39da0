/**
 * Cross-domain retrieval quality of the local engine's descriptor and re-ranking (issue 12).
 * Every row is one change, measured on every domain in the same run; the last column is the
 * WORST domain's change against the shipped descriptor (relative; N-S counted out of 4).
 *
 *   npx tsx bench/quality.ts                 full sets
 *   QUALITY_STRIDE=4 npx tsx bench/quality.ts   every 4th query (galleries stay whole)
 *   npx tsx bench/quality.ts --variants      also flip averaging and multi-scale (2 more network
 *                                            runs per picture; cached after the first time)
 *   npx tsx bench/quality.ts --flip          also flip averaging only (1 more network run per picture)
 *   npx tsx bench/quality.ts --whole         describe whole pictures instead of the engine's
 *                                            default (Crop: the detected main subject)
 *
 * Domains (bench/lib/quality-sets.ts):
 * - COIL: gallery = views at multiples of 40°, queries = the others, R@1 by object.
 * - Grocery A: val → train + iconic, R@1 by fine class. Grocery B: val → iconic only.
 * - Objects (general-object proxy): every catalogue-hm picture plus 3 generated phone photos of
 *   it (bench/lib/quality-views.ts: cut out, scaled, rotated, sheared, on shelf clutter or a
 *   table colour, cropped, relit, colour cast, blurred, JPEG). Objects R@1: photo → catalogue
 *   pictures. Objects N-S: all 4 pictures of all items in one gallery, each queries, mean number
 *   of the same item's 4 pictures in the top 4 (UKBench-like; every picture its own product).
 *
 * Descriptors are cached per (picture, variant) (bench/lib/quality-describe.ts); the first run
 * featurizes ~9,000 pictures (~20-60 min on a shared 2-core machine), later runs take a minute.
 */
import { createFeaturizer } from '../electron/core/engines/local/featurizer/index'
import { project } from '../electron/core/engines/local/featurizer/pca'
import { projection } from '../electron/core/engines/local/featurizer/projection'
import { l2normalize } from '../electron/core/engines/local/featurizer/vector'
import { learnWhitening } from '../electron/core/engines/local/featurizer/whitening'
import { RERANK } from '../electron/core/engines/local/rerank'
import { readFileSync } from 'node:fs'
import { requireDatasets } from './lib/datasets'
import {
  augItems,
  heldOutViews,
  learnAdapted,
  productLeaveOneOut,
  type AugItem,
} from './lib/quality-adapt'
import { cached, describeAll, type Variant } from './lib/quality-describe'
import { phoneView } from './lib/quality-views'
import { mat, measure, type Method, type Task } from './lib/quality-eval'
import {
  backgroundFiles,
  coilItems,
  groceryItems,
  objectItems,
  type Item,
  type Role,
} from './lib/quality-sets'

const DATA = requireDatasets('quality', ['coil100-dev', 'grocery-dev', 'catalogue-hm'])
const STRIDE = Math.max(1, Number(process.env.QUALITY_STRIDE ?? 1))
/** The engine's own path by default (Crop: main subject); --whole: always the whole picture. */
const BASE: Variant = process.argv.includes('--whole') ? 'o' : 'c'
const VARIANTS: Variant[] = process.argv.includes('--variants')
  ? [BASE, 'f', 'm']
  : process.argv.includes('--flip')
    ? [BASE, 'f']
    : [BASE]

type Domain = 'coil' | 'grocery' | 'objects'
const items: Record<Domain, Item[]> = {
  coil: coilItems(DATA),
  grocery: groceryItems(DATA),
  objects: objectItems(DATA).filter((it) => it.label < Number(process.env.QUALITY_OBJECTS ?? 400)),
}
const DOMAINS = (process.env.QUALITY_DOMAINS?.split(',') ?? [
  'coil',
  'grocery',
  'objects',
]) as Domain[]
const bgs = backgroundFiles(DATA)
// QUALITY_PARTIAL=1: only pictures already in the cache (a quick look while the cache fills).
if (process.env.QUALITY_PARTIAL) {
  for (const d of DOMAINS)
    items[d] = items[d].filter((it) => VARIANTS.every((v) => cached(it.key, v)))
}
const fused = {} as Record<Domain, Record<Variant, Float32Array[]>>
for (const d of DOMAINS) {
  fused[d] = await describeAll(items[d], VARIANTS, bgs, d)
}
// --adapt: augmented views of each domain's gallery pictures (bench/lib/quality-adapt.ts).
const ADAPT = process.argv.includes('--adapt')
const ADAPT_VIEWS = Math.max(1, Number(process.env.ADAPT_VIEWS ?? 2))
const inGallery: Record<Domain, (it: Item) => boolean> = {
  coil: (it) => it.role === 'gallery',
  grocery: (it) => it.role === 'train' || it.role === 'iconic',
  objects: (it) => it.role === 'orig',
}
const aug = {} as Record<Domain, { items: AugItem[]; fused: Float32Array[]; gallery: number[] }>
if (ADAPT) {
  for (const d of DOMAINS) {
    const its = augItems(items[d], inGallery[d], ADAPT_VIEWS)
    const gallery = items[d].map((it, i) => (inGallery[d](it) ? i : -1)).filter((i) => i >= 0)
    aug[d] = { items: its, fused: (await describeAll(its, [BASE], bgs, `${d}-aug`))[BASE], gallery }
  }
}

// The cache must hold what the shipped featurizer computes today.
{
  const f = createFeaturizer({ workers: 0 })
  const sample = DOMAINS.flatMap((d) => [items[d][5], items[d][items[d].length - 2]])
  for (const it of sample) {
    const bytes = it.view
      ? await phoneView(it.file, it.item ?? 0, it.view, bgs)
      : readFileSync(it.file)
    const live = (await f.describe(bytes, { detect: BASE === 'c' })).vector
    const off = project(projection(), cached(it.key, BASE)!)
    let s = 0
    for (let i = 0; i < live.length; i++) s += live[i] * off[i]
    if (s < 0.9999) {
      console.error(
        `cached descriptor of ${it.key} differs from the featurizer's (cos ${s.toFixed(5)}): ` +
          `the pipeline changed; bump RAW_RECIPE in bench/lib/quality-describe.ts`,
      )
      process.exit(1)
    }
  }
  await f.close()
}

/** A descriptor: final vectors of a domain's pictures, possibly learned without that domain. */
type Descriptor = (d: Domain) => Float32Array[]

const shippedOf = (x: Float32Array) => project(projection(), x)
const memo = new Map<string, Float32Array[]>()
function once(key: string, make: () => Float32Array[]): Float32Array[] {
  let v = memo.get(key)
  if (!v) memo.set(key, (v = make()))
  return v
}
const shipped: Descriptor = (d) => once(`shipped ${d}`, () => fused[d][BASE].map(shippedOf))
const plain: Descriptor = (d) =>
  once(`plain ${d}`, () => fused[d][BASE].map((x) => l2normalize(Float32Array.from(x))))
/**
 * Flip averaging / multi-scale: the fused descriptor averaged with variant v, then projected.
 * Without --variants, whatever the cache holds is used: a task with a picture missing is '–'.
 * `galleryOnly`: only gallery pictures are averaged (the query path keeps one network run).
 */
const pooled =
  (v: Variant, galleryOnly = false): Descriptor =>
  (d) =>
    once(`pooled ${v} ${galleryOnly} ${d}`, () =>
      fused[d][BASE].map((x, i) => {
        const it = items[d][i]
        if (galleryOnly && ['query', 'val', 'view'].includes(it.role)) return shippedOf(x)
        const y = fused[d][v]?.[i] ?? cached(it.key, v)
        if (!y) return new Float32Array(0)
        return shippedOf(x.map((a, j) => (a + y[j]) / 2))
      }),
    )

/** Pictures (and labels) each domain lends to a whitening learned on other domains. */
function learningSet(d: Domain): { x: Float32Array[]; l: number[] } {
  const roles: Record<Domain, Role[]> = {
    coil: ['gallery'],
    grocery: ['train'],
    objects: ['orig', 'view'],
  }
  const base = d === 'coil' ? 100000 : d === 'grocery' ? 200000 : 300000
  const v = shipped(d)
  const x: Float32Array[] = []
  const l: number[] = []
  items[d].forEach((it, i) => {
    if (!roles[d].includes(it.role)) return
    x.push(v[i])
    l.push(base + it.label)
  })
  return { x, l }
}

/** A second learned whitening (256 → 256) on the shipped output, learned without domain d. */
const multiDomain =
  (reg: number, from?: Domain[]): Descriptor =>
  (d) =>
    once(`md ${reg} ${from} ${d}`, () => {
      const learnOn = (from ?? DOMAINS).filter((o) => o !== d)
      if (!learnOn.length) return shipped(d)
      const sets = learnOn.map(learningSet)
      const x = sets.flatMap((s) => s.x)
      const l = sets.flatMap((s) => s.l)
      const m = mat(x)
      const p = learnWhitening(m.x, l, m.n, m.d, { k: m.d, reg })
      return shipped(d).map((v) => project(p, v))
    })

/**
 * Gallery-adapted: a whitening learned, without labels, from augmented views of the domain's own
 * gallery pictures (half of them; quality-adapt.ts), applied to stored and query vectors alike.
 */
const adaptedOf = new Map<string, ReturnType<typeof learnAdapted>>()
const augVectors = (d: Domain) => once(`aug ${d}`, () => aug[d].fused.map(shippedOf))
const adapted =
  (base: Descriptor, reg: number): Descriptor =>
  (d) =>
    once(`adapted ${reg} ${base === shipped} ${d}`, () => {
      const key = `${reg} ${base === shipped} ${d}`
      let p = adaptedOf.get(key)
      if (!p) {
        p = learnAdapted(base(d), aug[d].gallery, aug[d].items, augVectors(d), reg)
        adaptedOf.set(key, p)
      }
      return base(d).map((v) => (v.length ? project(p, v) : v))
    })

/** The domain's tasks; null for a task some of whose pictures have no vector in this row. */
function tasksOf(d: Domain, vectors: Float32Array[]): (Task | null)[] {
  const its = items[d]
  const pick = (roles: Role[], stride = 1) => {
    let q = 0
    const idx = its
      .map((it, i) => (roles.includes(it.role) ? i : -1))
      .filter((i) => i >= 0 && q++ % stride === 0)
    if (idx.some((i) => vectors[i].length === 0)) return null
    return { m: mat(idx.map((i) => vectors[i])), l: idx.map((i) => its[i].label) }
  }
  const task = (
    name: string,
    metric: Task['metric'],
    qRoles: Role[],
    gRoles: Role[],
    byPicture = false,
  ): Task | null => {
    const q = pick(qRoles, STRIDE)
    const g = pick(gRoles)
    if (!q || !g) return null
    return {
      name,
      metric,
      q: q.m,
      ql: q.l,
      g: g.m,
      gl: g.l,
      gp: byPicture ? g.l.map((_, i) => i) : g.l,
    }
  }
  if (d === 'coil') return [task('COIL R@1', 'r1', ['query'], ['gallery'])]
  if (d === 'grocery') {
    return [
      task('Grocery A R@1', 'r1', ['val'], ['train', 'iconic']),
      task('Grocery B R@1', 'r1', ['val'], ['iconic']),
    ]
  }
  return [
    task('Objects R@1', 'r1', ['view'], ['orig']),
    task('Objects N-S', 'ns', ['orig', 'view'], ['orig', 'view'], true),
  ]
}

interface Row {
  name: string
  descriptor: Descriptor
  method?: Method
}

const qe = (k: number, full: number, alpha = 3): Method => ({
  name: '',
  rerank: { k, alpha, full, minSim: 0, shortlist: 1000 },
})
const rows: Row[] = [
  { name: 'fused 2,368-d, no projection (plain fusion)', descriptor: plain },
  { name: '**shipped** (grocery projection)', descriptor: shipped },
  { name: 'α-QE top 3 (α 3)', descriptor: shipped, method: qe(3, 0) },
  { name: 'α-QE top 5 (α 3)', descriptor: shipped, method: qe(5, 0) },
  { name: 'DBA 3 + α-QE 3', descriptor: shipped, method: { ...qe(3, 0), dba: { k: 3, alpha: 3 } } },
  { name: 'DBA 3', descriptor: shipped, method: { name: '', dba: { k: 3, alpha: 3 } } },
  {
    name: 'α-QE top 3, strength by product pictures (full at 2)',
    descriptor: shipped,
    method: qe(3, 2),
  },
  {
    name: 'α-QE top 5, strength by product pictures (full at 2)',
    descriptor: shipped,
    method: qe(5, 2),
  },
  {
    name: 'α-QE top 5, strength by product pictures (full at 4)',
    descriptor: shipped,
    method: qe(5, 4),
  },
  {
    name: 'α-QE top 5, strength by pictures within cos 0.8 (label-blind)',
    descriptor: shipped,
    method: { name: '', rerank: { ...qe(5, 2).rerank!, visual: 0.8 } },
  },
  {
    name: 'α-QE top 5, strength by pictures within cos 0.7 (label-blind)',
    descriptor: shipped,
    method: { name: '', rerank: { ...qe(5, 2).rerank!, visual: 0.7 } },
  },
  {
    name: 'k-reciprocal (k 5, top 20: reciprocal hits first)',
    descriptor: shipped,
    method: { name: '', reciprocal: { k: 5, depth: 20 } },
  },
  {
    name: 'α-QE top 5, ranked by the expanded query alone (no max)',
    descriptor: shipped,
    method: { name: '', rerank: { ...qe(5, 2).rerank!, plainScore: false } },
  },
  {
    name: 'engine default re-ranking (RERANK)',
    descriptor: shipped,
    method: { name: '', rerank: RERANK },
  },
  {
    name: 'multi-domain whitening on top (reg 0.003, learned w/o the domain)',
    descriptor: multiDomain(0.003),
  },
  { name: 'multi-domain whitening on top (reg 0.03)', descriptor: multiDomain(0.03) },
  { name: 'multi-domain whitening on top (reg 0.1)', descriptor: multiDomain(0.1) },
  { name: 'flip averaging (picture + mirror, fused, projected)', descriptor: pooled('f') },
  { name: 'flip averaging, gallery side only', descriptor: pooled('f', true) },
  { name: 'multi-scale 192+256 px (fused, projected)', descriptor: pooled('m') },
  {
    name: 'flip averaging, gallery side only + engine default re-ranking',
    descriptor: pooled('f', true),
    method: { name: '', rerank: RERANK },
  },
  ...(ADAPT
    ? [0.01, 0.03, 0.1, 0.3].flatMap((reg): Row[] => [
        {
          name: `gallery-adapted whitening (views of its own gallery, reg ${reg})`,
          descriptor: adapted(shipped, reg),
        },
        {
          name: `flip (gallery side) + gallery-adapted whitening (reg ${reg})`,
          descriptor: adapted(pooled('f', true), reg),
        },
        {
          name: `gallery-adapted whitening (reg ${reg}) + engine default re-ranking`,
          descriptor: adapted(shipped, reg),
          method: { name: '', rerank: RERANK },
        },
      ])
    : []),
]

const only = process.env.QUALITY_ROWS?.split(',').map(Number)
const NAMES: Record<Domain, string[]> = {
  coil: ['COIL R@1'],
  grocery: ['Grocery A R@1', 'Grocery B R@1'],
  objects: ['Objects R@1', 'Objects N-S'],
}
const header = DOMAINS.flatMap((d) => NAMES[d])
console.log(
  `\nqueries: every ${STRIDE === 1 ? '' : STRIDE + 'th '}query; galleries whole\n` +
    `| change | ${header.join(' | ')} | worst Δ vs shipped |\n|---|${header.map(() => '---|').join('')}---|`,
)
/** Each task's figure, and its per-query hits (for the paired count against the shipped row). */
const figures = (r: Row): { f: number[]; q: number[][] } => {
  const q: number[][] = []
  const f = DOMAINS.flatMap((d) =>
    tasksOf(d, r.descriptor(d)).map((t) => {
      const hits: number[] = []
      q.push(hits)
      return t ? measure(t, r.method ?? { name: '' }, hits) : NaN
    }),
  )
  return { f, q }
}
const base = figures(rows[1])
const t0 = performance.now()
// QUALITY_PAIRED=1: each figure also says how many queries did better / worse than shipped.
const PAIRED = !!process.env.QUALITY_PAIRED
for (const [ri, r] of rows.entries()) {
  if (only && !only.includes(ri) && ri !== 1) continue
  const { f: figs, q } = ri === 1 ? base : figures(r)
  const rel = figs.map((f, i) => (base.f[i] > 0 ? (f - base.f[i]) / base.f[i] : 0))
  const known = rel.filter((x) => !Number.isNaN(x))
  const worst = known.length ? Math.min(...known) : NaN
  const paired = (i: number) => {
    if (!PAIRED || ri === 1 || q[i].length !== base.q[i].length) return ''
    let up = 0
    let down = 0
    q[i].forEach((h, k) => (h > base.q[i][k] ? up++ : h < base.q[i][k] ? down++ : 0))
    return ` (+${up}/−${down})`
  }
  const fmt = (f: number, i: number) => (Number.isNaN(f) ? '–' : f.toFixed(3) + paired(i))
  console.log(
    `| ${r.name} | ${figs.map(fmt).join(' | ')} | ${ri === 1 || Number.isNaN(worst) ? '—' : (worst * 100).toFixed(1) + ' %'} |`,
  )
}
console.log(`\n(${((performance.now() - t0) / 1000).toFixed(0)} s for the table)`)

if (ADAPT) {
  // What the engine can measure on a gallery by itself: held-out views → the whole gallery, and
  // (where products have several pictures) each picture → the others, by product.
  console.log(
    `\nwhat a gallery can measure by itself, before → after adapting (${ADAPT_VIEWS} view(s) per ` +
      `picture, learned on the other half's): held-out views R@1 / own products leave-one-out R@1\n` +
      `| descriptor | ${DOMAINS.join(' | ')} |\n|---|${DOMAINS.map(() => '---|').join('')}`,
  )
  const paired = (a: number[], b: number[]) => {
    let up = 0
    let down = 0
    b.forEach((h, k) => (h > a[k] ? up++ : h < a[k] ? down++ : 0))
    return ` (+${up}/−${down})`
  }
  const before = new Map<Domain, { views: number[]; own: number[] }>()
  const cell = (d: Domain, reg: number | null) => {
    const b = shipped(d)
    const g = aug[d].gallery
    const p = reg === null ? null : learnAdapted(b, g, aug[d].items, augVectors(d), reg)
    const hv: number[] = []
    const ho: number[] = []
    const views = heldOutViews(b, g, aug[d].items, augVectors(d), p, hv)
    const labels = items[d].map((it) => it.label)
    const own = productLeaveOneOut(b, g, labels, p, ho)
    if (reg === null) before.set(d, { views: hv, own: ho })
    const was = before.get(d)!
    const pv = reg === null ? '' : paired(was.views, hv)
    const po = reg === null || Number.isNaN(own) ? '' : paired(was.own, ho)
    return `${views.toFixed(3)}${pv} / ${Number.isNaN(own) ? '–' : own.toFixed(3) + po}`
  }
  console.log(`| shipped | ${DOMAINS.map((d) => cell(d, null)).join(' | ')} |`)
  for (const reg of [0.01, 0.03, 0.1, 0.3])
    console.log(`| adapted (reg ${reg}) | ${DOMAINS.map((d) => cell(d, reg)).join(' | ')} |`)
}
