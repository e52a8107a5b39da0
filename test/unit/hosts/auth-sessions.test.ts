import { describe, expect, it } from 'vitest'
import { createFailureLimiter, createSessions } from '../../../electron/server/auth/sessions'

describe('sign-in sessions', () => {
  it('end when idle, and after the absolute limit however busy they are', () => {
    let now = 1_000_000
    const s = createSessions({ idleMs: 1000, maxMs: 5000 }, () => now)
    const a = s.create('tok', 'full')
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{43}$/)
    // Used every 900 ms: the idle clock restarts each time…
    for (let i = 0; i < 5; i++) {
      now += 900
      expect(s.use(a.id)?.tokenId).toBe('tok')
    }
    // …but 5 s after sign-in it ends anyway (used 600 ms ago: not idle).
    now += 600
    expect(s.use(a.id)).toBeNull()
    const b = s.create('tok', 'read')
    now += 1001
    expect(s.use(b.id)).toBeNull()
    expect(s.size).toBe(0)
  })

  it('sweep ends the sessions of a revoked token and runs their closers', () => {
    const s = createSessions({ idleMs: 60_000, maxMs: 600_000 })
    const a = s.create('gone', 'read')
    const b = s.create('kept', 'full')
    let closed = 0
    s.onEnd(a.id, () => closed++)
    s.onEnd(b.id, () => (closed += 10))
    expect(s.sweep((id) => id === 'kept')).toBe(1)
    expect(closed).toBe(1)
    expect(s.use(a.id)).toBeNull()
    expect(s.use(b.id)?.scope).toBe('full')
    // Unknown ids are no session.
    expect(s.use('x'.repeat(43))).toBeNull()
  })

  it('limits failed sign-ins per client within a window', () => {
    let now = 0
    const l = createFailureLimiter(3, 10_000, () => now)
    for (let i = 0; i < 3; i++) {
      expect(l.blockedFor('a')).toBe(0)
      l.fail('a')
    }
    expect(l.blockedFor('a')).toBe(10)
    expect(l.blockedFor('b')).toBe(0)
    now += 9_500
    expect(l.blockedFor('a')).toBe(1)
    now += 600
    expect(l.blockedFor('a')).toBe(0)
    l.fail('a')
    l.succeed('a')
    expect(l.blockedFor('a')).toBe(0)
  })
})
