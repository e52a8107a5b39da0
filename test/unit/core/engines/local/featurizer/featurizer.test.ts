import { readFileSync } from 'node:fs'
import sharp from 'sharp'
import { afterAll, describe, expect, it } from 'vitest'
import { EngineError } from '../../../../../../electron/core/engines/errors'
import { createFeaturizer } from '../../../../../../electron/core/engines/local/featurizer/index'
import { dot } from '../../../../../../electron/core/engines/local/featurizer/vector'
import { PixelBudget } from '../../../../../../electron/core/util/pixel-budget'
import { pngBomb } from '../../../imaging/fixtures'
import { catalogueBytes as catalogue } from '../../../../../helpers/images'
import { iconicPath, productPhoto } from '../../../../../helpers/photos'

describe('featurizer', () => {
  const f = createFeaturizer({ workers: 2 })
  afterAll(() => f.close())

  it('describes an image with an L2-normalised vector of the announced dimension', async () => {
    const e = await f.embed(catalogue(3))
    expect(e.vector.length).toBe(f.dim)
    expect(Math.abs(dot(e.vector, e.vector) - 1)).toBeLessThan(1e-4)
    expect(e.width).toBe((await sharp(catalogue(3)).metadata()).width)
  })

  it('scores an identical image >= 0.99 against itself, also after a JPEG re-encode', async () => {
    const img = catalogue(10)
    const again = await sharp(img).jpeg({ quality: 80 }).toBuffer()
    const [a, b, c] = await Promise.all([f.embed(img), f.embed(img), f.embed(again)])
    expect(dot(a.vector, b.vector)).toBeGreaterThanOrEqual(0.99)
    expect(dot(a.vector, c.vector)).toBeGreaterThanOrEqual(0.99)
  })

  it('scores two views of one object above two different objects', async () => {
    // Real store photos: two photos of one product against a photo of another product.
    const pairs: Array<[number, number]> = [
      [5, 20],
      [12, 27],
      [29, 8],
    ]
    for (const [obj, otherObj] of pairs) {
      const [v0, v20, o] = await Promise.all([
        f.embed(productPhoto(obj, 0)),
        f.embed(productPhoto(obj, 1)),
        f.embed(productPhoto(otherObj, 0)),
      ])
      expect(dot(v0.vector, v20.vector)).toBeGreaterThan(dot(v0.vector, o.vector))
    }
  })

  it('describes a box of the image differently from the whole image', async () => {
    const img = catalogue(20)
    const whole = await f.embed(img)
    const part = await f.embed(img, { x1: 0, x2: 60, y1: 0, y2: 60 })
    expect(dot(whole.vector, part.vector)).toBeLessThan(0.99)
  })

  it('finds a box around an object pasted on a white canvas', async () => {
    const object = await sharp(productPhoto(25, 0)).resize(120, 90, { fit: 'fill' }).toBuffer()
    const canvas = await sharp({
      create: { width: 400, height: 300, channels: 3, background: '#ffffff' },
    })
      .composite([{ input: object, left: 210, top: 150 }])
      .jpeg()
      .toBuffer()
    const s = await f.detect(canvas)
    expect(s.width).toBe(400)
    expect(s.height).toBe(300)
    expect(s.main).not.toBeNull()
    const m = s.main!
    // The box holds the pasted object and not much more.
    expect(m.x1).toBeLessThanOrEqual(214)
    expect(m.y1).toBeLessThanOrEqual(154)
    expect(m.x2).toBeGreaterThanOrEqual(326)
    expect(m.y2).toBeGreaterThanOrEqual(236)
    expect((m.x2 - m.x1) * (m.y2 - m.y1)).toBeLessThan(2 * 120 * 90)
    expect(s.all[0]).toEqual(m)
  })

  it('finds every subject when two objects stand apart', async () => {
    const a = await sharp(productPhoto(25, 0)).resize(100, 100).toBuffer()
    const b = await sharp(productPhoto(10, 0)).resize(80, 80).toBuffer()
    const canvas = await sharp({
      create: { width: 500, height: 300, channels: 3, background: '#ffffff' },
    })
      .composite([
        { input: a, left: 30, top: 40 },
        { input: b, left: 360, top: 180 },
      ])
      .png()
      .toBuffer()
    const s = await f.detect(canvas)
    expect(s.all.length).toBe(2)
    const centres = s.all.map((b) => [(b.x1 + b.x2) / 2, (b.y1 + b.y2) / 2])
    expect(centres.some(([x, y]) => Math.abs(x - 80) < 20 && Math.abs(y - 90) < 20)).toBe(true)
    expect(centres.some(([x, y]) => Math.abs(x - 400) < 20 && Math.abs(y - 220) < 20)).toBe(true)
  })

  it('reports no main subject on a plain image', async () => {
    const plain = await sharp({
      create: { width: 200, height: 200, channels: 3, background: '#f0f0f0' },
    })
      .png()
      .toBuffer()
    const s = await f.detect(plain)
    expect(s.main).toBeNull()
    expect(s.all).toEqual([])
  })

  it('rejects an undecodable buffer with UnsupportedPicFormat and keeps working', async () => {
    const corrupt = Buffer.concat([catalogue(1).subarray(0, 40), Buffer.alloc(500, 7)])
    await expect(f.embed(corrupt)).rejects.toMatchObject({
      code: 'UnsupportedPicFormat',
    })
    await expect(f.detect(Buffer.from('not an image'))).rejects.toBeInstanceOf(EngineError)
    const e = await f.embed(catalogue(2))
    expect(e.vector.length).toBe(f.dim)
  })
})

