/**
 * Retry policy: which errors are worth retrying, how long to wait, and how errors are recorded.
 * The class of a code is the error catalogue's (`electron/domain/errors.ts`):
 *
 * - `throttled`: DeniedRequest (instance flow control) — retried, and slows the limiter down.
 * - `transient`: network errors, timeouts, HTTP 5xx — retried with exponential backoff + jitter.
 * - `fatal`: credentials/permission/quota errors that every other item would hit too — the item
 *   goes back to pending and the job pauses with the error, to be resumed once fixed.
 * - `invalid`: anything else (validation errors, 4xx) — the item fails with the explanation.
 *
 * Errors without a listed code (a plain Error, a code from outside) are classed by their HTTP
 * status, their name, then their message.
 */

import { ERROR_CATALOGUE, isErrorCode, type RetryClass } from '../../domain/errors'
import type { ItemError } from './types'

export type ErrorClass = RetryClass

export interface RetryPolicy {
  /** Attempts in all, first included. Default 6. */
  maxAttempts: number
  /** Delay before the second attempt. Default 500 ms. */
  baseDelayMs: number
  /** Upper bound of one delay. Default 30 s. */
  maxDelayMs: number
  /** Growth per attempt. Default 2. */
  factor: number
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  factor: 2,
}

const NETWORK_MESSAGE =
  /socket hang up|network|timed? ?out|timeout|ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|EAI_AGAIN|other side closed|fetch failed/i

function prop(e: unknown, name: string): unknown {
  return typeof e === 'object' && e !== null ? (e as Record<string, unknown>)[name] : undefined
}

function statusOf(e: unknown): number | undefined {
  for (const k of ['httpStatus', 'statusCode', 'status']) {
    const v = prop(e, k)
    if (typeof v === 'number') return v
  }
  const data = prop(e, 'data')
  const s = prop(data, 'statusCode')
  return typeof s === 'number' ? s : undefined
}

/** The error's code: CoreError.code, Node's error code, or the error's name. */
export function errorCode(e: unknown): string {
  const code = prop(e, 'code')
  if (typeof code === 'string' && code) return code
  if (typeof code === 'number') return String(code)
  const name = prop(e, 'name')
  if (typeof name === 'string' && name && name !== 'Error') return name
  return 'Error'
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message || String(e)
  const m = prop(e, 'message')
  if (typeof m === 'string') return m
  return String(e)
}

/** The error as recorded on an item (never includes secrets: messages come from engines). */
export function toItemError(e: unknown): ItemError {
  return { code: errorCode(e), message: errorMessage(e).slice(0, 2000) }
}

export function classifyError(e: unknown): ErrorClass {
  const codes: string[] = []
  for (let cur: unknown = e, depth = 0; cur && depth < 4; depth++) {
    const c = prop(cur, 'code')
    if (typeof c === 'string') codes.push(c)
    cur = prop(cur, 'cause')
  }
  // The catalogue decides for the codes it lists, anywhere in the chain of causes.
  const known = codes.filter(isErrorCode).map((c) => ERROR_CATALOGUE[c].retry)
  for (const cls of ['throttled', 'fatal', 'transient'] as const) {
    if (known.includes(cls)) return cls
  }
  if (isErrorCode(codes[0])) return 'invalid'
  const status = statusOf(e)
  if (status !== undefined) {
    if (status >= 500 || status === 429 || status === 408) return 'transient'
    return 'invalid'
  }
  const name = prop(e, 'name')
  if (name === 'TimeoutError' || name === 'FetchError') return 'transient'
  // Errors with an explicit code (validation errors from engines or imaging) are not retried.
  if (codes.length > 0) return 'invalid'
  return NETWORK_MESSAGE.test(errorMessage(e)) ? 'transient' : 'invalid'
}

/**
 * Delay before attempt `attempt + 1` after `attempt` failed attempts (equal jitter: half fixed,
 * half random, so retries of many items spread out).
 */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy = DEFAULT_RETRY,
  random: () => number = Math.random,
): number {
  const exp = policy.baseDelayMs * Math.pow(policy.factor, Math.max(0, attempt - 1))
  const capped = Math.min(policy.maxDelayMs, exp)
  return Math.round(capped / 2 + (capped / 2) * random())
}
