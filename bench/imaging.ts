/**
 * Imaging benchmark: `npx tsx bench/imaging.ts [--rounds 3] [--workers 2] [--big 8] [--limit 1006]`.
 *
 * Preprocessing throughput of the imaging pipeline (worker threads: sniff, decode, orientation,
 * bounds, size limit, 256 px WebP thumbnail, SHA-256 and perceptual hash; files read in the
 * workers) against a bare sharp baseline measured in the same run on the same files: read the
 * file, decode, auto-orient, fit within 4096 px, encode JPEG q90, on the main thread with the same
 * number of pictures in flight. A second baseline adds the 256 px WebP thumbnail (the same outputs
 * as ours), and ours is also timed without the thumbnail, to show where the time goes.
 *
 * Two sets: the 1,006 catalogue JPEGs (catalogue-hm at LOUPE_DATASETS, ~218 × 255; generated
 * look-alikes when it is missing) and a few big
 * generated pictures (JPEG 5000 × 3750, rotated JPEG 4000 × 3000, PNG 4600 × 3000, BMP 3000 × 2000),
 * written to a temp folder first (not timed). Rounds alternate baseline / ours; the median round
 * is reported. Prints images/s and the time ratios (target ours / baseline ≤ 1.25).
 *
 * The catalogue pictures need no change (kept byte for byte) and are already within 256 px, so
 * they are their own thumbnails: ours decodes each once (validation and perceptual hash) and
 * encodes nothing, where baseline+thumb still pays for a WebP encode.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import sharp, { type Sharp } from 'sharp'
import { createImaging } from '../electron/core/imaging/index'
import { catalogueForBench } from './lib/datasets'
import { pool } from './lib/pool'

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def
}
const ROUNDS = Number(arg('rounds', '3'))
const WORKERS = Number(arg('workers', '2'))
const BIG = Number(arg('big', '8'))
const LIMIT = Number(arg('limit', '1006'))
/** Pictures in flight: two per worker in the pool; the same for the baseline. */
const IN_FLIGHT = WORKERS * 2

const CATALOGUE_DIR = await catalogueForBench('imaging', LIMIT)

function catalogueFiles(): string[] {
  const dir = CATALOGUE_DIR
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.jpg'))
    .sort()
    .slice(0, LIMIT)
    .map((f) => path.join(dir, f))
}

function scene(width: number, height: number, seed: number): Buffer {
  const data = Buffer.alloc(width * height * 3)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3
      data[o] = 128 + 100 * Math.sin((x / width) * 9 + seed)
      data[o + 1] = 128 + 100 * Math.cos((y / height) * 7 - seed)
      data[o + 2] = ((x ^ y) + seed * 31) & 0xff
    }
  }
  return data
}

async function bigFiles(dir: string): Promise<string[]> {
  const specs = [
    { w: 5000, h: 3750, kind: 'jpeg' },
    { w: 4000, h: 3000, kind: 'jpeg-rotated' },
    { w: 4600, h: 3000, kind: 'png' },
    { w: 3000, h: 2000, kind: 'bmp' },
  ]
  const files: string[] = []
  for (let i = 0; i < BIG; i++) {
    const s = specs[i % specs.length]
    const raw = scene(s.w, s.h, i + 1)
    const img = sharp(raw, { raw: { width: s.w, height: s.h, channels: 3 } })
    const file = path.join(
      dir,
      `big${i}.${s.kind === 'png' ? 'png' : s.kind === 'bmp' ? 'bmp' : 'jpg'}`,
    )
    if (s.kind === 'jpeg') await img.jpeg({ quality: 88 }).toFile(file)
    else if (s.kind === 'jpeg-rotated')
      await img.withMetadata({ orientation: 6 }).jpeg({ quality: 88 }).toFile(file)
    else if (s.kind === 'png') await img.png().toFile(file)
    else fs.writeFileSync(file, bmp24(raw, s.w, s.h))
    files.push(file)
  }
  return files
}

function bmp24(rgb: Buffer, width: number, height: number): Buffer {
  const stride = Math.ceil((width * 3) / 4) * 4
  const buf = Buffer.alloc(54 + stride * height)
  buf.write('BM', 0, 'latin1')
  buf.writeUInt32LE(buf.length, 2)
  buf.writeUInt32LE(54, 10)
  buf.writeUInt32LE(40, 14)
  buf.writeInt32LE(width, 18)
  buf.writeInt32LE(height, 22)
  buf.writeUInt16LE(1, 26)
  buf.writeUInt16LE(24, 28)
  for (let y = 0; y < height; y++) {
    const row = 54 + (height - 1 - y) * stride
    for (let x = 0; x < width; x++) {
      const s = (y * width + x) * 3
      buf[row + x * 3] = rgb[s + 2]
      buf[row + x * 3 + 1] = rgb[s + 1]
      buf[row + x * 3 + 2] = rgb[s]
    }
  }
  return buf
}

