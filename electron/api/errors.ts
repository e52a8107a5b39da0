import { z } from 'zod'
import { isRetryable, type ErrorCode, type ErrorDetails } from '../domain/errors'

/** The one error shape every method of the contract rejects with. */
export const ApiErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  hint: z.string().optional(),
  requestId: z.string().optional(),
  httpStatus: z.number().int().optional(),
  /** Whether trying the same thing again may succeed (the error catalogue's flag for the code). */
  retryable: z.boolean().optional(),
  /** Values for the placeholders of the code's explanation in the catalogue. */
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
})
export type ApiError = z.infer<typeof ApiErrorSchema>

/**
 * The one error the calling side of a bridge rejects with — the client, and through it every store
 * and component — so callers can `catch (e) { const err = toLoupeError(e); … err.code … }`.
 * `retryable` is always set: the error's own flag, else the error catalogue's for the code.
 */
export class LoupeError extends Error implements ApiError {
  readonly code: string
  readonly hint?: string
  readonly requestId?: string
  readonly httpStatus?: number
  readonly retryable: boolean
  readonly details?: ErrorDetails
  constructor(err: ApiError) {
    super(err.message)
    this.name = 'LoupeError'
    this.code = err.code
    this.hint = err.hint
    this.requestId = err.requestId
    this.httpStatus = err.httpStatus
    this.retryable =
      typeof err.retryable === 'boolean' ? err.retryable : isRetryable(err.code, err.httpStatus)
    if (err.details) this.details = err.details
  }
  toJSON(): ApiError {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint ? { hint: this.hint } : {}),
      ...(this.requestId ? { requestId: this.requestId } : {}),
      ...(this.httpStatus !== undefined ? { httpStatus: this.httpStatus } : {}),
      retryable: this.retryable,
      ...(this.details ? { details: this.details } : {}),
    }
  }
}

export function isApiError(e: unknown): e is ApiError {
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof (e as ApiError).code === 'string' &&
    typeof (e as ApiError).message === 'string'
  )
}

/**
 * Anything caught → a LoupeError: a LoupeError as it is, an error with a code and a message (from
 * the contract, a host, another process) with its fields, anything else as `fallbackCode` with its
 * message.
 */
export function toLoupeError(e: unknown, fallbackCode: ErrorCode = 'InternalError'): LoupeError {
  if (e instanceof LoupeError) return e
  if (isApiError(e)) return new LoupeError(e)
  const message =
    e instanceof Error ? e.message || e.name : typeof e === 'string' ? e : String(e ?? '')
  return new LoupeError({ code: fallbackCode, message })
}
