import type { ContractShape, Implementation } from './define'
import { lookupMethod } from './define'
import type { ApiError } from './errors'
import { isApiError } from './errors'
import { errorStatus, isErrorCode, isRetryable, type ErrorCode } from '../domain/errors'

export type DispatchReply = { result: unknown } | { error: ApiError }

/**
 * The one generic handler every host adapter uses: look the method up in the contract, validate the
 * argument with its schema, call the implementation, validate the result, and turn any failure into
 * the contract's error shape. `redact` scrubs secrets from messages before they leave the core.
 */
export function createDispatcher<C extends ContractShape>(
  contract: C,
  impl: Implementation<C>,
  opts: { redact?: (text: string) => string; onInternalError?: (e: unknown) => void } = {},
) {
  const redact = opts.redact ?? ((t: string) => t)
  return async function dispatch(name: string, input: unknown): Promise<DispatchReply> {
    const def = lookupMethod(contract, name)
    if (!def) return { error: apiError('UnknownMethod', `Unknown method: ${name}`) }
    const parsed = def.input.safeParse(input ?? {})
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      const where = issue?.path.length ? issue.path.join('.') + ': ' : ''
      return {
        error: apiError(
          'InvalidArgument',
          redact(`${name}: ${where}${issue?.message ?? 'invalid argument'}`),
        ),
      }
    }
    const dot = name.indexOf('.')
    const fn = (impl as Record<string, Record<string, (i: unknown) => Promise<unknown>>>)[
      name.slice(0, dot)
    ]?.[name.slice(dot + 1)]
    if (typeof fn !== 'function') {
      return { error: apiError('NotImplemented', `${name} is not implemented`) }
    }
    try {
      const result = await fn(parsed.data)
      const out = def.output.safeParse(result)
      if (!out.success) {
        opts.onInternalError?.(out.error)
        return { error: apiError('InternalError', `${name} produced an invalid result`) }
      }
      return { result: out.data }
    } catch (e) {
      return { error: toApiError(e, redact, opts.onInternalError) }
    }
  }
}

/** An error of the dispatcher itself, with the catalogue's status and retryable flag. */
function apiError(code: ErrorCode, message: string): ApiError {
  return { code, message, httpStatus: errorStatus(code), retryable: isRetryable(code) }
}

/**
 * Any failure → the contract's error shape, mapped through the error catalogue. Errors with a code
 * (CoreError, EngineError, errors from another process) keep it, and the HTTP status and retryable
 * flag they carry; those they lack come from the catalogue when it lists the code. Anything else is
 * an InternalError.
 */
export function toApiError(
  e: unknown,
  redact: (t: string) => string = (t) => t,
  onInternal?: (e: unknown) => void,
): ApiError {
  if (isApiError(e)) {
    const err = e as ApiError
    const httpStatus =
      typeof err.httpStatus === 'number'
        ? err.httpStatus
        : isErrorCode(err.code)
          ? errorStatus(err.code)
          : undefined
    return {
      code: err.code,
      message: redact(err.message),
      ...(err.hint ? { hint: redact(err.hint) } : {}),
      ...(err.requestId ? { requestId: err.requestId } : {}),
      ...(httpStatus !== undefined ? { httpStatus } : {}),
      retryable:
        typeof err.retryable === 'boolean' ? err.retryable : isRetryable(err.code, httpStatus),
      ...(isDetails(err.details) ? { details: err.details } : {}),
    }
  }
  onInternal?.(e)
  const message = e instanceof Error ? e.message : String(e)
  return apiError('InternalError', redact(message))
}

function isDetails(d: unknown): d is NonNullable<ApiError['details']> {
  return (
    typeof d === 'object' &&
    d !== null &&
    Object.values(d).every((v) => ['string', 'number', 'boolean'].includes(typeof v))
  )
}
