import { CoreError } from '../../errors'
import { EngineError, foreignCode } from '../errors'

/**
 * Every failure of the official SDK -> EngineError (code, message, human hint, requestId,
 * httpStatus). Messages are built from known parts, never copied whole from the SDK (whose network
 * errors embed the request URL), and finally scrubbed of the secret and the STS token.
 */

const HINTS: Record<string, string> = {
  SignatureDoesNotMatch:
    'The AccessKey secret does not match the AccessKey ID. Re-enter the secret in the profile.',
  IncompleteSignature:
    'The request signature was malformed. Check the endpoint and the SDK version.',
  'InvalidAccessKeyId.NotFound':
    'This AccessKey ID does not exist (it may have been deleted). Check the profile.',
  InvalidAccessKeyId:
    'This AccessKey ID does not exist (it may have been deleted). Check the profile.',
  'InvalidAccessKeyId.Inactive': 'This AccessKey is disabled. Enable it in the RAM console.',
  'InvalidTimeStamp.Expired':
    "This computer's clock is more than 15 minutes off. Synchronise it (NTP) and retry.",
  SignatureNonceUsed: 'The request was seen twice by the service; retry it.',
  'InvalidSecurityToken.Expired': 'The STS security token has expired. Obtain a new one.',
  'InvalidSecurityToken.Malformed': 'The STS security token is malformed. Paste it again.',
  'InvalidSecurityToken.MismatchWithAccessKey':
    'The STS security token belongs to another AccessKey. Use the token issued with this key.',
  NoPermission:
    'The RAM user lacks Image Search permissions (e.g. AliyunImageSearchFullAccess). Ask an administrator.',
  'Forbidden.RAM': 'The RAM user lacks Image Search permissions. Ask an administrator.',
  DeniedRequest:
    "The instance's QPS limit was reached. Loupe slows down and retries; buy more QPS for faster work.",
  InvalidInstance:
    'Check the instance name (the name, not the instance ID) and that the region matches the instance.',
  InstanceOverQuota: 'The instance is full. Delete images or upgrade its capacity.',
  UnsupportedPicFormat: 'Use PNG, JPG, BMP, GIF, WebP, TIFF or PPM.',
  UnsupportedPicPixels: 'Each side must be 100-4096 px (448 for fabric, 200 for trademark).',
  IncorrectOrientation: 'The image carries an EXIF rotation; Loupe bakes it in before sending.',
  InvalidFilterClause:
    'Filters look like int_attr>=100 AND str_attr="value"; int_attr takes > >= < <= =, str_attr = !=.',
  OverflowMaxResultNum: 'Start + Num must not exceed 500.',
  OverflowMaxReturnNum: 'Num must not exceed 100.',
  InvalidNumParameter: 'Num must be between 1 and 100.',
  InvalidCategory: 'Use a category ID from the category list (0-9, 20-22, 88888888).',
  InvalidIntAttr: 'IntAttr values must be integers.',
  'InvalidAction.NotFound':
    'The endpoint does not serve Image Search 2020-12-14. Check the endpoint.',
  ConnectTimeout:
    'The service did not respond in time. Check the network, the endpoint, or raise the timeouts.',
  ReadTimeout:
    'The service did not finish answering in time. Check the network or raise the read timeout.',
  ECONNREFUSED: 'Nothing accepts connections at this endpoint. Check the endpoint and port.',
  ENOTFOUND: 'The endpoint host name does not resolve. Check the region/endpoint and DNS.',
  EAI_AGAIN: 'DNS lookup failed temporarily. Check the network connection.',
  ECONNRESET: 'The connection was reset. Usually temporary: retry.',
  EPIPE: 'The connection was closed while sending. Usually temporary: retry.',
  ETIMEDOUT: 'The connection timed out. Check the network.',
  EHOSTUNREACH: 'The endpoint host is unreachable. Check the network.',
  ENETUNREACH: 'The network is unreachable. Check the network connection.',
  InvalidResponse:
    'The endpoint answered something that is not Image Search JSON. Check the endpoint.',
  OperationFailed: 'The service reported a failure. Retry later; if it persists, contact support.',
}

