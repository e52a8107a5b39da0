import { INT_FIELDS, STR_FIELDS, type FilterAst, type FilterField } from '../../../../domain/filter'

export type FilterColumns = Record<FilterField, string>

export interface SqlFilter {
  /** A boolean SQL expression with `?` placeholders; no text of the filter is ever inlined. */
  sql: string
  params: unknown[]
}

const SAFE_COLUMN = /^(?:[A-Za-z_][A-Za-z0-9_]*\.)?(?:[A-Za-z_][A-Za-z0-9_]*|"[^"]+")$/

/**
 * Translates an AST into a parameterised SQL boolean expression over the given columns (trusted
 * identifiers from the caller, e.g. `{ int_attr: 'i.int_attr', … }`). Semantics match compileFilter:
 * an unset (NULL) attribute matches only `!=` and `not in`.
 */
export function filterToSql(ast: FilterAst, columns: FilterColumns): SqlFilter {
  for (const f of [...INT_FIELDS, ...STR_FIELDS]) {
    const col = columns[f]
    if (typeof col !== 'string' || !SAFE_COLUMN.test(col)) {
      throw new TypeError(
        `filterToSql: column for ${f} must be an SQL identifier, got ${String(col)}`,
      )
    }
  }
  const params: unknown[] = []
  const sql = emit(ast, columns, params)
  return { sql, params }
}

function emit(ast: FilterAst, cols: FilterColumns, params: unknown[]): string {
  switch (ast.type) {
    case 'and':
    case 'or':
      return (
        '(' +
        ast.items.map((x) => emit(x, cols, params)).join(ast.type === 'and' ? ' AND ' : ' OR ') +
        ')'
      )
    case 'int': {
      params.push(ast.value)
      return `(${cols[ast.field]} ${ast.op} ?)`
    }
    case 'str': {
      params.push(ast.value)
      const c = cols[ast.field]
      return ast.op === '=' ? `(${c} = ?)` : `(${c} IS NULL OR ${c} != ?)`
    }
    case 'in': {
      const c = cols[ast.field]
      for (const v of ast.values) params.push(v)
      const list = ast.values.map(() => '?').join(', ')
      return ast.negated ? `(${c} IS NULL OR ${c} NOT IN (${list}))` : `(${c} IN (${list}))`
    }
  }
  throw new TypeError(`Unknown filter node ${(ast as { type: string }).type}`)
}
