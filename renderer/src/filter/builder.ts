import {
  FILTER_FIELDS,
  INT32_MAX,
  INT32_MIN,
  isIntField,
  opsFor,
  type FilterField,
  type FilterNode,
  type FilterOp,
  validateFilter,
} from './grammar'

/** One row of the filter builder: `field op value` (for in / not in: a comma-separated list). */
export interface FilterRow {
  field: FilterField
  op: FilterOp
  value: string
}
export type FilterJoin = 'AND' | 'OR'

export type RowProblem = 'empty' | 'notInt' | 'intRange' | 'badList' | 'badOp'

/** A string value as a filter literal: double quotes, backslash-escaped. */
export function quoteString(s: string): string {
  return '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"'
}

/**
 * Splits a list typed by the user (`red, "a, b", 'c'`) into its items; items may be quoted to hold
 * commas. Null when a quote is left open or an item is empty.
 */
export function splitList(text: string): string[] | null {
  const items: string[] = []
  let i = 0
  const n = text.length
  for (;;) {
    while (i < n && /\s/.test(text[i])) i++
    let item = ''
    if (text[i] === '"' || text[i] === "'") {
      const q = text[i++]
      let closed = false
      while (i < n) {
        if (text[i] === '\\' && i + 1 < n) {
          item += text[i + 1]
          i += 2
          continue
        }
        if (text[i] === q) {
          closed = true
          i++
          break
        }
        item += text[i++]
      }
      if (!closed) return null
      while (i < n && /\s/.test(text[i])) i++
      if (i < n && text[i] !== ',') return null
    } else {
      const start = i
      while (i < n && text[i] !== ',') i++
      item = text.slice(start, i).trim()
      if (!item) return null
    }
    items.push(item)
    if (i >= n) return items
    i++ // the comma
  }
}

const INT_RE = /^-?\d+$/

function intLiteral(s: string): { ok: true; text: string } | { ok: false; problem: RowProblem } {
  const v = s.trim()
  if (!INT_RE.test(v)) return { ok: false, problem: 'notInt' }
  const n = Number(v)
  if (!Number.isSafeInteger(n) || n < INT32_MIN || n > INT32_MAX) {
    return { ok: false, problem: 'intRange' }
  }
  return { ok: true, text: String(n) }
}

/** The clause of one row, or why it cannot be written yet. */
export function rowClause(
  row: FilterRow,
): { ok: true; clause: string } | { ok: false; problem: RowProblem } {
  if (!opsFor(row.field).includes(row.op)) return { ok: false, problem: 'badOp' }
  if (!row.value.trim()) return { ok: false, problem: 'empty' }
  const int = isIntField(row.field)
  if (row.op === 'in' || row.op === 'not in') {
    const items = splitList(row.value)
    if (!items) return { ok: false, problem: 'badList' }
    const lits: string[] = []
    for (const it of items) {
      if (int) {
        const r = intLiteral(it)
        if (!r.ok) return r
        lits.push(r.text)
      } else lits.push(quoteString(it))
    }
    return { ok: true, clause: `${row.field} ${row.op} (${lits.join(', ')})` }
  }
  if (int) {
    const r = intLiteral(row.value)
    if (!r.ok) return r
    return { ok: true, clause: `${row.field} ${row.op} ${r.text}` }
  }
  return { ok: true, clause: `${row.field} ${row.op} ${quoteString(row.value)}` }
}

/** The expression of the builder's rows; rows with a problem are left out and reported. */
export function buildFilter(
  rows: FilterRow[],
  join: FilterJoin,
): { text: string; problems: (RowProblem | null)[] } {
  const clauses: string[] = []
  const problems = rows.map((r) => {
    const c = rowClause(r)
    if (c.ok) {
      clauses.push(c.clause)
      return null
    }
    return c.problem
  })
  return { text: clauses.join(` ${join} `), problems }
}

function listText(values: (number | string)[]): string {
  return values
    .map((v) =>
      typeof v === 'number'
        ? String(v)
        : /^[^,"'\s](?:[^,"']*[^,"'\s])?$/.test(v)
          ? v
          : quoteString(v),
    )
    .join(', ')
}

function nodeRow(n: FilterNode): FilterRow | null {
  if (n.type === 'int' || n.type === 'str') {
    return { field: n.field, op: n.op, value: String(n.value) }
  }
  if (n.type === 'in') {
    return { field: n.field, op: n.negated ? 'not in' : 'in', value: listText(n.values) }
  }
  return null
}

/**
 * The builder rows of an expression, when it is a flat list of conditions joined by one kind of
 * operator (no parentheses needed); null otherwise (the raw editor keeps it).
 */
export function rowsFromFilter(text: string): { join: FilterJoin; rows: FilterRow[] } | null {
  if (!text.trim()) return { join: 'AND', rows: [] }
  const r = validateFilter(text)
  if (!r.ok) return null
  const ast = r.ast
  if (ast.type === 'and' || ast.type === 'or') {
    const rows = ast.items.map(nodeRow)
    if (rows.some((x) => x === null)) return null
    return { join: ast.type === 'and' ? 'AND' : 'OR', rows: rows as FilterRow[] }
  }
  const row = nodeRow(ast)
  return row ? { join: 'AND', rows: [row] } : null
}

export function defaultRow(field: FilterField = FILTER_FIELDS[0]): FilterRow {
  return { field, op: '=', value: '' }
}
