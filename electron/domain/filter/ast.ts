/**
 * The filter language of Image Search (the `Filter` request field), as an AST.
 *
 *   filter     := or
 *   or         := and (OR and)*
 *   and        := primary (AND primary)*
 *   primary    := '(' or ')' | condition
 *   condition  := intField ('>' | '>=' | '<' | '<=' | '=') integer
 *               | strField ('=' | '!=') string
 *               | field [NOT] IN '(' value (',' value)* ')'
 *
 * Keywords (AND, OR, IN, NOT) and field names are case-insensitive. Strings are quoted with single
 * or double quotes; a backslash makes the next character literal. A bare integer is accepted as a
 * string value for a str_attr field (`str_attr=123` means "123").
 *
 * Missing attributes: an image without the attribute matches only `!=` and `not in` (it differs
 * from every value); every other comparison is false for it. compileFilter and filterToSql agree.
 */
import {
  ATTR_FIELDS,
  FIELD_KEY,
  INT32_MAX,
  INT32_MIN,
  INT_ATTR_FIELDS,
  LIMITS,
  STR_ATTR_FIELDS,
  isIntAttrField,
  isStrAttrField,
  type AttrField,
  type IntAttrField,
  type StrAttrField,
} from '../attributes'

export { INT32_MAX, INT32_MIN }

export const INT_FIELDS = INT_ATTR_FIELDS
export const STR_FIELDS = STR_ATTR_FIELDS
export const FILTER_FIELDS = ATTR_FIELDS

export type IntField = IntAttrField
export type StrField = StrAttrField
export type FilterField = AttrField

export type IntOp = '>' | '>=' | '<' | '<=' | '='
export type StrOp = '=' | '!='

/** The operators of each kind of field, as the filter builder offers them. */
export const INT_OPS = ['>', '>=', '<', '<=', '=', 'in', 'not in'] as const
export const STR_OPS = ['=', '!=', 'in', 'not in'] as const
export type FilterOp = (typeof INT_OPS)[number] | (typeof STR_OPS)[number]

/** The record key of each filter field (the domain's camelCase attribute). */
export const FIELD_KEYS = FIELD_KEY

export type FilterRecordKey = (typeof FIELD_KEYS)[FilterField]

/** What a compiled filter reads: the image's attributes (null/undefined = not set). */
export type FilterRecord = {
  [K in FilterRecordKey]?: K extends `int${string}` ? number | null : string | null
}

export interface IntCondition {
  type: 'int'
  field: IntField
  op: IntOp
  value: number
  /** Character offset of the field name in the filter text. */
  pos: number
}

export interface StrCondition {
  type: 'str'
  field: StrField
  op: StrOp
  value: string
  pos: number
}

export interface InCondition {
  type: 'in'
  field: FilterField
  negated: boolean
  values: (number | string)[]
  pos: number
}

export interface LogicalNode {
  type: 'and' | 'or'
  /** Two or more operands. */
  items: FilterAst[]
}

export type FilterAst = IntCondition | StrCondition | InCondition | LogicalNode

/** The API reference's limit on the Filter field (electron/domain/attributes.ts). */
export const MAX_FILTER_LENGTH = LIMITS.filter
/** Nesting limit for parentheses: keeps recursion bounded for any input. */
export const MAX_FILTER_DEPTH = 64

export const isIntField = (f: string): f is IntField => isIntAttrField(f)
export const isStrField = (f: string): f is StrField => isStrAttrField(f)

export function opsFor(field: FilterField): readonly FilterOp[] {
  return isIntField(field) ? INT_OPS : STR_OPS
}
