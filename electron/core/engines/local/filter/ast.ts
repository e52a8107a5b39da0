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

export const INT_FIELDS = ['int_attr', 'int_attr2', 'int_attr3', 'int_attr4'] as const
export const STR_FIELDS = ['str_attr', 'str_attr2', 'str_attr3', 'str_attr4'] as const

export type IntField = (typeof INT_FIELDS)[number]
export type StrField = (typeof STR_FIELDS)[number]
export type FilterField = IntField | StrField

export type IntOp = '>' | '>=' | '<' | '<=' | '='
export type StrOp = '=' | '!='

/** The record key of each filter field (the domain's camelCase attribute). */
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

export const MAX_FILTER_LENGTH = 4096
/** Nesting limit for parentheses: keeps recursion bounded for any input. */
export const MAX_FILTER_DEPTH = 64

export const INT32_MIN = -2147483648
export const INT32_MAX = 2147483647

export function isIntField(f: string): f is IntField {
  return (INT_FIELDS as readonly string[]).includes(f)
}

export function isStrField(f: string): f is StrField {
  return (STR_FIELDS as readonly string[]).includes(f)
}
