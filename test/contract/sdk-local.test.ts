/**
 * Contract: the official SDK (@alicloud/imagesearch20201214), pointed at our wire server on
 * 127.0.0.1, backed by a real local engine. Every operation, with both of the SDK's signature
 * schemes, and every error the local engine can produce, with its HTTP status.
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeClient, runtimeWith, sdk, type ImageSearchClient } from '../unit/core/engines/wire/sdk'
import {
  AK,
  bigPng,
  catalogue,
  photoPng,
  eventually,
  ODD,
  SECRET,
  STR_ODD,
  startStack,
  type Stack,
} from './fixtures'

let stack: Stack
let big: Buffer
/** Every body, error message and error payload the SDK handed back: checked for the secret. */
const seen: string[] = []

beforeAll(async () => {
  stack = await startStack({
    extraInstances: { tiny: { capacity: 1 }, slow: { qps: 1 } },
  })
  big = await bigPng(Math.round(3.9 * 1024 * 1024))
})
afterAll(async () => {
  await stack?.close()
})

function client(o: { v1?: boolean; secret?: string; ak?: string } = {}): ImageSearchClient {
  return makeClient({
    port: stack.server.port,
    accessKeyId: o.ak ?? AK,
    accessKeySecret: o.secret ?? SECRET,
    signatureAlgorithm: o.v1 ? 'v2' : undefined,
  })
}

async function ok<T extends { body?: unknown; statusCode?: number }>(
  p: Promise<T>,
): Promise<NonNullable<T['body']>> {
  const r = await p
  seen.push(JSON.stringify(r.body))
  expect(r.statusCode).toBe(200)
  return r.body as NonNullable<T['body']>
}

interface SdkErr {
  name: string
  code: string
  statusCode: number
  message: string
  data: { RequestId: string; HostId: string; Code: string; Message: string }
}
async function fails(p: Promise<unknown>): Promise<SdkErr> {
  try {
    await p
  } catch (e) {
    const err = e as SdkErr
    seen.push(err.message, JSON.stringify(err.data ?? {}))
    return err
  }
  throw new Error('expected the call to fail')
}

const b64 = (b: Buffer) => b.toString('base64')

