/**
 * Local engine index benchmark: `npx tsx bench/index.ts [--dims 256,1920] [--sizes 10000,100000]
 * [--queries 200]`.
 *
 * For each dimension and gallery size it fills the engine's vector index with synthetic
 * L2-normalised descriptors shaped like real ones (positive offset, decaying spectrum, clusters,
 * noise, outliers) carrying int/str attributes, waits for the index's background training (the
 * coarse stage, above 256 dimensions from 20k vectors), then times top-20 searches:
 * - the index (VectorIndex.search) without a filter, with one filter keeping ~30 % repeated (as
 *   when paging: its candidate list is cached) and with a different such filter each query, with
 *   its WebAssembly SIMD kernel and with its JavaScript fallback;
 * - a naive exact brute force measured in the same run (array of vectors, one dot per vector, full
 *   sort) on the same queries: the baseline; recall@10 of the index against it (1.0 where
 *   index is exact);
 * - the whole engine path (searchImageByName on an engine opened over a SQLite store holding the same
 *   vectors: validation, filter parsing, index, SQLite fetch of the page) at the largest size.
 * Prints p50/p95 in ms, ratios to the baseline, and RSS. Target: p95 <= 20 ms at 100k.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { compileFilter, parseFilter } from '../electron/core/engines/local/filter'
import { createLocalEngine } from '../electron/core/engines/local/index'
import type { Featurizer } from '../electron/core/engines/local/featurizer/types'
import { Store } from '../electron/core/engines/local/store'
import { VectorIndex, type IndexEntry } from '../electron/core/engines/local/vector-index'
import { DIM } from '../electron/core/engines/local/featurizer/constants'
import { RERANK } from '../electron/core/engines/local/rerank'

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def
}
// Default: the shipped descriptor's dimension, and a wide one (a fused descriptor without whitening).
const DIMS = arg('dims', `${DIM},1920`).split(',').map(Number)
const SIZES = arg('sizes', '10000,100000').split(',').map(Number)
const QUERIES = Number(arg('queries', '200'))
const K = 20
const FILTER = 'int_attr < 30 OR str_attr = "red"'
/** --engine-only: just the engine path (re-ranking on and off) at the largest size. */
const ENGINE_ONLY = process.argv.includes('--engine-only')

let seed = 12345
function rand(): number {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
function mulberry(s0: number): () => number {
  let a = s0 >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), a | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
function gauss(): number {
  return Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand())
}
function normalise(v: Float32Array): Float32Array {
  let s = 0
  for (let i = 0; i < v.length; i++) s += v[i] * v[i]
  const n = Math.sqrt(s) || 1
  for (let i = 0; i < v.length; i++) v[i] /= n
  return v
}

/**
 * n synthetic descriptors shaped like real ones: a common positive offset (ReLU features), a
 * low-dimensional latent part with a decaying spectrum and clusters (families of similar products),
 * isotropic noise, then L2-normalised.
 */
function makeVectors(n: number, dim: number): Float32Array[] {
  const latent = Math.min(64, dim >> 1)
  const basis = Array.from({ length: latent }, () => {
    const b = new Float32Array(dim)
    for (let i = 0; i < dim; i++) b[i] = gauss() / Math.sqrt(dim)
    return b
  })
  const offset = new Float32Array(dim)
  for (let i = 0; i < dim; i++) offset[i] = Math.abs(gauss()) / Math.sqrt(dim)
  const centres = Array.from({ length: Math.max(10, Math.round(n / 50)) }, () =>
    Float32Array.from({ length: latent }, (_, k) => gauss() / Math.sqrt(k + 1)),
  )
  const z = new Float32Array(latent)
  return Array.from({ length: n }, () => {
    const c = centres[Math.floor(rand() * centres.length)]
    const outlier = rand() < 0.05
    for (let k = 0; k < latent; k++) {
      z[k] = outlier ? gauss() / Math.sqrt(k + 1) : c[k] + (0.3 * gauss()) / Math.sqrt(k + 1)
    }
    const v = new Float32Array(dim)
    for (let i = 0; i < dim; i++) v[i] = 0.8 * offset[i] + (0.25 * gauss()) / Math.sqrt(dim)
    for (let k = 0; k < latent; k++) {
      const b = basis[k]
      const zk = z[k]
      for (let i = 0; i < dim; i++) v[i] += zk * b[i]
    }
    return normalise(v)
  })
}

