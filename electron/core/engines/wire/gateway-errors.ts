import type { ErrorCode } from '../errors'
import { EngineError } from '../errors'

/** The parameters a request may lack, each with its own `Missing…` code in the catalogue. */
export type RequiredParameter =
  | 'AccessKeyId'
  | 'BucketName'
  | 'Filter'
  | 'InstanceName'
  | 'Path'
  | 'PicContent'
  | 'PicName'
  | 'PrimaryPicContent'
  | 'ProductId'
  | 'SecondaryPicContent'
  | 'Text'

/**
 * Errors raised by the wire layer itself (the part the cloud's POP gateway plays), with the codes
 * and HTTP statuses the gateway uses. Engine errors pass through unchanged.
 */
export const gatewayErrors = {
  incompleteSignature: (detail: string) =>
    new EngineError(
      'IncompleteSignature',
      `The request signature does not conform to Aliyun standards. ${detail}`,
      { httpStatus: 400 },
    ),
  signatureDoesNotMatch: (detail?: string) =>
    new EngineError(
      'SignatureDoesNotMatch',
      'Specified signature does not match our calculation.' + (detail ? ` ${detail}` : ''),
      {
        httpStatus: 400,
        hint: 'Check the AccessKey secret; the request may also have been altered in transit.',
      },
    ),
  accessKeyNotFound: () =>
    new EngineError('InvalidAccessKeyId.NotFound', 'Specified access key is not found.', {
      httpStatus: 404,
    }),
  timestampExpired: () =>
    new EngineError(
      'InvalidTimeStamp.Expired',
      'Specified time stamp or date value is expired (more than 15 minutes from the server clock).',
      { httpStatus: 400, hint: 'Synchronise the client clock (NTP).' },
    ),
  timestampFormat: () =>
    new EngineError(
      'InvalidTimeStamp.Format',
      'Specified time stamp or date value is not well formatted (expected YYYY-MM-DDThh:mm:ssZ).',
      { httpStatus: 400 },
    ),
  nonceUsed: () =>
    new EngineError('SignatureNonceUsed', 'Specified signature nonce was used already.', {
      httpStatus: 400,
    }),
  missingNonce: () =>
    new EngineError('MissingSignatureNonce', 'SignatureNonce is mandatory for this action.', {
      httpStatus: 400,
    }),
  missingParameter: (name: RequiredParameter) =>
    new EngineError(`Missing${name}`, `${name} is mandatory for this action.`, {
      httpStatus: 400,
    }),
  invalidParameter: (code: ErrorCode, message: string) =>
    new EngineError(code, message, { httpStatus: 400 }),
  unsupportedSignatureMethod: (value: string) =>
    new EngineError(
      'InvalidSignatureMethod',
      `Specified signature method "${value}" is not supported (use HMAC-SHA1 with SignatureVersion 1.0).`,
      { httpStatus: 400 },
    ),
  actionNotFound: (action: string) =>
    new EngineError(
      'InvalidAction.NotFound',
      `Specified api "${action}" is not found, please check your url and method.`,
      { httpStatus: 404 },
    ),
  missingAction: () =>
    new EngineError('MissingAction', 'Action is mandatory (x-acs-action header or Action query).', {
      httpStatus: 400,
    }),
  invalidVersion: (version: string) =>
    new EngineError(
      'InvalidVersion',
      `Specified parameter Version "${version}" is not valid; this API serves 2020-12-14.`,
      { httpStatus: 400 },
    ),
  bodyTooLarge: (limit: number) =>
    new EngineError(
      'RequestBodyTooLarge',
      `The request body exceeds ${Math.round(limit / (1024 * 1024))} MB.`,
      {
        httpStatus: 413,
        hint: 'Images must stay under 4 MB (about 5.4 MB once base64-encoded).',
      },
    ),
  unsupportedContentType: (ct: string) =>
    new EngineError(
      'UnsupportedContentType',
      `Content-Type "${ct}" is not supported; send application/x-www-form-urlencoded.`,
      { httpStatus: 400 },
    ),
  methodNotAllowed: (method: string) =>
    new EngineError('UnsupportedHTTPMethod', `HTTP method ${method} is not supported.`, {
      httpStatus: 405,
    }),
  invalidInstance: (name: string) =>
    new EngineError('InvalidInstance', 'The specified instance name is invalid.', {
      httpStatus: 400,
      hint: `No instance named "${name}" is served here.`,
    }),
  deniedRequest: () =>
    new EngineError('DeniedRequest', 'Your request was denied due to instance flow control.', {
      httpStatus: 403,
      hint: 'Slow down: the instance QPS limit was reached.',
    }),
  internal: () =>
    new EngineError('UnknownException', 'An internal server error occurred.', { httpStatus: 500 }),
}
