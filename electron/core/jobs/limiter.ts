/**
 * Rate limiting: a token bucket (implemented as virtual scheduling, so late timer wake-ups never
 * lose tokens) with an adaptive rate that backs off on DeniedRequest, AIMD-style.
 *
 * Adaptive rule (see docs in `AdaptiveOptions`; defaults chosen by simulation, see bench/bulk-add.ts):
 * - every DeniedRequest multiplies the rate by `nudge` (a small step, 0.98);
 * - when denials make up at least `overloadFraction` (25 %) of the last `window` (40) answers —
 *   the instance really is overloaded, e.g. the configured QPS is above the instance's, or another
 *   client shares it — the rate is multiplied by `decrease` (0.7), at most once per `cooldownMs`;
 * - each success adds `increase` (2 %) × the configured rate, up to the configured rate, except
 *   during `quietMs` after a strong decrease and while denials are `recoverBelow` (12.5 %) or more
 *   of the recent answers.
 * Isolated denials thus cost almost nothing (with 5 % random denials the rate stays ≥ 99 % of the
 * limit), while a persistent overload converges to what the instance accepts.
 */

/** Spacing added at ≤ 1 call/s (see `pump`): 1.5 % — 15 ms between calls at 1/s. */
export const STRICT_MARGIN = 0.015

export class AbortedError extends Error {
  constructor(message = 'Aborted') {
    super(message)
    this.name = 'AbortError'
  }
}

export interface AdaptiveOptions {
  /** Factor applied on every DeniedRequest. Default 0.98. */
  nudge?: number
  /** Factor applied when denials are frequent. Default 0.7. */
  decrease?: number
  /** Fraction of denials among the last `window` answers that counts as overload. Default 0.25. */
  overloadFraction?: number
  /** Number of recent answers considered. Default 40. */
  window?: number
  /** Minimum time between two strong decreases. Default 1000 ms. */
  cooldownMs?: number
  /** No recovery during this long after a strong decrease. Default 2000 ms. */
  quietMs?: number
  /** Recovery per success, as a fraction of the configured rate. Default 0.02. */
  increase?: number
  /** Lowest rate, as a fraction of the configured rate. Default 0.05. */
  minFraction?: number
  /** No recovery while denials make up at least this fraction of the recent answers. Default 0.125. */
  recoverBelow?: number
}

export interface LimiterOptions {
  /** Tokens per second; Infinity or null = unlimited. */
  ratePerSec: number | null
  /** How many tokens may be taken at once after an idle period. Default 1 (evenly spaced). */
  burst?: number
  adaptive?: AdaptiveOptions
  now?: () => number
}

export interface LimiterStats {
  configuredRate: number
  currentRate: number
  acquired: number
  denied: number
  waiting: number
}

type Waiter = {
  /** When it started waiting (limiter clock). */
  since: number
  resolve: () => void
  reject: (e: unknown) => void
  signal?: AbortSignal
  onAbort?: () => void
}

export class RateLimiter {
  private configured: number
  private rate: number
  private burst: number
  private readonly now: () => number
  private readonly opts: Required<AdaptiveOptions>
  /** Virtual time at which the next token is free (ms). */
  private nextFreeAt = -Infinity
  private queue: Waiter[] = []
  private timer: ReturnType<typeof setTimeout> | null = null
  private recent: boolean[] = []
  private lastDecreaseAt = -Infinity
  private acquiredCount = 0
  private deniedCount = 0

  constructor(options: LimiterOptions) {
    this.now = options.now ?? (() => performance.now())
    this.configured = normRate(options.ratePerSec)
    this.rate = this.configured
    this.burst = Math.max(1, options.burst ?? 1)
    const a = options.adaptive ?? {}
    this.opts = {
      nudge: a.nudge ?? 0.98,
      decrease: a.decrease ?? 0.7,
      overloadFraction: a.overloadFraction ?? 0.25,
      window: a.window ?? 40,
      cooldownMs: a.cooldownMs ?? 1000,
      quietMs: a.quietMs ?? 2000,
      increase: a.increase ?? 0.02,
      minFraction: a.minFraction ?? 0.05,
      recoverBelow: a.recoverBelow ?? 0.125,
    }
  }

  get unlimited(): boolean {
    return !Number.isFinite(this.configured)
  }

  get configuredRate(): number {
    return this.configured
  }

  get currentRate(): number {
    return this.rate
  }

  /** Change the configured rate (e.g. the profile's QPS changed). Resets adaptation. */
  setRate(ratePerSec: number | null, burst?: number): void {
    this.configured = normRate(ratePerSec)
    this.rate = this.configured
    if (burst !== undefined) this.burst = Math.max(1, burst)
    this.recent = []
    this.pump()
  }