function entryFor(i: number): IndexEntry {
  return {
    rowId: i + 1,
    productId: `p${Math.floor(i / 3)}`,
    categoryId: i % 14 === 13 ? 88888888 : i % 10,
    intAttr: i % 100,
    strAttr: ['red', 'blue', 'green', 'black', 'white'][i % 5],
  }
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]
}

function time<T>(fn: () => T): [T, number] {
  const t = performance.now()
  const r = fn()
  return [r, performance.now() - t]
}

/** The baseline: exact brute force written plainly. */
function bruteForce(
  vecs: Float32Array[],
  entries: IndexEntry[],
  q: Float32Array,
  k: number,
  accept?: (e: IndexEntry) => boolean,
): number[] {
  const scored: { id: number; s: number }[] = []
  for (let i = 0; i < vecs.length; i++) {
    if (accept && !accept(entries[i])) continue
    const v = vecs[i]
    let s = 0
    for (let j = 0; j < v.length; j++) s += q[j] * v[j]
    scored.push({ id: entries[i].rowId, s })
  }
  scored.sort((a, b) => b.s - a.s || a.id - b.id)
  return scored.slice(0, k).map((x) => x.id)
}

function fmt(x: number): string {
  return x.toFixed(x < 10 ? 2 : 1)
}

const mb = (b: number) => `${(b / 1048576).toFixed(0)} MB`