for (const scheme of ['ACS3-HMAC-SHA256', 'RPC v1 HMAC-SHA1'] as const) {
  const v1 = scheme !== 'ACS3-HMAC-SHA256'
  const tag = v1 ? 2 : 1
  const pid = (k: number) => `${ODD}-${tag}-${k}`
  const pic = (k: number) => `图 ${k} ${ODD}.jpg`

  describe(`official SDK, ${scheme}`, () => {
    it("AddImage: product ids, picture names and custom content with CJK and !'()*&=+/ ", async () => {
      const c = client({ v1 })
      for (let k = 1; k <= 4; k++) {
        const body = await ok(
          c.addImage(
            new sdk.AddImageRequest({
              instanceName: 'demo',
              productId: pid(k),
              picName: pic(k),
              picContent: b64(catalogue(k * 10)),
              customContent: `${ODD} #${k} 自定义`,
              intAttr: tag,
              intAttr2: k,
              strAttr: k % 2 === 0 ? '红色' : 'blue',
              strAttr2: STR_ODD,
            }),
          ),
        )
        expect(body.success).toBe(true)
        expect(body.code).toBe(0)
        expect(body.message).toBe('success')
        expect(body.requestId).toMatch(/^[0-9A-F-]{36}$/)
        expect(typeof body.picInfo?.categoryId).toBe('number')
        expect(body.picInfo?.region).toMatch(/^\d+,\d+,\d+,\d+$/)
      }
    })

    it('CheckImageExists', async () => {
      const c = client({ v1 })
      const yes = await ok(
        c.checkImageExists(
          new sdk.CheckImageExistsRequest({
            instanceName: 'demo',
            productId: pid(2),
            picName: pic(2),
          }),
        ),
      )
      expect(yes).toMatchObject({ success: true, code: 0, exists: true })
      const no = await ok(
        c.checkImageExists(
          new sdk.CheckImageExistsRequest({
            instanceName: 'demo',
            productId: pid(2),
            picName: pic(3),
          }),
        ),
      )
      expect(no.exists).toBe(false)
    })

    it('SearchImageByPic: the same picture first, score 1, every field back intact', async () => {
      const body = await ok(
        client({ v1 }).searchImageByPic(
          new sdk.SearchImageByPicRequest({
            instanceName: 'demo',
            picContent: b64(catalogue(10)),
            filter: `int_attr=${tag}`,
            num: 10,
          }),
        ),
      )
      expect(body).toMatchObject({ success: true, code: 0, msg: 'success' })
      expect(body.head).toMatchObject({ docsFound: 4, docsReturn: 4 })
      expect(typeof body.head?.searchTime).toBe('number')
      expect(body.auctions).toHaveLength(4)
      const top = body.auctions![0]
      expect(top).toMatchObject({
        productId: pid(1),
        picName: pic(1),
        customContent: `${ODD} #1 自定义`,
        intAttr: tag,
        intAttr2: 1,
        strAttr: 'blue',
        strAttr2: STR_ODD,
      })
      expect(top.score).toBeGreaterThan(0.99)
      expect(top.sortExprValues).toMatch(/;/)
      for (const a of body.auctions!.slice(1)) expect(a.score!).toBeLessThanOrEqual(top.score!)
      expect(body.picInfo?.allCategories).toHaveLength(14)
      expect(body.picInfo?.allCategories?.[13]).toMatchObject({ id: 88888888, name: 'Other' })
      expect(body.picInfo?.region).toMatch(/^\d+,\d+,\d+,\d+$/)
      expect(Array.isArray(body.picInfo?.multiRegion)).toBe(true)
    })

    it('SearchImageByPic: a given Region wins over Crop and is reported back', async () => {
      const body = await ok(
        client({ v1 }).searchImageByPic(
          new sdk.SearchImageByPicRequest({
            instanceName: 'demo',
            picContent: b64(catalogue(20)),
            crop: false,
            region: '10,150,20,200',
            filter: `int_attr=${tag}`,
          }),
        ),
      )
      expect(body.picInfo?.region).toBe('10,150,20,200')
      expect(body.auctions?.[0].productId).toBe(pid(2))
    })

    it('SearchImageByName: paging with Num/Start concatenates exactly', async () => {
      const c = client({ v1 })
      const page = async (start: number) =>
        ok(
          c.searchImageByName(
            new sdk.SearchImageByNameRequest({
              instanceName: 'demo',
              productId: pid(1),
              picName: pic(1),
              filter: `int_attr=${tag}`,
              num: 2,
              start,
            }),
          ),
        )
      const all = await ok(
        c.searchImageByName(
          new sdk.SearchImageByNameRequest({
            instanceName: 'demo',
            productId: pid(1),
            picName: pic(1),
            filter: `int_attr=${tag}`,
          }),
        ),
      )
      const p0 = await page(0)
      const p1 = await page(2)
      expect(p0.head).toMatchObject({ docsFound: 4, docsReturn: 2 })
      const key = (a: { productId?: string; picName?: string }) => `${a.productId}|${a.picName}`
      expect([...p0.auctions!, ...p1.auctions!].map(key)).toEqual(all.auctions!.map(key))
      expect(all.auctions![0].productId).toBe(pid(1))
    })

    it('SearchImageByFilter: CJK string attribute, AND with an integer attribute', async () => {
      const body = await ok(
        client({ v1 }).searchImageByFilter(
          new sdk.SearchImageByFilterRequest({
            instanceName: 'demo',
            filter: `int_attr=${tag} AND str_attr="红色"`,
            num: 10,
          }),
        ),
      )
      expect(body).toMatchObject({ success: true, code: 0 })
      expect(body.auctions!.map((a) => a.productId).sort()).toEqual([pid(2), pid(4)].sort())
      expect(body.auctions![0].strAttr2).toBe(STR_ODD)
    })

    it('UpdateImage: attributes sent in body and query both land', async () => {
      const c = client({ v1 })
      const body = await ok(
        c.updateImage(
          new sdk.UpdateImageRequest({
            instanceName: 'demo',
            productId: pid(3),
            picName: pic(3),
            strAttr: '红色',
            intAttr3: 33,
            strAttr4: `${STR_ODD} 更新`,
            customContent: '已更新',
          }),
        ),
      )
      expect(body).toMatchObject({ success: true, code: 0, message: 'success' })
      const after = await ok(
        c.searchImageByFilter(
          new sdk.SearchImageByFilterRequest({
            instanceName: 'demo',
            filter: `int_attr=${tag} AND str_attr="红色" AND int_attr3=33`,
          }),
        ),
      )
      expect(after.auctions).toHaveLength(1)
      expect(after.auctions![0]).toMatchObject({
        productId: pid(3),
        customContent: '已更新',
        strAttr4: `${STR_ODD} 更新`,
      })
    })

    it('CompareSimilarByImage: identical pictures score 1, different ones less', async () => {
      const c = client({ v1 })
      const same = await ok(
        c.compareSimilarByImage(
          new sdk.CompareSimilarByImageRequest({
            instanceName: 'demo',
            primaryPicContent: b64(catalogue(30)),
            secondaryPicContent: b64(catalogue(30)),
          }),
        ),
      )
      const other = await ok(
        c.compareSimilarByImage(
          new sdk.CompareSimilarByImageRequest({
            instanceName: 'demo',
            primaryPicContent: b64(catalogue(30)),
            secondaryPicContent: b64(await photoPng(7, 0)),
          }),
        ),
      )
      expect(same).toMatchObject({ success: true, code: 0, msg: 'success' })
      expect(same.score).toBeGreaterThan(0.99)
      expect(other.score!).toBeLessThan(same.score!)
    })

    it('Detail: the instance as the cloud reports it', async () => {
      const body = await ok(client({ v1 }).detail(new sdk.DetailRequest({ instanceName: 'demo' })))
      const direct = await stack.engine.detail()
      expect(body.success).toBe(true)
      expect(body.instance).toMatchObject({
        name: 'demo',
        capacity: 1, // 10,000 images, in the cloud's unit of 10,000
        totalCount: direct.instance.totalCount,
        qps: 0,
        region: 'local',
        serviceType: 0,
        utcCreate: String(direct.instance.utcCreate),
      })
      expect(body.instance?.utcExpireTime).toBeUndefined()
    })

    it('DumpMeta and DumpMetaList: the export finishes with a MetaUrl holding our images', async () => {
      const c = client({ v1 })
      const started = await ok(c.dumpMeta(new sdk.DumpMetaRequest({ instanceName: 'demo' })))
      expect(started.success).toBe(true)
      expect(['PROCESSING', 'SUCCESS']).toContain(started.data?.dumpMetaStatus)
      const id = Number(started.data?.id)
      expect(id).toBeGreaterThan(0)
      const task = await eventually(async () => {
        const l = await ok(
          c.dumpMetaList(new sdk.DumpMetaListRequest({ instanceName: 'demo', id })),
        )
        const t = l.data?.dumpMetaList?.[0]
        return t?.status === 'SUCCESS' ? { list: l, t } : undefined
      })
      expect(task.list.data).toMatchObject({ totalCount: 1, pageNumber: 1 })
      expect(task.t).toMatchObject({ id, code: '0' })
      expect(task.t.utcCreate).toMatch(/^\d+$/)
      expect(typeof task.t.utcModified).toBe('number')
      const lines = fs
        .readFileSync(fileURLToPath(task.t.metaUrl!), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { ProductId: string; CustomContent?: string })
      const mine = lines.find((l) => l.ProductId === pid(1))
      expect(mine?.CustomContent).toBe(`${ODD} #1 自定义`)
    })

    it('IncreaseInstance and IncreaseList: a batch folder adds and deletes', async () => {
      const folder = path.join(stack.engine.batchRoot, `batch-${tag}`)
      fs.mkdirSync(path.join(folder, 'imgs'), { recursive: true })
      fs.writeFileSync(path.join(folder, 'imgs', 'a.png'), await photoPng(11, 0))
      fs.writeFileSync(path.join(folder, 'imgs', 'b.png'), await photoPng(12, 0))
      const meta = [
        {
          OperationType: 'ADD',
          ProductId: `批量-${tag}-a`,
          PicName: 'imgs/a.png',
          CustomContent: ODD,
          IntAttr: 90 + tag,
        },
        {
          OperationType: 'ADD',
          ProductId: `批量-${tag}-b`,
          PicName: 'imgs/b.png',
          CustomContent: 'b',
          IntAttr: 90 + tag,
        },
        { OperationType: 'DELETE', ProductId: pid(4), PicName: pic(4) },
      ]
      fs.writeFileSync(
        path.join(folder, 'increment.meta'),
        meta.map((m) => JSON.stringify(m)).join('\n') + '\n',
      )
      const c = client({ v1 })
      const started = await ok(
        c.increaseInstance(
          new sdk.IncreaseInstanceRequest({
            instanceName: 'demo',
            bucketName: 'local',
            path: `/batch-${tag}`,
            callbackAddress: 'http://127.0.0.1:9/never',
          }),
        ),
      )
      expect(started.success).toBe(true)
      const id = Number(started.data?.id)
      const t = await eventually(async () => {
        const l = await ok(
          c.increaseList(
            new sdk.IncreaseListRequest({ instanceName: 'demo', id, bucketName: 'local' }),
          ),
        )
        const x = l.data?.increments?.instance?.[0]
        return x && x.status !== 'PROCESSING' ? x : undefined
      })
      expect(t).toMatchObject({ id, bucketName: 'local', path: `/batch-${tag}`, status: 'SUCCESS' })
      const byFilter = await ok(
        c.searchImageByFilter(
          new sdk.SearchImageByFilterRequest({
            instanceName: 'demo',
            filter: `int_attr=${90 + tag}`,
          }),
        ),
      )
      expect(byFilter.auctions!.map((a) => a.productId).sort()).toEqual([
        `批量-${tag}-a`,
        `批量-${tag}-b`,
      ])
      const gone = await ok(
        c.checkImageExists(
          new sdk.CheckImageExistsRequest({
            instanceName: 'demo',
            productId: pid(4),
            picName: pic(4),
          }),
        ),
      )
      expect(gone.exists).toBe(false)
    })

    it('a 3.9 MB image: AddImage and SearchImageByPic (chunked, ~5.4 MB body)', async () => {
      expect(big.length).toBeGreaterThan(3.8 * 1024 * 1024)
      expect(big.length).toBeLessThan(4 * 1024 * 1024)
      const c = client({ v1 })
      const add = await ok(
        c.addImage(
          new sdk.AddImageRequest({
            instanceName: 'demo',
            productId: `big-${tag}`,
            picName: 'big.png',
            picContent: b64(big),
            intAttr: 50 + tag,
          }),
        ),
      )
      expect(add.success).toBe(true)
      const found = await ok(
        c.searchImageByPic(
          new sdk.SearchImageByPicRequest({
            instanceName: 'demo',
            picContent: b64(big),
            filter: `int_attr=${50 + tag}`,
          }),
        ),
      )
      expect(found.auctions?.[0]).toMatchObject({ productId: `big-${tag}`, picName: 'big.png' })
      expect(found.auctions![0].score).toBeGreaterThan(0.99)
    })

    it('DeleteImage by picture, by product and by filter', async () => {
      const c = client({ v1 })
      const one = await ok(
        c.deleteImage(
          new sdk.DeleteImageRequest({ instanceName: 'demo', productId: pid(1), picName: pic(1) }),
        ),
      )
      expect(one).toMatchObject({ success: true, code: 0, message: 'success' })
      expect(one.data?.picNames).toEqual([pic(1)])
      const byProduct = await ok(
        c.deleteImage(new sdk.DeleteImageRequest({ instanceName: 'demo', productId: pid(2) })),
      )
      expect(byProduct.data?.picNames).toEqual([pic(2)])
      const byFilter = await ok(
        c.deleteImage(
          new sdk.DeleteImageRequest({
            instanceName: 'demo',
            isDeleteByFilter: true,
            filter: `int_attr=${90 + tag} OR int_attr=${50 + tag}`,
          }),
        ),
      )
      expect(byFilter.data?.picNames?.slice().sort()).toEqual([
        'big.png',
        'imgs/a.png',
        'imgs/b.png',
      ])
      const left = await ok(
        c.searchImageByFilter(
          new sdk.SearchImageByFilterRequest({ instanceName: 'demo', filter: `int_attr=${tag}` }),
        ),
      )
      expect(left.auctions!.map((a) => a.productId)).toEqual([pid(3)])
    })

    it('SearchImageByText: a clear unsupported-operation error (400)', async () => {
      const e = await fails(
        client({ v1 }).searchImageByText(
          new sdk.SearchImageByTextRequest({ instanceName: 'demo', text: '红色连衣裙' }),
        ),
      )
      expect(e.statusCode).toBe(400)
      expect(e.code).toBe('UnsupportedOperationType')
      expect(e.data.Message).toMatch(/SearchImageByText/)
      expect(e.data.RequestId).toMatch(/^[0-9A-F-]{36}$/)
      expect(e.data.HostId).toBe(`127.0.0.1:${stack.server.port}`)
    })

    it('authentication: wrong secret 400, unknown AccessKey 404, stale timestamp 400, replayed nonce 400', async () => {
      const detail = new sdk.DetailRequest({ instanceName: 'demo' })
      const wrong = await fails(client({ v1, secret: 'not-the-secret' }).detail(detail))
      expect([wrong.statusCode, wrong.code]).toEqual([400, 'SignatureDoesNotMatch'])
      const unknown = await fails(client({ v1, ak: 'LPKnobodyAtAll' }).detail(detail))
      expect([unknown.statusCode, unknown.code]).toEqual([404, 'InvalidAccessKeyId.NotFound'])

      const stale = new Date(Date.now() - 20 * 60_000).toISOString().replace(/\.\d+Z$/, 'Z')
      const old = await fails(
        client({ v1 }).detailWithOptions(
          detail,
          v1
            ? runtimeWith({ queries: { Timestamp: stale } })
            : runtimeWith({ headers: { 'x-acs-date': stale } }),
        ),
      )
      expect([old.statusCode, old.code]).toEqual([400, 'InvalidTimeStamp.Expired'])

      const nonce = `contract-${scheme}-${Date.now()}`
      const withNonce = () =>
        v1
          ? runtimeWith({ queries: { SignatureNonce: nonce } })
          : runtimeWith({ headers: { 'x-acs-signature-nonce': nonce } })
      await ok(client({ v1 }).detailWithOptions(detail, withNonce()))
      const replay = await fails(client({ v1 }).detailWithOptions(detail, withNonce()))
      expect([replay.statusCode, replay.code]).toEqual([400, 'SignatureNonceUsed'])
    })

    it('an unknown instance is InvalidInstance (400)', async () => {
      const e = await fails(client({ v1 }).detail(new sdk.DetailRequest({ instanceName: 'ghost' })))
      expect([e.statusCode, e.code]).toEqual([400, 'InvalidInstance'])
      expect(e.data.Message).toBe('The specified instance name is invalid.')
    })
  })
}

