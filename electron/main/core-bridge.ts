import { createClient, type Bridge } from '../api/client'
import { contract, type Contract } from '../api/contract'
import type { EventName } from '../api/events'
import type { HostStatus } from '../api/host-status'
import type { CoreSupervisor } from '../core-host/supervisor'

/**
 * The core as main's own modules (tray, menus, taskbar progress…) see it: the same typed client as
 * the renderer's (`api.jobs.pause({ jobId })`, `on('job.progress', …)`), over the core process's
 * control channel, plus the process's status.
 */
export interface MainCore extends Bridge<Contract> {
  readonly status: HostStatus
  onStatus(fn: (s: HostStatus) => void): () => void
  /** Every core event by name (for modules that forward several). */
  onAny(fn: (name: EventName, payload: unknown) => void): () => void
}

export function createMainCore(sup: CoreSupervisor<unknown>): MainCore {
  const bridge = createClient(contract, {
    invoke: (name, input) => sup.call(name, input),
    subscribe: (listener) => sup.events.onAny(listener),
  })
  return {
    ...bridge,
    get status() {
      return sup.status
    },
    onStatus: (fn) => sup.onStatus(fn),
    onAny: (fn) => sup.events.onAny(fn),
  }
}
