/**
 * Contract: pictures over the pixel limits and operations the local engine does not perform get
 * the cloud's error codes (issue 11) — through the engine API with the official SDK, and through
 * Loupe's own contract (the core's dispatcher, as the UI and the CLI call it). Oversized pictures
 * are refused from their header: no pixel is decoded (the process's decode budget grants nothing).
 * The server answers normally after each.
 */
import zlib from 'node:zlib'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCore, type Core } from '../../electron/core/app'
import { createMemorySecretStore } from '../../electron/core/profiles/secrets'
import { processPixelBudget } from '../../electron/core/util/pixel-budget'
import { tempDir } from '../helpers/tmp'
import { makeClient, sdk, sdkError } from '../unit/core/engines/wire/sdk'
import { AK, SECRET, catalogue, startStack, type Stack } from './fixtures'

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(zlib.crc32(td) >>> 0)
  return Buffer.concat([len, td, crc])
}

/**
 * A complete, valid PNG of a black `side` × `side` RGB picture, built without ever holding its
 * pixels: the zlib stream is one fully-flushed deflate block of `band` all-zero rows (filter byte
 * and samples are all 0), repeated, closed by an empty final block and the Adler-32 of all those
 * zeros (a = 1, b = length mod 65521). 30000 × 30000 (2.7 GB of pixels) comes to ~2.6 MB: a
 * decompression bomb under the 4 MB limit.
 */
function blackPng(side: number): Buffer {
  const row = 1 + side * 3
  const band = side % 1000 === 0 ? 1000 : side
  const block = zlib.deflateRawSync(Buffer.alloc(row * band), {
    level: 9,
    finishFlush: zlib.constants.Z_FULL_FLUSH,
  })
  const total = row * side
  const adler = Buffer.alloc(4)
  adler.writeUInt32BE((((total % 65521) << 16) | 1) >>> 0)
  const idat = Buffer.concat([
    Buffer.from([0x78, 0xda]),
    ...Array.from({ length: side / band }, () => block),
    Buffer.from([0x03, 0x00]), // final fixed-Huffman block holding only its end code
    adler,
  ])
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(side, 0)
  ihdr.writeUInt32BE(side, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 2 // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', idat),
    pngChunk('IEND', Buffer.alloc(0)),
  ])
}

let jpeg9000: Buffer
let bomb: Buffer

beforeAll(async () => {
  // A real 9000 × 9000 JPEG (81 MP), textured so that it is a photo-sized file.
  jpeg9000 = await sharp(catalogue(3))
    .resize(9000, 9000, { fit: 'fill' })
    .jpeg({ quality: 70 })
    .toBuffer()
  bomb = blackPng(30000)
}, 120_000)

describe('the generated pictures', () => {
  it('are what they claim: a valid 9000 × 9000 JPEG, and a valid PNG bomb of 30000 × 30000', async () => {
    expect(await sharp(jpeg9000).metadata()).toMatchObject({
      format: 'jpeg',
      width: 9000,
      height: 9000,
    })
    expect(bomb.length).toBeLessThan(4 * 1024 * 1024)
    expect(bomb.length).toBeGreaterThan(1024 * 1024)
    expect(await sharp(bomb, { limitInputPixels: false }).metadata()).toMatchObject({
      format: 'png',
      width: 30000,
      height: 30000,
    })
    // The same construction at a size that can be decoded decodes to all-black pixels.
    const small = blackPng(1000)
    const { data, info } = await sharp(small).raw().toBuffer({ resolveWithObject: true })
    expect([info.width, info.height, info.channels]).toEqual([1000, 1000, 3])
    expect(data.every((v) => v === 0)).toBe(true)
  })
})

