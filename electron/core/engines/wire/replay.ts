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
