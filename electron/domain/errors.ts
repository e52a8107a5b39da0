/**
 * The one error catalogue: every code any layer of Loupe throws or shows — the cloud's documented
 * codes, which the local engine answers with too, and Loupe's own — with its HTTP status, whether
 * retrying helps, and an explanation and a hint in en-US and zh-CN. The core's `CoreError` and the
 * engines' `EngineError` take an `ErrorCode`, so a code the catalogue does not list fails to
 * typecheck; codes that come from outside (a cloud answer, OSS, a Node network error) are passed on
 * as `foreignCode(…)` and explained when the catalogue knows them.
 *
 * Pure TypeScript (no Node, no DOM): the api layer, the core and the renderer import it.
 */
import { ACCESS_ERRORS } from './error-catalogue/access'
import { APP_ERRORS } from './error-catalogue/app'
import { COPY_ERRORS } from './error-catalogue/copy'
import { GATEWAY_ERRORS, IMAGE_SEARCH_ERRORS } from './error-catalogue/cloud'
import type { ErrorEntry, ErrorLocale, ErrorText, RetryClass } from './error-catalogue/entry'
import { JOB_ERRORS } from './error-catalogue/jobs'
import { EVAL_ERRORS } from './error-catalogue/eval'
import { NETWORK_ERRORS } from './error-catalogue/network'
import { GALLERY_ERRORS, PICTURE_ERRORS } from './error-catalogue/pictures'
import { TASK_ERRORS } from './error-catalogue/tasks'
import { DUPLICATE_ERRORS } from './error-catalogue/duplicates'
import { SPACE_ERRORS } from './error-catalogue/space'

export type { ErrorEntry, ErrorLocale, ErrorText, RetryClass } from './error-catalogue/entry'

/** The catalogue's parts, by area (exported for the test that no code is listed twice). */
export const ERROR_CATALOGUE_PARTS = {
  imageSearch: IMAGE_SEARCH_ERRORS,
  gateway: GATEWAY_ERRORS,
  network: NETWORK_ERRORS,
  pictures: PICTURE_ERRORS,
  gallery: GALLERY_ERRORS,
  jobs: JOB_ERRORS,
  eval: EVAL_ERRORS,
  tasks: TASK_ERRORS,
  app: APP_ERRORS,
  copy: COPY_ERRORS,
  access: ACCESS_ERRORS,
  duplicates: DUPLICATE_ERRORS,
  space: SPACE_ERRORS,
} as const

export const ERROR_CATALOGUE = {
  ...IMAGE_SEARCH_ERRORS,
  ...GATEWAY_ERRORS,
  ...NETWORK_ERRORS,
  ...PICTURE_ERRORS,
  ...GALLERY_ERRORS,
  ...JOB_ERRORS,
  ...EVAL_ERRORS,
  ...TASK_ERRORS,
  ...APP_ERRORS,
  ...COPY_ERRORS,
  ...ACCESS_ERRORS,
  ...DUPLICATE_ERRORS,
  ...SPACE_ERRORS,
} satisfies Record<string, ErrorEntry>

/** A code the catalogue lists. */
export type ErrorCode = keyof typeof ERROR_CATALOGUE

export const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[]

/** Values an error carries besides its message, for the placeholders of its explanation. */
export type ErrorDetails = Record<string, string | number | boolean>

declare const foreign: unique symbol
/** A code that comes from outside Loupe (a cloud answer, OSS, Node): not necessarily listed. */
export type ForeignCode = string & { readonly [foreign]: true }

/** Marks a code received from outside so an error may carry it as it came. */
export function foreignCode(code: string): ForeignCode {
  return code as ForeignCode
}

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CATALOGUE, code)
}

export function errorEntry(code: string): ErrorEntry | undefined {
  return isErrorCode(code) ? ERROR_CATALOGUE[code] : undefined
}

/** The HTTP status of a code: the catalogue's, else 400 (the cloud's default for a client error). */
export function errorStatus(code: string): number {
  return errorEntry(code)?.status ?? 400
}

/**
 * What retrying does for an error with this code (and HTTP status, for codes the catalogue does
 * not list: 5xx, 408 and 429 are transient, the rest invalid).
 */
export function retryClass(code: string, httpStatus?: number): RetryClass {
  const e = errorEntry(code)
  if (e) return e.retry
  if (httpStatus !== undefined && (httpStatus >= 500 || httpStatus === 429 || httpStatus === 408)) {
    return 'transient'
  }
  return 'invalid'
}

/** True when trying the same thing again may succeed. */
export function isRetryable(code: string, httpStatus?: number): boolean {
  const c = retryClass(code, httpStatus)
  return c === 'transient' || c === 'throttled'
}

/**
 * `{name}` placeholders filled from `details`; unknown names stay as they are. A part in square
 * brackets is optional: it is kept (without the brackets) when every placeholder in it is filled,
 * and left out otherwise — `Cannot connect[ to {endpoint}].` reads well with and without a value.
 */
export function fillPlaceholders(text: string, details?: ErrorDetails): string {
  const has = (name: string) => !!details && Object.prototype.hasOwnProperty.call(details, name)
  const fill = (t: string) =>
    t.replace(/\{(\w+)\}/g, (whole, name: string) => (has(name) ? String(details![name]) : whole))
  const optional = text.replace(/\[([^[\]]*)\]/g, (_whole, inner: string) =>
    [...inner.matchAll(/\{(\w+)\}/g)].every((m) => has(m[1])) ? inner : '',
  )
  return fill(optional)
}

/** The explanation of a code in a language, placeholders filled; null for an unlisted code. */
export function explainError(
  code: string,
  locale: ErrorLocale,
  details?: ErrorDetails,
): ErrorText | null {
  const e = errorEntry(code)
  if (!e) return null
  const t = e[locale] ?? e['en-US']
  return {
    message: fillPlaceholders(t.message, details),
    ...(t.hint !== undefined ? { hint: fillPlaceholders(t.hint, details) } : {}),
  }
}

/** The section of Settings where the remedy for this error is, if there is one. */
export function errorSettingsSection(code: string): string | null {
  return errorEntry(code)?.settings ?? null
}
