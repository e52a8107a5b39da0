import fs from 'node:fs'
import sharp from 'sharp'
import { afterAll, describe, expect, it } from 'vitest'
import { createFeaturizer } from '../../../electron/core/engines/local/featurizer/index'
import { dot } from '../../../electron/core/engines/local/featurizer/vector'
import { hamming, phashRaw } from '../../../electron/core/imaging/phash'
import {
  CATALOGUE_COUNT,
  CATALOGUE_HEIGHT,
  CATALOGUE_WIDTH,
  MIN_PHASH_DISTANCE,
  catalogueBytes,
  catalogueItem,
  drawCatalogue,
} from '../../helpers/images'

// The generated catalogue stands in for real catalogue photos in many tests: it must look like
// one to the code (size, format, a subject on white) and never hand a test two "different"
// pictures that the bulk add or the featurizer would take for the same one.
describe('generated catalogue pictures', () => {
  const f = createFeaturizer({ workers: 1 })
  afterAll(() => f.close())

  it('are 218 × 255 baseline JPEGs small enough to be their own thumbnails', async () => {
    for (let n = 0; n < CATALOGUE_COUNT; n += 7) {
      const m = await sharp(catalogueItem(n)).metadata()
      expect([m.format, m.width, m.height]).toEqual(['jpeg', CATALOGUE_WIDTH, CATALOGUE_HEIGHT])
      expect(fs.statSync(catalogueItem(n)).size).toBeLessThan(64 * 1024)
    }
    expect(() => catalogueItem(CATALOGUE_COUNT)).toThrow(/does not exist/)
  })

  it('are the same when drawn again', async () => {
    const again = await drawCatalogue(16)
    again.forEach((jpeg, n) => expect(jpeg.equals(catalogueBytes(n)), `item ${n}`).toBe(true))
  })

  it('are never near duplicates of each other for the perceptual hash', async () => {
    const hashes: string[] = []
    for (let n = 0; n < CATALOGUE_COUNT; n++) {
      const { data, info } = await sharp(catalogueItem(n))
        .raw()
        .toBuffer({ resolveWithObject: true })
      hashes.push(phashRaw(data, info.width, info.height, info.channels))
    }
    let closest = 64
    for (let i = 0; i < hashes.length; i++)
      for (let j = i + 1; j < hashes.length; j++)
        closest = Math.min(closest, hamming(hashes[i], hashes[j]))
    expect(closest).toBeGreaterThanOrEqual(MIN_PHASH_DISTANCE)
    // …while a re-encode of a picture stays a near duplicate of it (the bulk add's default is 6).
    const again = await sharp(catalogueItem(3)).jpeg({ quality: 55 }).raw().toBuffer({
      resolveWithObject: true,
    })
    expect(
      hamming(hashes[3], phashRaw(again.data, again.info.width, again.info.height, 3)),
    ).toBeLessThanOrEqual(6)
  })

  it('show one product on white: the subject detector boxes it inside the margins', async () => {
    for (let n = 0; n < 40; n++) {
      const s = await f.detect(catalogueBytes(n))
      expect(s.main, `item ${n}`).not.toBeNull()
      const m = s.main!
      expect(m.x2 - m.x1).toBeLessThan(CATALOGUE_WIDTH)
      expect((m.x2 - m.x1) * (m.y2 - m.y1)).toBeGreaterThan(
        0.1 * CATALOGUE_WIDTH * CATALOGUE_HEIGHT,
      )
    }
  })

  it('are told apart by the featurizer: each finds itself, not another', async () => {
    const v = await Promise.all(Array.from({ length: 20 }, (_, n) => f.embed(catalogueBytes(n))))
    for (let i = 0; i < v.length; i++) {
      expect(dot(v[i].vector, v[i].vector)).toBeGreaterThan(0.99)
      for (let j = i + 1; j < v.length; j++) {
        expect(dot(v[i].vector, v[j].vector), `${i} vs ${j}`).toBeLessThan(0.95)
      }
    }
  })
})
