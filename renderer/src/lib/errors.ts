import { toLoupeError, type ApiError } from '@api/errors'
import {
  errorSettingsSection,
  explainError,
  type ErrorLocale,
  type ErrorText,
} from '@domain/errors'

/**
 * The renderer's one way to handle a failure: whatever a store or a component catches becomes the
 * normalised error (code, message, hint, retryable, details — what the client rejects with), and
 * every explanation comes from the error catalogue (`electron/domain/errors.ts`).
 */

/** An error as the renderer keeps it in state: plain data, `retryable` always set. */
export type UiError = ApiError & { retryable: boolean }

/**
 * Anything caught → a UiError. A LoupeError (the client's rejection) keeps all its fields; an
 * error from elsewhere (a file read, a bug) becomes `fallbackCode` with its message.
 */
export function toUiError(e: unknown, fallbackCode: 'InternalError' = 'InternalError'): UiError {
  const err = toLoupeError(e, fallbackCode).toJSON()
  return { ...err, retryable: err.retryable ?? false }
}

/** A one-line notification of an error, in the UI's language (see describeError). */
export function errorLine(e: unknown, locale: string): string {
  const d = describeError(toUiError(e), locale)
  return d.detail ? `${d.title} ${d.detail}` : d.title
}

/** How an error reads in the UI: every part the user reads is in the UI's language. */
export interface ErrorDescription {
  /** What went wrong (the catalogue's explanation, placeholders filled from the error's details). */
  title: string
  /**
   * The thrower's own specific sentence, shown when it is in the UI's language (en-US). In other
   * languages it stays in `technical`, behind a "Technical details" disclosure.
   */
  detail: string | null
  /** What to do. */
  hint: string | null
  /** The code and the message as the thrower wrote it (English), for a support request. */
  technical: string
  /** False for a code the catalogue does not list (the title then is a generic one). */
  known: boolean
}

const GENERIC: Record<ErrorLocale, ErrorText> = {
  'en-US': {
    message: 'Something went wrong ({code}).',
    hint: 'Try again. If it keeps happening, the log (Settings → About → Open log folder) has the details.',
  },
  'zh-CN': {
    message: '出现错误({code})。',
    hint: '请重试。如反复出现,可在日志中查看详情(设置 → 关于 → 打开日志文件夹)。',
  },
}

export function describeError(err: ApiError, locale: string): ErrorDescription {
  const loc: ErrorLocale = locale === 'zh-CN' ? 'zh-CN' : 'en-US'
  const ex = explain(err.code, loc, err.details)
  const english = loc === 'en-US'
  const title = ex?.message ?? GENERIC[loc].message.replace('{code}', err.code)
  const catalogueHint = ex ? (ex.hint ?? null) : (GENERIC[loc].hint ?? null)
  return {
    title,
    detail: english && err.message && err.message !== title ? err.message : null,
    // The thrower's hint is English: it wins only in English (it is more specific there).
    hint: english ? (err.hint ?? catalogueHint) : (catalogueHint ?? null),
    technical: err.message ? `${err.code}: ${err.message}` : err.code,
    known: !!ex,
  }
}

/** The catalogue's explanation of a code in the UI's language, or null for an unlisted code. */
export function explain(
  code: string,
  locale: string,
  details?: ApiError['details'],
): ErrorText | null {
  return explainError(code, (locale === 'zh-CN' ? 'zh-CN' : 'en-US') as ErrorLocale, details)
}

/** The section of Settings where the remedy for an error is: the error display links to it. */
export function settingsSectionFor(code: string): string | null {
  return errorSettingsSection(code)
}
