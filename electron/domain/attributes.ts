/**
 * The attributes of an image and the limits of its fields — the ONE place that lists them.
 * Everything else (the contract's schemas, the engines' validation, the wire names, bulk-add's
 * manifest fields, the gallery cache's columns, the renderer's forms and filter builder) derives
 * from the table below. Pure: no Node, no DOM.
 *
 * Limits follow the cloud's API reference (shared/seeds: AddImage / SearchImageByPic /
 * SearchImageByName, the SDK's comments and the "Upload images" page), not the console:
 * - ProductId and PicName: "最多支持512个字符" / "cannot exceed 512 characters". The console's
 *   AddImage form counts to 256 ("5/256"); the API reference holds.
 * - CustomContent 4096, StrAttr 128 characters; IntAttr a 32-bit integer.
 * - Filter: "The value can be up to 256 characters in length" (SearchImageByName, and
 *   SearchImageByPic's "最多支持256个字符"). Loupe used to allow 4096 here.
 * - Num 1..100 (default 10), Start 0..499 (default 0), at most 500 results in all.
 * - A picture: at most 4 MB; each side 100..4096 px (product, generic), 448..4096 (fabric),
 *   200..<4096 (trademark: "大于等于200PX且小于4096PX"; the user guide's ">=4096" is a typo).
 */

/** Every filterable attribute: its domain key, its wire name (requests/dumps) and its filter name. */
export const ATTRIBUTES = [
  { key: 'intAttr', wire: 'IntAttr', field: 'int_attr', kind: 'int' },
  { key: 'intAttr2', wire: 'IntAttr2', field: 'int_attr2', kind: 'int' },
  { key: 'intAttr3', wire: 'IntAttr3', field: 'int_attr3', kind: 'int' },
  { key: 'intAttr4', wire: 'IntAttr4', field: 'int_attr4', kind: 'int' },
  { key: 'strAttr', wire: 'StrAttr', field: 'str_attr', kind: 'str' },
  { key: 'strAttr2', wire: 'StrAttr2', field: 'str_attr2', kind: 'str' },
  { key: 'strAttr3', wire: 'StrAttr3', field: 'str_attr3', kind: 'str' },
  { key: 'strAttr4', wire: 'StrAttr4', field: 'str_attr4', kind: 'str' },
] as const

type AttrDef = (typeof ATTRIBUTES)[number]
export type AttrKey = AttrDef['key']
export type IntAttrKey = Extract<AttrDef, { kind: 'int' }>['key']
export type StrAttrKey = Extract<AttrDef, { kind: 'str' }>['key']
/** The filter language's name of an attribute (also the SQL column of the caches): `int_attr2`. */
export type AttrField = AttrDef['field']
export type IntAttrField = Extract<AttrDef, { kind: 'int' }>['field']
export type StrAttrField = Extract<AttrDef, { kind: 'str' }>['field']
/** The wire (request, dump) name of an attribute: `IntAttr2`. */
export type AttrWire = AttrDef['wire']

const ofKind = <K extends 'int' | 'str'>(kind: K) =>
  ATTRIBUTES.filter((a): a is Extract<AttrDef, { kind: K }> => a.kind === kind)

export const INT_ATTR_KEYS: readonly IntAttrKey[] = ofKind('int').map((a) => a.key)
export const STR_ATTR_KEYS: readonly StrAttrKey[] = ofKind('str').map((a) => a.key)
/** Integer attributes first, then text attributes (the order every listing uses). */
export const ATTR_KEYS: readonly AttrKey[] = ATTRIBUTES.map((a) => a.key)

export const INT_ATTR_FIELDS: readonly IntAttrField[] = ofKind('int').map((a) => a.field)
export const STR_ATTR_FIELDS: readonly StrAttrField[] = ofKind('str').map((a) => a.field)
export const ATTR_FIELDS: readonly AttrField[] = ATTRIBUTES.map((a) => a.field)

/** The console's order in metadata exports: IntAttr, StrAttr, IntAttr2, StrAttr2, … */
export const CONSOLE_ATTR_ORDER: readonly AttrKey[] = INT_ATTR_KEYS.flatMap((k, i) => [
  k,
  STR_ATTR_KEYS[i],
])

