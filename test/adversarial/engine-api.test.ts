/**
 * Family a — the engine API (POST / of `loupe serve`): signature tampering, replay, clock skew,
 * missing parameters, unknown AccessKeys, actions and instances, hostile ids, oversize bodies.
 * Legitimate calls use the official SDK; forged ones are signed by hand and then altered. Before
 * the attacks, images are added (acknowledged by the server); forged DeleteImage requests aim at
 * them, and at the end every one must still be there.
 */
import fs from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LIMITS } from '../../electron/domain/attributes'
import { catalogueBytes } from '../helpers/images'
import { resultOrNamed, rejects, show } from './cases'
import { call } from './contract'
import { AK, ownProfile, SECRET, sharedHost, type Served } from './host'
import { flushTally, record, rng } from './tally'
import {
  acs3,
  client,
  isoNow,
  nonce,
  queryString,
  rpcV1,
  sdk,
  sdkOutcome,
  send,
  type RawAnswer,
  type RawRequest,
} from './wire'
import { runtimeWith } from '../unit/core/engines/wire/sdk'
import { toFormString } from '../../electron/core/engines/wire/encode'
import { sha256Hex } from '../../electron/core/engines/wire/acs3'
import { withAcs3Signature } from '../helpers/acs3-request'

const F = 'a. engine API'
/** This file's own local profile on the shared server: the engine API's InstanceName. */
const INSTANCE = 'adv-engine-api'
let s: Served
/** Images the server acknowledged (200 to AddImage): all must exist at the end. */
const acked: { productId: string; picName: string }[] = []

const b64 = (i: number) => catalogueBytes(i).toString('base64')
const at = (r: RawRequest) => () => send(s.port, r)
const MIN = 60_000

beforeAll(async () => {
  s = sharedHost()
  await ownProfile(s, INSTANCE)
  for (const v1 of [false, true]) {
    for (let k = 0; k < 3; k++) {
      const key = { productId: `acked-${v1 ? 'v1' : 'acs3'}-${k}`, picName: `p${k}.jpg` }
      const r = await client(s.port, { v1 }).addImage(
        new sdk.AddImageRequest({ instanceName: INSTANCE, ...key, picContent: b64(k + 1) }),
      )
      expect(r.body?.success).toBe(true)
      acked.push(key)
    }
  }
})

afterAll(async () => {
  const total = flushTally('engine-api')
  expect(total.misbehaved).toBe(0)
})

/** A DeleteImage of the first acknowledged product: what a forger would most like to send. */
const victim = () => ({ InstanceName: INSTANCE, ProductId: acked[0].productId })

