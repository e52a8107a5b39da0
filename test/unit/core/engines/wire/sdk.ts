/**
 * Test helpers around the official SDK (`@alicloud/imagesearch20201214`) and small HTTP servers on
 * 127.0.0.1. Shared by the wire unit tests and the contract tests.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import * as sdk from '@alicloud/imagesearch20201214'
import SdkDefault from '@alicloud/imagesearch20201214'
import * as OpenApi from '@alicloud/openapi-client'

/** The SDK is CommonJS: under Node's ESM loader the default import is `module.exports`. */
export const ImageSearchClient = ((SdkDefault as unknown as { default?: unknown }).default ??
  SdkDefault) as typeof SdkDefault
export type ImageSearchClient = InstanceType<typeof ImageSearchClient>
export { sdk }

export interface ClientOptions {
  port: number
  accessKeyId: string
  accessKeySecret: string
  /** 'v2' makes the SDK sign with RPC signature v1 (HMAC-SHA1) instead of ACS3-HMAC-SHA256. */
  signatureAlgorithm?: 'v2'
  securityToken?: string
  timeoutMs?: number
}

export function makeClient(o: ClientOptions): ImageSearchClient {
  const config = new OpenApi.Config({
    accessKeyId: o.accessKeyId,
    accessKeySecret: o.accessKeySecret,
    securityToken: o.securityToken,
    endpoint: `127.0.0.1:${o.port}`,
    protocol: 'http',
    regionId: 'cn-shanghai',
    signatureAlgorithm: o.signatureAlgorithm,
    connectTimeout: o.timeoutMs ?? 60_000,
    readTimeout: o.timeoutMs ?? 60_000,
  })
  return new ImageSearchClient(config as never)
}

/**
 * Runtime options that override the SDK's own headers (ACS3) or query parameters (RPC v1) before it
 * signs — the SDK's `extendsParameters` hook. Used to send a stale timestamp or a fixed nonce.
 */
export function runtimeWith(extra: {
  headers?: Record<string, string>
  queries?: Record<string, string>
}): never {
  return { extendsParameters: { headers: extra.headers, queries: extra.queries } } as never
}

export interface Listening {
  server: http.Server
  port: number
  url: string
  close(): Promise<void>
}

export async function listen(
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>,
): Promise<Listening> {
  const server = http.createServer((req, res) => {
    void handler(req, res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

export interface Captured {
  method: string
  url: string
  pathname: string
  rawQuery: string
  headers: Record<string, string[]>
  body: Buffer
}

/** A server that records every request and answers 200 with `reply(captured)` as JSON. */
export async function captureServer(
  reply: (c: Captured) => unknown = () => ({ RequestId: 'CAPTURE', Success: true, Code: 0 }),
): Promise<Listening & { captured: Captured[] }> {
  const captured: Captured[] = []
  const l = await listen(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const url = req.url ?? '/'
    const q = url.indexOf('?')
    const c: Captured = {
      method: req.method ?? 'GET',
      url,
      pathname: q < 0 ? url : url.slice(0, q),
      rawQuery: q < 0 ? '' : url.slice(q + 1),
      headers: req.headersDistinct as Record<string, string[]>,
      body: Buffer.concat(chunks),
    }
    captured.push(c)
    const text = JSON.stringify(reply(c))
    res.writeHead(200, { 'content-type': 'application/json;charset=utf-8' })
    res.end(text)
  })
  return Object.assign(l, { captured })
}

/** Whatever the SDK threw, as a plain record (ClientError / ServerError fields). */
export async function sdkError(p: Promise<unknown>): Promise<{
  name: string
  code: string
  statusCode?: number
  message: string
  data?: Record<string, unknown>
}> {
  try {
    await p
  } catch (e) {
    const err = e as {
      name: string
      code: string
      statusCode?: number
      message: string
      data?: Record<string, unknown>
    }
    return err
  }
  throw new Error('expected the SDK call to fail')
}