export function hintFor(code: string): string | undefined {
  return HINTS[code]
}

function scrub(text: string, secrets: string[]): string {
  let out = text
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('***')
  return out
}

type SdkErrorLike = {
  name?: string
  code?: unknown
  statusCode?: number
  requestId?: string
  message?: string
  data?: Record<string, unknown>
}

const NET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
  'ENETDOWN',
  'EHOSTDOWN',
])

/** A connection reset (ECONNRESET / "socket hang up"): the one failure a call retries once. */
export function isConnectionReset(e: unknown): boolean {
  const err = e as SdkErrorLike
  return err?.code === 'ECONNRESET' || /socket hang up/i.test(String(err?.message ?? ''))
}

export function mapSdkError(
  e: unknown,
  ctx: {
    endpoint: string
    action: string
    secrets: string[]
    connectTimeoutMs: number
    readTimeoutMs: number
  },
): EngineError {
  if (e instanceof CoreError) return e
  const err = (e ?? {}) as SdkErrorLike
  const make = (code: string, message: string, httpStatus: number, requestId?: string) =>
    new EngineError(foreignCode(code), scrub(message, ctx.secrets), {
      httpStatus,
      requestId,
      hint: hintFor(code),
      // What could not be reached, for the catalogue's explanation in the user's language.
      details: { endpoint: ctx.endpoint, action: ctx.action },
    })

  // HTTP 4xx/5xx answers: ClientError, ServerError, ThrottlingError (statusCode + data envelope).
  if (typeof err.statusCode === 'number' && err.data && typeof err.data === 'object') {
    const d = err.data
    const code = String(d.Code ?? d.code ?? err.code ?? 'UnknownException')
    const message = String(d.Message ?? d.message ?? `HTTP ${err.statusCode}`)
    const requestId = (d.RequestId ?? d.requestId ?? err.requestId) as string | undefined
    return make(
      code,
      message,
      err.statusCode,
      requestId && requestId !== 'undefined' ? requestId : undefined,
    )
  }

  // httpx timeouts: 'ConnectTimeout' (socket idle for connectTimeout) or 'ReadTimeout'.
  if (err.name === 'RequestTimeoutError' || /Timeout/.test(String(err.name ?? ''))) {
    const connect = /ConnectTimeout/.test(String(err.message ?? ''))
    return connect
      ? make(
          'ConnectTimeout',
          `${ctx.action}: no response from ${ctx.endpoint} for ${ctx.connectTimeoutMs} ms.`,
          504,
        )
      : make(
          'ReadTimeout',
          `${ctx.action}: ${ctx.endpoint} did not answer within ${ctx.readTimeoutMs} ms.`,
          504,
        )
  }

  const code = typeof err.code === 'string' ? err.code : ''
  if (NET_CODES.has(code) || /socket hang up/i.test(String(err.message ?? ''))) {
    const c = code || 'ECONNRESET'
    const what =
      c === 'ECONNREFUSED'
        ? 'connection refused'
        : c === 'ENOTFOUND'
          ? 'host not found'
          : c === 'ECONNRESET'
            ? 'connection reset'
            : c
    return make(c, `${ctx.action}: cannot reach ${ctx.endpoint} (${what}).`, 503)
  }

  // A body that is not the JSON the SDK expects (truncated, HTML, wrong types).
  if (e instanceof SyntaxError || /mismatch|JSON|Unexpected/.test(String(err.message ?? ''))) {
    return make(
      'InvalidResponse',
      `${ctx.action}: ${ctx.endpoint} answered a body that is not valid Image Search JSON.`,
      502,
    )
  }

  // SDK-side validation (BaseError 'SDK.ValidateError', ParameterMissing, InvalidCredentials).
  if (code) {
    const message = String(err.message ?? code).replace(/^[^:]*:\s*/, '')
    return make(code, `${ctx.action}: ${message}`, 400)
  }
  return make(
    'UnknownException',
    `${ctx.action}: unexpected failure talking to ${ctx.endpoint}.`,
    500,
  )
}
