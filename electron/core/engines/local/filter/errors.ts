import { EngineError } from '../../errors'

const HINT =
  'Conditions look like int_attr>=100, str_attr!="value1", int_attr in (1,2,3) or ' +
  'str_attr not in ("a","b"), joined with AND / OR and grouped with parentheses. ' +
  'int_attr..int_attr4 take > >= < <= = in, not in; str_attr..str_attr4 take = != in, not in.'

/** `Invalid filter at position N: expected …, found …` as the cloud's InvalidFilterClause (400). */
export function filterError(pos: number, expected: string, found: string): EngineError {
  return new EngineError(
    'InvalidFilterClause',
    `Invalid filter at position ${pos}: expected ${expected}, found ${found}`,
    { hint: HINT },
  )
}
