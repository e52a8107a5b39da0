/**
 * Progress of a job: a moving-window rate of finished items, and a coalescer that sends at most
 * one event per interval (trailing event guaranteed, state changes sent at once).
 */

/** Finished items per second over the last `windowMs`. */
export class RateWindow {
  private stamps: number[] = []
  private head = 0
  private startedAt: number | null = null

  constructor(
    private readonly windowMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Call when the job (re)starts running: the rate only counts time since then. */
  start(): void {
    this.startedAt = this.now()
    this.stamps = []
    this.head = 0
  }

  stop(): void {
    this.startedAt = null
  }

  tick(n = 1): void {
    const t = this.now()
    for (let i = 0; i < n; i++) this.stamps.push(t)
    this.trim(t)
  }

  rate(): number {
    if (this.startedAt === null) return 0
    const t = this.now()
    this.trim(t)
    const count = this.stamps.length - this.head
    if (count === 0) return 0
    const span = Math.min(this.windowMs, Math.max(250, t - this.startedAt))
    return (count * 1000) / span
  }

  private trim(t: number): void {
    const cutoff = t - this.windowMs
    while (this.head < this.stamps.length && this.stamps[this.head] < cutoff) this.head++
    if (this.head > 1024 && this.head * 2 > this.stamps.length) {
      this.stamps = this.stamps.slice(this.head)
      this.head = 0
    }
  }
}

/** Calls `emit` at most once per `intervalMs`; `flush` sends the pending update now. */
export class Coalescer {
  private timer: ReturnType<typeof setTimeout> | null = null
  private last = -Infinity
  private dirty = false

  constructor(
    private readonly intervalMs: number,
    private readonly emit: () => void,
  ) {}

  request(): void {
    this.dirty = true
    if (this.timer) return
    const wait = this.last + this.intervalMs - Date.now()
    if (wait <= 0) {
      this.fire()
      return
    }
    this.timer = setTimeout(() => {
      this.timer = null
      this.fire()
    }, wait)
  }

  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer)
      this.timer = null
    }
    this.dirty = true
    this.fire()
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    this.dirty = false
  }

  private fire(): void {
    if (!this.dirty) return
    this.dirty = false
    this.last = Date.now()
    this.emit()
  }
}