describe('engine API (official SDK, local engine)', () => {
  let stack: Stack
  beforeAll(async () => {
    stack = await startStack()
  })
  afterAll(async () => {
    await stack?.close()
  })
  const client = () =>
    makeClient({ port: stack.server.port, accessKeyId: AK, accessKeySecret: SECRET })
  const b64 = (b: Buffer) => b.toString('base64')

  /** The server still answers: Detail, and a search with a normal picture. */
  async function stillUp() {
    const d = await client().detail(new sdk.DetailRequest({ instanceName: 'demo' }))
    expect(d.statusCode).toBe(200)
    const s = await client().searchImageByPic(
      new sdk.SearchImageByPicRequest({ instanceName: 'demo', picContent: b64(catalogue(1)) }),
    )
    expect(s.statusCode).toBe(200)
  }

  for (const [what, pic, size] of [
    ['a valid 9000 × 9000 JPEG', () => jpeg9000, '9000x9000'],
    ['a 30000 × 30000 PNG bomb', () => bomb, '30000x30000'],
  ] as const) {
    it(`${what}: 400 UnsupportedPicPixels naming the size and the limit, nothing decoded`, async () => {
      const grants = processPixelBudget().stats().grants
      const add = await sdkError(
        client().addImage(
          new sdk.AddImageRequest({
            instanceName: 'demo',
            productId: 'huge',
            picName: 'huge',
            picContent: b64(pic()),
          }),
        ),
      )
      expect([add.statusCode, add.code]).toEqual([400, 'UnsupportedPicPixels'])
      expect(add.data?.Message).toContain(size)
      expect(add.data?.Message).toMatch(/100 to 4096 pixels/)
      const search = await sdkError(
        client().searchImageByPic(
          new sdk.SearchImageByPicRequest({ instanceName: 'demo', picContent: b64(pic()) }),
        ),
      )
      expect([search.statusCode, search.code]).toEqual([400, 'UnsupportedPicPixels'])
      const compare = await sdkError(
        client().compareSimilarByImage(
          new sdk.CompareSimilarByImageRequest({
            instanceName: 'demo',
            primaryPicContent: b64(catalogue(2)),
            secondaryPicContent: b64(pic()),
          }),
        ),
      )
      expect([compare.statusCode, compare.code]).toEqual([400, 'UnsupportedPicPixels'])
      // Refused from the header: no decode of it was ever let through the decode budget.
      expect(processPixelBudget().stats().grants).toBe(grants)
      await stillUp()
    }, 60_000)
  }

  it('SearchImageByText: 400 UnsupportedOperationType with a clear message', async () => {
    const e = await sdkError(
      client().searchImageByText(
        new sdk.SearchImageByTextRequest({ instanceName: 'demo', text: 'red dress' }),
      ),
    )
    expect([e.statusCode, e.code]).toEqual([400, 'UnsupportedOperationType'])
    expect(e.data?.Message).toMatch(/SearchImageByText needs a text-image model/)
    await stillUp()
  }, 60_000)
})

describe("Loupe's contract (the UI's and the CLI's path)", () => {
  let core: Core
  let t: ReturnType<typeof tempDir>
  beforeAll(() => {
    t = tempDir()
    core = createCore({
      dataDir: t.dir,
      secrets: createMemorySecretStore(),
      host: 'headless',
      featurizerWorkers: 1,
      imagingWorkers: 1,
    })
  })
  afterAll(async () => {
    await core?.close()
    t?.cleanup()
  })
  const call = (name: string, input: unknown) => core.dispatch(name, input)

  it('a 30000 × 30000 PNG bomb: UnsupportedPicPixels (400) naming the size and the limit', async () => {
    const grants = processPixelBudget().stats().grants
    const r = await call('search.byPic', {
      image: { base64: bomb.toString('base64'), name: 'bomb.png' },
    })
    expect(r).toMatchObject({
      error: { code: 'UnsupportedPicPixels', httpStatus: 400, retryable: false },
    })
    const message = (r as { error: { message: string } }).error.message
    expect(message).toContain('30000 × 30000')
    expect(message).toMatch(/limit is 100 MP/)
    expect(processPixelBudget().stats().grants).toBe(grants)
  }, 60_000)

  it('a valid 9000 × 9000 JPEG is brought within 4096 px and searched with', async () => {
    const added = await call('images.add', {
      productId: 'p1',
      picName: 'one.jpg',
      image: { base64: catalogue(3).toString('base64') },
    })
    expect(added).toHaveProperty('result')
    const r = await call('search.byPic', {
      image: { base64: jpeg9000.toString('base64'), name: 'big.jpg' },
    })
    expect(r).toHaveProperty('result')
    const found = (
      r as { result: { auctions: { productId: string }[]; original: { width: number } } }
    ).result
    expect(found.original.width).toBe(9000)
    expect(found.auctions.map((a) => a.productId)).toContain('p1')
  }, 120_000)

  it('search by text on a local profile: UnsupportedOperationType (400, not retryable)', async () => {
    const r = await call('search.byText', { text: 'red dress' })
    expect(r).toMatchObject({
      error: { code: 'UnsupportedOperationType', httpStatus: 400, retryable: false },
    })
  })
})
