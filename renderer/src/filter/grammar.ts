/**
 * The filter language of Image Search, as the engines accept it (the local engine's parser is the
 * authority; this is the renderer's copy of the same grammar, for validation as the user types):
 *
 *   filter     := or
 *   or         := and (OR and)*
 *   and        := primary (AND primary)*
 *   primary    := '(' or ')' | condition
 *   condition  := intField ('>' | '>=' | '<' | '<=' | '=') integer
 *               | strField ('=' | '!=') string
 *               | field [NOT] IN '(' value (',' value)* ')'
 *
 * Keywords and field names are case-insensitive; strings take single or double quotes, a backslash
 * makes the next character literal; a bare integer is accepted as a string value.
 */

export const INT_FIELDS = ['int_attr', 'int_attr2', 'int_attr3', 'int_attr4'] as const
export const STR_FIELDS = ['str_attr', 'str_attr2', 'str_attr3', 'str_attr4'] as const
export const FILTER_FIELDS = [...INT_FIELDS, ...STR_FIELDS] as const

export type IntField = (typeof INT_FIELDS)[number]
export type StrField = (typeof STR_FIELDS)[number]
export type FilterField = IntField | StrField

export const INT_OPS = ['>', '>=', '<', '<=', '=', 'in', 'not in'] as const
export const STR_OPS = ['=', '!=', 'in', 'not in'] as const
export type FilterOp = (typeof INT_OPS)[number] | (typeof STR_OPS)[number]

export const MAX_FILTER_LENGTH = 4096
export const MAX_FILTER_DEPTH = 64
export const INT32_MIN = -2147483648
export const INT32_MAX = 2147483647

export function isIntField(f: string): f is IntField {
  return (INT_FIELDS as readonly string[]).includes(f)
}
export function isStrField(f: string): f is StrField {
  return (STR_FIELDS as readonly string[]).includes(f)
}
export function opsFor(field: FilterField): readonly FilterOp[] {
  return isIntField(field) ? INT_OPS : STR_OPS
}

/** The record key (camelCase attribute) of each filter field. */
export const FIELD_KEYS = {
  int_attr: 'intAttr',
  int_attr2: 'intAttr2',
  int_attr3: 'intAttr3',
  int_attr4: 'intAttr4',
  str_attr: 'strAttr',
  str_attr2: 'strAttr2',
  str_attr3: 'strAttr3',
  str_attr4: 'strAttr4',
} as const satisfies Record<FilterField, string>
