/**
 * The cloud engine against small misbehaving servers on 127.0.0.1: 5xx answers, flow control,
 * a server that hangs, a connection dropped mid-body, 200 answers that report a failure, bodies
 * that are not JSON. Each maps to an EngineError with a code, a human hint, the request id and the
 * HTTP status; a call retries once on a connection reset and never otherwise; the secret and the
 * STS token appear nowhere.
 */
import http from 'node:http'
import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createCloudEngine } from '../../electron/core/engines/cloud/index'
import { EngineError } from '../../electron/core/engines/errors'
import { listen, type Listening } from '../unit/core/engines/wire/sdk'

const SECRET = 'FaultSecret-9f8e7d6c5b4a3210'
const TOKEN = 'CAISFaultToken-abcdef0123456789'

let servers: Listening[] = []
afterEach(async () => {
  for (const s of servers) await s.close()
  servers = []
})

/** A server whose every request is answered by `fn`; counts the requests it saw. */
async function fault(
  fn: (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void,
): Promise<Listening & { count: () => number }> {
  let n = 0
  const l = await listen((req, res) => {
    n++
    // Read the request fully first, like a real server would.
    req.resume()
    req.on('end', () => fn(req, res, n))
  })
  servers.push(l)
  return Object.assign(l, { count: () => n })
}

function engineAt(port: number, o: { connectTimeoutMs?: number; readTimeoutMs?: number } = {}) {
  return createCloudEngine({
    instanceName: 'demo',
    endpoint: `127.0.0.1:${port}`,
    protocol: 'http',
    accessKeyId: 'LTAIfaultkey',
    accessKeySecret: SECRET,
    securityToken: TOKEN,
    ...o,
  })
}

function json(res: http.ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json;charset=utf-8',
    'content-length': Buffer.byteLength(text),
  })
  res.end(text)
}

async function failure(p: Promise<unknown>): Promise<EngineError> {
  try {
    await p
  } catch (e) {
    expect(e).toBeInstanceOf(EngineError)
    const err = e as EngineError
    const all = JSON.stringify({ ...err.toApiError(), stack: err.stack, name: err.name })
    expect(all).not.toContain(SECRET)
    expect(all).not.toContain(TOKEN)
    return err
  }
  throw new Error('expected a failure')
}

const DETAIL_OK = {
  RequestId: 'OK-1',
  Success: true,
  Instance: {
    Name: 'demo',
    Capacity: 10,
    TotalCount: 1,
    Qps: 5,
    Region: 'cn-shanghai',
    ServiceType: 0,
    UtcCreate: '1',
    UtcExpireTime: '2',
  },
}

describe('cloud engine fault handling', () => {
  it('500 with the error envelope: code, message, request id, status and a hint; no retry', async () => {
    const s = await fault((_q, res) =>
      json(res, 500, {
        RequestId: 'RID-500',
        HostId: 'imagesearch.cn-shanghai.aliyuncs.com',
        Code: 'AccessEngineFailed',
        Message: 'An error occurred while accessing the search engine.',
      }),
    )
    const e = await failure(engineAt(s.port).searchImageByFilter({ filter: 'int_attr=1' }))
    expect(e.code).toBe('AccessEngineFailed')
    expect(e.message).toBe('An error occurred while accessing the search engine.')
    expect(e.httpStatus).toBe(500)
    expect(e.requestId).toBe('RID-500')
    expect(s.count()).toBe(1)
  })

  it('500 with an HTML body: InvalidResponse (502), no retry', async () => {
    const s = await fault((_q, res) => {
      res.writeHead(500, { 'content-type': 'text/html' })
      res.end('<html><body>Bad gateway</body></html>')
    })
    const e = await failure(engineAt(s.port).detail())
    expect([e.code, e.httpStatus]).toEqual(['InvalidResponse', 502])
    expect(e.hint).toBeTruthy()
    expect(s.count()).toBe(1)
  })

  it('DeniedRequest (403): flow control as its own code, with a hint', async () => {
    const s = await fault((_q, res) =>
      json(res, 403, {
        RequestId: 'RID-403',
        HostId: 'h',
        Code: 'DeniedRequest',
        Message: 'Your request was denied due to instance flow control.',
      }),
    )
    const e = await failure(
      engineAt(s.port).searchImageByPic({ picContent: Buffer.from('fake-image-bytes') }),
    )
    expect([e.code, e.httpStatus, e.requestId]).toEqual(['DeniedRequest', 403, 'RID-403'])
    expect(e.hint).toMatch(/QPS/)
    expect(s.count()).toBe(1)
  })

  it('NoPermission (403) and InvalidAccessKeyId.NotFound (404) keep their codes and hints', async () => {
    const s = await fault((_q, res, n) =>
      n === 1
        ? json(res, 403, {
            RequestId: 'a',
            HostId: 'h',
            Code: 'NoPermission',
            Message: 'You are not authorized to perform this operation.',
          })
        : json(res, 404, {
            RequestId: 'b',
            HostId: 'h',
            Code: 'InvalidAccessKeyId.NotFound',
            Message: 'Specified access key is not found.',
          }),
    )
    const a = await failure(engineAt(s.port).detail())
    expect([a.code, a.httpStatus]).toEqual(['NoPermission', 403])
    expect(a.hint).toMatch(/permission/i)
    const b = await failure(engineAt(s.port).detail())
    expect([b.code, b.httpStatus]).toEqual(['InvalidAccessKeyId.NotFound', 404])
  })

  it('a server that hangs past the read timeout: ReadTimeout (504), not retried', async () => {
    const s = await fault(() => {
      /* never answers */
    })
    const e = await failure(
      engineAt(s.port, { connectTimeoutMs: 5_000, readTimeoutMs: 800 }).detail(),
    )
    expect([e.code, e.httpStatus]).toEqual(['ReadTimeout', 504])
    expect(e.message).toMatch(/800 ms/)
    expect(e.hint).toMatch(/timeout/i)
    expect(s.count()).toBe(1)
  })

  it('a connection idle past the connect timeout: ConnectTimeout (504)', async () => {
    const s = await fault(() => {
      /* never answers */
    })
    const e = await failure(
      engineAt(s.port, { connectTimeoutMs: 600, readTimeoutMs: 10_000 }).detail(),
    )
    expect([e.code, e.httpStatus]).toEqual(['ConnectTimeout', 504])
    expect(s.count()).toBe(1)
  })

  it('a connection dropped mid-body every time: retried once, then ECONNRESET (503)', async () => {
    const s = await fault((_q, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': 500 })
      res.write('{"RequestId":"half","Success":tr')
      setTimeout(() => res.socket?.destroy(), 20)
    })
    const e = await failure(engineAt(s.port).detail())
    expect([e.code, e.httpStatus]).toEqual(['ECONNRESET', 503])
    expect(e.hint).toMatch(/retry/i)
    expect(s.count()).toBe(2)
  })

  it('a connection reset once, then a good answer: the call succeeds on its one retry', async () => {
    const s = await fault((_q, res, n) => {
      if (n === 1) res.socket?.destroy()
      else json(res, 200, DETAIL_OK)
    })
    const d = await engineAt(s.port).detail()
    expect(d.instance).toMatchObject({ name: 'demo', capacity: 100_000, serviceType: 'product' })
    expect(s.count()).toBe(2)
  })

  it('a connection refused: ECONNREFUSED (503) with a hint', async () => {
    const port = await new Promise<number>((resolve) => {
      const tmp = net.createServer()
      tmp.listen(0, '127.0.0.1', () => {
        const p = (tmp.address() as net.AddressInfo).port
        tmp.close(() => resolve(p))
      })
    })
    const e = await failure(engineAt(port).detail())
    expect([e.code, e.httpStatus]).toEqual(['ECONNREFUSED', 503])
    expect(e.message).toContain(`127.0.0.1:${port}`)
    expect(e.hint).toMatch(/endpoint/i)
  })

  it('HTTP 200 with Success:false or Code != 0 is an error, not a result', async () => {
    const s = await fault((_q, res, n) =>
      n === 1
        ? json(res, 200, {
            RequestId: 'RID-F',
            Success: false,
            Code: 0,
            Message: 'Image engine busy',
          })
        : json(res, 200, {
            RequestId: 'RID-C',
            Success: true,
            Code: 7,
            Msg: 'partial failure',
            Auctions: [],
          }),
    )
    const a = await failure(
      engineAt(s.port).addImage({ productId: 'p', picName: 'n', picContent: Buffer.from('x') }),
    )
    expect(a.code).toBe('OperationFailed')
    expect(a.message).toMatch(/Image engine busy/)
    expect(a.requestId).toBe('RID-F')
    const b = await failure(engineAt(s.port).searchImageByFilter({ filter: 'int_attr=1' }))
    expect(b.code).toBe('OperationFailed')
    expect(b.message).toMatch(/partial failure \(Code 7\)/)
    expect(b.requestId).toBe('RID-C')
    expect(s.count()).toBe(2)
  })

  it('HTTP 200 with a body that is not JSON, or has wrong types: InvalidResponse (502)', async () => {
    const s = await fault((_q, res, n) => {
      if (n === 1) {
        res.writeHead(200, { 'content-type': 'text/plain' })
        res.end('OK')
      } else json(res, 200, { RequestId: 'x', Success: true, Code: 'zero', Msg: 'success' })
    })
    const a = await failure(engineAt(s.port).detail())
    expect([a.code, a.httpStatus]).toEqual(['InvalidResponse', 502])
    const b = await failure(engineAt(s.port).searchImageByFilter({ filter: 'int_attr=1' }))
    expect([b.code, b.httpStatus]).toEqual(['InvalidResponse', 502])
  })
})
