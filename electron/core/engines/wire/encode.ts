/**
 * Percent-encoding and parameter helpers shared by both Alibaba Cloud signature schemes.
 *
 * `percentEncode` is RFC 3986 encoding as the POP gateway and the official SDK do it:
 * `encodeURIComponent` plus `! ' ( ) *`, so only `A-Z a-z 0-9 - _ . ~` stay as they are.
 */
export function percentEncode(value: string): string {
  return encodeURIComponent(value)
    .replace(/!/g, '%21')
    .replace(/'/g, '%27')
    .replace(/\(/g, '%28')
    .replace(/\)/g, '%29')
    .replace(/\*/g, '%2A')
}

/** One decoded `key=value` pair, in the order it appeared. */
export type ParamPair = [key: string, value: string]

function decodeComponent(s: string): string {
  const plus = s.replace(/\+/g, ' ')
  try {
    return decodeURIComponent(plus)
  } catch {
    // Malformed escapes: keep the raw text (the signature check will then fail cleanly).
    return plus
  }
}

/**
 * Parse `a=1&b=x%20y` (a URL query or an `application/x-www-form-urlencoded` body) into pairs.
 * `+` is a space, as in form encoding; empty segments are skipped.
 */
export function parsePairs(text: string): ParamPair[] {
  const out: ParamPair[] = []
  if (!text) return out
  for (const part of text.split('&')) {
    if (!part) continue
    const eq = part.indexOf('=')
    const k = eq < 0 ? part : part.slice(0, eq)
    const v = eq < 0 ? '' : part.slice(eq + 1)
    out.push([decodeComponent(k), decodeComponent(v)])
  }
  return out
}

/** Pairs to a plain map; a repeated key keeps its last value. */
export function pairsToMap(pairs: ParamPair[]): Record<string, string> {
  const m: Record<string, string> = Object.create(null)
  for (const [k, v] of pairs) m[k] = v
  return m
}

/** Serialise a flat map as a form body / query string, with the SDK's encoding. */
export function toFormString(
  params: Record<string, string | number | boolean | undefined>,
): string {
  const parts: string[] = []
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue
    parts.push(`${percentEncode(k)}=${percentEncode(String(v))}`)
  }
  return parts.join('&')
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * Canonical `k=v&k=v` over a map: keys and values percent-encoded, sorted by encoded key
 * (code-unit order, as the SDK's `Object.keys().sort()`).
 */
export function canonicalQuery(params: Record<string, string>): string {
  return Object.keys(params)
    .map((k) => [percentEncode(k), percentEncode(params[k] ?? '')] as const)
    .sort((a, b) => compareCodeUnits(a[0], b[0]))
    .map(([k, v]) => `${k}=${v}`)
    .join('&')
}
