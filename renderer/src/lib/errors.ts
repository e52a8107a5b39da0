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

/** `Code: message`, for a one-line notification. */
export function errorLine(e: unknown): string {
  const err = toUiError(e)
  return `${err.code}: ${err.message}`
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