  stats(): LimiterStats {
    return {
      configuredRate: this.configured,
      currentRate: this.rate,
      acquired: this.acquiredCount,
      denied: this.deniedCount,
      waiting: this.queue.length,
    }
  }

  /** Resolves when a token is available. Rejects with AbortedError when `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new AbortedError())
    if (this.unlimited && this.queue.length === 0) {
      this.acquiredCount++
      return Promise.resolve()
    }
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = { since: this.now(), resolve, reject, signal }
      if (signal) {
        w.onAbort = () => {
          const i = this.queue.indexOf(w)
          if (i >= 0) this.queue.splice(i, 1)
          reject(new AbortedError())
        }
        signal.addEventListener('abort', w.onAbort, { once: true })
      }
      this.queue.push(w)
      this.pump()
    })
  }

  /** Report a successful call (lets the rate recover after a slow-down). */
  onSuccess(): void {
    this.record(false)
    if (this.rate >= this.configured) return
    if (this.now() - this.lastDecreaseAt < this.opts.quietMs) return
    if (this.opts.recoverBelow < 1 && this.deniedFraction() >= this.opts.recoverBelow) return
    this.rate = Math.min(this.configured, this.rate + this.configured * this.opts.increase)
  }

  /** Report a DeniedRequest (instance flow control): slows the rate down. */
  onDenied(): void {
    this.deniedCount++
    this.record(true)
    if (this.unlimited) return
    const min = this.configured * this.opts.minFraction
    let next = this.rate * this.opts.nudge
    const denials = this.recent.filter(Boolean).length
    const enough = this.recent.length >= Math.min(this.opts.window, 5)
    const now = this.now()
    if (
      enough &&
      denials / this.recent.length >= this.opts.overloadFraction &&
      now - this.lastDecreaseAt >= this.opts.cooldownMs
    ) {
      next = this.rate * this.opts.decrease
      this.lastDecreaseAt = now
    }
    this.rate = Math.max(min, next)
  }

  /** Reject every waiter (the queue is closing). */
  close(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    const q = this.queue
    this.queue = []
    for (const w of q) {
      if (w.signal && w.onAbort) w.signal.removeEventListener('abort', w.onAbort)
      w.reject(new AbortedError('Limiter closed'))
    }
  }

  private deniedFraction(): number {
    if (this.recent.length === 0) return 0
    let d = 0
    for (const x of this.recent) if (x) d++
    return d / this.recent.length
  }

  private record(denied: boolean): void {
    this.recent.push(denied)
    if (this.recent.length > this.opts.window) this.recent.shift()
  }

  private pump(): void {
    if (this.timer) return
    while (this.queue.length > 0) {
      if (this.unlimited) {
        this.grant(this.queue.shift()!)
        continue
      }
      const now = this.now()
      // At one call a second or less, a one-second window of the instance's flow control holds a
      // single call: two calls closer than the interval are refused whatever the average. Such
      // rates are spaced strictly (no making up for a late timer, no burst) with a small margin
      // for the calls' own jitter on the way.
      const strict = this.rate <= 1
      const interval = (1000 / this.rate) * (strict ? 1 + STRICT_MARGIN : 1)
      const tolerance = strict ? 0 : (this.burst - 1) * interval
      // A waiter already queued when its slot came is granted that slot even if the timer fired
      // late (up to one interval), so timer lateness never lowers the average rate; after an idle
      // period the schedule restarts from now (no burst beyond `burst`).
      const head = this.queue[0]
      const lag = !strict && head.since <= this.nextFreeAt ? interval : 0
      const slot = Math.max(this.nextFreeAt, now - Math.max(tolerance, lag))
      if (slot <= now) {
        this.nextFreeAt = slot + interval
        this.grant(this.queue.shift()!)
        continue
      }
      this.timer = setTimeout(
        () => {
          this.timer = null
          this.pump()
        },
        Math.max(1, Math.ceil(slot - now)),
      )
      return
    }
  }

  private grant(w: Waiter): void {
    if (w.signal && w.onAbort) w.signal.removeEventListener('abort', w.onAbort)
    this.acquiredCount++
    w.resolve()
  }
}

function normRate(r: number | null | undefined): number {
  if (r === null || r === undefined || !Number.isFinite(r) || r <= 0) {
    if (r !== null && r !== undefined && r <= 0) throw new RangeError('rate must be > 0')
    return Infinity
  }
  return r
}
