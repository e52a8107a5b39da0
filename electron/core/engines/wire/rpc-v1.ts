import crypto from 'node:crypto'
import { canonicalQuery, percentEncode } from './encode'

/**
 * RPC signature version 1.0 (HMAC-SHA1), used by the SDK with `signatureAlgorithm: 'v2'`:
 *
 * ```
 * StringToSign = METHOD & percentEncode("/") & percentEncode(CanonicalQuery)
 * Signature    = base64(hmac-sha1(secret + "&", StringToSign))
 * ```
 * CanonicalQuery covers every query parameter except `Signature` plus every form-body parameter.
 */
export const RPC_SIGNATURE_METHOD = 'HMAC-SHA1'
export const RPC_SIGNATURE_VERSION = '1.0'

export function rpcStringToSign(method: string, params: Record<string, string>): string {
  const rest: Record<string, string> = {}
  for (const [k, v] of Object.entries(params)) if (k !== 'Signature') rest[k] = v
  return `${method.toUpperCase()}&${percentEncode('/')}&${percentEncode(canonicalQuery(rest))}`
}

export function rpcSignature(secret: string, stringToSign: string): string {
  return crypto
    .createHmac('sha1', secret + '&')
    .update(stringToSign)
    .digest('base64')
}

/** Sign a parameter set (system + business parameters); returns the `Signature` value. */
export function signRpcV1(method: string, params: Record<string, string>, secret: string): string {
  return rpcSignature(secret, rpcStringToSign(method, params))
}
