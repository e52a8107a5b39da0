import type { RequestMap, RpcRequest, RpcResponse, WireError } from './protocol'
import { isMessage } from './protocol'

/** An error answered by the other process; keeps the contract's fields (code, hint). */
export class RemoteError extends Error {
  readonly code?: string
  readonly hint?: string
  readonly httpStatus?: number
  constructor(e: WireError) {
    super(e.message)
    this.name = 'RemoteError'
    if (e.code) this.code = e.code
    if (e.hint) this.hint = e.hint
    if (typeof e.httpStatus === 'number') this.httpStatus = e.httpStatus
  }
}

export function toWireError(e: unknown): WireError {
  const x = e as Partial<WireError> | null
  const message =
    e instanceof Error ? e.message : typeof x?.message === 'string' ? x.message : String(e)
  return {
    message,
    ...(typeof x?.code === 'string' ? { code: x.code } : {}),
    ...(typeof x?.hint === 'string' ? { hint: x.hint } : {}),
    ...(typeof x?.httpStatus === 'number' ? { httpStatus: x.httpStatus } : {}),
  }
}

export type Handlers<In extends RequestMap> = {
  [K in keyof In]: (args: In[K]['args']) => In[K]['result'] | Promise<In[K]['result']>
}

/**
 * Requests and answers over a message channel, both ways: `request` asks the other side (`Out`),
 * `handlers` answer it (`In`). Payloads are never logged (secrets travel here).
 */
export function createRpc<Out extends RequestMap, In extends RequestMap>(
  send: (m: RpcRequest | RpcResponse) => void,
  handlers: Handlers<In>,
) {
  let nextId = 1
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()

  function request<K extends keyof Out & string>(
    op: K,
    args: Out[K]['args'],
  ): Promise<Out[K]['result']> {
    const id = nextId++
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
      try {
        send({ t: 'req', id, op, args })
      } catch (e) {
        pending.delete(id)
        reject(e as Error)
      }
    })
  }

  async function answer(m: RpcRequest) {
    const h = Object.prototype.hasOwnProperty.call(handlers, m.op)
      ? (handlers as Record<string, (a: unknown) => unknown>)[m.op]
      : undefined
    let res: RpcResponse
    try {
      if (!h) throw new RemoteError({ code: 'UnknownRequest', message: `Unknown request: ${m.op}` })
      res = { t: 'res', id: m.id, ok: true, value: await h(m.args) }
    } catch (e) {
      res = { t: 'res', id: m.id, ok: false, error: toWireError(e) }
    }
    try {
      send(res)
    } catch {
      /* the other side is gone */
    }
  }

  return {
    request,
    /** Handles a request or an answer; false for any other message. */
    handle(m: unknown): boolean {
      if (!isMessage(m)) return false
      if (m.t === 'req') {
        void answer(m as RpcRequest)
        return true
      }
      if (m.t === 'res') {
        const r = m as RpcResponse
        const p = pending.get(r.id)
        if (!p) return true
        pending.delete(r.id)
        if (r.ok) p.resolve(r.value)
        else p.reject(new RemoteError(r.error))
        return true
      }
      return false
    },
    /** The other side is gone: every request still waiting fails with `err`. */
    failAll(err: () => Error): void {
      const all = [...pending.values()]
      pending.clear()
      for (const p of all) p.reject(err())
    },
    get pending(): number {
      return pending.size
    },
  }
}

export type Rpc<Out extends RequestMap> = {
  request<K extends keyof Out & string>(op: K, args: Out[K]['args']): Promise<Out[K]['result']>
}
