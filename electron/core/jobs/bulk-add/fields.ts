/**
 * Field names, parsing of manifest values and up-front validation of what AddImage will receive,
 * with the cloud's documented limits.
 */

import type { ErrorCode } from '../../../domain/errors'
import {
  ATTR_KEYS,
  INT_ATTR_KEYS,
  LIMITS,
  STR_ATTR_KEYS,
  parseRegion,
  type RegionProblem,
} from '../../../domain'
import { CATEGORIES } from '../../engines/categories'
import type { ItemError } from '../types'
import type { BulkAddFields } from './types'

/** The documented limits (electron/domain/attributes.ts), as bulk add checks them up front. */
export const FIELD_LIMITS = {
  /** ProductId and PicName: 512 by the API reference (the console's form counts to 256). */
  id: Math.min(LIMITS.productId, LIMITS.picName),
  customContent: LIMITS.customContent,
  strAttr: LIMITS.strAttr,
  intMin: LIMITS.intMin,
  intMax: LIMITS.intMax,
} as const

/** Canonical names of manifest columns/keys, looked up case- and underscore-insensitively. */
const CANONICAL: Record<string, string> = {}
for (const name of [
  'productId',
  'picName',
  'path',
  'file',
  'categoryId',
  'customContent',
  ...ATTR_KEYS,
  'region',
  'crop',
  'operationType',
  'filter',
]) {
  CANONICAL[name.toLowerCase()] = name
}
CANONICAL['intattr1'] = 'intAttr'
CANONICAL['strattr1'] = 'strAttr'
CANONICAL['filepath'] = 'path'
CANONICAL['filename'] = 'file'

/** `ProductId`, `product_id`, `PRODUCTID` → `productId`; unknown keys → null. */
export function canonicalKey(key: string): string | null {
  return CANONICAL[key.replace(/[\s_-]/g, '').toLowerCase()] ?? null
}

export class FieldError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message)
  }
}

function toInt(field: string, v: unknown): number | undefined {
  if (v === undefined || v === null || v === '') return undefined
  const n =
    typeof v === 'number'
      ? v
      : typeof v === 'string' && /^\s*[-+]?\d+\s*$/.test(v)
        ? Number(v)
        : NaN
  if (!Number.isInteger(n)) {
    throw new FieldError(
      field === 'categoryId' ? 'InvalidCategory' : 'InvalidIntAttr',
      `${field} must be an integer, got ${JSON.stringify(v)}`,
    )
  }
  return n
}

function toBool(field: string, v: unknown): boolean | undefined {
  if (v === undefined || v === null || v === '') return undefined
  if (typeof v === 'boolean') return v
  const s = String(v).trim().toLowerCase()
  if (['true', '1', 'yes', 'y'].includes(s)) return true
  if (['false', '0', 'no', 'n'].includes(s)) return false
  throw new FieldError('BadRequest', `${field} must be true or false, got ${JSON.stringify(v)}`)
}

function toStr(field: string, v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  throw new FieldError('BadRequest', `${field} must be text, got ${JSON.stringify(v)}`)
}

/**
 * Fields from a manifest record whose keys are already canonical. Empty values are absent (the
 * defaults apply). Throws FieldError for values of the wrong type.
 */
export function fieldsFromRecord(rec: Record<string, unknown>): BulkAddFields {
  const f: BulkAddFields = {}
  const cat = toInt('categoryId', rec.categoryId)
  if (cat !== undefined) f.categoryId = cat
  const cc = toStr('customContent', rec.customContent)
  if (cc !== undefined && cc !== '') f.customContent = cc
  for (const k of INT_ATTR_KEYS) {
    const v = toInt(k, rec[k])
    if (v !== undefined) f[k] = v
  }
  for (const k of STR_ATTR_KEYS) {
    const v = toStr(k, rec[k])
    if (v !== undefined && v !== '') f[k] = v
  }
  const region = toStr('region', rec.region)
  if (region !== undefined && region.trim() !== '') f.region = region.trim()
  const crop = toBool('crop', rec.crop)
  if (crop !== undefined) f.crop = crop
  return f
}

export interface ValidateOptions {
  idMaxLength?: number
  categories?: readonly number[]
}

function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x20 || c === 0x7f) return true
  }
  return false
}

function checkId(field: string, v: string | null, max: number): ItemError | null {
  if (v === null || v === '') return { code: 'BadRequest', message: `${field} is required` }
  if (v.length > max) {
    return {
      code: 'BadRequest',
      message: `${field} is ${v.length} characters long; at most ${max} are allowed`,
    }
  }
  if (hasControl(v))
    return {
      code: 'BadRequest',
      message: `${field} ${JSON.stringify(v)} contains control characters`,
    }
  return null
}

const REGION_PROBLEM: Record<RegionProblem, (region: string) => string> = {
  format: (r) => `region "${r}" must be four non-negative integers x1,x2,y1,y2`,
  order: (r) => `region "${r}" must have x1 < x2 and y1 < y2 (x1,x2,y1,y2)`,
  outside: (r) => `region "${r}" crosses the edge of the picture`,
}

/** Check ids and fields against the documented limits; every problem found, in field order. */
export function validateItem(
  ids: { productId: string | null; picName: string | null },
  f: BulkAddFields,
  opts: ValidateOptions = {},
  op: 'add' | 'delete' = 'add',
): ItemError[] {
  const max = opts.idMaxLength ?? FIELD_LIMITS.id
  const problems: ItemError[] = []
  const p = checkId('productId', ids.productId, max)
  if (p) problems.push(p)
  if (op === 'add' || ids.picName !== null) {
    const n = checkId('picName', ids.picName, max)
    if (n) problems.push(n)
  }
  if (op === 'delete') return problems

  const known = opts.categories ?? CATEGORIES.map((c) => c.id)
  if (f.categoryId !== undefined && !known.includes(f.categoryId)) {
    problems.push({
      code: 'InvalidCategory',
      message: `categoryId ${f.categoryId} is not a known category (${known.join(', ')})`,
    })
  }
  if (f.customContent !== undefined && f.customContent.length > FIELD_LIMITS.customContent) {
    problems.push({
      code: 'BadRequest',
      message: `customContent is ${f.customContent.length} characters long; at most ${FIELD_LIMITS.customContent} are allowed`,
    })
  }
  for (const k of INT_ATTR_KEYS) {
    const v = f[k]
    if (
      v !== undefined &&
      (!Number.isInteger(v) || v < FIELD_LIMITS.intMin || v > FIELD_LIMITS.intMax)
    ) {
      problems.push({
        code: 'InvalidIntAttr',
        message: `${k} must be an integer from ${FIELD_LIMITS.intMin} to ${FIELD_LIMITS.intMax}, got ${v}`,
      })
    }
  }
  for (const k of STR_ATTR_KEYS) {
    const v = f[k]
    if (v !== undefined && v.length > FIELD_LIMITS.strAttr) {
      problems.push({
        code: 'BadRequest',
        message: `${k} is ${v.length} characters long; at most ${FIELD_LIMITS.strAttr} are allowed`,
      })
    }
  }
  if (f.region !== undefined) {
    const r = parseRegion(f.region)
    if (!r.ok)
      problems.push({ code: 'InvalidRegion', message: REGION_PROBLEM[r.problem](f.region) })
  }
  return problems
}

/** Defaults first, then the item's own values. */
export function mergeFields(
  defaults: BulkAddFields | undefined,
  own: BulkAddFields,
): BulkAddFields {
  return { ...(defaults ?? {}), ...own }
}
