/**
 * Watched-folder latency: `npx tsx bench/watch.ts [--files 20] [--burst 100]`.
 *
 * Target: on the local engine, a picture written into a watched folder is in the gallery cache
 * AND found by the engine (SearchImageByName) at most 3 s after the write returned.
 *
 * - Watch: a core with a watch rule on a temp folder, its watchers running (as a host runs them).
 *   Each picture is copied into the folder, one at a time; the clock runs from the end of the copy
 *   until the gallery cache has it and the engine answers SearchImageByName with it (polled every
 *   10 ms). The path measured: chokidar event → awaitWriteFinish (size stable 250 ms) → debounce
 *   (200 ms) → SHA-256 + reconcile → bulk-add job → imaging → AddImage → gallery cache.
 * - Baseline, same run, same core, same pictures: a direct add (`images.add` with the file path:
 *   imaging, AddImage, gallery cache), timed until the same two checks pass.
 * - Burst (`--burst N`, 0 to skip): N pictures copied at once; time until all are searchable, and
 *   the throughput against a baseline loop of direct adds of the same pictures.
 * Prints p50 / p95 / max per path and the ratio watch / direct.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { createCore } from '../electron/core/app'
import { createMemorySecretStore } from '../electron/core/profiles/secrets'
import { catalogueForBench } from './lib/datasets'

const { values } = parseArgs({
  options: { files: { type: 'string' }, burst: { type: 'string' } },
})
const N = Number(values.files ?? 20)
const BURST = Number(values.burst ?? 100)
const TARGET_MS = 3000
const DS = await catalogueForBench('watch', 901)
const pic = (n: number) => path.join(DS, `item${String(n).padStart(4, '0')}.jpg`)

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]
}
const fmt = (ms: number) => `${ms.toFixed(0).padStart(5)} ms`

async function main() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-bench-watch-'))
  const folder = path.join(root, 'watched')
  fs.mkdirSync(path.join(folder, 'w'), { recursive: true })
  const core = createCore({
    dataDir: path.join(root, 'data'),
    secrets: createMemorySecretStore(),
    host: 'headless',
  })
  try {
    const engine = await core.engines.get('local')
    const gallery = core.galleries.get('local')
    const call = async (name: string, input: unknown) => {
      const r = (await core.dispatch(name, input)) as { result?: unknown; error?: unknown }
      if (r.error) throw new Error(JSON.stringify(r.error))
      return r.result
    }
    const searchable = async (productId: string, picName: string) => {
      if (!gallery.get(productId, picName)) return false
      try {
        const r = await engine.searchImageByName({ productId, picName, num: 1 })
        return r.auctions.length > 0
      } catch {
        return false
      }
    }
    const until = async (fn: () => Promise<boolean>, t0: number, limitMs = 60_000) => {
      for (;;) {
        if (await fn()) return performance.now() - t0
        if (performance.now() - t0 > limitMs) throw new Error('timed out')
        await new Promise((r) => setTimeout(r, 10))
      }
    }

    // Warm up (featurizer and imaging workers load on first use).
    await call('images.add', { image: { path: pic(900) }, productId: 'warm', picName: 'w.jpg' })

    // Baseline: direct adds.
    const direct: number[] = []
    for (let i = 0; i < N; i++) {
      const t0 = performance.now()
      await call('images.add', {
        image: { path: pic(600 + i) },
        productId: `d${i}`,
        picName: 'p.jpg',
      })
      direct.push(await until(() => searchable(`d${i}`, 'p.jpg'), t0))
    }

    // Watch: one picture at a time.
    const rule = (await call('watch.add', { folder, naming: 'folder' })) as { id: number }
    const started = await core.watch.start()
    if (!started.ok) throw new Error('watchers not started')
    await core.watch.whenIdle(rule.id)
    const watched: number[] = []
    for (let i = 0; i < N; i++) {
      const name = `f${i}.jpg`
      fs.copyFileSync(pic(600 + i), path.join(folder, 'w', name))
      const t0 = performance.now()
      watched.push(await until(() => searchable('w', name), t0))
      await core.watch.whenIdle(rule.id)
    }

    const row = (label: string, xs: number[]) =>
      console.log(
        `${label.padEnd(26)} p50 ${fmt(pct(xs, 50))}   p95 ${fmt(pct(xs, 95))}   max ${fmt(Math.max(...xs))}`,
      )
    console.log(`\nWatched folder → gallery + searchable, local engine, ${N} pictures one by one`)
    row('direct add (baseline)', direct)
    row('watched folder', watched)
    console.log(
      `ratio watch / direct: p50 ×${(pct(watched, 50) / pct(direct, 50)).toFixed(1)}, p95 ×${(pct(watched, 95) / pct(direct, 95)).toFixed(1)}`,
    )
    const worst = Math.max(...watched)
    console.log(
      `target ≤ ${TARGET_MS} ms after the write: ${worst <= TARGET_MS ? 'met' : 'NOT met'} (worst ${worst.toFixed(0)} ms)`,
    )

    if (BURST > 0) {
      // Baseline: a loop of direct adds of the same pictures.
      let t0 = performance.now()
      for (let i = 0; i < BURST; i++) {
        await call('images.add', {
          image: { path: pic(700 + i) },
          productId: `db${i}`,
          picName: 'p.jpg',
        })
      }
      const directBurst = performance.now() - t0
      fs.mkdirSync(path.join(folder, 'b'))
      t0 = performance.now()
      for (let i = 0; i < BURST; i++) {
        fs.copyFileSync(pic(700 + i), path.join(folder, 'b', `b${i}.jpg`))
      }
      const copied = performance.now() - t0
      const all = await until(
        async () => {
          for (let i = BURST - 1; i >= 0; i--) if (!gallery.get('b', `b${i}.jpg`)) return false
          return searchable('b', `b${BURST - 1}.jpg`)
        },
        t0,
        300_000,
      )
      console.log(`\nBurst of ${BURST} pictures copied at once (copy took ${copied.toFixed(0)} ms)`)
      console.log(
        `direct adds in a loop      ${fmt(directBurst)}  (${((BURST * 1000) / directBurst).toFixed(1)} pictures/s)`,
      )
      console.log(
        `watched folder, all in     ${fmt(all)}  (${((BURST * 1000) / all).toFixed(1)} pictures/s, ×${(all / directBurst).toFixed(2)} the loop)`,
      )
    }
  } finally {
    await core.close()
    fs.rmSync(root, { recursive: true, force: true })
  }
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
