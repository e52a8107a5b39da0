import { EngineError } from '../errors'
import { isCategoryId } from '../categories'
import type { ImageAttributes, SearchOptions } from '../types'
import {
  ATTRIBUTES,
  INT32_MAX,
  INT32_MIN,
  LIMITS,
  STR_ATTR_FORBIDDEN,
  isInt32,
  type AttrInput,
} from '../../../domain'

/** The documented field limits (API reference 2020-12-14), from the domain. */
export { LIMITS }

export function badRequest(message: string, hint?: string): EngineError {
  return new EngineError('BadRequest', message, hint ? { hint } : {})
}

/** A required, non-empty string of at most `max` characters. */
export function requireString(value: unknown, field: string, max: number): string {
  if (value === undefined || value === null || value === '') {
    throw badRequest(`${field} is required.`)
  }
  if (typeof value !== 'string') throw badRequest(`${field} must be a string.`)
  if (value.length > max) {
    throw badRequest(`${field} is ${value.length} characters long; at most ${max} are allowed.`)
  }
  return value
}

export function optionalString(value: unknown, field: string, max: number): string | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') throw badRequest(`${field} must be a string.`)
  if (value.length > max) {
    throw badRequest(`${field} is ${value.length} characters long; at most ${max} are allowed.`)
  }
  return value
}

export function optionalInt(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined
  if (!isInt32(value)) {
    throw new EngineError(
      'InvalidIntAttr',
      `The specified int_attr field is invalid: ${field} must be an integer from ${INT32_MIN} to ${INT32_MAX}, got ${String(value)}.`,
    )
  }
  return value
}

export function optionalCategory(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined
  if (!isCategoryId(value)) {
    throw new EngineError(
      'InvalidCategory',
      `The specified category is invalid: ${String(value)}.`,
      {
        hint: 'Use an id from the category reference (0-9, 20-22, or 88888888 for Other).',
      },
    )
  }
  return value
}

export function optionalBool(value: unknown, field: string): boolean | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'boolean') throw badRequest(`${field} must be true or false.`)
  return value
}

function strAttr(value: unknown, field: string): string | undefined {
  const s = optionalString(value, field, LIMITS.strAttr)
  if (s !== undefined && STR_ATTR_FORBIDDEN.test(s)) {
    throw badRequest(
      `${field} "${s}" contains a character the cloud does not support (\\ ¥ $ & %).`,
      'Remove backslashes and the characters ¥ $ & % from string attributes.',
    )
  }
  return s
}

export type CleanAttributes = AttrInput & {
  categoryId?: number
  customContent?: string
}

/** Validates the attribute fields of Add/Update (undefined = not given). */
export function cleanAttributes(req: ImageAttributes): CleanAttributes {
  const out: Record<string, unknown> = {
    categoryId: optionalCategory(req.categoryId),
    customContent: optionalString(req.customContent, 'CustomContent', LIMITS.customContent),
  }
  for (const a of ATTRIBUTES) {
    out[a.key] = a.kind === 'int' ? optionalInt(req[a.key], a.wire) : strAttr(req[a.key], a.wire)
  }
  return out as CleanAttributes
}

export interface Paging {
  start: number
  num: number
}

/** Num 1..100 (default 10), Start 0..499 (default 0), Start + Num <= 500. */
export function cleanPaging(num: unknown, start: unknown): Paging {
  let n: number = LIMITS.defaultNum
  if (num !== undefined && num !== null) {
    if (typeof num !== 'number' || !Number.isInteger(num) || num < 1) {
      throw new EngineError(
        'InvalidNumParameter',
        `The specified parameter num is invalid: ${String(num)} (Num must be an integer from 1 to 100).`,
      )
    }
    if (num > LIMITS.maxNum) {
      throw new EngineError(
        'OverflowMaxReturnNum',
        `The specified number of results for each request exceeds the maximum of 100 (Num = ${num}).`,
      )
    }
    n = num
  }
  let s = 0
  if (start !== undefined && start !== null) {
    if (typeof start !== 'number' || !Number.isInteger(start) || start < 0) {
      throw new EngineError(
        'InvalidStartParameter',
        `The specified parameter start is invalid: ${String(start)} (Start must be an integer from 0 to 499).`,
      )
    }
    s = start
  }
  if (s + n > LIMITS.maxResults) {
    throw new EngineError(
      'OverflowMaxResultNum',
      `The specified number of total results exceeds the maximum of 500 (Start ${s} + Num ${n} = ${s + n}).`,
      {
        hint: 'Results past the 500th cannot be paged to; narrow the search with a filter or a category.',
      },
    )
  }
  return { start: s, num: n }
}

/** ScoreThreshold 0..1 (up to two decimals by the docs; more are accepted). */
export function cleanScoreThreshold(v: unknown): number | undefined {
  if (v === undefined || v === null || v === '') return undefined
  const x = typeof v === 'string' ? Number(v) : v
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0 || x > 1) {
    throw badRequest(`ScoreThreshold must be a number from 0.00 to 1.00, got ${String(v)}.`)
  }
  return x
}

export function cleanFilterText(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'string') throw badRequest('Filter must be a string.')
  if (v.trim() === '') return undefined
  return v
}

export function cleanSearchOptions(req: SearchOptions) {
  return {
    ...cleanPaging(req.num, req.start),
    categoryId: optionalCategory(req.categoryId),
    filter: cleanFilterText(req.filter),
    distinctProductId: optionalBool(req.distinctProductId, 'DistinctProductId') ?? false,
    scoreThreshold: cleanScoreThreshold(req.scoreThreshold),
  }
}