async function main() {
  console.log(
    `Local engine index benchmark — ${os.cpus().length} CPU(s) ${os.cpus()[0]?.model ?? ''}, node ${process.version}`,
  )
  console.log(`top-${K} searches, ${QUERIES} queries per row; filter: ${FILTER}\n`)
  const ast = parseFilter(FILTER)
  const pred = compileFilter(ast)
  const header = [
    'dim',
    'vectors',
    'filter',
    'SIMD p50',
    'SIMD p95',
    'JS p50',
    'JS p95',
    'brute p50',
    'brute p95',
    'brute/SIMD p95',
    'recall@10',
    'path',
  ]
  const rows: string[][] = []
  const engineRuns: { dim: number; n: number }[] = []
  for (const dim of DIMS) {
    for (const n of SIZES) {
      if (ENGINE_ONLY) {
        if (n === Math.max(...SIZES)) engineRuns.push({ dim, n })
        continue
      }
      const vecs = makeVectors(n, dim)
      const entries = vecs.map((_, i) => entryFor(i))
      const rssBefore = process.memoryUsage().rss
      // Int8-stored (large) vectors: the best 48 hits are re-scored with exact vectors, which the
      // engine reads from SQLite (timed in the engine path below); here from memory.
      const refine = { window: 48, vectors: (ids: number[]) => ids.map((id) => vecs[id - 1]) }
      const index = new VectorIndex(dim, n, { refine })
      const [, loadMs] = time(() => {
        for (let i = 0; i < n; i++) index.upsert(entries[i], vecs[i])
      })
      const t0 = performance.now()
      await index.idle()
      const trainMs = performance.now() - t0
      const jsIndex = new VectorIndex(dim, n, { simd: false, refine })
      for (let i = 0; i < n; i++) jsIndex.upsert(entries[i], vecs[i])
      await jsIndex.idle()
      const queries = Array.from({ length: QUERIES }, (_, i) => {
        // Half near-duplicates of gallery items, half fresh vectors.
        const base = vecs[Math.floor(rand() * n)]
        const q = new Float32Array(dim)
        const noise = i % 2 === 0 ? 0.02 : 1
        for (let j = 0; j < dim; j++) q[j] = base[j] + (noise * gauss()) / Math.sqrt(dim)
        return normalise(q)
      })
      for (const mode of ['none', 'same', 'fresh'] as const) {
        const withFilter = mode !== 'none'
        const idx: number[] = []
        const js: number[] = []
        const brute: number[] = []
        let recall = 0
        let approximate = 0
        // 'same': one filter for every query (paging: the candidate list is cached);
        // 'fresh': a different filter each time (no cache hit), still keeping ~30 %.
        const filters = queries.map((_, qi) =>
          mode === 'none'
            ? null
            : mode === 'same'
              ? ast
              : parseFilter(`int_attr < ${25 + (qi % 11)} OR str_attr = "red"`),
        )
        // Three passes, so the baseline's garbage does not land in the index's timings.
        const results = queries.map((q, qi) => {
          const [res, t] = time(() => index.search({ query: q, k: K, filter: filters[qi] }))
          idx.push(t)
          if (res.approximate) approximate++
          return res
        })
        queries.forEach((q, qi) => {
          const [jsRes, t] = time(() => jsIndex.search({ query: q, k: K, filter: filters[qi] }))
          js.push(t)
          if (jsRes.hits[0]?.rowId !== results[qi].hits[0]?.rowId) {
            throw new Error('SIMD and JS scans disagree')
          }
        })
        // The baseline is slow: time it on every 4th query only.
        for (let qi = 0; qi < queries.length; qi += 4) {
          const f = filters[qi]
          const p = f === ast ? pred : f ? compileFilter(f) : null
          const accept = withFilter && p ? (e: IndexEntry) => p(e) : undefined
          const [ref, t] = time(() => bruteForce(vecs, entries, queries[qi], 10, accept))
          brute.push(t)
          const got = new Set(results[qi].hits.slice(0, 10).map((h) => h.rowId))
          recall += ref.filter((id) => got.has(id)).length / Math.max(1, ref.length)
        }
        rows.push([
          String(dim),
          String(n),
          mode === 'none' ? 'none' : mode === 'same' ? '~30 %, same' : '~30 %, fresh',
          fmt(pct(idx, 50)),
          fmt(pct(idx, 95)),
          fmt(pct(js, 50)),
          fmt(pct(js, 95)),
          fmt(pct(brute, 50)),
          fmt(pct(brute, 95)),
          `${(pct(brute, 95) / pct(idx, 95)).toFixed(1)}x`,
          (recall / brute.length).toFixed(3),
          approximate === 0 ? 'exact' : approximate === queries.length ? 'coarse+rerank' : 'mixed',
        ])
      }
      console.log(
        `dim ${dim}, ${n} vectors: index load ${fmt(loadMs)} ms` +
          (index.coarseReady ? `, coarse stage trained + projected in ${fmt(trainMs)} ms` : '') +
          `, ${index.quantized ? 'int8' : 'float32'} vectors ${mb(index.bytes)} per index, RSS +${mb(process.memoryUsage().rss - rssBefore)} for two indexes (total ${mb(process.memoryUsage().rss)})`,
      )
      if (n === Math.max(...SIZES)) engineRuns.push({ dim, n })
      index.close()
      jsIndex.close()
    }
  }
  console.log('')
  printTable(header, rows)

  // The engine path, at the largest size of each dimension (vectors regenerated to free memory).
  for (const r of engineRuns) {
    const vecs = makeVectors(r.n, r.dim)
    rerankOverhead(r.dim, r.n, vecs)
    await engineBench(r.dim, r.n, vecs)
  }
}

/**
 * The index alone with and without re-ranking (RERANK), the two interleaved query by query on the
 * same index, so machine load hits both alike. Every product has 3 pictures: every search expands.
 */
function rerankOverhead(dim: number, n: number, vecs: Float32Array[]) {
  const index = new VectorIndex(dim, n)
  vecs.forEach((v, i) => index.upsert(entryFor(i), v))
  const r = mulberry(11)
  const on: number[] = []
  const off: number[] = []
  let expanded = 0
  for (let i = 0; i < QUERIES * 2; i++) {
    const query = vecs[Math.floor(r() * n)]
    const withRerank = i % 2 === 0
    const [res, ms] = time(() =>
      index.search({ query, k: K, ...(withRerank ? { expand: RERANK } : {}) }),
    )
    if (withRerank) {
      on.push(ms)
      if (res.expanded) expanded++
    } else off.push(ms)
  }
  console.log(
    `\nIndex alone, dim ${dim}, ${n} vectors, top ${K}, interleaved (${expanded}/${on.length} searches expanded)`,
  )
  printTable(
    ['search', 'p50 ms', 'p95 ms'],
    [
      ['re-ranking on', fmt(pct(on, 50)), fmt(pct(on, 95))],
      ['off', fmt(pct(off, 50)), fmt(pct(off, 95))],
    ],
  )
}

