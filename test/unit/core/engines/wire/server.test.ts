import http from 'node:http'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { EngineError } from '../../../../../electron/core/engines/errors'
import type { Engine } from '../../../../../electron/core/engines/types'
import { toFormString } from '../../../../../electron/core/engines/wire/encode'
import {
  createWireHandler,
  writeLimitsLikeCloud,
} from '../../../../../electron/core/engines/wire/server'
import { acs3Headers, withAcs3Signature } from '../../../../helpers/acs3-request'
import { recordingEngine, SEARCH } from './recording-engine'
import { listen, makeClient, runtimeWith, sdk, sdkError, type Listening } from './sdk'

const AK = 'LPKunitTestKey'
const SECRET = 'unit-secret-Very-Hidden-1234567890'
const ODD = `商品 ID!'()*&=+/ ~`
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex')

let srv: Listening
let rec: ReturnType<typeof recordingEngine>
let engine: Engine
let qps: number | undefined
let logs: string[] = []

function startServer(extra: Partial<Parameters<typeof createWireHandler>[0]> = {}) {
  return listen(
    createWireHandler({
      resolveEngine: async (name) => (name === 'demo' ? engine : null),
      keys: { lookup: async (id) => (id === AK ? { secret: SECRET } : null) },
      qps: () => qps,
      log: (l) => logs.push(l),
      ...extra,
    }),
  )
}

beforeAll(async () => {
  srv = await startServer()
})
afterAll(async () => {
  await srv.close()
})
afterEach(() => {
  rec = recordingEngine()
  engine = rec.engine
  qps = undefined
})
rec = recordingEngine()
engine = rec.engine

function client(o: { secret?: string; ak?: string; v1?: boolean; port?: number } = {}) {
  return makeClient({
    port: o.port ?? srv.port,
    accessKeyId: o.ak ?? AK,
    accessKeySecret: o.secret ?? SECRET,
    signatureAlgorithm: o.v1 ? 'v2' : undefined,
  })
}

