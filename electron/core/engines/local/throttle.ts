/** The local engine's searches-per-second limit (the cloud's instance flow control). */
import { EngineError } from '../errors'

export class Throttle {
  private limit: number
  private readonly recent: number[] = []

  constructor(qps: number) {
    this.limit = checkQps(qps)
  }

  /** Searches per second allowed (0 = unlimited). */
  get qps(): number {
    return this.limit
  }

  set qps(n: number) {
    this.limit = checkQps(n)
  }

  /** Counts one search; throws DeniedRequest past the limit. */
  check(): void {
    const qps = this.limit
    const recent = this.recent
    if (qps <= 0) return
    const now = Date.now()
    while (recent.length && now - recent[0] >= 1000) recent.shift()
    if (recent.length >= qps) {
      throw new EngineError(
        'DeniedRequest',
        'Your request was denied due to instance flow control.',
        {
          hint: `The instance allows ${qps} searches per second.`,
        },
      )
    }
    recent.push(now)
  }
}

function checkQps(n: number): number {
  if (!Number.isFinite(n) || n < 0)
    throw new RangeError(`QPS must be 0 (unlimited) or more, got ${n}`)
  return n
}
