/**
 * The engine's gallery-adapted space (issue 12; electron/core/engines/local/space.ts) on the real
 * datasets, through the real engine path: pictures added with AddImage (subject detection on, as a
 * user adds them), a space learned by `engine.spaces` (whole products sampled, one augmented view
 * each, the whitening, the gallery's own before → after measure and its verdict), then the
 * domain's labelled queries searched with SearchImageByPic with the plain descriptor and with the
 * space switched on. The labels are never seen by the learning; the question is whether the
 * verdict (made from the gallery alone) picks the better of the two on each domain.
 *
 *   npx tsx bench/space.ts [--domains coil,grocery,objects] [--objects 400]
 *
 * Domains (bench/lib/quality-sets.ts): COIL-100 (gallery = 40° views, queries = the others,
 * product = object), Grocery A (gallery = train + iconic, queries = val, product = fine class),
 * Objects (gallery = catalogue-hm pictures, one per product; queries = generated phone photos of
 * them, bench/lib/quality-views.ts). Grocery B (81 iconic pictures) is below the space's minimum
 * of 100 pictures and is not measured.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createLocalEngine, type LocalEngine } from '../electron/core/engines/local/index'
import { createFeaturizer } from '../electron/core/engines/local/featurizer/index'
import { requireDatasets } from './lib/datasets'
import {
  backgroundFiles,
  coilItems,
  groceryItems,
  objectItems,
  type Item,
} from './lib/quality-sets'
import { phoneView } from './lib/quality-views'
import { pool } from './lib/pool'

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : dflt
}
const DOMAINS = arg('domains', 'coil,grocery,objects').split(',')
const OBJECTS = Number(arg('objects', '400'))
const data = requireDatasets('space', ['coil100-dev', 'grocery-dev', 'catalogue-hm'])
const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')

interface Domain {
  name: string
  gallery: Item[]
  queries: Item[]
  bytes: (it: Item) => Promise<Buffer>
}

function domains(): Domain[] {
  const out: Domain[] = []
  const file = async (it: Item) => fs.readFileSync(it.file)
  if (DOMAINS.includes('coil')) {
    const items = coilItems(data)
    out.push({
      name: 'COIL',
      gallery: items.filter((i) => i.role === 'gallery'),
      queries: items.filter((i) => i.role === 'query'),
      bytes: file,
    })
  }
  if (DOMAINS.includes('grocery')) {
    const items = groceryItems(data)
    out.push({
      name: 'Grocery A',
      gallery: items.filter((i) => i.role === 'train' || i.role === 'iconic'),
      queries: items.filter((i) => i.role === 'val'),
      bytes: file,
    })
  }
  if (DOMAINS.includes('objects')) {
    const items = objectItems(data).filter((i) => i.label < OBJECTS)
    const backgrounds = backgroundFiles(data)
    out.push({
      name: 'Objects',
      gallery: items.filter((i) => i.role === 'orig'),
      queries: items.filter((i) => i.role === 'view'),
      bytes: (it) =>
        it.role === 'view'
          ? phoneView(it.file, it.item!, it.view!, backgrounds)
          : Promise.resolve(fs.readFileSync(it.file)),
    })
  }
  return out
}

async function recall(e: LocalEngine, d: Domain, queryBytes: Buffer[]) {
  let r1 = 0
  let r5 = 0
  const hits: number[] = []
  await pool(d.queries, 4, async (q, i) => {
    const r = await e.searchImageByPic({ picContent: queryBytes[i], num: 5 })
    const ids = r.auctions.map((a) => a.productId)
    const want = String(q.label)
    const h1 = ids[0] === want ? 1 : 0
    r1 += h1
    r5 += ids.includes(want) ? 1 : 0
    hits[i] = h1
  })
  return { r1: r1 / d.queries.length, r5: r5 / d.queries.length, hits }
}

/** The engine path alone (no picture described): p50 / p95 of 300 searches by name, one at a time. */
async function enginePath(e: LocalEngine, n: number) {
  const ms: number[] = []
  for (let i = 0; i < 300; i++) {
    const k = (i * 7919) % n
    const img = e.listImages(k, 1)[0]
    if (!img) continue
    const t0 = performance.now()
    await e.searchImageByName({ productId: img.productId, picName: img.picName, num: 10 })
    ms.push(performance.now() - t0)
  }
  ms.sort((a, b) => a - b)
  return `${ms[Math.floor(ms.length / 2)].toFixed(2)} / ${ms[Math.floor(ms.length * 0.95)].toFixed(2)}`
}