describe('featurizer and huge pictures', () => {
  it('refuses a picture over its pixel limit from the header (UnsupportedPicPixels), decoding nothing', async () => {
    const budget = new PixelBudget()
    const f = createFeaturizer({ workers: 1, pixelBudget: budget })
    try {
      const bomb = pngBomb(30000, 30000) // a few hundred bytes declaring 900 MP
      const e = await f.describe(bomb, { detect: true }).catch((err: unknown) => err)
      expect(e).toMatchObject({ code: 'UnsupportedPicPixels' })
      expect((e as Error).message).toMatch(
        /30000x30000 \(900 MP\); at most 8192 x 8192 \(67\.1 MP\)/,
      )
      expect(budget.stats().grants).toBe(0)
      // …and goes on: a normal picture is decoded through the budget.
      const d = await f.describe(catalogue(2), { detect: false })
      expect(d.vector.length).toBe(f.dim)
      expect(budget.stats().grants).toBe(1)
    } finally {
      await f.close()
    }
  })
})

describe('featurizer lifecycle', () => {
  it('close() terminates its worker threads and refuses further work', async () => {
    const f = createFeaturizer({ workers: 2 })
    expect(f.threads).toBe(0)
    await Promise.all([f.embed(catalogue(4)), f.embed(catalogue(5)), f.embed(catalogue(6))])
    expect(f.threads).toBe(2)
    await f.close()
    expect(f.threads).toBe(0)
    await expect(f.embed(catalogue(4))).rejects.toBeInstanceOf(EngineError)
  })
})

describe('featurizer warm-up', () => {
  it('warm() loads the model in every worker: the first pictures after it do not wait for a load', async () => {
    const warm = createFeaturizer({ workers: 2 })
    const cold = createFeaturizer({ workers: 1 })
    try {
      await warm.warm()
      // Both workers started and warmed; the warm-up is no picture of the caller's.
      expect(warm.threads).toBe(2)
      expect(warm.requests).toBe(0)
      expect(warm.coldRequests).toBe(0)
      const [a, b] = await Promise.all([
        warm.describe(catalogue(8), { detect: true }),
        warm.describe(catalogue(9), { detect: true }),
      ])
      expect(warm.requests).toBe(2)
      expect(warm.coldRequests).toBe(0)
      // Without warm(), the first picture is the one that waits for the model…
      const c = await cold.describe(catalogue(8), { detect: true })
      expect(cold.coldRequests).toBe(1)
      await cold.describe(catalogue(9), { detect: true })
      expect(cold.coldRequests).toBe(1)
      // …and warming changes no result.
      expect(a.box).toEqual(c.box)
      expect(dot(a.vector, c.vector)).toBeGreaterThan(0.99999)
      expect(dot(a.vector, b.vector)).toBeLessThan(0.99)
      // A second warm() is the first one's: nothing runs again.
      await warm.warm()
      expect(warm.requests).toBe(2)
    } finally {
      await Promise.all([warm.close(), cold.close()])
    }
  })
})

describe('subject detection on real catalogue photos', () => {
  const f = createFeaturizer({ workers: 1 })
  afterAll(() => f.close())

  it('boxes the product of white-background catalogue photos inside the frame', async () => {
    // The Grocery Store Dataset's own catalogue images (cartons and pots, narrower than the frame).
    for (const name of ['Arla-Standard-Milk', 'Oatly-Oat-Milk', 'Yoggi-Strawberry-Yoghurt']) {
      const img = readFileSync(iconicPath(name))
      const s = await f.detect(img)
      expect(s.main).not.toBeNull()
      const m = s.main!
      expect(m.x1).toBeGreaterThanOrEqual(0)
      expect(m.y1).toBeGreaterThanOrEqual(0)
      expect(m.x2).toBeLessThanOrEqual(s.width)
      expect(m.y2).toBeLessThanOrEqual(s.height)
      // The product is narrower than the photo: white margins are left out.
      expect(m.x2 - m.x1).toBeLessThan(s.width * 0.95)
      expect((m.x2 - m.x1) * (m.y2 - m.y1)).toBeGreaterThan(0.1 * s.width * s.height)
    }
  })
})
