/**
 * Descriptors for bench/quality.ts, cached on disk per (image, variant) so that trying another
 * projection, whitening or re-ranking costs no featurizing. What is cached is the featurizer's
 * *fused* descriptor before its learned projection (Conv_1 | block 15 | block 13 | HSV, 2,368-d):
 * every descriptor variant of the bench is computed from it.
 *
 * Variants: `c` what the engine describes by default (`Crop` true: the detected main subject, the
 * whole picture when none stands out), through the pipeline's own `fusedDecoded` (192 px); `o` the
 * whole picture; `f` the engine's box mirrored; `m` the engine's box with the network at 256 px
 * (multi-scale pooling). Images are described by child processes
 * (`QUALITY_PROCS`, default 2) that write the cache; the caller then reads it.
 *
 * Cache: `QUALITY_CACHE` or /tmp/loupe-quality-cache, then a folder per featurizer recipe.
 * bench/quality.ts checks a sample against the real featurizer at every run, so a stale cache
 * (decode or network changed without a new recipe name) is detected, not silently used.
 */
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export type Variant = 'c' | 'o' | 'f' | 'm'

export interface Job {
  /** Stable identity of the picture (file path, plus the view number for generated views). */
  key: string
  file: string
  /** ≥ 1: generated phone photo number `view` (quality-views.ts) of catalogue item `item`. */
  view?: number
  item?: number
  /** ≥ 1: augmented view (bench/lib/quality-augment.ts) of `file` with this seed. */
  aug?: number
}

export const FUSED_DIM = 1792 + 224 + 224 + 128
/** The featurizer recipe up to the fusion (nodes, input side, decode): part of the cache path. */
export const RAW_RECIPE = 'c1b15b13-hsv-192-v1'
export const CACHE_DIR = path.join(
  process.env.QUALITY_CACHE ?? '/tmp/loupe-quality-cache',
  RAW_RECIPE,
)

function cacheFile(key: string, v: Variant): string {
  const h = createHash('sha1').update(key).digest('hex')
  return path.join(CACHE_DIR, v, h.slice(0, 2), `${h}.f32`)
}

export function cached(key: string, v: Variant): Float32Array | null {
  const f = cacheFile(key, v)
  if (!existsSync(f)) return null
  const b = readFileSync(f)
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength))
}

/** Describe every job × variant missing from the cache (child processes), then read them all. */
export async function describeAll(
  jobs: Job[],
  variants: Variant[],
  backgrounds: string[],
  label: string,
): Promise<Record<Variant, Float32Array[]>> {
  const missing = jobs.filter((j) => variants.some((v) => !existsSync(cacheFile(j.key, v))))
  if (missing.length) {
    const procs = Math.max(1, Number(process.env.QUALITY_PROCS ?? 2))
    const list = path.join(CACHE_DIR, `jobs-${process.pid}-${label}.json`)
    mkdirSync(CACHE_DIR, { recursive: true })
    writeFileSync(list, JSON.stringify({ jobs: missing, variants, backgrounds }))
    const t = performance.now()
    process.stdout.write(`${label}: describing ${missing.length} pictures (${variants})…\n`)
    const self = fileURLToPath(import.meta.url)
    await Promise.all(
      Array.from({ length: procs }, (_, shard) => {
        return new Promise<void>((resolve, reject) => {
          const child = spawn(
            process.execPath,
            ['--import', 'tsx', self, '--child', list, String(shard), String(procs)],
            { stdio: ['ignore', 'inherit', 'inherit'] },
          )
          child.on('exit', (code) =>
            code === 0 ? resolve() : reject(new Error(`describer ${shard} exited ${code}`)),
          )
        })
      }),
    )
    const s = (performance.now() - t) / 1000
    process.stdout.write(
      `${label}: ${missing.length} pictures in ${s.toFixed(0)} s ` +
        `(${((s * 1000) / missing.length).toFixed(0)} ms/picture wall clock)\n`,
    )
  }
  const out = {} as Record<Variant, Float32Array[]>
  for (const v of variants) {
    out[v] = jobs.map((j) => {
      const x = cached(j.key, v)
      if (!x) throw new Error(`no cached descriptor for ${j.key} (${v})`)
      return x
    })
  }
  return out
}

/** Child process: describe a shard of the job list into the cache. */
async function child(list: string, shard: number, procs: number) {
  const { decode, pixels, toWorkBox } =
    await import('../../electron/core/engines/local/featurizer/decode')
  const pipeline = await import('../../electron/core/engines/local/featurizer/pipeline')
  const { backbone } = await import('../../electron/core/engines/local/featurizer/backbone')
  const { l2normalize } = await import('../../electron/core/engines/local/featurizer/vector')
  const { phoneView } = await import('./quality-views')
  const { mirrored } = await import('./mirror')
  const { augmentedView } = await import('./quality-augment')
  const { jobs, variants, backgrounds } = JSON.parse(readFileSync(list, 'utf8')) as {
    jobs: Job[]
    variants: Variant[]
    backgrounds: string[]
  }
  const net = await backbone()
  const fuse = (blocks: Float32Array[]) => {
    const out = new Float32Array(FUSED_DIM)
    let o = 0
    const w = 1 / Math.sqrt(blocks.length)
    for (const b of blocks) {
      for (let i = 0; i < b.length; i++) out[o + i] = b[i] * w
      o += b.length
    }
    return out
  }
  let done = 0
  const mine = jobs.filter((_, i) => i % procs === shard)
  for (const j of mine) {
    const bytes = j.aug
      ? await augmentedView(readFileSync(j.file), j.aug)
      : j.view
        ? await phoneView(j.file, j.item ?? 0, j.view, backgrounds)
        : readFileSync(j.file)
    const d = await decode(bytes)
    const box = (await pipeline.detectDecoded(d)).main
    let hist: Float32Array | null = null
    for (const v of variants) {
      const f = cacheFile(j.key, v)
      if (existsSync(f)) continue
      let x: Float32Array
      if (v === 'o' || (v === 'c' && !box && cached(j.key, 'o'))) {
        x = cached(j.key, 'o') ?? (await pipeline.fusedDecoded(d))
      } else if (v === 'c') x = await pipeline.fusedDecoded(d, box)
      else {
        hist ??= await pipeline.colourDecoded(d, box)
        const side = v === 'm' ? 256 : 192
        const px = await pixels(d, toWorkBox(d, box), { width: side, height: side, fit: 'fill' })
        const data = v === 'f' ? mirrored(px.data, side) : px.data
        const r = net.run(data, side)
        x = fuse([l2normalize(r.conv1), l2normalize(r.block15), l2normalize(r.block13), hist])
      }
      mkdirSync(path.dirname(f), { recursive: true })
      writeFileSync(f + '.tmp', Buffer.from(x.buffer, x.byteOffset, x.byteLength))
      renameSync(f + '.tmp', f)
    }
    if (++done % 250 === 0) process.stdout.write(`  [${shard}] ${done}/${mine.length}\n`)
  }
}

if (process.argv[2] === '--child') {
  await child(process.argv[3], Number(process.argv[4]), Number(process.argv[5]))
}
