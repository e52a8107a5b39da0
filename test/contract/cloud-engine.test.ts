/**
 * Contract: the cloud engine (official SDK underneath) against our wire server over real HTTP,
 * backed by a real local engine. Every operation must give what the local engine gives when
 * called directly: domain -> SDK -> wire -> domain is the identity (request ids and timings
 * aside), errors included.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCloudEngine, type CloudEngine } from '../../electron/core/engines/cloud/index'
import { EngineError } from '../../electron/core/engines/errors'
import type { Engine, SearchResult } from '../../electron/core/engines/types'
import { captureServer } from '../unit/core/engines/wire/sdk'
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
let cloud: CloudEngine
let local: Engine
const texts: string[] = []

beforeAll(async () => {
  stack = await startStack()
  local = stack.engine
  cloud = createCloudEngine({
    instanceName: 'demo',
    endpoint: `127.0.0.1:${stack.server.port}`,
    protocol: 'http',
    accessKeyId: AK,
    accessKeySecret: SECRET,
  })
})
afterAll(async () => {
  await cloud?.close()
  await stack?.close()
})

function strip<T extends { requestId: string }>(r: T): Omit<T, 'requestId'> {
  const { requestId: _r, ...rest } = r
  return rest
}
function stripSearch(r: SearchResult) {
  const { requestId: _r, head, ...rest } = r
  // The wire carries the cloud's fields only: the local engine's own note on a category it could
  // not predict (picInfo.categoryNote) stays with callers of the engine itself.
  const picInfo = rest.picInfo && { ...rest.picInfo, categoryNote: undefined }
  return {
    ...rest,
    ...(picInfo ? { picInfo } : {}),
    head: { docsFound: head.docsFound, docsReturn: head.docsReturn },
  }
}
async function error(p: Promise<unknown>): Promise<EngineError> {
  try {
    await p
  } catch (e) {
    expect(e).toBeInstanceOf(EngineError)
    const err = e as EngineError
    texts.push(err.message, err.hint ?? '', JSON.stringify(err.toApiError()))
    return err
  }
  throw new Error('expected an error')
}

const pid = (k: number) => `${ODD}-${k}`
const pic = (k: number) => `图 ${k} ${ODD}.jpg`

describe('cloud engine -> wire server -> local engine', () => {
  it('AddImage with CJK and special characters; CheckImageExists agrees with the engine', async () => {
    for (let k = 1; k <= 5; k++) {
      const r = await cloud.addImage({
        productId: pid(k),
        picName: pic(k),
        picContent: catalogue(100 + k),
        customContent: `${ODD} ${k}`,
        intAttr: 7,
        intAttr2: k,
        strAttr: k <= 2 ? STR_ODD : 'plain',
        ...(k === 5 ? { crop: false, region: '5,120,10,200' } : {}),
      })
      expect(r.requestId).toMatch(/^[0-9A-F-]{36}$/)
      expect(r.picInfo.region).toMatch(/^\d+,\d+,\d+,\d+$/)
      expect(typeof r.picInfo.categoryId).toBe('number')
    }
    for (const req of [
      { productId: pid(1), picName: pic(1) },
      { productId: pid(1), picName: pic(2) },
    ]) {
      expect(strip(await cloud.checkImageExists(req))).toEqual(
        strip(await local.checkImageExists(req)),
      )
    }
    expect((await cloud.checkImageExists({ productId: pid(3), picName: pic(3) })).exist).toBe(true)
  })

  it('SearchImageByPic gives exactly what the engine gives', async () => {
    const reqs = [
      { picContent: catalogue(101), filter: 'int_attr=7' },
      { picContent: catalogue(102), crop: false, region: '10,150,20,200', num: 3, start: 1 },
      { picContent: catalogue(103), distinctProductId: true, scoreThreshold: 0.2 },
      { picContent: await photoPng(20, 2), categoryId: 88888888 },
    ]
    for (const req of reqs) {
      const viaWire = await cloud.searchImageByPic(req)
      const direct = await local.searchImageByPic(req)
      expect(stripSearch(viaWire)).toEqual(stripSearch(direct))
    }
    const top = await cloud.searchImageByPic(reqs[0])
    expect(top.auctions[0]).toMatchObject({
      productId: pid(1),
      picName: pic(1),
      customContent: `${ODD} 1`,
      strAttr: STR_ODD,
    })
    expect(top.picInfo?.allCategories).toHaveLength(14)
  })

  it('SearchImageByName gives exactly what the engine gives', async () => {
    const req = { productId: pid(2), picName: pic(2), num: 4, start: 0, filter: 'int_attr2>=2' }
    expect(stripSearch(await cloud.searchImageByName(req))).toEqual(
      stripSearch(await local.searchImageByName(req)),
    )
  })

  it('SearchImageByFilter: the same images and attributes (the SDK model has no Score or Head)', async () => {
    const req = { filter: `str_attr="${STR_ODD}" OR int_attr2=5`, num: 10 }
    const viaWire = await cloud.searchImageByFilter(req)
    const direct = await local.searchImageByFilter(req)
    const attrs = (r: SearchResult) =>
      r.auctions.map(({ score: _s, sortExprValues: _e, ...a }) => a)
    expect(attrs(viaWire)).toEqual(attrs(direct))
    expect(viaWire.auctions.map((a) => a.productId).sort()).toEqual([pid(1), pid(2), pid(5)].sort())
    expect(viaWire.head.docsReturn).toBe(direct.head.docsReturn)
  })

  it('CompareSimilarByImage: the same score', async () => {
    const req = { primaryPicContent: catalogue(101), secondaryPicContent: catalogue(104) }
    expect(strip(await cloud.compareSimilarByImage(req))).toEqual(
      strip(await local.compareSimilarByImage(req)),
    )
  })

  it('UpdateImage lands; changing the category is refused clearly', async () => {
    await cloud.updateImage({
      productId: pid(3),
      picName: pic(3),
      strAttr3: STR_ODD,
      intAttr4: 44,
      customContent: '更新 ' + ODD,
    })
    const r = await local.searchImageByFilter({ filter: 'int_attr4=44' })
    expect(r.auctions).toHaveLength(1)
    expect(r.auctions[0]).toMatchObject({
      productId: pid(3),
      strAttr3: STR_ODD,
      customContent: '更新 ' + ODD,
    })
    const e = await error(cloud.updateImage({ productId: pid(3), picName: pic(3), categoryId: 2 }))
    expect(e.code).toBe('BadRequest')
  })

  it('Detail: the same instance, capacity in images, no expiry', async () => {
    expect(strip(await cloud.detail())).toEqual(strip(await local.detail()))
    expect((await cloud.detail()).instance).toMatchObject({ capacity: 10_000, utcExpireTime: null })
  })

  it('DumpMeta and DumpMetaList: the same task, as the engine lists it', async () => {
    const started = await cloud.dumpMeta()
    expect(started.id).toBeGreaterThan(0)
    await eventually(async () => {
      const l = await cloud.dumpMetaList({ id: started.id })
      return l.dumpMetaList[0]?.status === 'SUCCESS'
    })
    expect(strip(await cloud.dumpMetaList({ id: started.id }))).toEqual(
      strip(await local.dumpMetaList({ id: started.id })),
    )
    expect(strip(await cloud.dumpMetaList({ pageNumber: 1, pageSize: 5 }))).toEqual(
      strip(await local.dumpMetaList({ pageNumber: 1, pageSize: 5 })),
    )
  })

  it('IncreaseInstance and IncreaseList: the same task, as the engine lists it', async () => {
    const folder = path.join(stack.engine.batchRoot, 'cloud-batch')
    fs.mkdirSync(folder, { recursive: true })
    fs.writeFileSync(path.join(folder, 'x.png'), await photoPng(29, 0))
    fs.writeFileSync(
      path.join(folder, 'increment.meta'),
      [
        JSON.stringify({
          OperationType: 'ADD',
          ProductId: '批-x',
          PicName: 'x.png',
          CustomContent: ODD,
        }),
        JSON.stringify({ OperationType: 'ADD', ProductId: '批-y', PicName: 'missing.png' }),
      ].join('\n'),
    )
    const started = await cloud.increaseInstance({
      bucketName: 'local',
      path: '/cloud-batch',
      callbackAddress: 'http://127.0.0.1:9/cb',
    })
    expect(started.incrementStatus).toBe('PROCESSING')
    await eventually(async () => {
      const l = await cloud.increaseList({ id: started.id })
      return l.increments[0] && l.increments[0].status !== 'PROCESSING'
    })
    const viaWire = await cloud.increaseList({ id: started.id, bucketName: 'local' })
    expect(strip(viaWire)).toEqual(
      strip(await local.increaseList({ id: started.id, bucketName: 'local' })),
    )
    expect(viaWire.increments[0]).toMatchObject({
      bucketName: 'local',
      path: '/cloud-batch',
      callbackAddress: 'http://127.0.0.1:9/cb',
    })
    const done = await cloud.increaseList({ status: viaWire.increments[0].status })
    expect(done.increments.map((t) => t.id)).toContain(started.id)
  })

  it('a 3.9 MB image through the cloud engine', async () => {
    const big = await bigPng(Math.round(3.9 * 1024 * 1024))
    await cloud.addImage({ productId: 'big', picName: 'big.png', picContent: big, intAttr: 99 })
    const r = await cloud.searchImageByPic({ picContent: big, filter: 'int_attr=99' })
    expect(r.auctions[0]).toMatchObject({ productId: 'big', picName: 'big.png' })
  })

  it('DeleteImage by picture, by product and by filter: the names deleted', async () => {
    expect((await cloud.deleteImage({ productId: pid(1), picName: pic(1) })).picNames).toEqual([
      pic(1),
    ])
    expect((await cloud.deleteImage({ productId: pid(2) })).picNames).toEqual([pic(2)])
    const byFilter = await cloud.deleteImage({ isDeleteByFilter: true, filter: 'int_attr=99' })
    expect(byFilter.picNames).toEqual(['big.png'])
    expect((await local.checkImageExists({ productId: pid(2), picName: pic(2) })).exist).toBe(false)
  })

  it('errors: the same code, message and HTTP status as the engine gives directly', async () => {
    const cases: [string, (e: Engine) => Promise<unknown>][] = [
      ['num 101', (e) => e.searchImageByName({ productId: pid(3), picName: pic(3), num: 101 })],
      ['num 0', (e) => e.searchImageByName({ productId: pid(3), picName: pic(3), num: 0 })],
      ['start+num', (e) => e.searchImageByFilter({ filter: 'int_attr=7', start: 450, num: 100 })],
      ['filter', (e) => e.searchImageByFilter({ filter: 'int_attr >> 1' })],
      [
        'not an image',
        (e) => e.searchImageByPic({ picContent: Buffer.from('plain text, not an image') }),
      ],
      [
        'category',
        (e) =>
          e.addImage({ productId: 'c', picName: 'c', picContent: catalogue(1), categoryId: 4242 }),
      ],
      ['unknown picture', (e) => e.searchImageByName({ productId: 'nope', picName: 'nope' })],
      ['text search', (e) => e.searchImageByText({ text: '红色 连衣裙' })],
      ['bad bucket', (e) => e.increaseInstance({ bucketName: 'oss-bucket', path: '/x' })],
    ]
    for (const [what, run] of cases) {
      const direct = await error(run(local))
      const viaWire = await error(run(cloud))
      expect([viaWire.code, viaWire.httpStatus, viaWire.message], what).toEqual([
        direct.code,
        direct.httpStatus,
        direct.message,
      ])
      expect(viaWire.requestId, what).toMatch(/^[0-9A-F-]{36}$/)
    }
    const text = await error(cloud.searchImageByText({ text: 'x' }))
    expect([text.code, text.httpStatus]).toEqual(['UnsupportedOperationType', 400])
  })

  it('a wrong secret: SignatureDoesNotMatch with a hint, and the secret in no message', async () => {
    const wrongSecret = 'WrongSecretValue-1234567890'
    const bad = createCloudEngine({
      instanceName: 'demo',
      endpoint: `127.0.0.1:${stack.server.port}`,
      protocol: 'http',
      accessKeyId: AK,
      accessKeySecret: wrongSecret,
    })
    const e = await error(bad.detail())
    expect([e.code, e.httpStatus]).toEqual(['SignatureDoesNotMatch', 400])
    expect(e.hint).toMatch(/secret/i)
    expect(JSON.stringify({ ...e.toApiError(), stack: e.stack })).not.toContain(wrongSecret)
    const unknown = createCloudEngine({
      instanceName: 'demo',
      endpoint: `127.0.0.1:${stack.server.port}`,
      protocol: 'http',
      accessKeyId: 'LPKnotAKey',
      accessKeySecret: SECRET,
    })
    const u = await error(unknown.detail())
    expect([u.code, u.httpStatus]).toEqual(['InvalidAccessKeyId.NotFound', 404])
    const other = createCloudEngine({
      instanceName: 'ghost',
      endpoint: `127.0.0.1:${stack.server.port}`,
      protocol: 'http',
      accessKeyId: AK,
      accessKeySecret: SECRET,
    })
    const g = await error(other.detail())
    expect([g.code, g.httpStatus]).toEqual(['InvalidInstance', 400])
    expect(g.hint).toMatch(/instance name/i)
  })

  it('the secret appears in no error and no logged line', () => {
    expect(texts.length).toBeGreaterThan(20)
    for (const t of [...texts, ...stack.logs]) expect(t).not.toContain(SECRET)
  })
})

describe('cloud engine configuration', () => {
  it('derives the endpoint from the region; refuses a scheme or no endpoint at all', () => {
    const e = createCloudEngine({
      instanceName: 'x',
      region: 'cn-hangzhou',
      accessKeyId: 'a',
      accessKeySecret: 'b',
    })
    expect([e.endpoint, e.protocol]).toEqual(['imagesearch.cn-hangzhou.aliyuncs.com', 'https'])
    expect(() =>
      createCloudEngine({ instanceName: 'x', accessKeyId: 'a', accessKeySecret: 'b' }),
    ).toThrow(expect.objectContaining({ code: 'MissingEndpoint' }))
    expect(() =>
      createCloudEngine({
        instanceName: 'x',
        endpoint: 'https://imagesearch.cn-shanghai.aliyuncs.com',
        accessKeyId: 'a',
        accessKeySecret: 'b',
      }),
    ).toThrow(expect.objectContaining({ code: 'InvalidEndpoint' }))
  })

  it('sends an STS security token, signed, and the wire server accepts the call', async () => {
    const cap = await captureServer(() => ({
      RequestId: 'R1',
      Success: true,
      Instance: {
        Name: 'demo',
        Capacity: 2.5,
        TotalCount: 3,
        Qps: 5,
        Region: 'cn-shanghai',
        ServiceType: 1,
        UtcCreate: '1620382716000',
        UtcExpireTime: '1623081600000',
      },
    }))
    try {
      const sts = createCloudEngine({
        instanceName: 'demo',
        endpoint: `127.0.0.1:${cap.port}`,
        protocol: 'http',
        accessKeyId: 'STS.testid',
        accessKeySecret: SECRET,
        securityToken: 'CAIS-token-value-xyz',
      })
      const d = await sts.detail()
      expect(d.instance).toEqual({
        name: 'demo',
        capacity: 25_000,
        totalCount: 3,
        qps: 5,
        region: 'cn-shanghai',
        serviceType: 'generic',
        utcCreate: 1620382716000,
        utcExpireTime: 1623081600000,
      })
      const h = cap.captured[0].headers
      expect(h['x-acs-security-token']).toEqual(['CAIS-token-value-xyz'])
      expect(h['x-acs-accesskey-id']).toEqual(['STS.testid'])
      expect(h.authorization[0]).toMatch(/SignedHeaders=[^,]*x-acs-security-token/)
    } finally {
      await cap.close()
    }
    const viaWire = createCloudEngine({
      instanceName: 'demo',
      endpoint: `127.0.0.1:${stack.server.port}`,
      protocol: 'http',
      accessKeyId: AK,
      accessKeySecret: SECRET,
      securityToken: 'CAIS-token-value-xyz',
    })
    expect((await viaWire.detail()).instance.name).toBe('demo')
  })
})
