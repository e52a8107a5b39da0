/**
 * The picture path does only what a request needs (issue 10, point 7), counted on the real parts:
 * the imaging and featurizer worker pools count the pictures handed to them, and the image service
 * runs over a real profile store, engine registry, local engine (SQLite in a temp folder) and sharp.
 */
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEngineRegistry } from '../../../../electron/core/engines/registry'
import { createGalleries } from '../../../../electron/core/galleries'
import {
  createFeaturizer,
  type LocalFeaturizer,
} from '../../../../electron/core/engines/local/featurizer/index'
import { createImageService } from '../../../../electron/core/images/service'
import { createImaging, type PreparedImage } from '../../../../electron/core/imaging/index'
import type { Imaging } from '../../../../electron/core/imaging/types'
import { createLogger } from '../../../../electron/core/log'
import { ProfileStore } from '../../../../electron/core/profiles/store'
import { createMemorySecretStore } from '../../../../electron/core/profiles/secrets'
import { catalogueBytes } from '../../../helpers/images'
import { tempDir } from '../../../helpers/tmp'

const b64 = (b: Buffer) => ({ base64: b.toString('base64'), name: 'query.png' })

describe('the picture path of a search', () => {
  let t: ReturnType<typeof tempDir>
  let featurizer: LocalFeaturizer
  let imaging: Imaging
  /** Every picture imaging prepared, as the image service received it. */
  const prepared: {
    opts: { thumbnail?: boolean; hashes?: boolean; verify?: boolean }
    out: PreparedImage
  }[] = []
  let galleries: ReturnType<typeof createGalleries>
  let engines: ReturnType<typeof createEngineRegistry>
  let service: ReturnType<typeof createImageService>
  /** A large PNG (imaging re-encodes it) of catalogue picture 7, the search picture. */
  let query: Buffer

  beforeAll(async () => {
    t = tempDir()
    featurizer = createFeaturizer({ workers: 1 })
    imaging = createImaging({ workers: 1 })
    const profiles = new ProfileStore(t.dir)
    profiles.init()
    const logger = createLogger(t.dir, { file: false })
    galleries = createGalleries({ profiles, logger })
    engines = createEngineRegistry({
      profiles,
      secrets: createMemorySecretStore(),
      logger,
      featurizer: () => featurizer,
      cache: galleries.sink,
    })
    service = createImageService({
      profiles,
      engines,
      logger,
      // The real imaging, tapped: what it produced is recorded and handed on unchanged.
      imaging: () => ({
        async prepare(input, o) {
          const out = await imaging.prepare(input, o)
          prepared.push({ opts: o, out })
          return out
        },
      }),
    })
    for (let i = 0; i < 12; i++) {
      await service.images.add({
        productId: `p${i % 6}`,
        picName: `${i}.jpg`,
        image: b64(catalogueBytes(i)),
        intAttr: i,
      })
    }
    query = await sharp(catalogueBytes(7)).resize(1308, 1530).png().toBuffer()
  }, 120_000)

  afterAll(async () => {
    await engines.closeAll()
    galleries.close()
    await featurizer.close()
    await imaging.close()
    t.cleanup()
  })

  it('adds still make the thumbnail and the hashes the gallery keeps', () => {
    expect(prepared).toHaveLength(12)
    for (const p of prepared) {
      expect(p.out.thumbnail.length).toBeGreaterThan(0)
      expect(p.out.sha256).toMatch(/^[0-9a-f]{64}$/)
      expect(p.out.phash).toMatch(/^[0-9a-f]{16}$/)
    }
  })

  it('a search makes no thumbnail or hash, and detects + embeds in one featurizer request', async () => {
    prepared.length = 0
    const [img0, f0] = [imaging.requests, featurizer.requests]
    const r = await service.search.byPic({ profile: 'local', image: b64(query), num: 4 })
    expect(r.auctions[0].picName).toBe('7.jpg')
    // The detected subject was described (the picture is cropped by default).
    expect(r.picInfo?.region).toBeTruthy()
    expect(imaging.requests - img0).toBe(1)
    expect(featurizer.requests - f0).toBe(1)
    expect(prepared).toHaveLength(1)
    expect(prepared[0].out.thumbnail.length).toBe(0)
    expect(prepared[0].out.sha256).toBe('')
    expect(prepared[0].out.phash).toBe('')
  })

  it('the next pages of a search reuse its preparation and descriptor: no imaging, no featurizer', async () => {
    const whole = await service.search.byPic({ profile: 'local', image: b64(query), num: 12 })
    const [img0, f0] = [imaging.requests, featurizer.requests]
    const pages = []
    for (let start = 0; start < 12; start += 4) {
      pages.push(
        ...(await service.search.byPic({ profile: 'local', image: b64(query), start, num: 4 }))
          .auctions,
      )
    }
    expect(imaging.requests - img0).toBe(0)
    expect(featurizer.requests - f0).toBe(0)
    // Same answers as computing it all again: the pages concatenate to the whole list.
    expect(pages.map((a) => [a.productId, a.picName, a.score])).toEqual(
      whole.auctions.map((a) => [a.productId, a.picName, a.score]),
    )
  })

  it('another region or picture is described anew (once)', async () => {
    const [img0, f0] = [imaging.requests, featurizer.requests]
    const region = '100,1200,100,1400'
    const a = await service.search.byPic({ profile: 'local', image: b64(query), region, num: 4 })
    const b = await service.search.byPic({
      profile: 'local',
      image: b64(query),
      region,
      start: 4,
      num: 4,
    })
    expect(a.original.region).toBe(region)
    expect(b.auctions.map((x) => x.picName)).not.toContain(a.auctions[0].picName)
    expect(imaging.requests - img0).toBe(1)
    expect(featurizer.requests - f0).toBe(1)
    await service.search.byPic({ profile: 'local', image: b64(catalogueBytes(3)), num: 4 })
    expect(imaging.requests - img0).toBe(2)
    expect(featurizer.requests - f0).toBe(2)
  })

  it('the engine alone: the same picture again skips the featurizer, errors stay the same', async () => {
    // The engine as the registry hands it out (writes go through to the gallery cache).
    const engine = await engines.get('local')
    const pic = catalogueBytes(9)
    const f0 = featurizer.requests
    const first = await engine.searchImageByPic({ picContent: pic, num: 3 })
    const again = await engine.searchImageByPic({ picContent: Buffer.from(pic), start: 0, num: 3 })
    expect(featurizer.requests - f0).toBe(1)
    expect(again.auctions).toEqual(first.auctions)
    expect(again.picInfo).toEqual(first.picInfo)
    // Without crop: another descriptor (the whole picture), computed once more.
    const whole = await engine.searchImageByPic({ picContent: pic, crop: false, num: 3 })
    expect(whole.picInfo?.region).toBeNull()
    expect(featurizer.requests - f0).toBe(2)
    // A refused picture is never cached: it fails the same way each time.
    const tiny = await sharp(pic).resize(50, 50).jpeg().toBuffer()
    for (let i = 0; i < 2; i++) {
      await expect(engine.searchImageByPic({ picContent: tiny })).rejects.toMatchObject({
        code: 'UnsupportedPicPixels',
      })
    }
  })

  it('a search picture kept as it is is decoded once, by the featurizer; a damaged one fails as before', async () => {
    // The catalogue JPEG needs no change: imaging reads its header and hands it on undecoded.
    prepared.length = 0
    const pic = catalogueBytes(5)
    const r = await service.search.byPic({ profile: 'local', image: b64(pic), num: 3 })
    expect(r.auctions[0].picName).toBe('5.jpg')
    expect(prepared).toHaveLength(1)
    expect(prepared[0].opts).toMatchObject({ verify: false })
    expect(prepared[0].out.actions).toEqual([{ kind: 'kept' }])
    // A damaged picture: the featurizer cannot decode it, and imaging's decode says why — the
    // same CorruptImage as when imaging proved every search picture decodes.
    const big = await sharp(pic).resize(900, 1050).jpeg({ quality: 90 }).toBuffer()
    const damaged = big.subarray(0, big.length - 3000)
    const f0 = featurizer.requests
    await expect(
      service.search.byPic({ profile: 'local', image: b64(damaged), num: 3 }),
    ).rejects.toMatchObject({ code: 'CorruptImage' })
    expect(featurizer.requests - f0).toBe(1)
  })

  it('compare describes both pictures in one featurizer request each', async () => {
    const f0 = featurizer.requests
    const r = await service.search.compare({
      profile: 'local',
      primary: b64(catalogueBytes(2)),
      secondary: b64(catalogueBytes(2)),
    })
    expect(r.score).toBeGreaterThan(0.99)
    expect(featurizer.requests - f0).toBe(2)
  })
})
