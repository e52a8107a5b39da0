/**
 * Search picture path benchmark: `npx tsx bench/search-path.ts [--gallery 300] [--rounds 7]`.
 *
 * What a search by picture costs on the real parts (imaging and featurizer worker pools, 2 threads
 * each; a local engine in a temp folder holding `--gallery` catalogue pictures), with each
 * baseline measured in the same run on comparable pictures. Query pictures are phone-photo sized
 * (catalogue pictures enlarged to 2400 × 2800 JPEG, ~1 MB), a fresh one wherever a first
 * computation is timed. Medians over `--rounds`; rounds alternate which variant goes first.
 *
 * 1. First page vs next page (the image service's search.byPic, num 20): the next page ("load
 *    more", the same picture sent again) reuses the prepared picture and its descriptor.
 * 2. Skipping the thumbnail and hashes: imaging.prepare alone (a 12 MP photo imaging keeps, a
 *    27 MP one it resizes) and imaging.prepare + the engine's search, with the options a search
 *    used before (thumbnail + SHA-256 + perceptual hash) and with today's (neither).
 * 3. Detect + embed: two featurizer requests (two decodes, as before) vs one `describe`.
 */
import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { coreStack } from './lib/core-stack'
import { catalogueForBench } from './lib/datasets'

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def
}
const GALLERY = Number(arg('gallery', '300'))
const ROUNDS = Number(arg('rounds', '7'))
const NUM = 20

const dir = await catalogueForBench('search-path', GALLERY + 4 * ROUNDS + 4)
const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.jpg'))
  .sort()
  .map((f) => path.join(dir, f))
const galleryFiles = files.slice(0, GALLERY)
const queryFiles = files.slice(GALLERY)

const { featurizer, imaging, service, engine, close } = await coreStack('search')

process.stdout.write(`adding ${GALLERY} catalogue pictures… `)
let next = 0
await Promise.all(
  Array.from({ length: 4 }, async () => {
    while (next < galleryFiles.length) {
      const i = next++
      await engine.addImage({
        productId: `p${i}`,
        picName: path.basename(galleryFiles[i]),
        picContent: fs.readFileSync(galleryFiles[i]),
      })
    }
  }),
)
process.stdout.write('done\n')

/** A fresh phone-photo-sized query picture (enlarged catalogue picture, JPEG q90). */
let q = 0
async function freshQuery(): Promise<Buffer> {
  const src = queryFiles[q++ % queryFiles.length]
  return sharp(src).resize(2400, 2800).jpeg({ quality: 90 }).toBuffer()
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const ms = (x: number) => `${x.toFixed(1).padStart(7)} ms`
async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now()
  const r = await fn()
  return [r, performance.now() - t0]
}
const counters = () => ({ imaging: imaging.requests, featurizer: featurizer.requests })

// Warm up: workers started, model loaded, code paths compiled.
for (let i = 0; i < 2; i++) {
  const b = await freshQuery()
  await service.search.byPic({ image: { base64: b.toString('base64') }, num: NUM })
  await imaging.prepare(b, { serviceType: 'product', thumbnail: true, hashes: true })
  await featurizer.detect(b)
}

// ---- 1. first page vs next page ------------------------------------------------------------
{
  const first: number[] = []
  const nextPage: number[] = []
  let work = { first: { imaging: 0, featurizer: 0 }, next: { imaging: 0, featurizer: 0 } }
  for (let r = 0; r < ROUNDS; r++) {
    const image = { base64: (await freshQuery()).toString('base64'), name: 'query.jpg' }
    const c0 = counters()
    const [, t1] = await time(() => service.search.byPic({ image, start: 0, num: NUM }))
    const c1 = counters()
    const [, t2] = await time(() => service.search.byPic({ image, start: NUM, num: NUM }))
    const c2 = counters()
    first.push(t1)
    nextPage.push(t2)
    work = {
      first: { imaging: c1.imaging - c0.imaging, featurizer: c1.featurizer - c0.featurizer },
      next: { imaging: c2.imaging - c1.imaging, featurizer: c2.featurizer - c1.featurizer },
    }
  }
  const [f, n] = [median(first), median(nextPage)]
  console.log(`\n1. search.byPic, ${GALLERY} images, pages of ${NUM} (median of ${ROUNDS})`)
  console.log(
    `  first page ${ms(f)}   (imaging requests ${work.first.imaging}, featurizer requests ${work.first.featurizer})`,
  )
  console.log(
    `  next page  ${ms(n)}   (imaging requests ${work.next.imaging}, featurizer requests ${work.next.featurizer})`,
  )
  console.log(`  ratio next / first: ${(n / f).toFixed(3)}  (${(f / n).toFixed(0)}× faster)`)
}

