import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ALL_CATEGORIES, CATEGORIES } from '../../../../../electron/core/engines/categories'
import {
  REQUEST_ID,
  catalogue,
  harness,
  productPhoto,
  rejection,
  solidPng,
  type Harness,
} from './helpers'

describe('local engine: add, check, update, delete', () => {
  let h: Harness
  beforeAll(async () => {
    h = await harness()
  })
  afterAll(async () => {
    await h.cleanup()
  })

  it('adds an image, reports its subject region and a cloud-shaped request id', async () => {
    const r = await h.engine.addImage({
      productId: 'p1',
      picName: 'a.jpg',
      picContent: catalogue(1),
      categoryId: 0,
    })
    expect(r.requestId).toMatch(REQUEST_ID)
    expect(r.picInfo.categoryId).toBe(0)
    const [x1, x2, y1, y2] = r.picInfo.region!.split(',').map(Number)
    expect(x1).toBeGreaterThanOrEqual(0)
    expect(x2).toBeLessThanOrEqual(218)
    expect(y1).toBeGreaterThanOrEqual(0)
    expect(y2).toBeLessThanOrEqual(255)
    expect(x2 - x1).toBeLessThan(218) // the white background was cropped away
    expect((await h.engine.checkImageExists({ productId: 'p1', picName: 'a.jpg' })).exist).toBe(
      true,
    )
    expect((await h.engine.checkImageExists({ productId: 'p1', picName: 'b.jpg' })).exist).toBe(
      false,
    )
  })

  it('keeps the given region over crop, and no region with crop=false', async () => {
    const a = await h.engine.addImage({
      productId: 'p2',
      picName: 'r.jpg',
      picContent: catalogue(2),
      region: '10,110,20,200',
      crop: false,
    })
    expect(a.picInfo.region).toBe('10,110,20,200')
    const b = await h.engine.addImage({
      productId: 'p2',
      picName: 'nocrop.jpg',
      picContent: catalogue(2),
      crop: false,
    })
    expect(b.picInfo.region).toBeNull()
  })

  it('overwrites an image added again with the same productId + picName', async () => {
    await h.engine.addImage({
      productId: 'ow',
      picName: 'x',
      picContent: catalogue(3),
      intAttr: 1,
      strAttr: 'old',
      customContent: 'c1',
    })
    const before = (await h.engine.detail()).instance.totalCount
    await h.engine.addImage({
      productId: 'ow',
      picName: 'x',
      picContent: catalogue(4),
      intAttr2: 7,
    })
    expect((await h.engine.detail()).instance.totalCount).toBe(before)
    const s = await h.engine.searchImageByFilter({ filter: 'int_attr2 = 7' })
    expect(s.auctions).toHaveLength(1)
    // Attributes of the old image are gone, not merged.
    expect(s.auctions[0]).toMatchObject({
      productId: 'ow',
      picName: 'x',
      intAttr2: 7,
      customContent: '',
    })
    expect(s.auctions[0].intAttr).toBeUndefined()
    expect(s.auctions[0].strAttr).toBeUndefined()
    // The vector is the new picture's: searching with it finds 'x' at score ~1.
    const hit = await h.engine.searchImageByPic({
      picContent: catalogue(4),
      num: 1,
      filter: 'int_attr2=7',
    })
    expect(hit.auctions[0].score).toBeGreaterThanOrEqual(0.99)
  })

  it('updates attributes in place and refuses an unknown image', async () => {
    await h.engine.addImage({
      productId: 'up',
      picName: 'u',
      picContent: catalogue(5),
      intAttr: 1,
      strAttr: 's1',
      customContent: 'keep',
    })
    const r = await h.engine.updateImage({
      productId: 'up',
      picName: 'u',
      intAttr: 42,
      strAttr3: 'new',
    })
    expect(r.requestId).toMatch(REQUEST_ID)
    const s = await h.engine.searchImageByFilter({ filter: 'int_attr = 42' })
    expect(s.auctions).toHaveLength(1)
    expect(s.auctions[0]).toMatchObject({
      intAttr: 42,
      strAttr: 's1',
      strAttr3: 'new',
      customContent: 'keep',
    })
    // The in-memory index sees the update too (filter applied in a vector search).
    const v = await h.engine.searchImageByName({
      productId: 'up',
      picName: 'u',
      filter: 'str_attr3 = "new"',
    })
    expect(v.auctions.map((a) => a.picName)).toEqual(['u'])
    const e = await rejection(
      h.engine.updateImage({ productId: 'up', picName: 'missing', intAttr: 1 }),
    )
    expect(e.code).toBe('BadRequest')
    expect(e.message).toContain('missing')
    expect(e.requestId).toMatch(REQUEST_ID)
  })

  it('deletes by product + picture, by product, and by filter (returning the names)', async () => {
    for (const [i, n] of [10, 11, 12].entries()) {
      await h.engine.addImage({
        productId: 'del',
        picName: `d${i}`,
        picContent: catalogue(n),
        intAttr3: 100 + i,
      })
    }
    for (const [i, n] of [13, 14, 15].entries()) {
      await h.engine.addImage({
        productId: `f${i}`,
        picName: `f${i}.jpg`,
        picContent: catalogue(n),
        strAttr4: i === 1 ? 'keep' : 'drop',
      })
    }
    expect((await h.engine.deleteImage({ productId: 'del', picName: 'd1' })).picNames).toEqual([
      'd1',
    ])
    expect((await h.engine.deleteImage({ productId: 'del', picName: 'nope' })).picNames).toEqual([])
    expect((await h.engine.deleteImage({ productId: 'del' })).picNames.sort()).toEqual(['d0', 'd2'])
    expect((await h.engine.checkImageExists({ productId: 'del', picName: 'd0' })).exist).toBe(false)

    const r = await h.engine.deleteImage({ isDeleteByFilter: true, filter: 'str_attr4 = "drop"' })
    expect(r.picNames.sort()).toEqual(['f0.jpg', 'f2.jpg'])
    expect((await h.engine.checkImageExists({ productId: 'f1', picName: 'f1.jpg' })).exist).toBe(
      true,
    )
    // Deleted images are gone from vector searches as well.
    const s = await h.engine.searchImageByPic({
      picContent: catalogue(13),
      num: 100,
      filter: 'str_attr4 in ("drop","keep")',
    })
    expect(s.auctions.map((a) => a.picName)).toEqual(['f1.jpg'])

    expect((await rejection(h.engine.deleteImage({ isDeleteByFilter: true }))).code).toBe(
      'BadRequest',
    )
    expect(
      (await rejection(h.engine.deleteImage({ isDeleteByFilter: true, filter: 'int_attr ~ 1' })))
        .code,
    ).toBe('InvalidFilterClause')
    expect((await rejection(h.engine.deleteImage({}))).message).toContain('ProductId')
  })

  it('answers Detail from the store', async () => {
    const d = await h.engine.detail()
    expect(d.instance).toMatchObject({
      name: 'test',
      capacity: 100000,
      qps: 0,
      region: 'local',
      serviceType: 'product',
      utcExpireTime: null,
    })
    expect(d.instance.totalCount).toBeGreaterThan(0)
    expect(d.instance.utcCreate).toBeLessThanOrEqual(Date.now())
  })

  it('compares two pictures: identical ~1, different lower', async () => {
    const same = await h.engine.compareSimilarByImage({
      primaryPicContent: catalogue(20),
      secondaryPicContent: catalogue(20),
    })
    expect(same.score).toBeGreaterThanOrEqual(0.99)
    const diff = await h.engine.compareSimilarByImage({
      primaryPicContent: productPhoto(2, 0),
      secondaryPicContent: productPhoto(20, 0),
    })
    expect(diff.score).toBeLessThan(same.score)
    expect(diff.score).toBeGreaterThanOrEqual(0)
    expect(
      (
        await rejection(
          h.engine.compareSimilarByImage({
            primaryPicContent: Buffer.alloc(0),
            secondaryPicContent: productPhoto(2, 0),
          }),
        )
      ).code,
    ).toBe('NoSpecifiedPic')
  })

  it('answers SearchImageByText with UnsupportedOperationType (400, not retryable) and a hint', async () => {
    const e = await rejection(h.engine.searchImageByText({ text: 'red dress' }))
    expect(e.code).toBe('UnsupportedOperationType')
    expect(e.httpStatus).toBe(400)
    expect((e as unknown as { retryable: boolean }).retryable).toBe(false)
    expect(e.hint).toBeTruthy()
  })

  it('returns the cloud category table in PicInfo', async () => {
    const s = await h.engine.searchImageByPic({ picContent: catalogue(1), num: 1 })
    expect(s.picInfo!.allCategories).toEqual(ALL_CATEGORIES)
    expect(CATEGORIES.map((c) => c.id)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 20, 21, 22, 88888888,
    ])
    expect(CATEGORIES.find((c) => c.id === 8)).toMatchObject({ name: 'Bottle', nameZh: '瓶饮' })
  })
})