async function engineBench(dim: number, n: number, vecs: Float32Array[]) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-bench-'))
  try {
    const dir = path.join(root, 'engine')
    const store = new Store(path.join(dir, 'engine.db'))
    const version = `bench-${dim}`
    const [, fillMs] = time(() =>
      store.tx(() => {
        for (let i = 0; i < n; i++) {
          const e = entryFor(i)
          store.upsert(
            {
              productId: e.productId,
              picName: `pic${i}.jpg`,
              categoryId: e.categoryId,
              customContent: `https://example.com/${i}.jpg`,
              intAttr: e.intAttr ?? null,
              intAttr2: null,
              intAttr3: null,
              intAttr4: null,
              strAttr: e.strAttr ?? null,
              strAttr2: null,
              strAttr3: null,
              strAttr4: null,
              region: null,
              width: 800,
              height: 800,
              vector: vecs[i],
              fversion: version,
              source: null,
            },
            Date.now(),
          )
        }
      }),
    )
    store.close()
    const featurizer: Featurizer = {
      version,
      dim,
      detect: () => Promise.reject(new Error('not used')),
      embed: () => Promise.reject(new Error('not used')),
      describe: () => Promise.reject(new Error('not used')),
      close: async () => {},
    }
    // Re-ranking on (the default; every product has 3 pictures, so every search expands) and
    // off, same store, same queries.
    const rows: string[][] = []
    for (const rerank of [true, false]) {
      const rss0 = process.memoryUsage().rss
      const [engine, openMs] = await timeAsync(() =>
        createLocalEngine({ dir, name: 'bench', featurizer, ...(rerank ? {} : { rerank: false }) }),
      )
      // Background work (the coarse stage's training at large dims) finishes before timing.
      const [, idleMs] = await timeAsync(() => engine.whenIdle())
      const rss1 = process.memoryUsage().rss
      const plain: number[] = []
      const filtered: number[] = []
      const deep: number[] = []
      const r = mulberry(7)
      for (let i = 0; i < QUERIES; i++) {
        const id = Math.floor(r() * n)
        const req = { productId: `p${Math.floor(id / 3)}`, picName: `pic${id}.jpg` }
        plain.push((await timeAsync(() => engine.searchImageByName({ ...req, num: K })))[1])
        filtered.push(
          (await timeAsync(() => engine.searchImageByName({ ...req, num: K, filter: FILTER })))[1],
        )
        deep.push(
          (
            await timeAsync(() =>
              engine.searchImageByName({ ...req, num: 100, start: 400, distinctProductId: true }),
            )
          )[1],
        )
      }
      await engine.close()
      console.log(
        `\nEngine path (searchImageByName over SQLite + index), dim ${dim}, ${n} images, re-ranking ${rerank ? 'on' : 'off'}: store fill ${fmt(fillMs)} ms, open ${fmt(openMs)} ms + ${fmt(idleMs)} ms background training, RSS after open ${mb(rss1)} (+${mb(rss1 - rss0)})`,
      )
      const tag = rerank ? 're-ranking on' : 'off'
      rows.push(
        [`num ${K}, ${tag}`, fmt(pct(plain, 50)), fmt(pct(plain, 95))],
        [`num ${K} + filter, ${tag}`, fmt(pct(filtered, 50)), fmt(pct(filtered, 95))],
        [`start 400, num 100, distinct, ${tag}`, fmt(pct(deep, 50)), fmt(pct(deep, 95))],
      )
    }
    printTable(['query', 'p50 ms', 'p95 ms'], rows)
  } finally {
    fs.rmSync(root, { recursive: true, force: true })
  }
}

async function timeAsync<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now()
  const r = await fn()
  return [r, performance.now() - t]
}

function printTable(header: string[], rows: string[][]) {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const line = (r: string[]) => r.map((c, i) => c.padStart(w[i])).join('  ')
  console.log(line(header))
  for (const r of rows) console.log(line(r))
}

await main()
