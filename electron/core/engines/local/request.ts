/** Request ids and the wrapper every engine operation runs in. */
import crypto from 'node:crypto'
import { CoreError } from '../../errors'
import { EngineError } from '../errors'
import type { EngineContext } from './context'

/** A request id shaped like the cloud's (uppercase UUID). */
export function newRequestId(): string {
  return crypto.randomUUID().toUpperCase()
}

/**
 * Runs one operation under a fresh request id: refused once the engine is closed; any error comes
 * out as an EngineError carrying that id (unexpected ones as UnknownException).
 */
export async function op<T>(ctx: EngineContext, fn: (requestId: string) => Promise<T>): Promise<T> {
  const requestId = newRequestId()
  if (ctx.closed)
    throw new EngineError('InstanceStatusError', 'The local engine is closed.', {
      httpStatus: 409,
      requestId,
    })
  try {
    // The index is being re-projected for another adapted space (space.ts): a few seconds.
    while (ctx.switching) await ctx.switching.catch(() => {})
    return await fn(requestId)
  } catch (e) {
    throw withRequestId(e, requestId)
  }
}

function withRequestId(e: unknown, requestId: string): EngineError {
  if (e instanceof CoreError) {
    if (e.requestId) return e
    return new EngineError(e.code, e.message, {
      httpStatus: e.httpStatus,
      requestId,
      hint: e.hint,
      cause: e.cause,
    })
  }
  return new EngineError(
    'UnknownException',
    `An internal server error occurred: ${(e as Error)?.message ?? String(e)}`,
    {
      requestId,
      cause: e,
    },
  )
}