/** A raw POST signed with our ACS3 signer (for cases the SDK cannot produce). */
async function rawAcs3(
  port: number,
  action: string,
  params: Record<string, string>,
  opts: { version?: string; contentType?: string; body?: string; secret?: string } = {},
) {
  const body = opts.body ?? toFormString(params)
  const headers = acs3Headers(port, action, opts)
  const signed = withAcs3Signature(headers, body, {
    accessKeyId: AK,
    secret: opts.secret ?? SECRET,
  })
  const res = await fetch(`http://127.0.0.1:${port}/`, {
    method: 'POST',
    headers: signed,
    body,
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

for (const v1 of [false, true]) {
  describe(`operations through the official SDK (${v1 ? 'RPC v1 HMAC-SHA1' : 'ACS3-HMAC-SHA256'})`, () => {
    it('AddImage: every attribute reaches the engine; PicInfo comes back', async () => {
      const r = await client({ v1 }).addImage(
        new sdk.AddImageRequest({
          instanceName: 'demo',
          productId: ODD,
          picName: `图 ${ODD}.jpg`,
          picContent: PNG.toString('base64'),
          categoryId: 3,
          crop: false,
          region: '1,101,2,102',
          customContent: ODD,
          intAttr: -1,
          intAttr2: 2,
          intAttr3: 3,
          intAttr4: 4,
          strAttr: 'a',
          strAttr2: 'b',
          strAttr3: 'c',
          strAttr4: ODD,
        }),
      )
      expect(r.statusCode).toBe(200)
      expect(r.body?.success).toBe(true)
      expect(r.body?.code).toBe(0)
      expect(r.body?.message).toBe('success')
      expect(r.body?.picInfo?.categoryId).toBe(3)
      expect(r.body?.picInfo?.region).toBe('1,101,2,102')
      expect(r.body?.requestId).toMatch(/^[0-9A-F-]{36}$/)
      expect(r.headers?.['x-acs-request-id']).toBe(r.body?.requestId)
      expect(rec.calls).toEqual([
        {
          op: 'addImage',
          req: {
            productId: ODD,
            picName: `图 ${ODD}.jpg`,
            picContent: PNG,
            categoryId: 3,
            crop: false,
            region: '1,101,2,102',
            customContent: ODD,
            intAttr: -1,
            intAttr2: 2,
            intAttr3: 3,
            intAttr4: 4,
            strAttr: 'a',
            strAttr2: 'b',
            strAttr3: 'c',
            strAttr4: ODD,
          },
        },
      ])
    })

    it('UpdateImage: body and query parameters (IntAttr3/4, StrAttr3/4) are merged', async () => {
      const r = await client({ v1 }).updateImage(
        new sdk.UpdateImageRequest({
          instanceName: 'demo',
          productId: 'p',
          picName: 'n',
          customContent: ODD,
          intAttr: 1,
          intAttr3: 33,
          strAttr4: '第四',
        }),
      )
      expect(r.body?.success).toBe(true)
      expect(r.body?.message).toBe('success')
      expect(rec.calls[0]).toEqual({
        op: 'updateImage',
        req: {
          productId: 'p',
          picName: 'n',
          customContent: ODD,
          intAttr: 1,
          intAttr3: 33,
          strAttr4: '第四',
        },
      })
    })

    it('DeleteImage by product, by picture and by filter; PicNames come back', async () => {
      const c = client({ v1 })
      const r = await c.deleteImage(
        new sdk.DeleteImageRequest({ instanceName: 'demo', productId: ODD }),
      )
      expect(r.body?.data?.picNames).toEqual(['a.jpg', '图.jpg'])
      await c.deleteImage(
        new sdk.DeleteImageRequest({ instanceName: 'demo', productId: 'p', picName: 'x.jpg' }),
      )
      await c.deleteImage(
        new sdk.DeleteImageRequest({
          instanceName: 'demo',
          isDeleteByFilter: true,
          filter: 'int_attr=1',
        }),
      )
      expect(rec.calls.map((x) => x.req)).toEqual([
        { productId: ODD },
        { productId: 'p', picName: 'x.jpg' },
        { filter: 'int_attr=1', isDeleteByFilter: true },
      ])
    })

    it('CheckImageExists answers Exists', async () => {
      const r = await client({ v1 }).checkImageExists(
        new sdk.CheckImageExistsRequest({ instanceName: 'demo', productId: 'p', picName: 'n' }),
      )
      expect(r.body?.exists).toBe(true)
      expect(r.body?.msg).toBe('success')
      expect(rec.calls[0].req).toEqual({ productId: 'p', picName: 'n' })
    })

    it('SearchImageByPic: options reach the engine; Auctions, Head, PicInfo field for field', async () => {
      const r = await client({ v1 }).searchImageByPic(
        new sdk.SearchImageByPicRequest({
          instanceName: 'demo',
          picContent: PNG.toString('base64'),
          categoryId: 3,
          crop: true,
          num: 20,
          start: 5,
          filter: 'str_attr="红" AND int_attr>=1',
          distinctProductId: true,
          scoreThreshold: '0.25',
        }),
      )
      expect(rec.calls[0].req).toEqual({
        picContent: PNG,
        categoryId: 3,
        crop: true,
        num: 20,
        start: 5,
        filter: 'str_attr="红" AND int_attr>=1',
        distinctProductId: true,
        scoreThreshold: 0.25,
      })
      const b = r.body!
      expect(b.success).toBe(true)
      expect(b.code).toBe(0)
      expect(b.msg).toBe('success')
      expect(b.head).toMatchObject({ docsFound: 42, docsReturn: 2, searchTime: 5 })
      expect(b.auctions).toHaveLength(2)
      expect(b.auctions![0]).toMatchObject({
        productId: '商品-1',
        picName: `图 !'()*&=+/ 1.jpg`,
        categoryId: 3,
        customContent: 'k1:v1,颜色:红',
        score: 0.93,
        sortExprValues: '0.93;0',
        intAttr: 7,
        intAttr4: -2,
        strAttr: 'red',
        strAttr3: '蓝',
      })
      expect(b.auctions![1].intAttr).toBeUndefined()
      expect(b.picInfo?.categoryId).toBe(3)
      expect(b.picInfo?.region).toBe('10,200,20,300')
      expect(b.picInfo?.allCategories?.map((c) => [c.id, c.name])).toEqual([
        [0, 'Tops'],
        [88888888, 'Other'],
      ])
      expect(b.picInfo?.multiRegion?.map((m) => m.region)).toEqual(SEARCH.picInfo!.multiRegion)
    })

    it('SearchImageByName, SearchImageByFilter, SearchImageByText', async () => {
      const c = client({ v1 })
      const n = await c.searchImageByName(
        new sdk.SearchImageByNameRequest({
          instanceName: 'demo',
          productId: ODD,
          picName: 'n',
          num: 3,
          scoreThreshold: '0.9',
        }),
      )
      expect(n.body?.auctions).toHaveLength(2)
      const f = await c.searchImageByFilter(
        new sdk.SearchImageByFilterRequest({ instanceName: 'demo', filter: 'int_attr>1', num: 2 }),
      )
      expect(f.body?.auctions?.[0].productId).toBe('商品-1')
      const t = await c.searchImageByText(
        new sdk.SearchImageByTextRequest({ instanceName: 'demo', text: '红色 连衣裙', start: 1 }),
      )
      expect(t.body?.head?.docsFound).toBe(42)
      expect(rec.calls.map((x) => [x.op, x.req])).toEqual([
        ['searchImageByName', { productId: ODD, picName: 'n', num: 3, scoreThreshold: 0.9 }],
        ['searchImageByFilter', { filter: 'int_attr>1', num: 2 }],
        ['searchImageByText', { text: '红色 连衣裙', start: 1 }],
      ])
    })

    it('CompareSimilarByImage answers Score', async () => {
      const r = await client({ v1 }).compareSimilarByImage(
        new sdk.CompareSimilarByImageRequest({
          instanceName: 'demo',
          primaryPicContent: PNG.toString('base64'),
          secondaryPicContent: Buffer.from('other').toString('base64'),
        }),
      )
      expect(r.body?.score).toBe(0.77)
      expect(rec.calls[0].req).toEqual({
        primaryPicContent: PNG,
        secondaryPicContent: Buffer.from('other'),
      })
    })

    it('Detail: Instance with capacity in 10,000s, ServiceType number, times in ms strings', async () => {
      const r = await client({ v1 }).detail(new sdk.DetailRequest({ instanceName: 'demo' }))
      expect(r.body?.success).toBe(true)
      expect(r.body?.instance).toMatchObject({
        name: 'demo',
        capacity: 10,
        totalCount: 12,
        qps: 5,
        region: 'local',
        serviceType: 1,
        utcCreate: '1620382716000',
      })
      expect(r.body?.instance?.utcExpireTime).toBeUndefined()
    })

    it('DumpMeta, DumpMetaList, IncreaseInstance, IncreaseList', async () => {
      const c = client({ v1 })
      const d = await c.dumpMeta(new sdk.DumpMetaRequest({ instanceName: 'demo' }))
      expect(d.body?.data).toMatchObject({ dumpMetaStatus: 'PROCESSING', id: '571' })
      const dl = await c.dumpMetaList(
        new sdk.DumpMetaListRequest({ instanceName: 'demo', id: 571, pageNumber: 1, pageSize: 20 }),
      )
      expect(dl.body?.data).toMatchObject({ pageNumber: 1, pageSize: 20, totalCount: 1 })
      expect(dl.body?.data?.dumpMetaList?.[0]).toMatchObject({
        id: 571,
        status: 'SUCCESS',
        code: '0',
        msg: 'success',
        metaUrl: 'http://127.0.0.1:1/meta/571.jsonl',
        utcCreate: '1639969113000',
        utcModified: 1639969140000,
      })
      const ii = await c.increaseInstance(
        new sdk.IncreaseInstanceRequest({
          instanceName: 'demo',
          bucketName: 'local',
          path: '/public/x',
          callbackAddress: 'http://127.0.0.1:9/cb',
        }),
      )
      expect(ii.body?.data).toMatchObject({ id: '1474', incrementStatus: 'PROCESSING' })
      const il = await c.increaseList(
        new sdk.IncreaseListRequest({
          instanceName: 'demo',
          bucketName: 'local',
          pageNumber: 2,
          pageSize: 1,
        }),
      )
      expect(il.body?.data?.totalCount).toBe(3)
      expect(il.body?.data?.increments?.instance?.[0]).toMatchObject({
        id: 1464,
        bucketName: 'local',
        path: '/public/x',
        status: 'FAIL',
        code: 'NoIncrementMeta',
        msg: 'no increment.meta file',
        utcCreate: '1639107872000',
        utcModified: 1639125540000,
      })
      expect(rec.calls.map((x) => [x.op, x.req])).toEqual([
        ['dumpMeta', undefined],
        ['dumpMetaList', { id: 571, pageNumber: 1, pageSize: 20 }],
        [
          'increaseInstance',
          { bucketName: 'local', path: '/public/x', callbackAddress: 'http://127.0.0.1:9/cb' },
        ],
        ['increaseList', { bucketName: 'local', pageNumber: 2, pageSize: 1 }],
      ])
    })

    it('a wrong secret is SignatureDoesNotMatch (400) and never reaches the engine', async () => {
      const e = await sdkError(
        client({ v1, secret: SECRET + 'x' }).detail(
          new sdk.DetailRequest({ instanceName: 'demo' }),
        ),
      )
      expect(e.name).toBe('ClientError')
      expect(e.code).toBe('SignatureDoesNotMatch')
      expect(e.statusCode).toBe(400)
      expect(e.data?.HostId).toBe(`127.0.0.1:${srv.port}`)
      expect(rec.calls).toHaveLength(0)
    })

    it('an unknown AccessKey is InvalidAccessKeyId.NotFound (404)', async () => {
      const e = await sdkError(
        client({ v1, ak: 'LPKnobody' }).detail(new sdk.DetailRequest({ instanceName: 'demo' })),
      )
      expect(e.code).toBe('InvalidAccessKeyId.NotFound')
      expect(e.statusCode).toBe(404)
    })

    it('a timestamp 16 minutes old is InvalidTimeStamp.Expired (400)', async () => {
      const stale = new Date(Date.now() - 16 * 60_000).toISOString().replace(/\.\d+Z$/, 'Z')
      const runtime = v1
        ? runtimeWith({ queries: { Timestamp: stale } })
        : runtimeWith({ headers: { 'x-acs-date': stale } })
      const e = await sdkError(
        client({ v1 }).detailWithOptions(new sdk.DetailRequest({ instanceName: 'demo' }), runtime),
      )
      expect(e.code).toBe('InvalidTimeStamp.Expired')
      expect(e.statusCode).toBe(400)
      // 14 minutes is inside the window
      const fine = new Date(Date.now() - 14 * 60_000).toISOString().replace(/\.\d+Z$/, 'Z')
      const ok = await client({ v1 }).detailWithOptions(
        new sdk.DetailRequest({ instanceName: 'demo' }),
        v1
          ? runtimeWith({ queries: { Timestamp: fine } })
          : runtimeWith({ headers: { 'x-acs-date': fine } }),
      )
      expect(ok.statusCode).toBe(200)
    })

    it('a replayed nonce is SignatureNonceUsed (400)', async () => {
      const nonce = `nonce-${v1}-${Math.random()}`
      const runtime = () =>
        v1
          ? runtimeWith({ queries: { SignatureNonce: nonce } })
          : runtimeWith({ headers: { 'x-acs-signature-nonce': nonce } })
      const c = client({ v1 })
      const first = await c.detailWithOptions(
        new sdk.DetailRequest({ instanceName: 'demo' }),
        runtime(),
      )
      expect(first.statusCode).toBe(200)
      const e = await sdkError(
        c.detailWithOptions(new sdk.DetailRequest({ instanceName: 'demo' }), runtime()),
      )
      expect(e.code).toBe('SignatureNonceUsed')
      expect(e.statusCode).toBe(400)
      expect(rec.calls).toHaveLength(1)
    })

    it('an unknown instance is InvalidInstance (400)', async () => {
      const e = await sdkError(
        client({ v1 }).detail(new sdk.DetailRequest({ instanceName: 'nope' })),
      )
      expect(e.code).toBe('InvalidInstance')
      expect(e.statusCode).toBe(400)
      expect(e.data?.Message).toBe('The specified instance name is invalid.')
    })
  })
}

describe('engine errors and parameter checks', () => {
  it('maps an EngineError to its code, message and documented status', async () => {
    const cases: [EngineError, number][] = [
      [new EngineError('InvalidFilterClause', 'Invalid filter at position 3'), 400],
      [new EngineError('NoPermission', 'You are not authorized to perform this operation.'), 403],
      [
        new EngineError(
          'AccessEngineFailed',
          'An error occurred while accessing the search engine.',
        ),
        500,
      ],
      [new EngineError('UnsupportedOperationType', 'SearchImageByText needs a text model.'), 500],
    ]
    for (const [err, status] of cases) {
      rec = recordingEngine({ searchImageByFilter: err })
      engine = rec.engine
      const e = await sdkError(
        client().searchImageByFilter(
          new sdk.SearchImageByFilterRequest({ instanceName: 'demo', filter: 'int_attr>' }),
        ),
      )
      expect(e.code).toBe(err.code)
      expect(e.statusCode).toBe(status)
      expect(e.name).toBe(status >= 500 ? 'ServerError' : 'ClientError')
      expect(e.data).toMatchObject({ Code: err.code, Message: err.message })
      expect(Object.keys(e.data!).sort()).toEqual(['Code', 'HostId', 'Message', 'RequestId'])
    }
  })

  it('an unexpected exception is UnknownException (500) without internal detail', async () => {
    rec = recordingEngine({ detail: new Error('sqlite: disk I/O error at /secret/path') })
    engine = rec.engine
    const e = await sdkError(client().detail(new sdk.DetailRequest({ instanceName: 'demo' })))
    expect(e.code).toBe('UnknownException')
    expect(e.statusCode).toBe(500)
    expect(JSON.stringify(e.data)).not.toContain('/secret/path')
  })

  it('type errors use the documented codes: Num, IntAttr, CategoryId', async () => {
    const base = { InstanceName: 'demo', ProductId: 'p', PicName: 'n' }
    const num = await rawAcs3(srv.port, 'SearchImageByName', { ...base, Num: 'ten' })
    expect([num.status, num.body.Code]).toEqual([400, 'InvalidNumParameter'])
    const ia = await rawAcs3(srv.port, 'UpdateImage', { ...base, IntAttr: '1.5' })
    expect([ia.status, ia.body.Code]).toEqual([400, 'InvalidIntAttr'])
    const cat = await rawAcs3(srv.port, 'SearchImageByName', { ...base, CategoryId: 'x' })
    expect([cat.status, cat.body.Code]).toEqual([400, 'InvalidCategory'])
    const crop = await rawAcs3(srv.port, 'SearchImageByPic', {
      InstanceName: 'demo',
      PicContent: PNG.toString('base64'),
      Crop: 'yes',
    })
    expect([crop.status, crop.body.Code]).toEqual([400, 'BadRequest'])
    expect(rec.calls).toHaveLength(0)
  })

  it('missing required parameters are Missing<Name> (400)', async () => {
    const r = await client()
      .addImage(new sdk.AddImageRequest({ instanceName: 'demo', productId: 'p', picName: 'n' }))
      .catch((e) => e)
    expect(r.code).toBe('MissingPicContent')
    const noInstance = await rawAcs3(srv.port, 'Detail', {})
    expect([noInstance.status, noInstance.body.Code]).toEqual([400, 'MissingInstanceName'])
    const del = await rawAcs3(srv.port, 'DeleteImage', { InstanceName: 'demo' })
    expect(del.body.Code).toBe('MissingProductId')
  })

  it('PicContent that is neither base64 nor a URL is BadRequest', async () => {
    const r = await rawAcs3(srv.port, 'SearchImageByPic', {
      InstanceName: 'demo',
      PicContent: '%%% not an image %%%',
    })
    expect([r.status, r.body.Code]).toEqual([400, 'BadRequest'])
  })

  it('unknown actions, other versions and other content types are refused', async () => {
    const a = await rawAcs3(srv.port, 'DeleteInstance', { InstanceName: 'demo' })
    expect([a.status, a.body.Code]).toEqual([404, 'InvalidAction.NotFound'])
    const v = await rawAcs3(srv.port, 'Detail', { InstanceName: 'demo' }, { version: '2019-03-25' })
    expect([v.status, v.body.Code]).toEqual([400, 'InvalidVersion'])
    const ct = await rawAcs3(
      srv.port,
      'Detail',
      {},
      { contentType: 'application/json', body: '{"InstanceName":"demo"}' },
    )
    expect([ct.status, ct.body.Code]).toEqual([400, 'UnsupportedContentType'])
    const proto = await rawAcs3(srv.port, '__proto__', { InstanceName: 'demo' })
    expect(proto.body.Code).toBe('InvalidAction.NotFound')
  })

  it('a request without any signature is IncompleteSignature; a tampered body fails', async () => {
    const res = await fetch(`${srv.url}/?Action=Detail&Version=2020-12-14&InstanceName=demo`, {
      method: 'POST',
    })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { Code: string }).Code).toBe('IncompleteSignature')

    const body = toFormString({ InstanceName: 'demo', ProductId: 'p', PicName: 'n' })
    const signed = withAcs3Signature(
      acs3Headers(srv.port, 'CheckImageExists', { nonce: 'n-tamper' }),
      body,
      { accessKeyId: AK, secret: SECRET },
    )
    const tampered = await fetch(`${srv.url}/`, {
      method: 'POST',
      headers: signed,
      body: body.replace('PicName=n', 'PicName=m'),
    })
    expect(tampered.status).toBe(400)
    expect(((await tampered.json()) as { Code: string }).Code).toBe('SignatureDoesNotMatch')
    // An unsigned x-acs-* header is refused too.
    const extra = await fetch(`${srv.url}/`, {
      method: 'POST',
      headers: { ...signed, 'x-acs-signature-nonce': 'n2', 'x-acs-extra': '1' },
      body,
    })
    expect(((await extra.json()) as { Code: string }).Code).toBe('IncompleteSignature')
    expect(rec.calls).toHaveLength(0)
  })

  it('enforces the instance QPS on searches with DeniedRequest (403)', async () => {
    qps = 2
    const c = client()
    const req = () =>
      c.searchImageByName(
        new sdk.SearchImageByNameRequest({ instanceName: 'demo', productId: 'p', picName: 'n' }),
      )
    const results = await Promise.allSettled([req(), req(), req(), req()])
    const denied = results.filter(
      (r) => r.status === 'rejected' && (r.reason as { code: string }).code === 'DeniedRequest',
    )
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2)
    expect(denied).toHaveLength(2)
    expect((denied[0] as PromiseRejectedResult).reason.statusCode).toBe(403)
    // Non-search operations are not counted.
    const d = await c.detail(new sdk.DetailRequest({ instanceName: 'demo' }))
    expect(d.statusCode).toBe(200)
  })

  it('limits writes like the cloud when asked: AddImage past its rate is DeniedRequest and changes nothing', async () => {
    const limited = await startServer({
      writeQps: (_name, action) => writeLimitsLikeCloud(1_000_000, action),
    })
    try {
      expect(writeLimitsLikeCloud(100_000, 'AddImage')).toBe(1)
      expect(writeLimitsLikeCloud(1_000_000, 'AddImage')).toBe(5)
      expect(writeLimitsLikeCloud(1_000_000, 'DeleteImage')).toBe(20)
      const c = client({ port: limited.port })
      const add = (n: number) =>
        c.addImage(
          new sdk.AddImageRequest({
            instanceName: 'demo',
            productId: `p${n}`,
            picName: `${n}.jpg`,
            picContent: PNG.toString('base64'),
          }),
        )
      const results = await Promise.allSettled([0, 1, 2, 3, 4, 5, 6, 7].map(add))
      const denied = results.filter(
        (r) => r.status === 'rejected' && (r.reason as { code: string }).code === 'DeniedRequest',
      )
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5)
      expect(denied).toHaveLength(3)
      expect((denied[0] as PromiseRejectedResult).reason.statusCode).toBe(403)
      // Only the accepted ones reached the engine; deletes count apart, searches are not limited.
      expect(rec.calls.filter((x) => x.op === 'addImage')).toHaveLength(5)
      const del = await c.deleteImage(
        new sdk.DeleteImageRequest({ instanceName: 'demo', productId: 'p0' }),
      )
      expect(del.statusCode).toBe(200)
    } finally {
      await limited.close()
    }
  })

  it('caps the body size with RequestBodyTooLarge (413), chunked upload included', async () => {
    const small = await startServer({ maxBodyBytes: 1024 * 1024 })
    try {
      const e = await sdkError(
        client({ port: small.port }).addImage(
          new sdk.AddImageRequest({
            instanceName: 'demo',
            productId: 'p',
            picName: 'n',
            picContent: Buffer.alloc(1024 * 1024).toString('base64'),
          }),
        ),
      )
      expect(e.code).toBe('RequestBodyTooLarge')
      expect(e.statusCode).toBe(413)
      expect(rec.calls).toHaveLength(0)
    } finally {
      await small.close()
    }
  })

  it('logs one line per request with action, instance, key id and outcome, never the secret', async () => {
    logs = []
    await client().detail(new sdk.DetailRequest({ instanceName: 'demo' }))
    await sdkError(
      client({ secret: 'wrong' }).detail(new sdk.DetailRequest({ instanceName: 'demo' })),
    )
    expect(logs).toHaveLength(2)
    expect(logs[0]).toMatch(/Detail instance=demo ak=LPKunitTestKey -> 200 OK/)
    expect(logs[1]).toMatch(/ak=LPKunitTestKey -> 400 SignatureDoesNotMatch/)
    for (const l of logs) expect(l).not.toContain(SECRET)
  })
})

