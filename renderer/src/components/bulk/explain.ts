import { explain } from '../../i18n/errors'
import type { Locale } from '../../i18n'

type Te = (key: string) => boolean
type T = (key: string, params?: Record<string, unknown>) => string

/**
 * A human explanation (and hint) for a code a bulk add reports: its own codes first (duplicates,
 * naming rule, queue…), then the app's table of engine and host codes.
 */
export function explainCode(
  code: string,
  i18n: { t: T; te: Te; locale: string },
): { message: string; hint?: string } | null {
  const base = `bulk.reason.${code}`
  if (i18n.te(`${base}.message`)) {
    return {
      message: i18n.t(`${base}.message`),
      ...(i18n.te(`${base}.hint`) ? { hint: i18n.t(`${base}.hint`) } : {}),
    }
  }
  return explain(code, i18n.locale as Locale)
}

/** `3m 05s`, `1h 02m`, `42s`. */
export function duration(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '—'
  s = Math.max(0, Math.round(s))
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`
}

export function percent(done: number, total: number): number {
  return total > 0 ? Math.min(100, Math.floor((100 * done) / total)) : 0
}