describe('documented errors and their HTTP statuses (official SDK, ACS3)', () => {
  const search = (extra: Record<string, unknown>) =>
    client().searchImageByName(
      new sdk.SearchImageByNameRequest({
        instanceName: 'demo',
        productId: `${ODD}-1-3`,
        picName: `图 3 ${ODD}.jpg`,
        ...extra,
      }),
    )

  it('InvalidNumParameter, OverflowMaxReturnNum, OverflowMaxResultNum (400)', async () => {
    for (const [extra, code] of [
      [{ num: 0 }, 'InvalidNumParameter'],
      [{ num: 101 }, 'OverflowMaxReturnNum'],
      [{ num: 100, start: 450 }, 'OverflowMaxResultNum'],
    ] as const) {
      const e = await fails(search(extra))
      expect([e.statusCode, e.code], code).toEqual([400, code])
      expect(e.name).toBe('ClientError')
    }
  })

  it('InvalidFilterClause (400) with the position in the message', async () => {
    const e = await fails(search({ filter: 'int_attr >> 3' }))
    expect([e.statusCode, e.code]).toEqual([400, 'InvalidFilterClause'])
    expect(e.data.Message).toMatch(/position/)
  })

  it('UnsupportedPicFormat, UnsupportedPicPixels, IncorrectOrientation (400)', async () => {
    const c = client()
    const add = (bytes: Buffer) =>
      c.addImage(
        new sdk.AddImageRequest({
          instanceName: 'demo',
          productId: 'bad',
          picName: 'bad',
          picContent: b64(bytes),
        }),
      )
    const text = await fails(add(Buffer.from('this is not an image at all, just text')))
    expect([text.statusCode, text.code]).toEqual([400, 'UnsupportedPicFormat'])
    const tinyPng = await sharp({
      create: { width: 50, height: 50, channels: 3, background: '#c33' },
    })
      .png()
      .toBuffer()
    const tiny = await fails(add(tinyPng))
    expect([tiny.statusCode, tiny.code]).toEqual([400, 'UnsupportedPicPixels'])
    const rotated = await sharp(catalogue(5)).jpeg().withMetadata({ orientation: 6 }).toBuffer()
    const rot = await fails(add(rotated))
    expect([rot.statusCode, rot.code]).toEqual([400, 'IncorrectOrientation'])
  })

  it('InvalidCategory and InvalidIntAttr (400)', async () => {
    const c = client()
    const cat = await fails(
      c.addImage(
        new sdk.AddImageRequest({
          instanceName: 'demo',
          productId: 'c',
          picName: 'c',
          picContent: b64(catalogue(40)),
          categoryId: 12345,
        }),
      ),
    )
    expect([cat.statusCode, cat.code]).toEqual([400, 'InvalidCategory'])
    const ia = await fails(
      c.updateImage(
        new sdk.UpdateImageRequest({
          instanceName: 'demo',
          productId: 'c',
          picName: 'c',
          intAttr: 1.5,
        }),
      ),
    )
    expect([ia.statusCode, ia.code]).toEqual([400, 'InvalidIntAttr'])
  })

  it('BadRequest (400) for a picture that is not in the instance', async () => {
    const e = await fails(
      client().searchImageByName(
        new sdk.SearchImageByNameRequest({
          instanceName: 'demo',
          productId: 'nope',
          picName: 'nope',
        }),
      ),
    )
    expect([e.statusCode, e.code]).toEqual([400, 'BadRequest'])
  })

  it('InstanceOverQuota (400) on a full instance', async () => {
    const c = client()
    const add = (k: number) =>
      c.addImage(
        new sdk.AddImageRequest({
          instanceName: 'tiny',
          productId: `t${k}`,
          picName: 'p',
          picContent: b64(catalogue(k)),
        }),
      )
    await ok(add(1))
    const e = await fails(add(2))
    expect([e.statusCode, e.code]).toEqual([400, 'InstanceOverQuota'])
  })

  it('DeniedRequest (403) past the instance QPS', async () => {
    const c = client()
    const s = () =>
      c.searchImageByFilter(
        new sdk.SearchImageByFilterRequest({ instanceName: 'slow', filter: 'int_attr=1' }),
      )
    const results = await Promise.allSettled([s(), s(), s()])
    const denied = results
      .filter((r) => r.status === 'rejected')
      .map((r) => (r as PromiseRejectedResult).reason as SdkErr)
    expect(denied.length).toBeGreaterThanOrEqual(1)
    for (const d of denied) {
      seen.push(d.message)
      expect([d.statusCode, d.code, d.name]).toEqual([403, 'DeniedRequest', 'ClientError'])
    }
  })

  it('the secret never appears in a response body, an error or a logged line', () => {
    expect(seen.length).toBeGreaterThan(40)
    expect(stack.logs.length).toBeGreaterThan(40)
    for (const s of [...seen, ...stack.logs]) expect(s).not.toContain(SECRET)
  })
})