describe('family a: the engine API holds against forged, replayed and malformed requests', () => {
  it('signature tampering: wrong secret, values altered after signing, wrong method/version', async () => {
    const SDM = { status: 400, code: 'SignatureDoesNotMatch' }
    const INC = { status: 400, code: 'IncompleteSignature' }
    const ISM = { status: 400, code: 'InvalidSignatureMethod' }
    const fails: (string | null)[] = []
    const c = (name: string, attempt: () => Promise<{ status: number; code: string }>, w = SDM) =>
      rejects(F, name, s, attempt, w).then((x) => void fails.push(x))

    for (const v1 of [false, true]) {
      const tag = v1 ? 'v1' : 'ACS3'
      await c(`${tag}: SDK with a wrong secret`, () =>
        sdkOutcome(
          client(s.port, { v1, secret: SECRET + 'x' }).deleteImage(
            new sdk.DeleteImageRequest({ instanceName: INSTANCE, productId: acked[0].productId }),
          ),
        ),
      )
      await c(`${tag}: SDK with an empty-looking secret`, () =>
        sdkOutcome(
          client(s.port, { v1, secret: ' ' }).detail(
            new sdk.DetailRequest({ instanceName: INSTANCE }),
          ),
        ),
      )
    }

    // ACS3, altered after signing.
    {
      const r = acs3(s.port, 'DeleteImage', victim())
      await c('ACS3: a query parameter added after signing', at({ ...r, path: '/?PicName=x' }))
    }
    {
      const r = acs3(s.port, 'DeleteImage', { ...victim(), PicName: 'none.jpg' })
      const body = String(r.body).replace('PicName=none.jpg', 'PicName=')
      await c('ACS3: body altered, x-acs-content-sha256 left', at({ ...r, body }))
    }
    {
      const r = acs3(s.port, 'DeleteImage', { ...victim(), PicName: 'none.jpg' })
      const body = toFormString(victim())
      const headers = { ...r.headers, 'x-acs-content-sha256': sha256Hex(body) }
      await c('ACS3: body altered, x-acs-content-sha256 recomputed', at({ ...r, headers, body }))
    }
    {
      const r = acs3(s.port, 'CheckImageExists', { ...victim(), PicName: acked[0].picName })
      const headers = { ...r.headers, 'x-acs-action': 'DeleteImage' }
      await c('ACS3: x-acs-action changed after signing', at({ ...r, headers }))
    }
    {
      const r = acs3(s.port, 'DeleteImage', victim())
      const headers = { ...r.headers, host: `localhost:${s.port}` }
      await c('ACS3: Host changed after signing', at({ ...r, headers }))
    }
    {
      const r = acs3(s.port, 'DeleteImage', victim(), { date: isoNow(-60_000) })
      const headers = { ...r.headers, 'x-acs-date': isoNow() }
      await c('ACS3: x-acs-date changed after signing', at({ ...r, headers }))
    }
    {
      const r = acs3(s.port, 'DeleteImage', victim())
      const headers = { ...r.headers, 'x-acs-signature-nonce': nonce() }
      await c('ACS3: nonce changed after signing', at({ ...r, headers }))
    }
    {
      const r = acs3(s.port, 'DeleteImage', victim())
      const a = r.headers.Authorization
      const last = a.at(-1) === '0' ? '1' : '0'
      const headers = { ...r.headers, Authorization: a.slice(0, -1) + last }
      await c('ACS3: one signature digit flipped', at({ ...r, headers }))
    }
    {
      const r = acs3(s.port, 'DeleteImage', victim(), { secret: SECRET.toUpperCase() })
      await c('ACS3: signed with the secret in other case', at(r))
    }
    {
      const r = acs3(s.port, 'DeleteImage', victim())
      const Authorization = r.headers.Authorization.replace(
        /SignedHeaders=([^,]*)/,
        (_m, list: string) =>
          `SignedHeaders=${list
            .split(';')
            .filter((h) => h !== 'host')
            .join(';')}`,
      )
      if (Authorization === r.headers.Authorization) throw new Error('host was not signed')
      await c(
        'ACS3: host left out of SignedHeaders',
        at({ ...r, headers: { ...r.headers, Authorization } }),
        INC,
      )
    }
    {
      const r = acs3(s.port, 'DeleteImage', victim())
      const headers = { ...r.headers, 'x-acs-forwarded': 'evil' }
      await c('ACS3: an unsigned x-acs-* header added', at({ ...r, headers }), INC)
    }
    for (const [what, value] of [
      [
        'another algorithm (ACS3-HMAC-SM3)',
        (a: string) => a.replace('ACS3-HMAC-SHA256', 'ACS3-HMAC-SM3'),
      ],
      ['AWS4 instead of ACS3', (a: string) => a.replace('ACS3-HMAC-SHA256', 'AWS4-HMAC-SHA256')],
      ['Signature= empty', (a: string) => a.replace(/Signature=[0-9a-f]+/, 'Signature=')],
      [
        'Signature not hex',
        (a: string) => a.replace(/Signature=[0-9a-f]+/, 'Signature=' + 'z'.repeat(64)),
      ],
      ['Credential missing', (a: string) => a.replace(/Credential=[^,]+,/, '')],
      ['plain garbage', () => 'Bearer hello'],
    ] as const) {
      const r = acs3(s.port, 'DeleteImage', victim())
      const headers = { ...r.headers, Authorization: value(r.headers.Authorization) }
      await c(`ACS3: Authorization with ${what}`, at({ ...r, headers }), INC)
    }
    await c(
      'no signature at all',
      at({
        path: `/?Action=DeleteImage&Version=2020-12-14&InstanceName=${INSTANCE}&ProductId=${acked[0].productId}`,
        headers: {},
      }),
      INC,
    )

    // Signature v1, altered after signing.
    {
      const r = rpcV1('DeleteImage', { ...victim(), PicName: 'none.jpg' })
      await c(
        'v1: a signed query value altered',
        at({ ...r, path: r.path.replace('PicName=none.jpg', 'PicName=x.jpg') }),
      )
    }
    {
      const r = rpcV1('CheckImageExists', { ...victim(), PicName: 'p0.jpg' })
      await c(
        'v1: Action altered',
        at({ ...r, path: r.path.replace('Action=CheckImageExists', 'Action=DeleteImage') }),
      )
    }
    {
      const r = rpcV1('DeleteImage', { ...victim(), PicName: 'none.jpg' }, { inBody: true })
      const body = String(r.body).replace('PicName=none.jpg', 'PicName=p0.jpg')
      await c('v1: a signed body value altered', at({ ...r, body }))
    }
    {
      const r = rpcV1('CheckImageExists', { ...victim(), PicName: 'p0.jpg' })
      await c(
        'v1: a parameter appended after signing',
        at({ ...r, path: r.path + '&IsDeleteByFilter=true' }),
      )
    }
    {
      const r = rpcV1('DeleteImage', { ...victim(), PicName: 'none.jpg' })
      const path = '/' + queryString({ ...r.query, Signature: r.query.Signature.slice(0, -4) })
      await c('v1: Signature truncated', at({ ...r, path }))
    }
    for (const method of ['HMAC-SHA256', 'MD5', 'hmac-sha1', '', 'HMAC-SHA1 ']) {
      await c(
        `v1: SignatureMethod ${show(method)}`,
        at(rpcV1('DeleteImage', victim(), { method })),
        ISM,
      )
    }
    for (const signatureVersion of ['2.0', '1', '', '1.0.0']) {
      await c(
        `v1: SignatureVersion ${show(signatureVersion)}`,
        at(rpcV1('DeleteImage', victim(), { signatureVersion })),
        ISM,
      )
    }
    expect(fails.filter(Boolean)).toEqual([])
  })

  it('replay: the same nonce twice is SignatureNonceUsed, also when sent in parallel', async () => {
    const fails: (string | null)[] = []
    const USED = { status: 400, code: 'SignatureNonceUsed' }
    const key = { ...victim(), PicName: acked[0].picName }
    for (const v1 of [false, true]) {
      const tag = v1 ? 'v1' : 'ACS3'
      const r = v1 ? rpcV1('CheckImageExists', key) : acs3(s.port, 'CheckImageExists', key)
      const first = await send(s.port, r)
      if (first.status !== 200)
        fails.push(
          record(
            F,
            `${tag}: replay (first send)`,
            'misbehaved',
            `first send: ${first.code} (${first.status})`,
          ),
        )
      fails.push(await rejects(F, `${tag}: the same request sent again`, s, at(r), USED))
      const usedNonce =
        'query' in r
          ? (r.query as Record<string, string>).SignatureNonce
          : r.headers['x-acs-signature-nonce']
      const fresh = v1
        ? rpcV1('DeleteImage', victim(), { nonce: usedNonce })
        : acs3(s.port, 'DeleteImage', victim(), { nonce: usedNonce })
      fails.push(
        await rejects(
          F,
          `${tag}: a used nonce on a new, validly signed DeleteImage`,
          s,
          at(fresh),
          USED,
        ),
      )
      // Five copies at once: exactly one may pass.
      const p = v1 ? rpcV1('CheckImageExists', key) : acs3(s.port, 'CheckImageExists', key)
      const answers = await Promise.all(Array.from({ length: 5 }, () => send(s.port, p)))
      const passed = answers.filter((a) => a.status === 200).length
      const used = answers.filter((a) => a.status === 400 && a.code === 'SignatureNonceUsed').length
      fails.push(
        passed === 1 && used === 4
          ? record(F, `${tag}: five parallel copies of one request`, 'rejected')
          : record(
              F,
              `${tag}: five parallel copies of one request`,
              'misbehaved',
              `${passed} passed, ${used} SignatureNonceUsed: ${answers.map((a) => `${a.code || 'OK'}(${a.status})`).join(' ')}`,
            ),
      )
      const resigned = v1
        ? rpcV1('Detail', { InstanceName: INSTANCE }, { nonce: '' })
        : acs3NoNonce()
      fails.push(
        await rejects(F, `${tag}: no nonce at all`, s, at(resigned), {
          status: 400,
          code: 'MissingSignatureNonce',
        }),
      )
    }
    expect(fails.filter(Boolean)).toEqual([])
  })

  it('clock skew: timestamps 20 minutes off (either way) or malformed are refused', async () => {
    const fails: (string | null)[] = []
    const EXP = { status: 400, code: 'InvalidTimeStamp.Expired' }
    const FMT = { status: 400, code: 'InvalidTimeStamp.Format' }
    for (const v1 of [false, true]) {
      const tag = v1 ? 'v1' : 'ACS3'
      for (const off of [20 * MIN, -20 * MIN, 24 * 60 * MIN, -365 * 24 * 60 * MIN]) {
        const ts = isoNow(off)
        fails.push(
          await rejects(
            F,
            `${tag}: SDK, timestamp ${off / MIN} min off`,
            s,
            () =>
              sdkOutcome(
                client(s.port, { v1 }).deleteImageWithOptions(
                  new sdk.DeleteImageRequest({
                    instanceName: INSTANCE,
                    productId: acked[0].productId,
                  }),
                  v1
                    ? runtimeWith({ queries: { Timestamp: ts } })
                    : runtimeWith({ headers: { 'x-acs-date': ts } }),
                ),
              ),
            EXP,
          ),
        )
      }
      for (const bad of [
        'yesterday',
        '2026-12-07 11:00:00',
        '2026-12-07T11:00:00+08:00',
        '9999-99-99T99:99:99Z',
        '0',
      ]) {
        const r = v1
          ? rpcV1('DeleteImage', victim(), { timestamp: bad })
          : acs3(s.port, 'DeleteImage', victim(), { date: bad })
        fails.push(await rejects(F, `${tag}: timestamp ${show(bad)}`, s, at(r), FMT))
      }
      fails.push(
        await rejects(
          F,
          `${tag}: year 9999`,
          s,
          at(
            v1
              ? rpcV1('DeleteImage', victim(), { timestamp: '9999-01-01T00:00:00Z' })
              : acs3(s.port, 'DeleteImage', victim(), { date: '9999-01-01T00:00:00Z' }),
          ),
          EXP,
        ),
      )
    }
    expect(fails.filter(Boolean)).toEqual([])
  })

  it('missing parameters are Missing<Name>, wrong versions InvalidVersion', async () => {
    const fails: (string | null)[] = []
    const pic = b64(9)
    const cases: [string, string, Record<string, string>, string][] = [
      ['Detail', 'Detail', {}, 'MissingInstanceName'],
      [
        'AddImage without PicContent',
        'AddImage',
        { InstanceName: INSTANCE, ProductId: 'm', PicName: 'm.jpg' },
        'MissingPicContent',
      ],
      [
        'AddImage without ProductId',
        'AddImage',
        { InstanceName: INSTANCE, PicName: 'm.jpg', PicContent: pic },
        'MissingProductId',
      ],
      [
        'AddImage without PicName',
        'AddImage',
        { InstanceName: INSTANCE, ProductId: 'm', PicContent: pic },
        'MissingPicName',
      ],
      [
        'AddImage without InstanceName',
        'AddImage',
        { ProductId: 'm', PicName: 'm.jpg', PicContent: pic },
        'MissingInstanceName',
      ],
      [
        'SearchImageByPic without PicContent',
        'SearchImageByPic',
        { InstanceName: INSTANCE },
        'MissingPicContent',
      ],
      [
        'SearchImageByName without PicName',
        'SearchImageByName',
        { InstanceName: INSTANCE, ProductId: 'm' },
        'MissingPicName',
      ],
      [
        'SearchImageByFilter without Filter',
        'SearchImageByFilter',
        { InstanceName: INSTANCE },
        'MissingFilter',
      ],
      [
        'DeleteImage without ProductId',
        'DeleteImage',
        { InstanceName: INSTANCE },
        'MissingProductId',
      ],
      [
        'CheckImageExists without ProductId',
        'CheckImageExists',
        { InstanceName: INSTANCE, PicName: 'm.jpg' },
        'MissingProductId',
      ],
      [
        'CompareSimilarByImage without PrimaryPicContent',
        'CompareSimilarByImage',
        { InstanceName: INSTANCE, SecondaryPicContent: pic },
        'MissingPrimaryPicContent',
      ],
      [
        'CompareSimilarByImage without SecondaryPicContent',
        'CompareSimilarByImage',
        { InstanceName: INSTANCE, PrimaryPicContent: pic },
        'MissingSecondaryPicContent',
      ],
      [
        'AddImage with an empty PicContent',
        'AddImage',
        { InstanceName: INSTANCE, ProductId: 'm', PicName: 'm.jpg', PicContent: '' },
        'MissingPicContent',
      ],
    ]
    for (const v1 of [false, true]) {
      const tag = v1 ? 'v1' : 'ACS3'
      for (const [what, action, params, code] of cases) {
        const r = v1 ? rpcV1(action, params, { inBody: true }) : acs3(s.port, action, params)
        fails.push(await rejects(F, `${tag}: ${what}`, s, at(r), { status: 400, code }))
      }
      // (HTTP trims header values, so a trailing space is only an attack where it is a query value.)
      for (const version of ['2019-03-25', '', '../2020-12-14', ...(v1 ? ['2020-12-14 '] : [])]) {
        const r = v1
          ? rpcV1('Detail', { InstanceName: INSTANCE }, { version })
          : acs3(s.port, 'Detail', { InstanceName: INSTANCE }, { version })
        fails.push(
          await rejects(F, `${tag}: Version ${show(version)}`, s, at(r), {
            status: 400,
            code: 'InvalidVersion',
          }),
        )
      }
    }
    {
      const r = acs3(s.port, 'Detail', { InstanceName: INSTANCE })
      const { ['x-acs-action']: _drop, ...rest } = r.headers
      void _drop
      const bare = acs3Raw(rest, String(r.body))
      fails.push(
        await rejects(F, 'ACS3: no action at all', s, at(bare), {
          status: 400,
          code: 'MissingAction',
        }),
      )
    }
    {
      const r = rpcV1('Detail', { InstanceName: INSTANCE })
      const path = r.path.replace(/AccessKeyId=[^&]*&?/, '')
      fails.push(
        await rejects(F, 'v1: no AccessKeyId', s, at({ ...r, path }), {
          status: 400,
          code: 'MissingAccessKeyId',
        }),
      )
    }
    {
      const r = acs3(s.port, 'Detail', { InstanceName: INSTANCE })
      const headers = { ...r.headers, 'content-type': 'application/json' }
      const signed = acs3Raw(headers, '{"InstanceName":"local"}')
      fails.push(
        await rejects(F, 'ACS3: a JSON body', s, at(signed), {
          status: 400,
          code: 'UnsupportedContentType',
        }),
      )
    }
    expect(fails.filter(Boolean)).toEqual([])
  })

  it('unknown AccessKeys, actions and instances', async () => {
    const fails: (string | null)[] = []
    const NF = { status: 404, code: 'InvalidAccessKeyId.NotFound' }
    for (const v1 of [false, true]) {
      const tag = v1 ? 'v1' : 'ACS3'
      // (Authorization's fields and header values are trimmed: a trailing space is v1-only.)
      const aks = [
        'LPKnobody',
        AK.toLowerCase(),
        'x'.repeat(4000),
        '__proto__',
        ...(v1 ? [AK + ' '] : []),
      ]
      for (const ak of aks) {
        const r = v1
          ? rpcV1('DeleteImage', victim(), { accessKeyId: ak })
          : acs3(s.port, 'DeleteImage', victim(), { accessKeyId: ak })
        fails.push(await rejects(F, `${tag}: AccessKeyId ${show(ak, 30)}`, s, at(r), NF))
      }
      fails.push(
        await rejects(
          F,
          `${tag}: SDK with an unknown AccessKey`,
          s,
          () =>
            sdkOutcome(
              client(s.port, { v1, ak: 'LPKunknown' }).detail(
                new sdk.DetailRequest({ instanceName: INSTANCE }),
              ),
            ),
          NF,
        ),
      )
      for (const action of [
        'DeleteInstance',
        '__proto__',
        'constructor',
        'toString',
        'hasOwnProperty',
        'addimage',
        ...(v1 ? ['AddImage '] : []),
        'Add%49mage',
        'x'.repeat(2000),
      ]) {
        const r = v1
          ? rpcV1(action, { InstanceName: INSTANCE })
          : acs3(s.port, action, { InstanceName: INSTANCE })
        fails.push(
          await rejects(F, `${tag}: action ${show(action, 30)}`, s, at(r), {
            status: 404,
            code: 'InvalidAction.NotFound',
          }),
        )
      }
      for (const instance of [
        'nope',
        '__proto__',
        'constructor',
        '../local',
        'local\u0000',
        'LOCAL',
        ' local',
        'x'.repeat(3000),
      ]) {
        const r = v1
          ? rpcV1('Detail', { InstanceName: instance }, { inBody: true })
          : acs3(s.port, 'Detail', { InstanceName: instance })
        fails.push(
          await rejects(F, `${tag}: InstanceName ${show(instance, 30)}`, s, at(r), {
            status: 400,
            code: 'InvalidInstance',
          }),
        )
      }
    }
    expect(fails.filter(Boolean)).toEqual([])
  })

  it('hostile product ids and picture names: stored exactly as sent, or a named 4xx', async () => {
    const r = rng('engine-api/ids')
    const randomUnicode = () =>
      Array.from({ length: r.int(1, 40) }, () =>
        String.fromCodePoint(
          r.pick([
            r.int(0x20, 0x7e),
            r.int(0xa0, 0x2fff),
            r.int(0x4e00, 0x9fff),
            r.int(0x1f300, 0x1faff),
          ]),
        ),
      ).join('')
    const ids = [
      '../../../../etc/passwd',
      '..\\..\\windows\\win.ini',
      'a\u0000b',
      '\u202eevil.gpj',
      '<script>alert(1)</script>',
      "'; DROP TABLE images; --",
      '%00%2e%2e%2f',
      ' ',
      'CON',
      'x'.repeat(LIMITS.productId),
      'x'.repeat(LIMITS.productId + 1),
      '\r\nX-Injected: 1',
      randomUnicode(),
      randomUnicode(),
    ]
    const fails: (string | null)[] = []
    let k = 0
    for (const id of ids) {
      k++
      const v1 = k % 2 === 0
      const picName = `${id}.jpg`
      fails.push(
        await resultOrNamed(
          F,
          `${v1 ? 'v1' : 'ACS3'}: AddImage ProductId/PicName ${show(id, 40)}`,
          s,
          () =>
            sdkOutcome(
              client(s.port, { v1 }).addImage(
                new sdk.AddImageRequest({
                  instanceName: INSTANCE,
                  productId: id,
                  picName,
                  picContent: b64(20 + k),
                }),
              ),
            ),
          {
            verify: async () => {
              acked.push({ productId: id, picName })
              const back = await client(s.port).searchImageByName(
                new sdk.SearchImageByNameRequest({
                  instanceName: INSTANCE,
                  productId: id,
                  picName,
                  num: 5,
                }),
              )
              const first = back.body?.auctions?.[0]
              return first?.productId === id && first?.picName === picName
                ? null
                : `SearchImageByName gave ${JSON.stringify(first && { productId: first.productId, picName: first.picName })}`
            },
          },
        ),
      )
    }
    expect(fails.filter(Boolean)).toEqual([])
  })

  it('an operation the local engine does not support is a 4xx, not a 500', async () => {
    const fails: (string | null)[] = []
    const UNSUPPORTED = { status: 400, code: 'UnsupportedOperationType' }
    for (const v1 of [false, true]) {
      fails.push(
        await rejects(
          F,
          `${v1 ? 'v1' : 'ACS3'}: SearchImageByText on the local engine`,
          s,
          () =>
            sdkOutcome(
              client(s.port, { v1 }).searchImageByText(
                new sdk.SearchImageByTextRequest({ instanceName: INSTANCE, text: 'red shirt' }),
              ),
            ),
          UNSUPPORTED,
        ),
      )
    }
    fails.push(
      await rejects(
        F,
        'contract: search.byText on a local profile',
        s,
        () => call(s.port, 'search.byText', { profile: INSTANCE, text: 'red shirt' }),
        UNSUPPORTED,
      ),
    )
    expect(fails.filter(Boolean)).toEqual([])
  })

  it('IncreaseInstance with hostile paths: a named error, and no server path in any answer', async () => {
    const fails: (string | null)[] = []
    const roots = [s.dataDir, fs.realpathSync(s.dataDir)]
    const leaking = (a: RawAnswer) => roots.find((r) => a.text.includes(r))
    for (const [bucket, p] of [
      ['local', '/does/not/exist'],
      ['local', '/../../../../etc'],
      ['local', '/a/../../..'],
      ['local', '/%2e%2e/%2e%2e'],
      ['local', 'relative/path'],
      ['local', '/\u0000x'],
      ['other-bucket', '/x'],
    ]) {
      fails.push(
        await resultOrNamed(
          F,
          `IncreaseInstance BucketName=${show(bucket)} Path=${show(p)}`,
          s,
          async () => {
            const a = await send(
              s.port,
              acs3(s.port, 'IncreaseInstance', {
                InstanceName: INSTANCE,
                BucketName: bucket,
                Path: p,
              }),
            )
            return leaking(a)
              ? { ...a, code: `SERVER-PATH(${a.code || a.status})`, status: 500 }
              : a
          },
          // A task may be accepted (it then fails on its own, see IncreaseList below).
          { verify: () => null },
        ),
      )
    }
    // The accepted tasks fail (no such folder): their error texts name no server path either.
    let list: RawAnswer | null = null
    for (let i = 0; i < 40; i++) {
      list = await send(
        s.port,
        acs3(s.port, 'IncreaseList', { InstanceName: INSTANCE, BucketName: 'local' }),
      )
      if (!/PROCESSING/.test(list.text)) break
      await new Promise((r) => setTimeout(r, 250))
    }
    const where = list && leaking(list)
    fails.push(
      list && list.status === 200 && !where
        ? record(F, 'IncreaseList of the failed tasks names no server path', 'answered')
        : record(
            F,
            'IncreaseList of the failed tasks names no server path',
            'misbehaved',
            list ? `${list.status} ${list.text.slice(0, 300)}` : 'no answer',
          ),
    )
    expect(fails.filter(Boolean)).toEqual([])
  })

  it('a body over the 16 MB cap is answered 413 RequestBodyTooLarge, not reset', async () => {
    const body = 'InstanceName=local&PicContent=' + 'A'.repeat(17 * 1024 * 1024)
    const f = await rejects(
      F,
      'a 17 MB form body',
      s,
      () =>
        send(s.port, {
          path: '/',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'x-acs-action': 'AddImage',
          },
          body,
        }),
      { status: 413, code: 'RequestBodyTooLarge' },
    )
    expect(f).toBeNull()
  })

  it('nothing acknowledged was lost, and a legitimate client still works', async () => {
    const c = client(s.port)
    const missing: string[] = []
    for (const key of acked) {
      const r = await c.checkImageExists(
        new sdk.CheckImageExistsRequest({ instanceName: INSTANCE, ...key }),
      )
      if (!r.body?.exists) missing.push(show(`${key.productId} / ${key.picName}`, 60))
    }
    const f = missing.length
      ? record(
          F,
          'every acknowledged image is still there',
          'misbehaved',
          `missing: ${missing.join(', ')}`,
        )
      : record(F, 'every acknowledged image is still there', 'answered')
    expect(f).toBeNull()
  })
})

/** An ACS3 request signed over exactly these headers and body (no x-acs-action, a JSON body…). */
function acs3Raw(headers: Record<string, string>, body: string): RawRequest {
  const plain = Object.fromEntries(
    Object.entries(headers).filter(([k]) => k !== 'Authorization' && k !== 'x-acs-content-sha256'),
  )
  return signedWith(plain, body)
}

/** A Detail request signed without any nonce header. */
function acs3NoNonce(): RawRequest {
  const r = acs3(s.port, 'Detail', { InstanceName: INSTANCE })
  const { ['x-acs-signature-nonce']: _n, ...rest } = r.headers
  void _n
  return acs3Raw(rest, String(r.body))
}

function signedWith(headers: Record<string, string>, body: string): RawRequest {
  return {
    path: '/',
    headers: withAcs3Signature(headers, body, { accessKeyId: AK, secret: SECRET }),
    body,
  }
}
