import { z } from 'zod'

/** The one error shape every method of the contract rejects with. */
export const ApiErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  hint: z.string().optional(),
  requestId: z.string().optional(),
  httpStatus: z.number().int().optional(),
})
export type ApiError = z.infer<typeof ApiErrorSchema>

/** Thrown on the calling side of a bridge so callers can `catch (e) { if (isApiError(e)) … }`. */
export class LoupeError extends Error implements ApiError {
  readonly code: string
  readonly hint?: string
  readonly requestId?: string
  readonly httpStatus?: number
  constructor(err: ApiError) {
    super(err.message)
    this.name = 'LoupeError'
    this.code = err.code
    this.hint = err.hint
    this.requestId = err.requestId
    this.httpStatus = err.httpStatus
  }
  toJSON(): ApiError {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint ? { hint: this.hint } : {}),
      ...(this.requestId ? { requestId: this.requestId } : {}),
      ...(this.httpStatus !== undefined ? { httpStatus: this.httpStatus } : {}),
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
