import type { ApiError } from '../../api/errors'

/**
 * An error from an engine, with the cloud's error code and HTTP status. The local engine throws the
 * same codes the cloud documents, so the wire layer and the UI treat both alike.
 */
export class EngineError extends Error {
  readonly code: string
  readonly httpStatus: number
  readonly requestId?: string
  readonly hint?: string

  constructor(
    code: string,
    message: string,
    opts: { httpStatus?: number; requestId?: string; hint?: string; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.name = 'EngineError'
    this.code = code
    this.httpStatus = opts.httpStatus ?? defaultStatus(code)
    this.requestId = opts.requestId
    this.hint = opts.hint
  }

  toApiError(): ApiError {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint ? { hint: this.hint } : {}),
      ...(this.requestId ? { requestId: this.requestId } : {}),
      httpStatus: this.httpStatus,
    }
  }
}

const STATUS: Record<string, number> = {
  NoPermission: 403,
  DeniedRequest: 403,
  InvalidAccessKeyId: 404,
  'InvalidAccessKeyId.NotFound': 404,
  UnknownException: 500,
  NetworkException: 500,
  UnsupportedInstanceType: 500,
  UnsupportedOperationType: 500,
  AccessEngineFailed: 500,
  InternalError: 500,
}

/** The cloud's documented HTTP status for an error code: 400 unless listed otherwise. */
export function defaultStatus(code: string): number {
  return STATUS[code] ?? 400
}
