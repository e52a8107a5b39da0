import {
  INT32_MAX,
  INT32_MIN,
  INT_FIELDS,
  MAX_FILTER_DEPTH,
  MAX_FILTER_LENGTH,
  STR_FIELDS,
} from './ast'

/** What is wrong with a filter, as a code: the engine words it in English, the renderer by locale. */
export type FilterErrorCode =
  | 'badChar'
  | 'badNumber'
  | 'unclosedString'
  | 'expectedCondition'
  | 'unknownField'
  | 'expectedIntOp'
  | 'expectedStrOp'
  | 'expectedNotIn'
  | 'expectedListOpen'
  | 'expectedListSep'
  | 'expectedInt'
  | 'intRange'
  | 'expectedString'
  | 'expectedClose'
  | 'expectedEnd'
  | 'unbalanced'
  | 'tooLong'
  | 'tooDeep'

export const FILTER_ERROR_CODES: readonly FilterErrorCode[] = [
  'badChar',
  'badNumber',
  'unclosedString',
  'expectedCondition',
  'unknownField',
  'expectedIntOp',
  'expectedStrOp',
  'expectedNotIn',
  'expectedListOpen',
  'expectedListSep',
  'expectedInt',
  'intRange',
  'expectedString',
  'expectedClose',
  'expectedEnd',
  'unbalanced',
  'tooLong',
  'tooDeep',
]

export interface FilterProblem {
  code: FilterErrorCode
  /** Character offset of the problem in the filter text. */
  pos: number
  /**
   * The text found there (at most 40 characters), or null for the end of the input. For `tooLong`
   * the filter's length; for `tooDeep` the parenthesis.
   */
  found: string | null
  /** The field the problem concerns, when there is one. */
  field?: string
  /** `unclosedString`: the quote and where the string starts. */
  quote?: string
  start?: number
}

/** Thrown by the tokenizer and parser; checkFilter turns it into a FilterProblem. */
export class FilterSyntaxError extends Error {
  constructor(readonly problem: FilterProblem) {
    super(describeFilterProblem(problem))
    this.name = 'FilterSyntaxError'
  }
}

const FIELD_LIST = [...INT_FIELDS, ...STR_FIELDS].join(', ')

const EXPECTED: Record<FilterErrorCode, (p: FilterProblem) => string> = {
  badChar: () => 'a field, operator, value, parenthesis or AND/OR',
  badNumber: () => 'a number',
  unclosedString: (p) => `a closing ${p.quote ?? '"'} for the string at position ${p.start ?? 0}`,
  expectedCondition: () => `a condition starting with a field (${FIELD_LIST}) or '('`,
  unknownField: () => `a field (${FIELD_LIST})`,
  expectedIntOp: (p) => `an operator for ${p.field} (>, >=, <, <=, =, in, not in)`,
  expectedStrOp: (p) => `an operator for ${p.field} (=, !=, in, not in)`,
  expectedNotIn: () => "'in' after 'not'",
  expectedListOpen: () => "'(' to start the value list",
  expectedListSep: () => "',' or ')' in the value list",
  expectedInt: (p) => `an integer value for ${p.field}`,
  intRange: (p) => `an integer between ${INT32_MIN} and ${INT32_MAX} for ${p.field}`,
  expectedString: (p) => `a quoted string value for ${p.field}`,
  expectedClose: () => "')', AND or OR",
  expectedEnd: () => 'AND, OR or end of input',
  unbalanced: () => 'AND, OR or end of input (unbalanced parenthesis)',
  tooLong: () => `at most ${MAX_FILTER_LENGTH} characters`,
  tooDeep: () => `at most ${MAX_FILTER_DEPTH} nested parentheses`,
}

function describeFound(p: FilterProblem): string {
  if (p.found === null) return 'end of input'
  if (p.code === 'tooLong') return `${p.found} characters`
  if (p.code === 'tooDeep') return 'deeper nesting'
  if (p.code === 'badChar') {
    const code = p.found.codePointAt(0) ?? 0
    if (code < 0x20 || code === 0x7f)
      return `control character U+${code.toString(16).padStart(4, '0')}`
  }
  return `'${p.found}'`
}

/**
 * The problem in English, as the engine's InvalidFilterClause message:
 * `Invalid filter at position N: expected …, found …`.
 */
export function describeFilterProblem(p: FilterProblem): string {
  return `Invalid filter at position ${p.pos}: expected ${EXPECTED[p.code](p)}, found ${describeFound(p)}`
}

/** The engine's hint for any filter problem. */
export const FILTER_HINT =
  'Conditions look like int_attr>=100, str_attr!="value1", int_attr in (1,2,3) or ' +
  'str_attr not in ("a","b"), joined with AND / OR and grouped with parentheses. ' +
  'int_attr..int_attr4 take > >= < <= = in, not in; str_attr..str_attr4 take = != in, not in.'