describe('local engine: documented limits and error codes', () => {
  let h: Harness
  beforeAll(async () => {
    h = await harness()
    await h.engine.addImage({ productId: 'base', picName: 'b', picContent: catalogue(30) })
  })
  afterAll(async () => {
    await h.cleanup()
  })
  const pic = () => catalogue(31)

  it('checks field lengths and names the field', async () => {
    const long = (n: number) => 'x'.repeat(n)
    const cases: [Record<string, unknown>, string][] = [
      [{ productId: long(513) }, 'ProductId'],
      [{ picName: long(513) }, 'PicName'],
      [{ customContent: long(4097) }, 'CustomContent'],
      [{ strAttr: long(129) }, 'StrAttr'],
      [{ strAttr4: long(129) }, 'StrAttr4'],
      [{ productId: '' }, 'ProductId'],
      [{ picName: undefined }, 'PicName'],
      [{ strAttr2: 'a$b' }, 'StrAttr2'],
    ]
    for (const [over, field] of cases) {
      const e = await rejection(
        h.engine.addImage({ productId: 'p', picName: 'n', picContent: pic(), ...over } as never),
      )
      expect(e.code, field).toBe('BadRequest')
      expect(e.message).toContain(field)
      expect(e.httpStatus).toBe(400)
    }
    const tooLong = await rejection(
      h.engine.addImage({ productId: long(513), picName: 'n', picContent: pic() }),
    )
    expect(tooLong.message).toBe('ProductId is 513 characters long; at most 512 are allowed.')
    // At the limit is fine: 512 characters, as the cloud's API reference allows.
    await h.engine.addImage({
      productId: long(512),
      picName: long(512),
      picContent: pic(),
      customContent: long(4096),
      strAttr: long(128),
    })
  })

  it('validates integer attributes and categories', async () => {
    expect(
      (
        await rejection(
          h.engine.addImage({ productId: 'p', picName: 'n', picContent: pic(), intAttr: 1.5 }),
        )
      ).code,
    ).toBe('InvalidIntAttr')
    expect(
      (
        await rejection(
          h.engine.addImage({ productId: 'p', picName: 'n', picContent: pic(), intAttr4: 2 ** 31 }),
        )
      ).message,
    ).toContain('IntAttr4')
    expect(
      (
        await rejection(
          h.engine.addImage({ productId: 'p', picName: 'n', picContent: pic(), categoryId: 10 }),
        )
      ).code,
    ).toBe('InvalidCategory')
    expect(
      (await rejection(h.engine.searchImageByPic({ picContent: pic(), categoryId: 23 }))).code,
    ).toBe('InvalidCategory')
  })

  it('checks Num and Start', async () => {
    const s = (o: object) => h.engine.searchImageByName({ productId: 'base', picName: 'b', ...o })
    expect((await rejection(s({ num: 0 }))).code).toBe('InvalidNumParameter')
    expect((await rejection(s({ num: 2.5 }))).code).toBe('InvalidNumParameter')
    expect((await rejection(s({ num: 101 }))).code).toBe('OverflowMaxReturnNum')
    expect((await rejection(s({ start: -1 }))).code).toBe('InvalidStartParameter')
    expect((await rejection(s({ start: 450, num: 51 }))).code).toBe('OverflowMaxResultNum')
    expect((await rejection(s({ start: 500, num: 1 }))).code).toBe('OverflowMaxResultNum')
    await s({ start: 400, num: 100 })
    await s({ start: 499, num: 1 })
    expect(
      (await rejection(h.engine.searchImageByFilter({ filter: 'int_attr>0', num: 101 }))).code,
    ).toBe('OverflowMaxReturnNum')
    expect((await rejection(s({ scoreThreshold: 1.5 }))).code).toBe('BadRequest')
  })

  it('checks pictures: missing, undecodable, too small, too large, rotated, over 4 MB', async () => {
    const add = (picContent: Buffer) =>
      h.engine.addImage({ productId: 'p', picName: 'n', picContent })
    expect((await rejection(add(Buffer.alloc(0)))).code).toBe('NoSpecifiedPic')
    expect((await rejection(h.engine.searchImageByPic({ picContent: Buffer.alloc(0) }))).code).toBe(
      'NoSpecifiedSearchPic',
    )
    expect((await rejection(add(Buffer.from('definitely not an image')))).code).toBe(
      'UnsupportedPicFormat',
    )
    const small = await rejection(add(await solidPng(99, 300)))
    expect(small.code).toBe('UnsupportedPicPixels')
    expect(small.message).toContain('99x300')
    expect((await rejection(add(await solidPng(4097, 120)))).code).toBe('UnsupportedPicPixels')
    await add(await solidPng(100, 4096))
    const rotated = await sharp(catalogue(32)).jpeg().withMetadata({ orientation: 6 }).toBuffer()
    expect((await rejection(add(rotated))).code).toBe('IncorrectOrientation')
    const big = Buffer.concat([catalogue(33), Buffer.alloc(4 * 1024 * 1024)])
    const e = await rejection(add(big))
    expect(e.code).toBe('BadRequest')
    expect(e.message).toMatch(/PicContent.*4 MB/)
  })

  it('accepts BMP and PPM pictures like the cloud (converted before describing them)', async () => {
    const { data, info } = await sharp(catalogue(35))
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true })
    const { width: w, height: ht } = info
    const ppm = Buffer.concat([Buffer.from(`P6\n${w} ${ht}\n255\n`), data])
    const row = Math.ceil((w * 3) / 4) * 4
    const bmp = Buffer.alloc(54 + row * ht)
    bmp.write('BM', 0)
    bmp.writeUInt32LE(bmp.length, 2)
    bmp.writeUInt32LE(54, 10)
    bmp.writeUInt32LE(40, 14)
    bmp.writeInt32LE(w, 18)
    bmp.writeInt32LE(-ht, 22) // top-down
    bmp.writeUInt16LE(1, 26)
    bmp.writeUInt16LE(24, 28)
    for (let y = 0; y < ht; y++) {
      for (let x = 0; x < w; x++) {
        const i = (y * w + x) * 3
        const o = 54 + y * row + x * 3
        bmp[o] = data[i + 2]
        bmp[o + 1] = data[i + 1]
        bmp[o + 2] = data[i]
      }
    }
    const r = await h.engine.addImage({
      productId: 'fmt',
      picName: 'bmp',
      picContent: bmp,
      crop: false,
    })
    expect(r.picInfo.categoryId).toBeDefined()
    const s = await h.engine.searchImageByPic({
      picContent: ppm,
      crop: false,
      num: 1,
      filter: 'int_attr = 999',
    })
    expect(s.auctions).toEqual([])
    const t = await h.engine.searchImageByPic({ picContent: ppm, crop: false, num: 1 })
    expect(t.auctions[0]).toMatchObject({ productId: 'fmt', picName: 'bmp' })
    expect(t.auctions[0].score).toBeGreaterThanOrEqual(0.99)
    const broken = Buffer.concat([Buffer.from('P6\n500 500\n255\n'), Buffer.alloc(10)])
    expect((await rejection(h.engine.searchImageByPic({ picContent: broken }))).code).toBe(
      'UnsupportedPicFormat',
    )
  })

  it('applies the service type: fabric needs 448 px, generic forces category 88888888', async () => {
    const fabric = await h.open({ dir: h.dir + '-fabric', serviceType: 'fabric' })
    expect(
      (await rejection(fabric.addImage({ productId: 'p', picName: 'n', picContent: catalogue(1) })))
        .code,
    ).toBe('UnsupportedPicPixels')
    await fabric.addImage({ productId: 'p', picName: 'n', picContent: await solidPng(448, 448) })
    const generic = await h.open({ dir: h.dir + '-generic', serviceType: 'generic' })
    const r = await generic.addImage({
      productId: 'p',
      picName: 'n',
      picContent: catalogue(1),
      categoryId: 3,
    })
    expect(r.picInfo.categoryId).toBe(88888888)
    const s = await generic.searchImageByPic({ picContent: catalogue(1), categoryId: 3 })
    expect(s.picInfo!.categoryId).toBe(88888888)
    expect(s.auctions[0]).toMatchObject({ productId: 'p', categoryId: 88888888 })
  })

  it('checks the region format and that it lies inside the picture', async () => {
    const add = (region: string) =>
      h.engine.addImage({ productId: 'p', picName: 'n', picContent: catalogue(34), region })
    for (const bad of [
      '1,2,3',
      'a,b,c,d',
      '10,5,0,100',
      '0,10,50,20',
      '-1,10,0,10',
      '0,219,0,100',
      '0,100,0,256',
    ]) {
      const e = await rejection(add(bad))
      expect(e.code, bad).toBe('BadRequest')
      expect(e.message).toContain('Region')
    }
    expect((await add('0,218,0,255')).picInfo.region).toBe('0,218,0,255')
  })

  it('refuses search by name for an unknown image with a message naming it', async () => {
    const e = await rejection(h.engine.searchImageByName({ productId: 'ghost', picName: 'g.jpg' }))
    expect(e.code).toBe('BadRequest')
    expect(e.message).toContain('ghost')
  })

  it('enforces capacity with InstanceOverQuota, but still allows overwrites', async () => {
    const small = await h.open({ dir: h.dir + '-cap', capacity: 2 })
    await small.addImage({ productId: 'a', picName: '1', picContent: catalogue(40) })
    await small.addImage({ productId: 'a', picName: '2', picContent: catalogue(41) })
    const e = await rejection(
      small.addImage({ productId: 'a', picName: '3', picContent: catalogue(42) }),
    )
    expect(e.code).toBe('InstanceOverQuota')
    expect(e.httpStatus).toBe(400)
    await small.addImage({ productId: 'a', picName: '2', picContent: catalogue(43) })
    // Concurrent adds cannot overshoot the capacity either.
    await small.deleteImage({ productId: 'a', picName: '2' })
    const results = await Promise.allSettled(
      [44, 45, 46].map((n) =>
        small.addImage({ productId: 'c', picName: String(n), picContent: catalogue(n) }),
      ),
    )
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    expect((await small.detail()).instance.totalCount).toBe(2)
    small.setCapacity(3)
    await small.addImage({ productId: 'a', picName: '3', picContent: catalogue(42) })
    expect((await small.detail()).instance.capacity).toBe(3)
  })

  it('throttles searches past the configured QPS with DeniedRequest (403)', async () => {
    const limited = await h.open({ dir: h.dir + '-qps', qps: 2 })
    await limited.addImage({ productId: 'a', picName: '1', picContent: catalogue(50) })
    const q = () => limited.searchImageByName({ productId: 'a', picName: '1' })
    await q()
    await q()
    const e = await rejection(q())
    expect(e.code).toBe('DeniedRequest')
    expect(e.httpStatus).toBe(403)
    // Writes are not throttled.
    await limited.addImage({ productId: 'a', picName: '2', picContent: catalogue(51) })
  })
})

