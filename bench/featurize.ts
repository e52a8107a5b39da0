/**
 * Featurization speed: one image at a time (latency p50/p95) and a stream through the worker pool
 * (throughput), against a bare sharp decode + resize to the network's 192 px, measured in the
 * same run.
 *
 *   npx tsx bench/featurize.ts [N]   (N images from the datasets at LOUPE_DATASETS, default 120)
 */
import { readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { createFeaturizer } from '../electron/core/engines/local/featurizer/index'
import { requireDatasets } from './lib/datasets'

const DATA = requireDatasets('featurize', ['catalogue-hm', 'coil100-dev', 'grocery-dev'])
const N = Math.max(8, Number(process.argv[2] ?? 120))

// A mix of the three datasets: catalogue JPEGs, grocery phone photos, COIL PNGs.
function sample(dir: string, ext: string, n: number): string[] {
  const files: string[] = []
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name))
      else if (e.name.endsWith(ext)) files.push(path.join(d, e.name))
    }
  }
  walk(dir)
  files.sort()
  const step = Math.max(1, Math.floor(files.length / n))
  return files.filter((_, i) => i % step === 0).slice(0, n)
}
const third = Math.ceil(N / 3)
const images = [
  ...sample(path.join(DATA, 'catalogue-hm'), '.jpg', third),
  ...sample(path.join(DATA, 'grocery-dev', 'val'), '.jpg', third),
  ...sample(path.join(DATA, 'coil100-dev'), '.png', third),
].map((f) => readFileSync(f))

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]
}
const fmt = (x: number) => x.toFixed(1).padStart(7)

async function timeEach(fn: (b: Buffer) => Promise<unknown>): Promise<number[]> {
  const ms: number[] = []
  for (const img of images) {
    const t = performance.now()
    await fn(img)
    ms.push(performance.now() - t)
  }
  return ms
}

async function throughput(fn: (b: Buffer) => Promise<unknown>, inFlight: number): Promise<number> {
  let next = 0
  const t = performance.now()
  const lane = async () => {
    while (next < images.length) await fn(images[next++])
  }
  await Promise.all(Array.from({ length: inFlight }, lane))
  return (performance.now() - t) / images.length
}

// Baseline: decode and resize to the network's input size (192 px), nothing else.
const bare = (b: Buffer) => sharp(b).rotate().resize(192, 192, { fit: 'fill' }).raw().toBuffer()

console.log(`${images.length} images (catalogue-hm, grocery val, COIL); 2-core machine, shared`)
const f = createFeaturizer({ workers: 2 })
const load = performance.now()
await f.embed(images[0]) // loads the model in one worker
await Promise.all([f.embed(images[1]), f.embed(images[2])]) // and in the other
const loadMs = performance.now() - load

const baseSingle = await timeEach(bare)
const embedSingle = await timeEach((b) => f.embed(b))
const detectSingle = await timeEach((b) => f.detect(b))
const basePooled = await throughput(bare, 4)
const embedPooled = await throughput((b) => f.embed(b), 4)
const detectPooled = await throughput((b) => f.detect(b), 4)
await f.close()

console.log(`model load, both workers: ${loadMs.toFixed(0)} ms (once per worker, lazily)\n`)
console.log('                          p50 ms  p95 ms  pooled ms/img  vs decode+resize (p50)')
const row = (name: string, single: number[], pooled: number) =>
  console.log(
    `${name.padEnd(24)} ${fmt(pct(single, 50))} ${fmt(pct(single, 95))} ${fmt(pooled)}        ` +
      `${(pct(single, 50) / pct(baseSingle, 50)).toFixed(1)}x`,
  )
row('sharp decode+resize', baseSingle, basePooled)
row('featurizer embed()', embedSingle, embedPooled)
row('featurizer detect()', detectSingle, detectPooled)
console.log(
  `\nembed throughput with 2 workers: ${(1000 / embedPooled).toFixed(1)} images/s ` +
    `(one at a time: ${(1000 / pct(embedSingle, 50)).toFixed(1)} images/s)`,
)
