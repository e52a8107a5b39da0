import type { EventName, EventPayload } from '../../electron/api/events'

/** The core's contract dispatcher as tests call it: a method name and its input → `{ result | error }`. */
export type Dispatch = (name: string, input: unknown) => Promise<unknown>

/** Calls a contract method through the dispatcher (validation included); throws its error. */
export async function call<T = unknown>(dispatch: Dispatch, name: string, input: unknown = {}) {
  const r = (await dispatch(name, input)) as {
    result?: T
    error?: { code: string; message: string; hint?: string }
  }
  if (r.error) throw Object.assign(new Error(`${r.error.code}: ${r.error.message}`), r.error)
  return r.result as T
}

/** The error a call answers with (throws if it succeeds). */
export async function callError(dispatch: Dispatch, name: string, input: unknown = {}) {
  const r = (await dispatch(name, input)) as {
    result?: unknown
    error?: { code: string; message: string; hint?: string }
  }
  if (!r.error) throw new Error(`${name} succeeded: ${JSON.stringify(r.result).slice(0, 300)}`)
  return r.error
}

/** Records every event the core emits; `of(name)` gives one kind's payloads. */
export function recordEvents(events: {
  onAny(l: (name: EventName, payload: unknown) => void): () => void
}) {
  const seen: { name: EventName; payload: unknown }[] = []
  const off = events.onAny((name, payload) => seen.push({ name, payload }))
  return {
    seen,
    off,
    of<E extends EventName>(name: E): EventPayload<E>[] {
      return seen.filter((e) => e.name === name).map((e) => e.payload as EventPayload<E>)
    },
  }
}

/** Polls `fn` every 50 ms until it gives a truthy value (returned), for at most `ms`. */
export async function until<T>(fn: () => T | Promise<T>, ms: number): Promise<NonNullable<T>> {
  const end = Date.now() + ms
  for (;;) {
    const v = await fn()
    if (v) return v as NonNullable<T>
    if (Date.now() > end) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 50))
  }
}
