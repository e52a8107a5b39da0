import crypto from 'node:crypto'
import { canonicalQuery } from './encode'

/**
 * ACS3-HMAC-SHA256, the V3 signature of Alibaba Cloud's POP gateway (the official SDK's default):
 *
 * ```
 * CanonicalRequest = METHOD \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n
 *                    SignedHeaders \n HashedPayload
 * StringToSign     = "ACS3-HMAC-SHA256" \n hex(sha256(CanonicalRequest))
 * Signature        = hex(hmac-sha256(secret, StringToSign))
 * Authorization: ACS3-HMAC-SHA256 Credential=<id>,SignedHeaders=<a;b;c>,Signature=<hex>
 * ```
 * Signed headers are `host`, `content-type` and every `x-acs-*` header, lower-cased and sorted;
 * HashedPayload is the body's SHA-256 in hex, also sent as `x-acs-content-sha256`.
 */
export const ACS3_ALGORITHM = 'ACS3-HMAC-SHA256'

export type HeaderBag = Record<string, string | string[] | undefined>

export function sha256Hex(data: Buffer | string): string {
  return crypto.createHash('sha256').update(data).digest('hex')
}

/** The canonical URI: the path as sent, with the SDK's `+`, `*` and `%7E` normalisation. */
export function canonicalUri(pathname: string): string {
  return (pathname || '/').replace(/\+/g, '%20').replace(/\*/g, '%2A').replace(/%7E/g, '~')
}

/** Header names the SDK signs: `host`, `content-type`, `x-acs-*` (lower-cased, sorted). */
export function headersToSign(headers: HeaderBag): string[] {
  const names = new Set<string>()
  for (const key of Object.keys(headers)) {
    const k = key.toLowerCase()
    if (headers[key] === undefined) continue
    if (k === 'host' || k === 'content-type' || k.startsWith('x-acs-')) names.add(k)
  }
  return [...names].sort()
}

function headerValues(headers: HeaderBag, name: string): string[] {
  const out: string[] = []
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() !== name) continue
    const v = headers[key]
    if (v === undefined) continue
    for (const one of Array.isArray(v) ? v : [v]) out.push(one.trim())
  }
  return out
}

export interface Acs3Input {
  method: string
  pathname: string
  /** Decoded query parameters. */
  query: Record<string, string>
  headers: HeaderBag
  /** Lower-case header names to sign, sorted. */
  signedHeaders: string[]
  /** hex SHA-256 of the body. */
  hashedPayload: string
}

export function acs3CanonicalRequest(input: Acs3Input): string {
  const canonicalHeaders = input.signedHeaders
    .map((name) => `${name}:${headerValues(input.headers, name).sort().join(',')}\n`)
    .join('')
  return [
    input.method.toUpperCase(),
    canonicalUri(input.pathname),
    canonicalQuery(input.query),
    canonicalHeaders,
    input.signedHeaders.join(';'),
    input.hashedPayload,
  ].join('\n')
}

export function acs3StringToSign(canonicalRequest: string): string {
  return `${ACS3_ALGORITHM}\n${sha256Hex(canonicalRequest)}`
}

export function acs3Signature(secret: string, stringToSign: string): string {
  return crypto.createHmac('sha256', secret).update(stringToSign).digest('hex')
}

export interface ParsedAcs3Authorization {
  accessKeyId: string
  signedHeaders: string[]
  signature: string
}

/** Parse `ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=…`; null when malformed. */
export function parseAcs3Authorization(value: string): ParsedAcs3Authorization | null {
  const v = value.trim()
  if (!v.startsWith(ACS3_ALGORITHM + ' ')) return null
  const fields: Record<string, string> = {}
  for (const part of v.slice(ACS3_ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=')
    if (eq < 0) return null
    fields[part.slice(0, eq).trim()] = part.slice(eq + 1).trim()
  }
  const { Credential: accessKeyId, SignedHeaders: sh, Signature: signature } = fields
  if (!accessKeyId || !sh || !signature || !/^[0-9a-f]{64}$/i.test(signature)) return null
  const signedHeaders = sh
    .split(';')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean)
  return { accessKeyId, signedHeaders, signature: signature.toLowerCase() }
}

export interface Acs3SignRequest {
  method: string
  pathname: string
  query: Record<string, string>
  /** Every header that will be sent (must include host and the x-acs-* headers). */
  headers: Record<string, string>
  body: Buffer | string
  accessKeyId: string
  accessKeySecret: string
}

/**
 * Sign a request the way the official SDK does. Returns the headers to add:
 * `x-acs-content-sha256` and `Authorization`.
 */
export function signAcs3(req: Acs3SignRequest): {
  'x-acs-content-sha256': string
  Authorization: string
} {
  const hashedPayload = sha256Hex(req.body)
  const headers: HeaderBag = { ...req.headers, 'x-acs-content-sha256': hashedPayload }
  const signedHeaders = headersToSign(headers)
  const canonical = acs3CanonicalRequest({
    method: req.method,
    pathname: req.pathname,
    query: req.query,
    headers,
    signedHeaders,
    hashedPayload,
  })
  const signature = acs3Signature(req.accessKeySecret, acs3StringToSign(canonical))
  return {
    'x-acs-content-sha256': hashedPayload,
    Authorization: `${ACS3_ALGORITHM} Credential=${req.accessKeyId},SignedHeaders=${signedHeaders.join(';')},Signature=${signature}`,
  }
}

/** Constant-time comparison of two hex/base64 signatures. */
export function signaturesEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a)
  const bb = Buffer.from(b)
  return ba.length === bb.length && crypto.timingSafeEqual(ba, bb)
}