describe('local engine: persistence', () => {
  it('keeps images, vectors, attributes and utcCreate across a reopen', async () => {
    const h = await harness()
    try {
      for (let i = 0; i < 6; i++) {
        await h.engine.addImage({
          productId: `p${i % 3}`,
          picName: `${i}.jpg`,
          picContent: catalogue(60 + i),
          intAttr: i,
          strAttr: `s${i}`,
          categoryId: i % 2,
        })
      }
      await h.engine.deleteImage({ productId: 'p0', picName: '3.jpg' })
      await h.engine.updateImage({ productId: 'p1', picName: '1.jpg', customContent: 'updated' })
      const before = await h.engine.searchImageByPic({ picContent: catalogue(62), num: 10 })
      const created = (await h.engine.detail()).instance.utcCreate
      await h.engine.close()

      const again = await h.open()
      const d = await again.detail()
      expect(d.instance.totalCount).toBe(5)
      expect(d.instance.utcCreate).toBe(created)
      const after = await again.searchImageByPic({ picContent: catalogue(62), num: 10 })
      expect(after.auctions).toEqual(before.auctions)
      expect(after.auctions[0]).toMatchObject({ picName: '2.jpg', intAttr: 2, strAttr: 's2' })
      expect(after.auctions[0].score).toBeGreaterThanOrEqual(0.99)
      const u = await again.searchImageByFilter({ filter: 'int_attr = 1' })
      expect(u.auctions[0].customContent).toBe('updated')
      expect((await again.checkImageExists({ productId: 'p0', picName: '3.jpg' })).exist).toBe(
        false,
      )
    } finally {
      await h.cleanup()
    }
  })

  it('recomputes vectors from stored sources when the featurizer changes', async () => {
    const h = await harness()
    try {
      for (let i = 0; i < 4; i++) {
        await h.engine.addImage({ productId: 'r', picName: `${i}`, picContent: catalogue(70 + i) })
      }
      await h.engine.close()
      // A "new featurizer": same descriptor, another version and a different dimension.
      const base = h.featurizer
      const widen = (x: Float32Array) => {
        const v = new Float32Array(base.dim + 2)
        v.set(x)
        return v
      }
      const upgraded = {
        version: base.version + '+test',
        dim: base.dim + 2,
        detect: (b: Buffer) => base.detect(b),
        embed: async (
          b: Buffer,
          box?: import('../../../../../electron/core/engines/local/featurizer/types').Box | null,
        ) => {
          const e = await base.embed(b, box)
          return { ...e, vector: widen(e.vector) }
        },
        describe: async (
          b: Buffer,
          o: import('../../../../../electron/core/engines/local/featurizer/types').DescribeOptions,
        ) => {
          const d = await base.describe(b, o)
          return { ...d, vector: widen(d.vector) }
        },
        close: async () => {},
      }
      const e2 = await h.open({ featurizer: upgraded })
      await e2.whenIdle()
      expect(e2.reindexStatus()).toMatchObject({
        pending: 0,
        unrecoverable: 0,
        dim: base.dim + 2,
        running: false,
      })
      const s = await e2.searchImageByPic({ picContent: catalogue(72), num: 4 })
      expect(s.auctions).toHaveLength(4)
      expect(s.auctions[0].picName).toBe('2')
      expect(s.auctions[0].score).toBeGreaterThan(0.95)
    } finally {
      await h.cleanup()
    }
  })
})
