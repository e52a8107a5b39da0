/**
 * The decode budget (util/pixel-budget.ts) with real sharp decodes: it bounds the megapixels being
 * decoded at once — on the main thread, and through the imaging and featurizer worker pools — lets
 * a picture larger than the whole budget run alone instead of deadlocking, serves requests in
 * order, and gets back what a dead worker held.
 */
import sharp from 'sharp'
import { afterEach, describe, expect, it } from 'vitest'
import { createFeaturizer } from '../../../../electron/core/engines/local/featurizer/index'
import { createImaging } from '../../../../electron/core/imaging/index'
import {
  PixelBudget,
  budgetRelay,
  processPixelBudget,
  setProcessPixelBudget,
  withPixels,
} from '../../../../electron/core/util/pixel-budget'

const MP = 1_000_000

/** A textured JPEG of `width` × `height` (different bytes for each seed). */
async function jpeg(width: number, height: number, seed: number): Promise<Buffer> {
  return sharp({
    create: {
      width,
      height,
      channels: 3,
      background: { r: (seed * 53) % 256, g: (seed * 97) % 256, b: 128 },
      noise: { type: 'gaussian', mean: 100 + (seed % 50), sigma: 30 },
    },
  })
    .jpeg({ quality: 80 })
    .toBuffer()
}

/** A real full decode of `bytes` to raw pixels. */
async function decode(bytes: Buffer): Promise<number> {
  const { info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true })
  return info.width * info.height
}

const original = processPixelBudget()
afterEach(() => setProcessPixelBudget(original))

describe('the decode budget, main thread', () => {
  /** Decodes `pictures` at once under `budget`, counting the pixels in flight independently. */
  async function run(budget: PixelBudget, pictures: { bytes: Buffer; pixels: number }[]) {
    let inFlight = 0
    let peak = 0
    const log: { pixels: number; othersRunning: number }[] = []
    await Promise.all(
      pictures.map((p) =>
        withPixelsFrom(budget, p.pixels, async () => {
          log.push({ pixels: p.pixels, othersRunning: inFlight })
          inFlight += p.pixels
          peak = Math.max(peak, inFlight)
          try {
            expect(await decode(p.bytes)).toBe(p.pixels)
          } finally {
            inFlight -= p.pixels
          }
        }),
      ),
    )
    return { peak, log }
  }
  const withPixelsFrom = <T>(budget: PixelBudget, pixels: number, fn: () => Promise<T>) => {
    setProcessPixelBudget(budget)
    return withPixels(pixels, fn)
  }

  it('never has more megapixels decoding than the budget, and waits instead of failing', async () => {
    const pics = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => ({
        bytes: await jpeg(1000, 800, i),
        pixels: 1000 * 800,
      })),
    )
    // Unbounded (a budget far above the total), all eight decode together…
    const free = await run(new PixelBudget(1000 * MP), pics)
    expect(free.peak).toBe(8 * 0.8 * MP)
    // …with 2 MP, never more than two 0.8 MP pictures at once, and all eight still decode.
    const small = new PixelBudget(2 * MP)
    const bounded = await run(small, pics)
    expect(bounded.peak).toBeLessThanOrEqual(2 * MP)
    expect(bounded.peak).toBe(1.6 * MP)
    expect(bounded.log).toHaveLength(8)
    expect(small.stats()).toMatchObject({ usedPixels: 0, running: 0, waiting: 0, grants: 8 })
  })

  it('runs a picture larger than the whole budget alone instead of deadlocking', async () => {
    const budget = new PixelBudget(1 * MP)
    const big = { bytes: await jpeg(2000, 1500, 1), pixels: 3 * MP }
    const small = await Promise.all(
      [2, 3, 4, 5].map(async (s) => ({ bytes: await jpeg(400, 300, s), pixels: 400 * 300 })),
    )
    const { log } = await run(budget, [small[0], small[1], big, small[2], small[3]])
    const bigStart = log.find((l) => l.pixels === big.pixels)!
    expect(bigStart.othersRunning).toBe(0)
    expect(log).toHaveLength(5)
    expect(budget.stats()).toMatchObject({ usedPixels: 0, running: 0, waiting: 0 })
  })

  it('serves requests in order: a big one waiting is not overtaken by small ones', async () => {
    const budget = new PixelBudget(10)
    const order: string[] = []
    const first = await budget.acquire(6)
    const big = budget.acquire(8).then((r) => (order.push('big'), r))
    const small = budget.acquire(1).then((r) => (order.push('small'), r))
    await new Promise((r) => setTimeout(r, 20))
    expect(order).toEqual([]) // the small one would fit, but the big one is first in line
    first()
    ;(await big)()
    ;(await small)()
    expect(order).toEqual(['big', 'small'])
  })

  it('gives back what a worker held, and withdraws what it waited for, when it dies', async () => {
    const budget = new PixelBudget(10)
    const sent: unknown[] = []
    const relay = budgetRelay(budget, (m) => sent.push(m))
    relay.handle({ pixelBudget: 'acquire', ticket: 1, pixels: 10 })
    relay.handle({ pixelBudget: 'acquire', ticket: 2, pixels: 5 })
    await new Promise((r) => setTimeout(r, 0))
    expect(sent).toEqual([{ pixelBudget: 'grant', ticket: 1 }])
    expect(budget.stats()).toMatchObject({ usedPixels: 10, waiting: 1 })
    relay.close() // the worker died holding ticket 1 and waiting for ticket 2
    expect(budget.stats()).toMatchObject({ usedPixels: 0, waiting: 0 })
    const again = await budget.acquire(10)
    again()
  })
})

