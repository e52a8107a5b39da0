import crypto from 'node:crypto'
import { signAcs3 } from '../../electron/core/engines/wire/acs3'

/** `headers` plus the ACS3-HMAC-SHA256 signature headers for a POST of `body` to `/?query`. */
export function withAcs3Signature(
  headers: Record<string, string>,
  body: string,
  key: { accessKeyId: string; secret: string },
  query: Record<string, string> = {},
): Record<string, string> {
  const signed = signAcs3({
    method: 'POST',
    pathname: '/',
    query,
    headers,
    body,
    accessKeyId: key.accessKeyId,
    accessKeySecret: key.secret,
  })
  return { ...headers, ...signed }
}

/**
 * The headers of an engine-API call as the official SDK builds them for ACS3-HMAC-SHA256 (form
 * body), before signing: action, version, date, nonce, content type — each replaceable, to build
 * requests the SDK never sends.
 */
export function acs3Headers(
  port: number,
  action: string,
  o: {
    version?: string
    date?: string
    nonce?: string
    contentType?: string
    extraHeaders?: Record<string, string>
  } = {},
): Record<string, string> {
  return {
    host: `127.0.0.1:${port}`,
    'x-acs-action': action,
    'x-acs-version': o.version ?? '2020-12-14',
    'x-acs-date': o.date ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    'x-acs-signature-nonce': o.nonce ?? crypto.randomUUID(),
    'content-type': o.contentType ?? 'application/x-www-form-urlencoded',
    ...o.extraHeaders,
  }
}
