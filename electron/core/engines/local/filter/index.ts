/**
 * The engines' side of the filter language: the language itself (tokenizer, parser, AST,
 * semantics) is electron/domain/filter; here a problem becomes the engine's InvalidFilterClause,
 * and an AST becomes SQL for the caches.
 */
import {
  FILTER_HINT,
  FilterSyntaxError,
  describeFilterProblem,
  parseFilterText,
  type FilterAst,
} from '../../../../domain/filter'
import { EngineError } from '../../errors'

export * from '../../../../domain/filter'
export { filterToSql, type FilterColumns, type SqlFilter } from './sql'

/** `Invalid filter at position N: expected …, found …` as the cloud's InvalidFilterClause (400). */
function invalidFilter(message: string): EngineError {
  return new EngineError('InvalidFilterClause', message, { hint: FILTER_HINT })
}

/**
 * Parses a filter expression into an AST. Throws EngineError('InvalidFilterClause') with the position
 * of the first problem; never throws anything else, whatever the input.
 */
export function parseFilter(text: string): FilterAst {
  if (typeof text !== 'string') {
    throw invalidFilter(
      `Invalid filter at position 0: expected a filter string, found ${typeof text}`,
    )
  }
  try {
    return parseFilterText(text)
  } catch (e) {
    if (e instanceof FilterSyntaxError) throw invalidFilter(describeFilterProblem(e.problem))
    throw e
  }
}
