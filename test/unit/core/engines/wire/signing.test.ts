import { beforeAll, describe, expect, it } from 'vitest'
import {
  acs3CanonicalRequest,
  acs3Signature,
  acs3StringToSign,
  parseAcs3Authorization,
  sha256Hex,
  signAcs3,
} from '../../../../../electron/core/engines/wire/acs3'
import {
  pairsToMap,
  parsePairs,
  percentEncode,
} from '../../../../../electron/core/engines/wire/encode'
import {
  rpcSignature,
  rpcStringToSign,
  signRpcV1,
} from '../../../../../electron/core/engines/wire/rpc-v1'
import { captureServer, makeClient, sdk, type Captured } from './sdk'

const AK = 'LTAItestkey0001'
const SECRET = 'sEcReT/+=&!*()0123456789abcdef'
const ODD = `商品 ID!'()*&=+/ ~%é`

function one(h: Record<string, string[]>, name: string): string {
  return h[name]?.[0] ?? ''
}

/** Requests the real SDK sent, captured on 127.0.0.1; the test vectors for our signer. */
let acs3: Captured[] = []
let v1: Captured[] = []

beforeAll(async () => {
  const cap = await captureServer()
  try {
    const c3 = makeClient({ port: cap.port, accessKeyId: AK, accessKeySecret: SECRET })
    await c3.searchImageByName(
      new sdk.SearchImageByNameRequest({
        instanceName: 'demo',
        productId: ODD,
        picName: `图片 ${ODD}.jpg`,
        num: 7,
        distinctProductId: true,
        scoreThreshold: '0.5',
        filter: 'str_attr="红色" AND int_attr>=3',
      }),
    )
    await c3.addImage(
      new sdk.AddImageRequest({
        instanceName: 'demo',
        productId: 'p1',
        picName: 'a.jpg',
        picContent: Buffer.alloc(300_000, 7).toString('base64'),
        customContent: ODD,
        intAttr: -5,
        crop: false,
      }),
    )
    await c3.detail(new sdk.DetailRequest({ instanceName: 'demo' }))
    acs3 = cap.captured.splice(0)

    const c1 = makeClient({
      port: cap.port,
      accessKeyId: AK,
      accessKeySecret: SECRET,
      signatureAlgorithm: 'v2',
    })
    await c1.searchImageByName(
      new sdk.SearchImageByNameRequest({
        instanceName: 'demo',
        productId: ODD,
        picName: `图片 ${ODD}.jpg`,
        scoreThreshold: '0.25',
      }),
    )
    await c1.updateImage(
      new sdk.UpdateImageRequest({
        instanceName: 'demo',
        productId: 'p1',
        picName: 'a.jpg',
        intAttr3: 4,
        strAttr4: ODD,
      }),
    )
    v1 = cap.captured.splice(0)
  } finally {
    await cap.close()
  }
})

describe('percentEncode', () => {
  it('encodes everything but unreserved characters, like the POP gateway', () => {
    expect(percentEncode("a b*~!'()-_.")).toBe('a%20b%2A~%21%27%28%29-_.')
    expect(percentEncode('+/=&')).toBe('%2B%2F%3D%26')
    expect(percentEncode('红')).toBe('%E7%BA%A2')
  })
})