// ---- 2. with / without thumbnail and hashes -------------------------------------------------
{
  const prep = (b: Buffer, thumbsAndHashes: boolean) =>
    imaging.prepare(b, {
      serviceType: 'product',
      region: null,
      thumbnail: thumbsAndHashes,
      hashes: thumbsAndHashes,
    })
  const search = async (b: Buffer, thumbsAndHashes: boolean) =>
    engine.searchImageByPic({ picContent: (await prep(b, thumbsAndHashes)).data, num: NUM })
  /** Median ms of `fn` before (thumbnail + hashes) and now (neither), alternating who goes first. */
  async function pair(
    make: () => Promise<Buffer>,
    fn: (b: Buffer, th: boolean) => Promise<unknown>,
  ) {
    const before: number[] = []
    const after: number[] = []
    for (let r = 0; r < ROUNDS; r++) {
      const [x, y] = [await make(), await make()]
      if (r % 2) after.push((await time(() => fn(x, false)))[1])
      before.push((await time(() => fn(r % 2 ? y : x, true)))[1])
      if (!(r % 2)) after.push((await time(() => fn(y, false)))[1])
    }
    return [median(before), median(after)]
  }
  const sized = (w: number, h: number) => async () =>
    sharp(queryFiles[q++ % queryFiles.length])
      .resize(w, h)
      .jpeg({ quality: 90 })
      .toBuffer()
  console.log(
    `\n2. a search's picture with thumbnail + SHA-256 + phash (before) and without (now), median of ${ROUNDS}`,
  )
  for (const [label, make, fn] of [
    ['imaging.prepare, 4032 × 3024 JPEG (kept)', sized(4032, 3024), prep],
    ['imaging.prepare, 6000 × 4500 JPEG (resized)', sized(6000, 4500), prep],
    ['prepare + engine search, 2400 × 2800 JPEG', freshQuery, search],
  ] as const) {
    const [b, a] = await pair(make, fn)
    console.log(
      `  ${label.padEnd(44)} before ${ms(b)}  now ${ms(a)}  ratio now / before ${(a / b).toFixed(3)}`,
    )
  }
}

// ---- 3. detect + embed: two requests vs one -------------------------------------------------
{
  const two: number[] = []
  const one: number[] = []
  for (let r = 0; r < ROUNDS; r++) {
    const p = await imaging.prepare(await freshQuery(), {
      serviceType: 'product',
      thumbnail: false,
      hashes: false,
    })
    const runTwo = async () => {
      const d = await featurizer.detect(p.data)
      return featurizer.embed(p.data, d.main ?? { x1: 0, x2: d.width, y1: 0, y2: d.height })
    }
    const runOne = () => featurizer.describe(p.data, { detect: true })
    if (r % 2) one.push((await time(runOne))[1])
    two.push((await time(runTwo))[1])
    if (!(r % 2)) one.push((await time(runOne))[1])
  }
  const [t, o] = [median(two), median(one)]
  console.log(`\n3. featurizer on the prepared picture (median of ${ROUNDS})`)
  console.log(`  before: detect, then embed (2 requests, 2 decodes) ${ms(t)}`)
  console.log(`  now: describe (1 request, 1 decode)                ${ms(o)}`)
  console.log(`  ratio now / before: ${(o / t).toFixed(3)}`)
}

await close()