function table<V>(pick: (a: AttrDef) => V): Record<AttrKey, V> {
  return Object.fromEntries(ATTRIBUTES.map((a) => [a.key, pick(a)])) as Record<AttrKey, V>
}
/** key → filter name / SQL column (`intAttr2` → `int_attr2`). */
export const ATTR_FIELD: { readonly [K in AttrKey]: Extract<AttrDef, { key: K }>['field'] } = table(
  (a) => a.field,
) as never
/** key → wire name (`intAttr2` → `IntAttr2`). */
export const ATTR_WIRE: { readonly [K in AttrKey]: Extract<AttrDef, { key: K }>['wire'] } = table(
  (a) => a.wire,
) as never
/** filter name → key (`int_attr2` → `intAttr2`). */
export const FIELD_KEY: { readonly [F in AttrField]: Extract<AttrDef, { field: F }>['key'] } =
  Object.fromEntries(ATTRIBUTES.map((a) => [a.field, a.key])) as never

export const isIntAttrKey = (k: string): k is IntAttrKey =>
  (INT_ATTR_KEYS as readonly string[]).includes(k)
export const isStrAttrKey = (k: string): k is StrAttrKey =>
  (STR_ATTR_KEYS as readonly string[]).includes(k)
export const isIntAttrField = (f: string): f is IntAttrField =>
  (INT_ATTR_FIELDS as readonly string[]).includes(f)
export const isStrAttrField = (f: string): f is StrAttrField =>
  (STR_ATTR_FIELDS as readonly string[]).includes(f)

/** The attribute values of an image, each one possibly unset (`null`). */
export type AttrValues = { [K in IntAttrKey]: number | null } & { [K in StrAttrKey]: string | null }
/** Attribute values under their wire names (`IntAttr2`), as manifests and dumps write them. */
export type AttrWireInput = { [W in Extract<AttrDef, { kind: 'int' }>['wire']]?: number } & {
  [W in Extract<AttrDef, { kind: 'str' }>['wire']]?: string
}
/** Attribute values as a request gives them: absent = not given. */
export type AttrInput = { [K in IntAttrKey]?: number } & { [K in StrAttrKey]?: string }

/** Every attribute of `src`, `null` when absent (for records that store all of them). */
export function attrsOrNull(
  src: Partial<Record<AttrKey, number | string | null | undefined>>,
): AttrValues {
  const out = {} as Record<AttrKey, number | string | null>
  for (const k of ATTR_KEYS) out[k] = src[k] ?? null
  return out as AttrValues
}

/** Only the attributes of `src` that are set (neither null nor undefined). */
export function definedAttrs(
  src: Partial<Record<AttrKey, number | string | null | undefined>>,
): AttrInput {
  const out: Record<string, number | string> = {}
  for (const k of ATTR_KEYS) {
    const v = src[k]
    if (v !== null && v !== undefined) out[k] = v
  }
  return out as AttrInput
}

/**
 * An object with one entry per attribute (e.g. a zod shape): `int()` for each integer attribute,
 * `str()` for each text attribute. Called once per key, so each entry is its own value.
 */
export function attrShape<I, S>(
  int: (key: IntAttrKey) => I,
  str: (key: StrAttrKey) => S,
): { [K in IntAttrKey]: I } & { [K in StrAttrKey]: S } {
  const out: Record<string, I | S> = {}
  for (const a of ATTRIBUTES) out[a.key] = a.kind === 'int' ? int(a.key) : str(a.key)
  return out as { [K in IntAttrKey]: I } & { [K in StrAttrKey]: S }
}

/** The same, keyed by the wire names (`IntAttr2`), for wire-format schemas. */
export function wireShape<I, S>(
  int: (wire: AttrWire) => I,
  str: (wire: AttrWire) => S,
): { [W in Extract<AttrDef, { kind: 'int' }>['wire']]: I } & {
  [W in Extract<AttrDef, { kind: 'str' }>['wire']]: S
} {
  const out: Record<string, I | S> = {}
  for (const a of ATTRIBUTES) out[a.wire] = a.kind === 'int' ? int(a.wire) : str(a.wire)
  return out as never
}

export const INT32_MIN = -2147483648
export const INT32_MAX = 2147483647

/** The documented limits of the request fields (see the top of this file for the sources). */
export const LIMITS = {
  productId: 512,
  picName: 512,
  customContent: 4096,
  strAttr: 128,
  intMin: INT32_MIN,
  intMax: INT32_MAX,
  filter: 256,
  /** SearchImageByText (Loupe's own): not in the cloud's reference. */
  text: 512,
  minNum: 1,
  maxNum: 100,
  defaultNum: 10,
  maxStart: 499,
  /** Start + Num. */
  maxResults: 500,
} as const

/** The API reference: "Special characters such as \\¥$&% are not supported" in StrAttr. */
export const STR_ATTR_FORBIDDEN = /[\\¥$&%]/

/** Whether `v` is an integer an IntAttr may hold. */
export const isInt32 = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX
