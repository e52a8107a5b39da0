import type { Client, ContractShape } from './define'
import { LoupeError, isApiError, toLoupeError } from './errors'
import type { EventName, EventPayload } from './events'

/** How a bridge reaches the core: IPC (desktop) or HTTP (headless). */
export interface Transport {
  /** Resolves with `{ result }` or `{ error }` (the contract's error shape). */
  invoke(name: string, input: unknown, opts: { slow: boolean }): Promise<unknown>
  subscribe(listener: (name: string, payload: unknown) => void): () => void
}

export type Unsubscribe = () => void

export interface Bridge<C extends ContractShape> {
  api: Client<C>
  on<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): Unsubscribe
}

/**
 * Derives a typed client from the contract: one function per listed method, results validated with
 * the contract's schema. Every failure rejects with a LoupeError (code, message, hint, retryable,
 * details, request id): an error reply, a malformed reply, a result that breaks the contract, a
 * transport that throws.
 */
export function createClient<C extends ContractShape>(
  contract: C,
  transport: Transport,
): Bridge<C> {
  const api: Record<string, Record<string, (input: unknown) => Promise<unknown>>> = {}
  for (const [domain, methods] of Object.entries(contract)) {
    api[domain] = {}
    for (const [name, def] of Object.entries(methods)) {
      const full = `${domain}.${name}`
      api[domain][name] = async (input: unknown) => {
        let reply: { result?: unknown; error?: unknown }
        try {
          reply = (await transport.invoke(full, input ?? {}, { slow: !!def.slow })) as typeof reply
        } catch (e) {
          // A transport that throws instead of answering `{ error }` still rejects the one way.
          throw toLoupeError(e)
        }
        if (reply && 'error' in reply && reply.error !== undefined) {
          throw new LoupeError(
            isApiError(reply.error)
              ? reply.error
              : { code: 'InternalError', message: `Malformed error from ${full}` },
          )
        }
        const parsed = def.output.safeParse(reply?.result)
        if (!parsed.success) {
          throw new LoupeError({
            code: 'InvalidResponse',
            message: `The result of ${full} does not match the contract: ${parsed.error.issues[0]?.message ?? ''}`,
          })
        }
        return parsed.data
      }
    }
  }
  const listeners = new Map<string, Set<(p: unknown) => void>>()
  let unsub: (() => void) | null = null
  function on<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void) {
    if (!unsub) {
      unsub = transport.subscribe((n, p) => listeners.get(n)?.forEach((l) => l(p)))
    }
    let set = listeners.get(name)
    if (!set) listeners.set(name, (set = new Set()))
    const l = listener as (p: unknown) => void
    set.add(l)
    return () => {
      set.delete(l)
    }
  }
  return { api: api as unknown as Client<C>, on }
}
