/**
 * Huge-picture memory benchmark: `npx tsx bench/huge-images.ts [--rounds 10] [--parallel 8]
 * [--mp 96] [--gallery 40] [--glibc-defaults]`.
 *
 * Whether memory stays bounded when many huge pictures are searched with at once (issue 11): the
 * image service's search.byPic (the UI's path: imaging worker pool → local engine → featurizer
 * worker pool, 2 threads each) with `--parallel` pictures of `--mp` megapixels (JPEG, 4:3) in
 * flight at once, repeated `--rounds` times. Every search sends different bytes (a JPEG comment
 * makes each unique), so the query cache never answers one.
 *
 * The process runs as the hosts run theirs: with the allocator settings of
 * core/util/malloc-env.ts (it restarts itself with them, as `loupe serve` does);
 * `--glibc-defaults` measures without them.
 *
 * Prints, per round: its duration, the process RSS at its end and its peak (sampled every 20 ms),
 * the main thread's JS heap and external memory, the most megapixels the decode budget
 * (core/util/pixel-budget.ts) let decode at once, and at the end the ratio of the last round's
 * RSS to the first's (target ≤ 1.10).
 */
import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { hasDecodeMallocEnv, reexecWithDecodeMallocEnv } from '../electron/core/util/malloc-env'
import { pixelBudgetStats, processPixelBudget } from '../electron/core/util/pixel-budget'
import { coreStack } from './lib/core-stack'
import { catalogueForBench } from './lib/datasets'

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def
}
const GLIBC_DEFAULTS = process.argv.includes('--glibc-defaults')
if (!GLIBC_DEFAULTS) reexecWithDecodeMallocEnv()
const ROUNDS = Number(arg('rounds', '10'))
const PARALLEL = Number(arg('parallel', '8'))
const MP = Number(arg('mp', '96'))
const GALLERY = Number(arg('gallery', '40'))

const dir = await catalogueForBench('huge-images', GALLERY + PARALLEL)
const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.jpg'))
  .sort()
  .map((f) => path.join(dir, f))

const { service, engine, close } = await coreStack('huge')

const mb = (n: number) => `${(n / 1048576).toFixed(0).padStart(5)} MB`

process.stdout.write(`adding ${GALLERY} catalogue pictures… `)
for (let i = 0; i < GALLERY; i++) {
  await engine.addImage({
    productId: `p${i}`,
    picName: path.basename(files[i]),
    picContent: fs.readFileSync(files[i]),
  })
}
process.stdout.write('done\n')

// The huge pictures: catalogue pictures enlarged to MP megapixels (4:3) with some texture, JPEG.
const width = Math.round(Math.sqrt((MP * 1e6 * 4) / 3))
const height = Math.round((width * 3) / 4)
const BASES = Math.min(PARALLEL, 2)
process.stdout.write(`making ${BASES} pictures of ${width} × ${height} (${MP} MP)… `)
const huge: Buffer[] = []
for (let i = 0; i < BASES; i++) {
  const grain = await sharp({
    create: {
      width: 64,
      height: 64,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 40 },
    },
  })
    .png()
    .toBuffer()
  huge.push(
    await sharp(files[GALLERY + i])
      .resize(width, height, { fit: 'fill' })
      .composite([{ input: grain, tile: true, blend: 'soft-light' }])
      .jpeg({ quality: 85 })
      .toBuffer(),
  )
}
process.stdout.write(
  `done (${(huge.reduce((s, b) => s + b.length, 0) / BASES / 1048576).toFixed(1)} MB each)\n`,
)

/** `jpeg` with a comment segment after SOI: different bytes, the same picture. */
function unique(jpeg: Buffer, tag: string): Buffer {
  const text = Buffer.from(tag)
  const seg = Buffer.alloc(4 + text.length)
  seg[0] = 0xff
  seg[1] = 0xfe
  seg.writeUInt16BE(text.length + 2, 2)
  text.copy(seg, 4)
  return Buffer.concat([jpeg.subarray(0, 2), seg, jpeg.subarray(2)])
}

const resetPeak = () => processPixelBudget().resetPeak()

console.log(
  `allocator: ${
    hasDecodeMallocEnv()
      ? `MALLOC_MMAP_THRESHOLD_=${process.env.MALLOC_MMAP_THRESHOLD_} (as the hosts run)`
      : 'glibc defaults'
  }`,
)
console.log(
  `\n${ROUNDS} rounds of ${PARALLEL} parallel searches (search.byPic, ${MP} MP JPEG each); RSS at the start ${mb(process.memoryUsage().rss).trim()}`,
)
console.log('  round    time       RSS end     RSS peak   JS heap   external   peak decoding')
const ends: number[] = []
const peaks: number[] = []
for (let r = 0; r < ROUNDS; r++) {
  let peak = process.memoryUsage().rss
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss)
  }, 20)
  const t0 = performance.now()
  const results = await Promise.allSettled(
    Array.from({ length: PARALLEL }, (_, i) =>
      service.search.byPic({
        image: {
          base64: unique(huge[i % BASES], `round ${r} picture ${i}`).toString('base64'),
          name: `q${i}.jpg`,
        },
        num: 10,
      }),
    ),
  )
  const seconds = (performance.now() - t0) / 1000
  clearInterval(timer)
  const failed = results.filter((x) => x.status === 'rejected')
  if (failed.length) {
    console.error(
      `round ${r + 1}: ${failed.length} searches failed:`,
      (failed[0] as PromiseRejectedResult).reason,
    )
    process.exit(1)
  }
  const mem = process.memoryUsage()
  const rss = mem.rss
  peak = Math.max(peak, rss)
  ends.push(rss)
  peaks.push(peak)
  const stats = pixelBudgetStats()
  resetPeak()
  const decoding = stats
    ? `${(stats.peakPixels / 1e6).toFixed(0)} of ${(stats.budgetPixels / 1e6).toFixed(0)} MP`
    : 'n/a'
  console.log(
    `  ${String(r + 1).padStart(5)} ${seconds.toFixed(1).padStart(6)} s  ${mb(rss)}   ${mb(peak)}  ${mb(mem.heapUsed)}   ${mb(mem.external)}   ${decoding}`,
  )
}
const ratio = ends[ends.length - 1] / ends[0]
const peakRatio = peaks[peaks.length - 1] / peaks[0]
console.log(
  `\nRSS after the last round / after the first: ${ratio.toFixed(3)} (${mb(ends[ends.length - 1]).trim()} / ${mb(ends[0]).trim()}); peaks: ${peakRatio.toFixed(3)}; target ≤ 1.10: ${ratio <= 1.1 ? 'met' : 'NOT met'}`,
)

await close()
process.exit(0)