const f3 = (x: number) => x.toFixed(3)
const rows: string[] = []
for (const d of domains()) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-bench-space-'))
  const featurizer = createFeaturizer()
  const engine = await createLocalEngine({
    dir: path.join(dir, 'engine'),
    name: d.name,
    featurizer,
  })
  try {
    let t0 = performance.now()
    await pool(d.gallery, 4, async (it, i) => {
      await engine.addImage({
        productId: String(it.label),
        picName: `${i}.jpg`,
        picContent: await d.bytes(it),
      })
    })
    const addS = (performance.now() - t0) / 1000
    const queryBytes: Buffer[] = []
    await pool(d.queries, 4, async (q, i) => {
      queryBytes[i] = await d.bytes(q)
    })
    const plain = await recall(engine, d, queryBytes)
    const plainPath = await enginePath(engine, d.gallery.length)

    t0 = performance.now()
    const s = engine.spaces.begin()
    const todo = engine.spaces.undescribed(s.id)
    const slices: number[][] = []
    for (let k = 0; k < todo.length; k += 25) slices.push(todo.slice(k, k + 25))
    await pool(slices, 2, async (ids) => {
      await engine.spaces.describeViews(s.id, ids)
    })
    const learned = await engine.spaces.learn(s.id)
    const learnS = (performance.now() - t0) / 1000
    const f = learned.figures!
    t0 = performance.now()
    await engine.spaces.apply(s.id, { force: true })
    const switchMs = performance.now() - t0
    const adapted = await recall(engine, d, queryBytes)
    const adaptedPath = await enginePath(engine, d.gallery.length)
    let better = 0
    let worse = 0
    plain.hits.forEach((h, i) => {
      if (adapted.hits[i] > h) better++
      if (adapted.hits[i] < h) worse++
    })
    const chosen = f.recommended ? adapted : plain
    const own = f.ownProducts
      ? `${f3(f.ownProducts.before)} → ${f3(f.ownProducts.after)} (+${f.ownProducts.better}/−${f.ownProducts.worse})`
      : '–'
    const line =
      `| ${d.name} | ${d.gallery.length} / ${d.queries.length} | ` +
      `${f3(f.heldOutViews.before)} → ${f3(f.heldOutViews.after)} (+${f.heldOutViews.better}/−${f.heldOutViews.worse}) | ${own} | ` +
      `${f.recommended ? '**adopt**' : 'refuse'} (${f.reason}) | ` +
      `${f3(plain.r1)} / ${f3(plain.r5)} | ${f3(adapted.r1)} / ${f3(adapted.r5)} (+${better}/−${worse}) | ` +
      `${f3(chosen.r1)} (${((chosen.r1 / plain.r1 - 1) * 100).toFixed(1)} %) | ` +
      `${learnS.toFixed(0)} s / ${switchMs.toFixed(0)} ms | ${plainPath} / ${adaptedPath} ms |`
    rows.push(line)
    process.stdout.write(
      `${d.name}: added ${d.gallery.length} in ${addS.toFixed(0)} s (load ${load()})\n${line}\n`,
    )
  } finally {
    await engine.close()
    await featurizer.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}
process.stdout.write(
  '\n| domain | gallery / queries | held-out views R@1 (gallery) | own products R@1 (gallery) | verdict | plain R@1 / R@5 | adapted R@1 / R@5 (queries +/−) | what the verdict gives | learn / switch | engine path p50 / p95, plain / adapted |\n|---|---|---|---|---|---|---|---|---|---|\n' +
    rows.join('\n') +
    `\n\nNode ${process.version}, ${os.cpus().length} cores, load ${load()}\n`,
)
