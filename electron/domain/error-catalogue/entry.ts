/**
 * The shape of one entry of the error catalogue (`../errors.ts`) and the helper the catalogue's
 * parts write their entries with. Pure TypeScript: no Node, no DOM.
 */

/** The two languages every error is explained in. */
export type ErrorLocale = 'en-US' | 'zh-CN'

/**
 * What retrying does for an error:
 * - `invalid`: nothing (a validation error, a 4xx): the item fails with its explanation;
 * - `transient`: a network error, a timeout, a 5xx: retried with backoff;
 * - `throttled`: the instance's QPS limit: retried, and the limiter slows down;
 * - `fatal`: every other item would fail the same way (credentials, permissions, quota): a job
 *   pauses with the error until it is fixed.
 */
export type RetryClass = 'invalid' | 'transient' | 'throttled' | 'fatal'

/** A human explanation. `{name}` placeholders are filled from the error's `details`. */
export interface ErrorText {
  message: string
  hint?: string
}

export interface ErrorEntry {
  /** The HTTP status the error is answered with when the thrower gives none. */
  status: number
  retry: RetryClass
  'en-US': ErrorText
  'zh-CN': ErrorText
  /** A section of Settings where the remedy is: the error display links to it. */
  settings?: string
}

type Text = readonly [message: string, hint?: string]

function text([message, hint]: Text): ErrorText {
  return hint === undefined ? { message } : { message, hint }
}

/** One catalogue entry: status, retry class, then `[message, hint?]` in en-US and in zh-CN. */
export function entry(
  status: number,
  retry: RetryClass,
  en: Text,
  zh: Text,
  extra: { settings?: string } = {},
): ErrorEntry {
  return { status, retry, 'en-US': text(en), 'zh-CN': text(zh), ...extra }
}
