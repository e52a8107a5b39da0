import { describe, expect, it } from 'vitest'
import { EngineError, foreignCode } from '../../../../electron/core/engines/errors'
import { AbortedError, RateLimiter, STRICT_MARGIN } from '../../../../electron/core/jobs/limiter'
import { cloudRateLimits, localRateLimits } from '../../../../electron/core/jobs/limits'
import {
  DEFAULT_RETRY,
  backoffDelay,
  classifyError,
  toItemError,
} from '../../../../electron/core/jobs/retry'
import { netError, sleep } from './helpers'

describe('RateLimiter', () => {
  it('never hands out tokens faster than its rate, and keeps close to it over many tokens', async () => {
    const l = new RateLimiter({ ratePerSec: 200 })
    const t0 = performance.now()
    const stamps: number[] = []
    await Promise.all(
      Array.from({ length: 101 }, () => l.acquire().then(() => stamps.push(performance.now()))),
    )
    const elapsed = stamps[stamps.length - 1] - t0
    // 101 tokens at 200/s: the first is free, the other 100 need 500 ms
    expect(elapsed).toBeGreaterThanOrEqual(495)
    // loose: timers on a loaded machine may be late, but virtual scheduling does not drift
    expect(elapsed).toBeLessThan(2000)
    // evenly spaced with burst 1: no two tokens within much less than the interval on average
    const tenth = stamps[10] - stamps[0]
    expect(tenth).toBeGreaterThanOrEqual(45)
  })

  it('allows a burst after an idle period when configured', async () => {
    const l = new RateLimiter({ ratePerSec: 10, burst: 5 })
    await sleep(600)
    const t0 = performance.now()
    await Promise.all(Array.from({ length: 5 }, () => l.acquire()))
    // 5 at once from the bucket; a 6th would wait 100 ms
    expect(performance.now() - t0).toBeLessThan(90)
    const t1 = performance.now()
    await l.acquire()
    expect(performance.now() - t1).toBeGreaterThanOrEqual(50)
  })

  it('does not lose the time a late timer overslept while callers were waiting', async () => {
    let clock = 0
    const l = new RateLimiter({ ratePerSec: 10, now: () => clock })
    await l.acquire() // slot 0; the next is free at 100
    let b = false
    const pb = l.acquire().then(() => (b = true))
    clock = 130 // the timer for slot 100 fires 30 ms late
    await pb
    expect(b).toBe(true)
    let c = false
    void l.acquire().then(() => (c = true))
    clock = 200 // C's slot: 200, not 230
    await sleep(150)
    expect(c).toBe(true)
    // after an idle period the schedule restarts from now: no catch-up burst
    clock = 5000
    await l.acquire()
    let d = false
    void l.acquire().then(() => (d = true))
    await sleep(150)
    expect(d).toBe(false)
    clock = 5100
    await sleep(150)
    expect(d).toBe(true)
  })

  it('at 1/s or less never spaces two calls closer than the interval (a late timer is not made up for)', async () => {
    let clock = 0
    const l = new RateLimiter({ ratePerSec: 1, burst: 2, now: () => clock })
    await l.acquire() // at 0
    let b = false
    const pb = l.acquire().then(() => (b = true))
    clock = 1100 // the timer fired 100 ms late
    await pb
    expect(b).toBe(true)
    let c = false
    void l.acquire().then(() => (c = true))
    clock = 2000 // the averaged schedule would grant now: only 900 ms after B
    await sleep(100)
    expect(c).toBe(false)
    clock = 1100 + 1000 * (1 + STRICT_MARGIN) // the interval and its margin after B
    await sleep(1100)
    expect(c).toBe(true)
  })

  it('is unlimited without a rate', async () => {
    const l = new RateLimiter({ ratePerSec: null })
    expect(l.unlimited).toBe(true)
    await Promise.all(Array.from({ length: 1000 }, () => l.acquire()))
    expect(l.stats().acquired).toBe(1000)
  })

  it('rejects waiters when their signal aborts, without consuming their token', async () => {
    const l = new RateLimiter({ ratePerSec: 2 })
    await l.acquire()
    const ac = new AbortController()
    const waiting = l.acquire(ac.signal)
    ac.abort()
    await expect(waiting).rejects.toBeInstanceOf(AbortedError)
    expect(l.stats().waiting).toBe(0)
    await expect(l.acquire(ac.signal)).rejects.toBeInstanceOf(AbortedError)
  })

  it('barely moves on isolated denials but backs off hard on frequent ones', () => {
    let now = 0
    const l = new RateLimiter({ ratePerSec: 5, now: () => now })
    for (let i = 0; i < 39; i++) l.onSuccess()
    l.onDenied()
    expect(l.currentRate).toBeCloseTo(5 * 0.98, 5)
    // recovers with the next success
    l.onSuccess()
    expect(l.currentRate).toBe(5)

    // the instance really accepts less: half the answers are denials
    for (let i = 0; i < 60; i++) {
      now += 250
      if (i % 2) l.onDenied()
      else l.onSuccess()
    }
    const overloaded = l.currentRate
    expect(overloaded).toBeLessThan(5 * 0.5)
    // no recovery while denials are still frequent among the recent answers …
    now += 5000
    for (let i = 0; i < 10; i++) l.onSuccess()
    expect(l.currentRate).toBe(overloaded)
    // … then gradually, 2 % of the configured rate per success
    for (let i = 0; i < 40; i++) l.onSuccess()
    expect(l.currentRate).toBeGreaterThan(overloaded)
    expect(l.currentRate).toBeLessThanOrEqual(overloaded + 40 * 0.1 + 1e-9)

    // never below the floor
    for (let i = 0; i < 200; i++) {
      now += 1000
      l.onDenied()
    }
    expect(l.currentRate).toBeCloseTo(5 * 0.05, 5)
  })
})