describe('ACS3-HMAC-SHA256 against the official SDK', () => {
  it('captured the SDK sending ACS3 requests with a chunked form body', () => {
    expect(acs3).toHaveLength(3)
    for (const c of acs3) {
      expect(one(c.headers, 'authorization')).toMatch(/^ACS3-HMAC-SHA256 Credential=/)
      expect(c.method).toBe('POST')
    }
    const add = acs3[1]
    expect(one(add.headers, 'x-acs-action')).toBe('AddImage')
    expect(one(add.headers, 'transfer-encoding')).toBe('chunked')
    expect(one(add.headers, 'content-type')).toBe('application/x-www-form-urlencoded')
    expect(add.body.length).toBeGreaterThan(400_000)
  })

  it('reproduces the signature of every captured request from its parts', () => {
    for (const c of acs3) {
      const auth = parseAcs3Authorization(one(c.headers, 'authorization'))!
      expect(auth.accessKeyId).toBe(AK)
      expect(auth.signedHeaders).toContain('host')
      expect(auth.signedHeaders).toContain('x-acs-date')
      expect(auth.signedHeaders).toContain('x-acs-signature-nonce')
      expect(one(c.headers, 'x-acs-content-sha256')).toBe(sha256Hex(c.body))
      const canonical = acs3CanonicalRequest({
        method: c.method,
        pathname: c.pathname,
        query: pairsToMap(parsePairs(c.rawQuery)),
        headers: c.headers,
        signedHeaders: auth.signedHeaders,
        hashedPayload: sha256Hex(c.body),
      })
      expect(acs3Signature(SECRET, acs3StringToSign(canonical))).toBe(auth.signature)
      expect(acs3Signature(SECRET + 'x', acs3StringToSign(canonical))).not.toBe(auth.signature)
    }
  })

  it('signs exactly as the SDK does: same Authorization header for the same request', () => {
    for (const c of acs3) {
      const headers: Record<string, string> = {}
      for (const [k, v] of Object.entries(c.headers)) {
        if (k === 'authorization' || k === 'x-acs-content-sha256') continue
        headers[k] = v[0]
      }
      const ours = signAcs3({
        method: c.method,
        pathname: c.pathname,
        query: pairsToMap(parsePairs(c.rawQuery)),
        headers,
        body: c.body,
        accessKeyId: AK,
        accessKeySecret: SECRET,
      })
      expect(ours.Authorization).toBe(one(c.headers, 'authorization'))
      expect(ours['x-acs-content-sha256']).toBe(one(c.headers, 'x-acs-content-sha256'))
    }
  })

  it('puts query parameters (ScoreThreshold) in the canonical query and decodes CJK intact', () => {
    const byName = acs3[0]
    const query = pairsToMap(parsePairs(byName.rawQuery))
    expect(query).toEqual({ ScoreThreshold: '0.5' })
    const body = pairsToMap(parsePairs(byName.body.toString('utf8')))
    expect(body.ProductId).toBe(ODD)
    expect(body.PicName).toBe(`图片 ${ODD}.jpg`)
    expect(body.Filter).toBe('str_attr="红色" AND int_attr>=3')
    expect(body.DistinctProductId).toBe('true')
  })

  it('a changed body byte or header breaks the signature', () => {
    const c = acs3[2]
    const auth = parseAcs3Authorization(one(c.headers, 'authorization'))!
    const tampered = { ...c.headers, 'x-acs-action': ['DumpMeta'] }
    const canonical = acs3CanonicalRequest({
      method: c.method,
      pathname: c.pathname,
      query: pairsToMap(parsePairs(c.rawQuery)),
      headers: tampered,
      signedHeaders: auth.signedHeaders,
      hashedPayload: sha256Hex(c.body),
    })
    expect(acs3Signature(SECRET, acs3StringToSign(canonical))).not.toBe(auth.signature)
  })
})

describe('RPC signature v1 (HMAC-SHA1) against the official SDK', () => {
  it('captured v1 requests: Signature, SignatureNonce, Timestamp in the query', () => {
    expect(v1).toHaveLength(2)
    for (const c of v1) {
      const q = pairsToMap(parsePairs(c.rawQuery))
      expect(q.SignatureMethod).toBe('HMAC-SHA1')
      expect(q.SignatureVersion).toBe('1.0')
      expect(q.AccessKeyId).toBe(AK)
      expect(q.Timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
      expect(q.SignatureNonce).toBeTruthy()
      expect(q.Signature).toBeTruthy()
      expect(one(c.headers, 'authorization')).toBe('')
    }
  })

  it('reproduces the SDK signature over query + form body with secret + "&"', () => {
    for (const c of v1) {
      const q = pairsToMap(parsePairs(c.rawQuery))
      const b = pairsToMap(parsePairs(c.body.toString('utf8')))
      const all = { ...q, ...b }
      expect(rpcSignature(SECRET, rpcStringToSign(c.method, all))).toBe(q.Signature)
      const { Signature: _drop, ...unsigned } = all
      expect(signRpcV1(c.method, unsigned, SECRET)).toBe(q.Signature)
      expect(signRpcV1(c.method, { ...unsigned, Action: 'Detail' }, SECRET)).not.toBe(q.Signature)
      expect(signRpcV1(c.method, unsigned, SECRET.slice(1))).not.toBe(q.Signature)
    }
  })

  it('keeps business parameters that the SDK sends in the query (IntAttr3, StrAttr4)', () => {
    const q = pairsToMap(parsePairs(v1[1].rawQuery))
    expect(q.IntAttr3).toBe('4')
    expect(q.StrAttr4).toBe(ODD)
    expect(q.Action).toBe('UpdateImage')
  })
})