describe('the decode budget, worker pools', () => {
  it('bounds the imaging workers’ decodes (huge pictures wait for each other)', async () => {
    // Four 3 MP pictures, two workers holding two requests each: all four could decode at once.
    const budget = new PixelBudget(7 * MP)
    const imaging = createImaging({ workers: 2, pixelBudget: budget })
    try {
      const pics = await Promise.all([1, 2, 3, 4].map((s) => jpeg(2000, 1500, s)))
      const out = await Promise.all(
        pics.map((b) => imaging.prepare(b, { thumbnail: false, hashes: false })),
      )
      expect(out.map((o) => o.original.width)).toEqual([2000, 2000, 2000, 2000])
      const s = budget.stats()
      expect(s.grants).toBe(4)
      expect(s.peakPixels).toBeLessThanOrEqual(7 * MP)
      expect(s.peakRunning).toBeLessThanOrEqual(2)
      expect(s).toMatchObject({ usedPixels: 0, running: 0, waiting: 0 })
    } finally {
      await imaging.close()
    }
  }, 120_000)

  it('lets a picture larger than the whole budget through the imaging workers alone', async () => {
    const budget = new PixelBudget(2 * MP)
    const imaging = createImaging({ workers: 2, pixelBudget: budget })
    try {
      const pics = await Promise.all([
        jpeg(2000, 1500, 7), // 3 MP: more than the whole budget
        jpeg(600, 600, 8),
        jpeg(600, 600, 9),
      ])
      const out = await Promise.all(
        pics.map((b) => imaging.prepare(b, { thumbnail: false, hashes: false })),
      )
      expect(out).toHaveLength(3)
      expect(budget.stats()).toMatchObject({ grants: 3, usedPixels: 0, waiting: 0 })
      expect(budget.stats().peakPixels).toBeLessThanOrEqual(2 * MP)
    } finally {
      await imaging.close()
    }
  }, 120_000)

  it('bounds the featurizer workers’ decodes', async () => {
    const budget = new PixelBudget(2.5 * MP)
    const featurizer = createFeaturizer({ workers: 2, pixelBudget: budget })
    try {
      const pics = await Promise.all([1, 2, 3, 4].map((s) => jpeg(1500, 1000, s)))
      const out = await Promise.all(pics.map((b) => featurizer.detect(b)))
      expect(out.map((o) => [o.width, o.height])).toEqual(Array(4).fill([1500, 1000]))
      const s = budget.stats()
      expect(s.grants).toBe(4)
      expect(s.peakRunning).toBe(1) // 1.5 MP each in a 2.5 MP budget
      expect(s).toMatchObject({ usedPixels: 0, running: 0, waiting: 0 })
    } finally {
      await featurizer.close()
    }
  }, 120_000)
})
