import type { ApiError } from '../api/errors'
import type { ErrorCode, ErrorDetails, ForeignCode } from '../domain/errors'
import { errorStatus, isRetryable } from '../domain/errors'

export interface CoreErrorOptions {
  /** The HTTP status; the catalogue's for the code when not given. */
  httpStatus?: number
  /** What to do about this particular failure (the catalogue has a general hint per code). */
  hint?: string
  requestId?: string
  /** Values for the placeholders of the code's explanation. */
  details?: ErrorDetails
  cause?: unknown
}

/**
 * An error of Loupe's core (imaging, gallery, jobs, bulk add, watch, profiles, tasks…): a code of
 * the error catalogue (`electron/domain/errors.ts`), a message naming what is wrong with this
 * particular input, and optionally a hint. Every host maps it to the contract's error shape with
 * `toApiError()`. Engines throw the subclass `EngineError`.
 */
export class CoreError extends Error {
  readonly code: ErrorCode | ForeignCode
  readonly httpStatus: number
  readonly hint?: string
  readonly requestId?: string
  readonly details?: ErrorDetails

  constructor(code: ErrorCode | ForeignCode, message: string, opts: CoreErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.name = 'CoreError'
    this.code = code
    this.httpStatus = opts.httpStatus ?? errorStatus(code)
    if (opts.hint !== undefined) this.hint = opts.hint
    if (opts.requestId !== undefined) this.requestId = opts.requestId
    if (opts.details !== undefined) this.details = opts.details
  }

  /** Whether trying again may succeed (the catalogue's flag for the code). */
  get retryable(): boolean {
    return isRetryable(this.code, this.httpStatus)
  }

  toApiError(): ApiError {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint ? { hint: this.hint } : {}),
      ...(this.requestId ? { requestId: this.requestId } : {}),
      httpStatus: this.httpStatus,
      retryable: this.retryable,
      ...(this.details ? { details: this.details } : {}),
    }
  }
}