describe('rate limit defaults', () => {
  it('follow the cloud documentation', () => {
    expect(cloudRateLimits({ qps: 10, capacity: 1_000_000 })).toMatchObject({
      add: 5,
      update: 20,
      delete: 20,
      search: 10,
      detail: 1,
      dumpMeta: 1,
    })
    expect(cloudRateLimits({ qps: 5, capacity: 100_000 }).add).toBe(1)
    expect(cloudRateLimits({}, { add: 3 }).add).toBe(3)
    expect(localRateLimits()).toEqual({})
    expect(localRateLimits({ add: 50 })).toEqual({ add: 50 })
  })
})

describe('retry policy', () => {
  it('classifies errors', () => {
    expect(classifyError(netError('ECONNRESET'))).toBe('transient')
    expect(classifyError(netError('ETIMEDOUT'))).toBe('transient')
    expect(classifyError(netError('ECONNREFUSED'))).toBe('transient')
    expect(classifyError(new Error('socket hang up'))).toBe('transient')
    expect(classifyError(new Error('Request timed out after 3000ms'))).toBe('transient')
    expect(classifyError(Object.assign(new Error('x'), { name: 'TimeoutError' }))).toBe('transient')
    expect(
      classifyError(
        new Error('fetch failed', { cause: netError('UND_ERR_SOCKET', 'other side closed') }),
      ),
    ).toBe('transient')
    expect(classifyError(new EngineError('InternalError', 'x'))).toBe('transient')
    expect(
      classifyError(new EngineError(foreignCode('SomethingNew'), 'x', { httpStatus: 503 })),
    ).toBe('transient')
    expect(classifyError(new EngineError('DeniedRequest', 'flow control'))).toBe('throttled')
    expect(classifyError(new EngineError('NoPermission', 'x'))).toBe('fatal')
    expect(classifyError(new EngineError('InvalidAccessKeyId.NotFound', 'x'))).toBe('fatal')
    expect(classifyError(new EngineError('InvalidRegion', 'x'))).toBe('invalid')
    expect(classifyError(new EngineError('UnsupportedPicPixels', 'x'))).toBe('invalid')
    expect(classifyError(netError('ENOENT', 'no such file'))).toBe('invalid')
    expect(classifyError(new TypeError('x is not a function'))).toBe('invalid')
  })

  it('records code and message', () => {
    expect(toItemError(new EngineError('InvalidRegion', 'outside'))).toEqual({
      code: 'InvalidRegion',
      message: 'outside',
    })
    expect(toItemError(netError('ECONNRESET', 'read ECONNRESET'))).toEqual({
      code: 'ECONNRESET',
      message: 'read ECONNRESET',
    })
    expect(toItemError(new TypeError('boom'))).toEqual({ code: 'TypeError', message: 'boom' })
  })

  it('backs off exponentially with jitter, within bounds', () => {
    const p = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000 }
    const lo = (a: number) => backoffDelay(a, p, () => 0)
    const hi = (a: number) => backoffDelay(a, p, () => 1)
    expect([1, 2, 3, 4, 5, 6].map(hi)).toEqual([100, 200, 400, 800, 1000, 1000])
    expect([1, 2, 3, 4, 5, 6].map(lo)).toEqual([50, 100, 200, 400, 500, 500])
    const samples = Array.from({ length: 200 }, () => backoffDelay(3, p))
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(200)
    expect(Math.max(...samples)).toBeLessThanOrEqual(400)
    expect(new Set(samples).size).toBeGreaterThan(20)
  })
})