describe('PicContent URLs', () => {
  let images: Listening
  beforeAll(async () => {
    images = await listen((req, res) => {
      if (req.url === '/a.png') {
        res.writeHead(200, { 'content-type': 'image/png' })
        res.end(PNG)
      } else if (req.url === '/redirect') {
        res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' })
        res.end()
      } else {
        res.writeHead(404)
        res.end()
      }
    })
  })
  afterAll(() => images.close())

  it('fetches an image from a loopback URL', async () => {
    await client().searchImageByPic(
      new sdk.SearchImageByPicRequest({ instanceName: 'demo', picContent: `${images.url}/a.png` }),
    )
    expect((rec.calls[0].req as { picContent: Buffer }).picContent).toEqual(PNG)
    rec.calls.length = 0
    await client().searchImageByPic(
      new sdk.SearchImageByPicRequest({
        instanceName: 'demo',
        picContent: `http://localhost:${images.port}/a.png`,
      }),
    )
    expect((rec.calls[0].req as { picContent: Buffer }).picContent).toEqual(PNG)
  })

  it('refuses non-loopback hosts, redirects and failed downloads', async () => {
    for (const url of [
      'http://169.254.169.254/latest/meta-data',
      'http://10.0.0.1/a.png',
      `${images.url}/redirect`,
      `${images.url}/missing.png`,
      `http://user:pw@127.0.0.1:${images.port}/a.png`,
    ]) {
      const e = await sdkError(
        client().searchImageByPic(
          new sdk.SearchImageByPicRequest({ instanceName: 'demo', picContent: url }),
        ),
      )
      expect(e.code, url).toBe('BadRequest')
      expect(e.statusCode).toBe(400)
    }
    expect(rec.calls).toHaveLength(0)
  })

  it('allowedFetchHosts replaces the loopback rule: listed hosts only', async () => {
    const strict = await startServer({ allowedFetchHosts: [`localhost:${images.port}`] })
    try {
      const c = client({ port: strict.port })
      const e = await sdkError(
        c.searchImageByPic(
          new sdk.SearchImageByPicRequest({
            instanceName: 'demo',
            picContent: `${images.url}/a.png`,
          }),
        ),
      )
      expect(e.code).toBe('BadRequest')
      await c.searchImageByPic(
        new sdk.SearchImageByPicRequest({
          instanceName: 'demo',
          picContent: `http://localhost:${images.port}/a.png`,
        }),
      )
      expect(rec.calls).toHaveLength(1)
    } finally {
      await strict.close()
    }
  })
})

describe('clock', () => {
  it('uses the injected clock for the skew check', async () => {
    const ahead = await startServer({ now: () => Date.now() + 20 * 60_000 })
    try {
      const e = await sdkError(
        client({ port: ahead.port }).detail(new sdk.DetailRequest({ instanceName: 'demo' })),
      )
      expect(e.code).toBe('InvalidTimeStamp.Expired')
    } finally {
      await ahead.close()
    }
  })

  it('a raw request with a malformed date is InvalidTimeStamp.Format', async () => {
    const body = toFormString({ InstanceName: 'demo' })
    const signed = withAcs3Signature(
      acs3Headers(srv.port, 'Detail', { date: 'yesterday', nonce: 'fmt' }),
      body,
      { accessKeyId: AK, secret: SECRET },
    )
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const r = http.request(
        {
          host: '127.0.0.1',
          port: srv.port,
          method: 'POST',
          path: '/',
          headers: signed,
        },
        (res) => {
          let t = ''
          res.on('data', (c) => (t += c))
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: t }))
        },
      )
      r.on('error', reject)
      r.end(body)
    })
    expect(res.status).toBe(400)
    expect(JSON.parse(res.body).Code).toBe('InvalidTimeStamp.Format')
  })
})
