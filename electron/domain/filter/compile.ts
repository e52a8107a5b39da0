import { FIELD_KEYS, type FilterAst, type FilterRecord } from './ast'

export type FilterPredicate = (rec: FilterRecord) => boolean

/**
 * Turns an AST into a predicate over an image's attributes. Semantics match filterToSql: an unset
 * attribute (null/undefined) matches only `!=` and `not in`.
 */
export function compileFilter(ast: FilterAst): FilterPredicate {
  switch (ast.type) {
    case 'and': {
      const parts = ast.items.map(compileFilter)
      return (rec) => {
        for (const p of parts) if (!p(rec)) return false
        return true
      }
    }
    case 'or': {
      const parts = ast.items.map(compileFilter)
      return (rec) => {
        for (const p of parts) if (p(rec)) return true
        return false
      }
    }
    case 'int': {
      const key = FIELD_KEYS[ast.field]
      const v = ast.value
      const get = (rec: FilterRecord) => rec[key] as number | null | undefined
      switch (ast.op) {
        case '>':
          return (rec) => isSet(get(rec)) && (get(rec) as number) > v
        case '>=':
          return (rec) => isSet(get(rec)) && (get(rec) as number) >= v
        case '<':
          return (rec) => isSet(get(rec)) && (get(rec) as number) < v
        case '<=':
          return (rec) => isSet(get(rec)) && (get(rec) as number) <= v
        case '=':
          return (rec) => get(rec) === v
      }
      break
    }
    case 'str': {
      const key = FIELD_KEYS[ast.field]
      const v = ast.value
      if (ast.op === '=') return (rec) => rec[key] === v
      return (rec) => rec[key] !== v
    }
    case 'in': {
      const key = FIELD_KEYS[ast.field]
      const set = new Set<number | string>(ast.values)
      if (ast.negated) {
        return (rec) => {
          const x = rec[key]
          return !isSet(x) || !set.has(x)
        }
      }
      return (rec) => {
        const x = rec[key]
        return isSet(x) && set.has(x)
      }
    }
  }
  // Unreachable for a well-typed AST; a malformed one is a programming error.
  throw new TypeError(`Unknown filter node ${(ast as { type: string }).type}`)
}

function isSet<T>(x: T | null | undefined): x is T {
  return x !== null && x !== undefined
}
