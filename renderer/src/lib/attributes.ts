import {
  ATTR_KEYS,
  INT_ATTR_KEYS,
  LIMITS,
  STR_ATTR_KEYS,
  isInt32,
  type AttrInput,
  type AttrKey,
  type IntAttrKey,
  type StrAttrKey,
} from '@domain/attributes'

/**
 * The editable attributes of an image as the form holds them (text, so that "12a" can be shown as
 * wrong instead of silently dropped), their limits (electron/domain/attributes.ts), validation and
 * conversion to the contract's fields.
 */
export const INT_KEYS = INT_ATTR_KEYS
export const STR_KEYS = STR_ATTR_KEYS
export type IntKey = IntAttrKey
export type StrKey = StrAttrKey

export { LIMITS }

export type AttrForm = { customContent: string } & Record<AttrKey, string>

export type AttrProblem = 'notInt' | 'intRange' | 'tooLong'
export type AttrErrors = Partial<Record<keyof AttrForm, AttrProblem>>

export type Attributes = AttrInput & { customContent?: string }

export function emptyAttrs(): AttrForm {
  const f = { customContent: '' } as AttrForm
  for (const k of ATTR_KEYS) f[k] = ''
  return f
}

/** The form for an image's current attributes (e.g. a search result). */
export function attrsToForm(a: Attributes): AttrForm {
  const f = emptyAttrs()
  f.customContent = a.customContent ?? ''
  for (const k of INT_KEYS) f[k] = a[k] === undefined ? '' : String(a[k])
  for (const k of STR_KEYS) f[k] = a[k] ?? ''
  return f
}

export function checkInt(v: string): AttrProblem | null {
  const s = v.trim()
  if (!s) return null
  if (!/^-?\d+$/.test(s)) return 'notInt'
  const n = Number(s)
  return isInt32(n) ? null : 'intRange'
}

export function validateAttrs(f: AttrForm): AttrErrors {
  const e: AttrErrors = {}
  if (f.customContent.length > LIMITS.customContent) e.customContent = 'tooLong'
  for (const k of INT_KEYS) {
    const p = checkInt(f[k])
    if (p) e[k] = p
  }
  for (const k of STR_KEYS) if (f[k].length > LIMITS.strAttr) e[k] = 'tooLong'
  return e
}

/**
 * The contract's attribute fields of a form. Empty integers are left out; empty texts are left out
 * too unless `keepEmptyText` (an update that clears a text attribute sends "").
 */
export function formToAttrs(f: AttrForm, keepEmptyText = false): Attributes {
  const out: Attributes = {}
  if (f.customContent || keepEmptyText) out.customContent = f.customContent
  for (const k of INT_KEYS) if (f[k].trim()) out[k] = Number(f[k].trim())
  for (const k of STR_KEYS) if (f[k] || keepEmptyText) out[k] = f[k]
  return out
}

/** Only the fields that differ from `before` (for UpdateImage, which leaves others unchanged). */
export function changedAttrs(before: AttrForm, after: AttrForm): Attributes {
  const changed = emptyAttrs()
  const keys = Object.keys(changed) as (keyof AttrForm)[]
  const all = formToAttrs(after, true)
  const out: Attributes = {}
  for (const k of keys) {
    if (before[k] === after[k]) continue
    const v = all[k as keyof Attributes]
    if (v !== undefined) (out as Record<string, unknown>)[k] = v
  }
  return out
}
