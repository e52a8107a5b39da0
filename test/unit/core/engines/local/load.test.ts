import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createLocalEngine,
  type LocalEngine,
} from '../../../../../electron/core/engines/local/index'
import { createFeaturizer } from '../../../../../electron/core/engines/local/featurizer/index'
import { seedStore } from './seed'

/**
 * Opening the local engine loads every stored vector into memory: page by page, in slices that
 * give way to the event loop, with progress. The engine is handed out once everything is in, so
 * whatever it answers is answered from the complete index.
 */

const cleanup: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f()
})

function setup() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-load-'))
  const featurizer = createFeaturizer({ workers: 0 })
  cleanup.push(() => fs.rmSync(root, { recursive: true, force: true }))
  cleanup.push(() => featurizer.close())
  return { dir: path.join(root, 'engine'), featurizer }
}

/** Exact ranking by cosine similarity (ties by insertion order), as the engine defines it. */
function bruteForce(
  vectors: Map<string, Float32Array>,
  q: Float32Array,
  filter: (i: number) => boolean,
) {
  const scored: { picName: string; i: number; s: number }[] = []
  for (const [picName, v] of vectors) {
    const i = Number(picName.split('.')[0])
    if (!filter(i)) continue
    let s = 0
    for (let k = 0; k < v.length; k++) s += v[k] * q[k]
    scored.push({ picName, i, s })
  }
  return scored.sort((a, b) => b.s - a.s || a.i - b.i).map((x) => x.picName)
}

describe('opening the local engine', () => {
  it('loads every vector in slices, reporting progress in order up to the total', async () => {
    const { dir, featurizer } = setup()
    const vectors = seedStore(dir, featurizer, 2000, 37)
    const progress: [number, number][] = []
    let ticks = 0
    let loading = true
    // Work queued on the event loop while the engine opens: it must get its turns.
    const tick = () => {
      if (!loading) return
      ticks++
      setImmediate(tick)
    }
    setImmediate(tick)
    const engine: LocalEngine = await createLocalEngine({
      dir,
      name: 'load',
      featurizer,
      loadSliceMs: 0,
      onLoad: (done, total) => progress.push([done, total]),
      // Plain cosine ranking, so the answers can be checked against a brute-force scan (the
      // query-time re-ranking has tests of its own: rerank.test.ts, vector-index.test.ts).
      rerank: false,
    })
    loading = false
    cleanup.unshift(() => engine.close())

    // 2,037 rows read 128 at a time, a slice each: 15 updates on the way, then the end.
    expect(progress.length).toBeGreaterThanOrEqual(15)
    expect(progress.every(([, t]) => t === 2037)).toBe(true)
    expect(progress.map(([d]) => d)).toEqual([...progress.map(([d]) => d)].sort((a, b) => a - b))
    expect(progress.at(-1)).toEqual([2037, 2037])
    expect(ticks).toBeGreaterThanOrEqual(progress.length - 1)

    // The stale rows are left out (re-describing them needs their pictures: these have none).
    const re = engine.reindexStatus()
    expect(re.pending + re.unrecoverable).toBe(37)
    // Answers come from the complete index: exact rankings, filters applied before ranking.
    for (const probe of ['0.jpg', '1234.jpg', '1999.jpg']) {
      const i = Number(probe.split('.')[0])
      const r = await engine.searchImageByName({
        productId: `P${i % 97}`,
        picName: probe,
        num: 20,
      })
      expect(r.head.docsFound).toBe(2000)
      expect(r.auctions[0]).toMatchObject({ picName: probe, score: 1 })
      expect(r.auctions.map((a) => a.picName)).toEqual(
        bruteForce(vectors, vectors.get(probe)!, () => true).slice(0, 20),
      )
      const filtered = await engine.searchImageByName({
        productId: `P${i % 97}`,
        picName: probe,
        num: 10,
        filter: 'str_attr="odd" AND int_attr<5',
      })
      expect(filtered.auctions.map((a) => a.picName)).toEqual(
        bruteForce(vectors, vectors.get(probe)!, (k) => k % 2 === 1 && k % 10 < 5).slice(0, 10),
      )
    }
  })

  it('an empty engine opens with a final progress of 0 of 0', async () => {
    const { dir, featurizer } = setup()
    const progress: [number, number][] = []
    const engine = await createLocalEngine({
      dir,
      name: 'empty',
      featurizer,
      onLoad: (d, t) => progress.push([d, t]),
    })
    cleanup.unshift(() => engine.close())
    expect(progress).toEqual([[0, 0]])
    expect((await engine.detail()).instance.totalCount).toBe(0)
  })
})