/** The baseline: bare sharp decode → orient → fit 4096 → JPEG q90 on the main thread. */
async function baseline(file: string): Promise<void> {
  const buf = await fs.promises.readFile(file)
  // BMP is not readable by sharp: the baseline decodes it from its known layout (counted as free).
  const img =
    buf[0] === 0x42 && buf[1] === 0x4d ? bmpToSharp(buf) : sharp(buf, { autoOrient: true })
  await img
    .resize(4096, 4096, { fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: 90 })
    .toBuffer()
}

/** Baseline plus the thumbnail: decode once to raw, then JPEG at ≤ 4096 and WebP at 256. */
async function baselineThumb(file: string): Promise<void> {
  const buf = await fs.promises.readFile(file)
  const img =
    buf[0] === 0x42 && buf[1] === 0x4d ? bmpToSharp(buf) : sharp(buf, { autoOrient: true })
  const { data, info } = await img
    .resize(4096, 4096, { fit: 'inside', withoutEnlargement: true })
    .raw()
    .toBuffer({ resolveWithObject: true })
  const raw = { raw: { width: info.width, height: info.height, channels: info.channels } }
  await sharp(data, raw).jpeg({ quality: 90 }).toBuffer()
  await sharp(data, raw)
    .resize(256, 256, { fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 75, effort: 0 })
    .toBuffer()
}

function bmpToSharp(buf: Buffer): Sharp {
  const width = buf.readInt32LE(18)
  const height = buf.readInt32LE(22)
  const stride = Math.ceil((width * 3) / 4) * 4
  const rgb = Buffer.alloc(width * height * 3)
  for (let y = 0; y < height; y++) {
    const row = 54 + (height - 1 - y) * stride
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3
      rgb[o] = buf[row + x * 3 + 2]
      rgb[o + 1] = buf[row + x * 3 + 1]
      rgb[o + 2] = buf[row + x * 3]
    }
  }
  return sharp(rgb, { raw: { width, height, channels: 3 } })
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-bench-imaging-'))
  try {
    const sets: [string, string[]][] = [
      [`catalogue JPEGs (${CATALOGUE_DIR})`, catalogueFiles()],
      ['big generated', await bigFiles(tmp)],
    ]
    const imaging = createImaging({ workers: WORKERS })
    const ours = (file: string) => imaging.prepare(file, { serviceType: 'product' })
    // Warm up both (worker start, libvips init) outside the timings.
    await pool(sets[0][1].slice(0, 20), IN_FLIGHT, ours)
    await pool(sets[0][1].slice(0, 20), IN_FLIGHT, baseline)

    const noThumb = (file: string) =>
      imaging.prepare(file, { serviceType: 'product', thumbnail: false })
    const variants: [string, (f: string) => Promise<unknown>][] = [
      ['baseline', baseline],
      ['baseline+thumb', baselineThumb],
      ['ours', ours],
      ['ours-no-thumb', noThumb],
    ]
    console.log(
      `imaging bench: ${WORKERS} workers, ${IN_FLIGHT} in flight, ${ROUNDS} rounds, ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}`,
    )
    console.log(
      '  baseline       = read, decode, orient, fit 4096, JPEG q90 (main thread, bare sharp)',
    )
    console.log(
      '  baseline+thumb = baseline + a 256 px WebP thumbnail from the same decode (same outputs as ours)',
    )
    console.log(
      '  ours           = createImaging().prepare(path): all checks, output, thumbnail, SHA-256, phash',
    )
    console.log('  ours-no-thumb  = the same with thumbnail: false')
    for (const [name, files] of sets) {
      const times = new Map<string, number[]>(variants.map(([v]) => [v, []]))
      for (let r = 0; r < ROUNDS; r++) {
        // Rotate the order each round so load changes hit every variant alike.
        const order = variants.map((_, i) => variants[(i + r) % variants.length])
        for (const [v, fn] of order) {
          const t0 = performance.now()
          await pool(files, IN_FLIGHT, fn)
          times.get(v)!.push(performance.now() - t0)
        }
      }
      const med = new Map([...times].map(([v, t]) => [v, median(t)]))
      const rate = (ms: number) => ((files.length * 1000) / ms).toFixed(1)
      console.log(`\n${name} (${files.length} files), median of ${ROUNDS} rounds:`)
      for (const [v] of variants) {
        const ms = med.get(v)!
        console.log(
          `  ${v.padEnd(15)} ${ms.toFixed(0).padStart(7)} ms  ${rate(ms).padStart(7)} img/s  ` +
            `ratio to baseline ${(ms / med.get('baseline')!).toFixed(2)}  to baseline+thumb ${(ms / med.get('baseline+thumb')!).toFixed(2)}` +
            `  [${times
              .get(v)!
              .map((t) => t.toFixed(0))
              .join(', ')}]`,
        )
      }
      console.log(
        `  ours / baseline = ${(med.get('ours')! / med.get('baseline')!).toFixed(2)} (target ≤ 1.25)`,
      )
    }
    const sample = await imaging.prepare(sets[1][1][1])
    console.log(
      `  e.g. ${path.basename(sets[1][1][1])}: ${sample.actions.map((a) => a.kind).join(', ')} → ${sample.width} × ${sample.height}, ${sample.data.length} bytes`,
    )
    await imaging.close()
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true })
  }
}

await main()
