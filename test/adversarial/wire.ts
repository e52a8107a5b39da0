/**
 * Talking to the engine API (POST / of `loupe serve`): the official SDK for legitimate calls, and
 * hand-built requests — signed with the same algorithms, then tampered with — for forged ones. Raw
 * requests go through node:http so every header (Host included) and byte is the test's choice.
 */
import crypto from 'node:crypto'
import http from 'node:http'
import { percentEncode, toFormString } from '../../electron/core/engines/wire/encode'
import { signRpcV1 } from '../../electron/core/engines/wire/rpc-v1'
import { acs3Headers, withAcs3Signature } from '../helpers/acs3-request'
import { makeClient, sdk, type ImageSearchClient } from '../unit/core/engines/wire/sdk'
import { AK, INSTANCE, SECRET } from './host'
import type { Got } from './tally'

export { sdk }

export interface RawRequest {
  method?: string
  path: string
  headers: Record<string, string>
  body?: Buffer | string
}

export interface RawAnswer extends Got {
  headers: http.IncomingHttpHeaders
  text: string
}

/** Sends exactly this request to 127.0.0.1:port; never throws (a reset is `transport`). */
export function send(port: number, r: RawRequest, timeoutMs = 60_000): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: r.method ?? 'POST',
        path: r.path,
        headers: r.headers,
        timeout: timeoutMs,
        // Byte-exact paths (NUL, backslashes, raw %): node:http checks only for spaces/controls.
        insecureHTTPParser: true,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          let code = ''
          try {
            const j = JSON.parse(text) as { Code?: unknown; error?: { code?: unknown } }
            // Success answers carry `Code: 0`; errors a string code (engine API) or `error.code`.
            const c = j.Code ?? j.error?.code
            code = typeof c === 'string' ? c : ''
          } catch {
            code = ''
          }
          resolve({ status: res.statusCode ?? 0, code, headers: res.headers, text })
        })
        res.on('error', (e) =>
          resolve({ status: 0, code: '', headers: {}, text: '', transport: e.message }),
        )
      },
    )
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', (e) =>
      resolve({ status: 0, code: '', headers: {}, text: '', transport: e.message }),
    )
    req.end(r.body)
  })
}

export function isoNow(offsetMs = 0): string {
  return new Date(Date.now() + offsetMs).toISOString().replace(/\.\d+Z$/, 'Z')
}

export function nonce(): string {
  return crypto.randomUUID()
}

/** An ACS3-HMAC-SHA256 request as the SDK builds it (form body, signed headers). */
export function acs3(
  port: number,
  action: string,
  params: Record<string, string>,
  o: {
    secret?: string
    accessKeyId?: string
    version?: string
    date?: string
    nonce?: string
    query?: Record<string, string>
    extraHeaders?: Record<string, string>
  } = {},
): RawRequest {
  const body = toFormString(params)
  const headers = acs3Headers(port, action, o)
  const query = o.query ?? {}
  const key = { accessKeyId: o.accessKeyId ?? AK, secret: o.secret ?? SECRET }
  return {
    path: `/${queryString(query)}`,
    headers: withAcs3Signature(headers, body, key, query),
    body,
  }
}

/** A signature-v1 (HMAC-SHA1) request: system parameters and Signature in the query. */
export function rpcV1(
  action: string,
  params: Record<string, string>,
  o: {
    secret?: string
    accessKeyId?: string
    version?: string
    timestamp?: string
    nonce?: string
    method?: string
    signatureVersion?: string
    /** Business parameters sent in the body instead of the query. */
    inBody?: boolean
  } = {},
): RawRequest & { query: Record<string, string> } {
  const system: Record<string, string> = {
    Action: action,
    Version: o.version ?? '2020-12-14',
    Format: 'JSON',
    AccessKeyId: o.accessKeyId ?? AK,
    SignatureMethod: o.method ?? 'HMAC-SHA1',
    SignatureVersion: o.signatureVersion ?? '1.0',
    SignatureNonce: o.nonce ?? nonce(),
    Timestamp: o.timestamp ?? isoNow(),
  }
  const query = o.inBody ? system : { ...system, ...params }
  const all = { ...query, ...(o.inBody ? params : {}) }
  const signature = signRpcV1('POST', all, o.secret ?? SECRET)
  const q = { ...query, Signature: signature }
  const body = o.inBody ? toFormString(params) : ''
  return {
    path: `/${queryString(q)}`,
    headers: body ? { 'content-type': 'application/x-www-form-urlencoded' } : {},
    body,
    query: q,
  }
}

export function queryString(q: Record<string, string>): string {
  const keys = Object.keys(q)
  if (!keys.length) return ''
  return '?' + keys.map((k) => `${percentEncode(k)}=${percentEncode(q[k])}`).join('&')
}

export function client(
  port: number,
  o: { v1?: boolean; secret?: string; ak?: string; timeoutMs?: number } = {},
): ImageSearchClient {
  return makeClient({
    port,
    accessKeyId: o.ak ?? AK,
    accessKeySecret: o.secret ?? SECRET,
    signatureAlgorithm: o.v1 ? 'v2' : undefined,
    timeoutMs: o.timeoutMs,
  })
}

/** An SDK call's outcome in the suite's terms: `{status: 200, code: ''}` or the error's. */
export async function sdkOutcome<T extends { statusCode?: number; body?: unknown }>(
  p: Promise<T>,
): Promise<Got & { body?: T['body'] }> {
  try {
    const r = await p
    return { status: r.statusCode ?? 0, code: '', body: r.body }
  } catch (e) {
    const err = e as { code?: string; statusCode?: number; message?: string; data?: unknown }
    if (typeof err.statusCode === 'number' && err.statusCode > 0)
      return { status: err.statusCode, code: String(err.code ?? '') }
    return { status: 0, code: String(err.code ?? ''), transport: err.message ?? String(e) }
  }
}

export const INSTANCE_NAME = INSTANCE
