import crypto from 'node:crypto'
import type { TokenScope } from '../../core/auth/tokens'

export interface Session {
  id: string
  tokenId: string
  scope: TokenScope
  createdAt: number
  lastSeenAt: number
}

export interface SessionLimits {
  /** A session unused this long ends (default 12 h). */
  idleMs: number
  /** A session ends this long after sign-in whatever its use (default 7 days). */
  maxMs: number
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = {
  idleMs: 12 * 3600_000,
  maxMs: 7 * 24 * 3600_000,
}

/**
 * Signed-in browsers, in memory only (a restart of the host signs everyone out). A session id is
 * 32 random bytes; it is all the cookie holds. Ending a session also ends its open event streams.
 */
export function createSessions(limits: SessionLimits, now: () => number = Date.now) {
  const sessions = new Map<string, Session>()
  const closers = new Map<string, Set<() => void>>()

  function end(id: string): void {
    sessions.delete(id)
    const set = closers.get(id)
    closers.delete(id)
    for (const c of set ?? []) c()
  }

  function expired(s: Session, t: number): boolean {
    return t - s.lastSeenAt > limits.idleMs || t - s.createdAt > limits.maxMs
  }

  return {
    create(tokenId: string, scope: TokenScope): Session {
      const t = now()
      const s: Session = {
        id: crypto.randomBytes(32).toString('base64url'),
        tokenId,
        scope,
        createdAt: t,
        lastSeenAt: t,
      }
      sessions.set(s.id, s)
      return s
    },
    /** The live session of this id (its idle clock restarts), or null. */
    use(id: string): Session | null {
      const s = sessions.get(id)
      if (!s) return null
      const t = now()
      if (expired(s, t)) {
        end(id)
        return null
      }
      s.lastSeenAt = t
      return s
    },
    end,
    /** Ends the sessions that expired or whose token `alive` no longer accepts. */
    sweep(alive: (tokenId: string) => boolean): number {
      const t = now()
      let n = 0
      for (const s of [...sessions.values()]) {
        if (expired(s, t) || !alive(s.tokenId)) {
          end(s.id)
          n++
        }
      }
      return n
    },
    /** Runs `close` when the session ends (an open event stream). Returns an unregister. */
    onEnd(id: string, close: () => void): () => void {
      let set = closers.get(id)
      if (!set) closers.set(id, (set = new Set()))
      set.add(close)
      return () => void set.delete(close)
    },
    get size() {
      return sessions.size
    },
    clear() {
      for (const id of [...sessions.keys()]) end(id)
    },
  }
}

/**
 * Failed sign-ins per address: after `max` failures within `windowMs`, sign-ins from that address
 * are refused (even with a right token) until the window has passed.
 */
export function createFailureLimiter(max: number, windowMs: number, now: () => number = Date.now) {
  const failures = new Map<string, number[]>()
  function recent(addr: string): number[] {
    const t = now()
    const list = (failures.get(addr) ?? []).filter((x) => t - x < windowMs)
    if (list.length) failures.set(addr, list)
    else failures.delete(addr)
    return list
  }
  return {
    /** Seconds until this address may try again, or 0. */
    blockedFor(addr: string): number {
      const list = recent(addr)
      if (list.length < max) return 0
      return Math.max(1, Math.ceil((list[0] + windowMs - now()) / 1000))
    },
    fail(addr: string): void {
      const list = recent(addr)
      list.push(now())
      failures.set(addr, list)
      // Bounded memory under a spray of addresses.
      if (failures.size > 10_000) failures.delete(failures.keys().next().value as string)
    },
    succeed(addr: string): void {
      failures.delete(addr)
    },
  }
}
