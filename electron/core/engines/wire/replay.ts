import { gatewayErrors } from './gateway-errors'

/** The POP gateway's window: timestamps within 15 minutes, nonces remembered as long. */
export const SKEW_MS = 15 * 60 * 1000

const TIMESTAMP_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/

/** Parse `YYYY-MM-DDThh:mm:ssZ` (UTC); throws InvalidTimeStamp.Format. */
export function parseTimestamp(value: string | undefined): number {
  if (!value || !TIMESTAMP_RE.test(value.trim())) throw gatewayErrors.timestampFormat()
  const t = Date.parse(value.trim())
  if (Number.isNaN(t)) throw gatewayErrors.timestampFormat()
  return t
}

export function checkSkew(ts: number, now: number, skewMs = SKEW_MS): void {
  if (Math.abs(now - ts) > skewMs) throw gatewayErrors.timestampExpired()
}

/**
 * Remembers nonces per AccessKey until they can no longer pass the timestamp check
 * (max(now, timestamp) + window), so a captured request cannot be replayed.
 */
export function createNonceCache(opts: { windowMs?: number; maxEntries?: number } = {}) {
  const windowMs = opts.windowMs ?? SKEW_MS
  const maxEntries = opts.maxEntries ?? 500_000
  const seen = new Map<string, number>()
  let lastSweep = 0

  function sweep(now: number): void {
    for (const [k, exp] of seen) if (exp <= now) seen.delete(k)
    lastSweep = now
  }

  return {
    /** Throws SignatureNonceUsed when seen; records it otherwise. */
    use(accessKeyId: string, nonce: string, ts: number, now: number): void {
      if (!nonce) throw gatewayErrors.missingNonce()
      const key = `${accessKeyId}\n${nonce}`
      const exp = seen.get(key)
      if (exp !== undefined && exp > now) throw gatewayErrors.nonceUsed()
      if (now - lastSweep > 60_000 || seen.size >= maxEntries) sweep(now)
      if (seen.size >= maxEntries) throw gatewayErrors.deniedRequest()
      seen.set(key, Math.max(now, ts) + windowMs)
    },
    get size() {
      return seen.size
    },
  }
}

/** Sliding one-second window per instance; `limit` requests per second. */
export function createQpsLimiter() {
  const windows = new Map<string, number[]>()
  return {
    /** Returns false when this request would exceed `limit` in the last second. */
    take(key: string, limit: number, now: number): boolean {
      let w = windows.get(key)
      if (!w) windows.set(key, (w = []))
      while (w.length && w[0] <= now - 1000) w.shift()
      if (w.length >= limit) return false
      w.push(now)
      return true
    },
  }
}

/**
 * A token bucket per key: `limit` tokens a second, holding at most `limit` (one second of burst) —
 * the cloud's flow control as Loupe models it for writes (jobs/README.md: the limiter's burst, and
 * bench/bulk-add.ts's instance). A steady client at the limit is never refused for a timer firing
 * a little early; a client above it is.
 */
export function createTokenBuckets() {
  const buckets = new Map<string, { tokens: number; at: number }>()
  return {
    /** Returns false when no token is left for this request. */
    take(key: string, limit: number, now: number): boolean {
      const b = buckets.get(key) ?? { tokens: limit, at: now }
      b.tokens = Math.min(limit, b.tokens + ((now - b.at) / 1000) * limit)
      b.at = now
      buckets.set(key, b)
      if (b.tokens < 1) return false
      b.tokens -= 1
      return true
    },
  }
}
