import type { SecretStore } from '../core/profiles/secrets'
import type { MainRequests, SecretSync } from './protocol'
import { SYNC_SECRET_METHODS } from './protocol'
import { RemoteError } from './rpc'

type AskMain = (args: MainRequests['secrets']['args']) => Promise<MainRequests['secrets']['result']>

/**
 * The core process's SecretStore: every method is forwarded by name to main, which answers with
 * its own store (Electron safeStorage). Synchronous methods answer from the latest snapshot main
 * sent. A method added to the SecretStore interface is forwarded without a change here.
 */
export function createRemoteSecretStore(ask: AskMain, initial: SecretSync): SecretStore {
  let sync = initial
  const syncNames = new Set<string>(SYNC_SECRET_METHODS)
  return new Proxy({} as SecretStore, {
    get(_target, prop) {
      // Not a thenable, not a coercible value: only method names resolve.
      if (typeof prop !== 'string' || prop === 'then' || prop === 'toJSON') return undefined
      if (syncNames.has(prop)) return () => sync[prop as keyof SecretSync]
      return async (...args: unknown[]) => {
        const r = await ask({ method: prop, args })
        sync = r.sync
        return r.value
      }
    },
  })
}

/** The answers main's store gives now to the synchronous methods. */
export function secretSync(store: SecretStore): SecretSync {
  return Object.fromEntries(
    SYNC_SECRET_METHODS.map((m) => [m, (store[m] as () => unknown).call(store)]),
  ) as SecretSync
}

/** Main's side: runs the forwarded call on its store (only the store's own methods). */
export function answerSecrets(store: SecretStore) {
  const methods = new Set<string>()
  for (let o: object | null = store; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const k of Object.getOwnPropertyNames(o)) {
      if (
        k !== 'constructor' &&
        typeof (store as unknown as Record<string, unknown>)[k] === 'function'
      )
        methods.add(k)
    }
  }
  return async ({ method, args }: MainRequests['secrets']['args']) => {
    if (!methods.has(method) || !Array.isArray(args)) {
      throw new RemoteError({
        code: 'UnknownSecretMethod',
        message: `No secret store method "${method}"`,
      })
    }
    const fn = (store as unknown as Record<string, (...a: unknown[]) => unknown>)[method]
    const value = await fn.apply(store, args)
    return { value, sync: secretSync(store) }
  }
}
