/** Figures of the quality views, in the UI's language. */

/** A fraction as a percentage: `62.5%` (one decimal at most). */
export function pct(v: number | null | undefined, locale: string): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—'
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(v)
}

/** A number with at most `digits` decimals: `0.734`. */
export function num(v: number | null | undefined, locale: string, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—'
  return new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(v)
}

/** A latency: `84 ms`, `1.2 s`. */
export function ms(v: number | null | undefined, locale: string): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—'
  if (v < 1000) return `${Math.round(v)} ms`
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(v / 1000)} s`
}

/** A similarity score: `0.982`. */
export const score = (v: number, locale: string) => num(v, locale, 3)
