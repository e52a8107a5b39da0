import { getCurrentScope, onScopeDispose } from 'vue'
import type { EventName, EventPayload } from '@api/events'
import type { HostStatus } from '@api/host-status'
import { getBridge, onHostStatus } from '@renderer/bridge'

/**
 * Listens to a core event for the life of the calling component (or store, or effect scope): the
 * subscription ends with it. Also returns the unsubscribe, to end it earlier.
 */
export function useEvent<E extends EventName>(
  name: E,
  listener: (payload: EventPayload<E>) => void,
): () => void {
  const off = getBridge().on(name, listener)
  if (getCurrentScope()) onScopeDispose(off)
  return off
}

/**
 * Desktop: the state of the core process (starting, ready, restarting, failed), the current state
 * first, for the life of the calling component. A browser's host reports nothing.
 */
export function useHostStatus(listener: (s: HostStatus) => void): () => void {
  const off = onHostStatus(listener)
  if (getCurrentScope()) onScopeDispose(off)
  return off
}
