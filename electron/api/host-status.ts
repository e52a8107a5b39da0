import type { ErrorCode } from '../domain/errors'

/**
 * The state of the desktop app's core process, as the window sees it. The desktop host (not the
 * core) reports it: the preload passes it to the page as the `host.status` event. The headless
 * host never sends it (its core runs in the server process).
 */
export type HostState = 'starting' | 'ready' | 'restarting' | 'failed'

export interface HostStatus {
  state: HostState
  /** Why the core stopped (restarting, failed): an exit code, a signal or a startup error. */
  reason?: string
  /** Failed: where the log is, for the user to look at or send. */
  logFile?: string
}

/** The pseudo-event under which the preload delivers HostStatus to `subscribe` listeners. */
export const HOST_STATUS_EVENT = 'host.status'

/** Calls pending when the core process stopped fail with this code (the call may be retried). */
export const CORE_RESTARTED = 'CoreRestarted' satisfies ErrorCode
/** Calls made after the desktop host gave up restarting the core fail with this code. */
export const CORE_UNAVAILABLE = 'CoreUnavailable' satisfies ErrorCode
