/**
 * Search by name and update of an image that is not in the instance (issue 13, point 4): the user
 * is told which picture is missing — `ImageNotFound` naming the product ID and the picture name,
 * explained in en-US and zh-CN — instead of "A parameter is invalid." (BadRequest). Through
 * Loupe's contract (the UI's and the CLI's path) on three engines:
 * - the local engine (its own BadRequest naming the pair, README "Unknown image");
 * - the cloud engine (official SDK) against the wire server backed by a local engine;
 * - the cloud engine against a server answering as the real cloud does: a bare 400 BadRequest,
 *   "The request has invalid parameters." (the API reference's error table), and
 *   CheckImageExists → Exists: false.
 * The engines' wire answer itself is unchanged (test/contract/cloud-engine.test.ts compares it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCore, type Core } from '../../electron/core/app'
import { createMemorySecretStore } from '../../electron/core/profiles/secrets'
import { explainError } from '../../electron/domain/errors'
import { listen, type Listening } from '../unit/core/engines/wire/sdk'
import { tempDir } from '../helpers/tmp'
import { AK, SECRET, catalogue, startStack, type Stack } from './fixtures'

const CJK = /[\u3400-\u9fff]/
const MISSING = { productId: 'sku 404', picName: '不在 front.jpg' }

/** What the real cloud answers: a bare BadRequest for the unknown pair, Exists: false. */
async function cloudLike(): Promise<Listening & { actions: string[] }> {
  const actions: string[] = []
  const l = await listen((req, res) => {
    req.resume()
    req.on('end', () => {
      const action = String(req.headers['x-acs-action'] ?? '')
      actions.push(action)
      const [status, body] =
        action === 'CheckImageExists'
          ? [200, { RequestId: 'RID-check', Success: true, Code: 0, Msg: 'success', Exists: false }]
          : [
              400,
              {
                RequestId: 'RID-cloud-400',
                HostId: 'imagesearch.cn-shanghai.aliyuncs.com',
                Code: 'BadRequest',
                Message: 'The request has invalid parameters.',
              },
            ]
      const text = JSON.stringify(body)
      res.writeHead(status, {
        'content-type': 'application/json;charset=utf-8',
        'content-length': Buffer.byteLength(text),
      })
      res.end(text)
    })
  })
  return Object.assign(l, { actions })
}

type Reply = {
  result?: unknown
  error?: {
    code: string
    message: string
    httpStatus?: number
    requestId?: string
    retryable?: boolean
    details?: Record<string, string | number | boolean>
  }
}

describe('an image that is not in the instance: ImageNotFound naming it', () => {
  const t = tempDir()
  let core: Core
  let stack: Stack
  let cloud: Awaited<ReturnType<typeof cloudLike>>
  const call = async (name: string, input: unknown) => (await core.dispatch(name, input)) as Reply

  beforeAll(async () => {
    stack = await startStack()
    cloud = await cloudLike()
    core = createCore({
      dataDir: t.dir,
      secrets: createMemorySecretStore(),
      host: 'headless',
      featurizerWorkers: 1,
      imagingWorkers: 1,
    })
    const cloudProfile = (name: string, port: number, key: string, secret: string) =>
      call('profiles.create', {
        kind: 'cloud',
        name,
        cloud: {
          instanceName: 'demo',
          endpoint: `127.0.0.1:${port}`,
          protocol: 'http',
          accessKeyId: key,
          accessKeySecret: secret,
        },
      })
    expect((await cloudProfile('wire', stack.server.port, AK, SECRET)).error).toBeUndefined()
    expect(
      (await cloudProfile('cloudlike', cloud.port, 'LTAIcloudlike01', 'cloudlike-secret-0123'))
        .error,
    ).toBeUndefined()
    for (const profile of ['local', 'wire']) {
      const r = await call('images.add', {
        profile,
        productId: 'sku 1',
        picName: 'front.jpg',
        image: { base64: catalogue(5).toString('base64') },
      })
      expect(r.error, profile).toBeUndefined()
    }
  })
  afterAll(async () => {
    await core?.close()
    await cloud?.close()
    await stack?.close()
    t.cleanup()
  })

  for (const profile of ['local', 'wire', 'cloudlike']) {
    it(`${profile}: search by name and update name the missing picture, in both languages`, async () => {
      for (const [op, input] of [
        ['search.byName', { profile, ...MISSING }],
        ['images.update', { profile, ...MISSING, intAttr: 3 }],
      ] as const) {
        const r = await call(op, input)
        expect(r.error, `${profile} ${op}`).toMatchObject({
          code: 'ImageNotFound',
          httpStatus: 404,
          retryable: false,
          details: MISSING,
        })
        expect(r.error!.message).toContain('"sku 404"')
        expect(r.error!.message).toContain('"不在 front.jpg"')
        if (profile === 'cloudlike') expect(r.error!.requestId).toBe('RID-cloud-400')
        const en = explainError('ImageNotFound', 'en-US', r.error!.details)!
        const zh = explainError('ImageNotFound', 'zh-CN', r.error!.details)!
        for (const x of [en, zh]) {
          expect(x.message).toContain('sku 404')
          expect(x.message).toContain('不在 front.jpg')
          expect(x.hint).toBeTruthy()
        }
        expect(en.message).not.toMatch(/parameter is invalid/i)
        expect(en.hint).toMatch(/product ID and the picture name/)
        expect(zh.message.replace(/sku 404|不在 front\.jpg/g, '')).toMatch(CJK)
        expect(zh.hint!).toMatch(/商品 ID 和图片名称/)
      }
    })
  }

  it('an image that exists is still found; another BadRequest stays a BadRequest', async () => {
    for (const profile of ['local', 'wire']) {
      const r = (await call('search.byName', {
        profile,
        productId: 'sku 1',
        picName: 'front.jpg',
      })) as Reply & { result?: { auctions: { productId: string }[] } }
      expect(r.error, profile).toBeUndefined()
      expect(r.result!.auctions[0].productId).toBe('sku 1')
    }
    // The cloud-like server refuses everything with BadRequest; when the image exists the
    // refusal is passed on as it came.
    const exists = await listen((req, res) => {
      req.resume()
      req.on('end', () => {
        const check = req.headers['x-acs-action'] === 'CheckImageExists'
        const body = check
          ? { RequestId: 'R', Success: true, Code: 0, Msg: 'success', Exists: true }
          : { RequestId: 'R2', Code: 'BadRequest', Message: 'The request has invalid parameters.' }
        res.writeHead(check ? 200 : 400, { 'content-type': 'application/json' })
        res.end(JSON.stringify(body))
      })
    })
    try {
      expect(
        (
          await call('profiles.create', {
            kind: 'cloud',
            name: 'exists',
            cloud: {
              instanceName: 'demo',
              endpoint: `127.0.0.1:${exists.port}`,
              protocol: 'http',
              accessKeyId: 'LTAIexists0001',
              accessKeySecret: 'exists-secret-0123',
            },
          })
        ).error,
      ).toBeUndefined()
      const r = await call('search.byName', { profile: 'exists', ...MISSING })
      expect(r.error).toMatchObject({ code: 'BadRequest', requestId: 'R2' })
    } finally {
      await exists.close()
    }
  })

  it('the cloud-like server saw the search, the update and the existence checks', () => {
    expect(cloud.actions).toEqual([
      'SearchImageByName',
      'CheckImageExists',
      'UpdateImage',
      'CheckImageExists',
    ])
  })
})
