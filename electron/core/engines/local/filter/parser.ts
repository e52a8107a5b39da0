import {
  INT32_MAX,
  INT32_MIN,
  INT_FIELDS,
  MAX_FILTER_DEPTH,
  MAX_FILTER_LENGTH,
  STR_FIELDS,
  isIntField,
  isStrField,
  type FilterAst,
  type FilterField,
  type IntOp,
  type StrOp,
} from './ast'
import { filterError } from './errors'
import { tokenize, type Token } from './tokenizer'

const FIELD_LIST = [...INT_FIELDS, ...STR_FIELDS].join(', ')
const KEYWORDS = new Set(['and', 'or', 'in', 'not'])

function describe(t: Token): string {
  if (t.kind === 'end') return 'end of input'
  const text = t.text.length > 40 ? t.text.slice(0, 37) + '...' : t.text
  return `'${text}'`
}

/**
 * Parses a filter expression into an AST. Throws EngineError('InvalidFilterClause') with the position
 * of the first problem; never throws anything else, whatever the input.
 */
export function parseFilter(text: string): FilterAst {
  if (typeof text !== 'string') throw filterError(0, 'a filter string', typeof text)
  if (text.length > MAX_FILTER_LENGTH) {
    throw filterError(
      MAX_FILTER_LENGTH,
      `at most ${MAX_FILTER_LENGTH} characters`,
      `${text.length} characters`,
    )
  }
  const p = new Parser(tokenize(text))
  const ast = p.parseOr(0)
  const t = p.peek()
  if (t.kind !== 'end') {
    throw filterError(
      t.pos,
      t.kind === ')'
        ? 'AND, OR or end of input (unbalanced parenthesis)'
        : 'AND, OR or end of input',
      describe(t),
    )
  }
  return ast
}

class Parser {
  private i = 0
  constructor(private readonly tokens: Token[]) {}

  peek(): Token {
    return this.tokens[this.i]
  }

  private next(): Token {
    const t = this.tokens[this.i]
    if (t.kind !== 'end') this.i++
    return t
  }

  private isWord(t: Token, w: string): boolean {
    return t.kind === 'word' && t.value === w
  }

  parseOr(depth: number): FilterAst {
    const items = [this.parseAnd(depth)]
    while (this.isWord(this.peek(), 'or')) {
      this.next()
      items.push(this.parseAnd(depth))
    }
    return items.length === 1 ? items[0] : { type: 'or', items }
  }

  private parseAnd(depth: number): FilterAst {
    const items = [this.parsePrimary(depth)]
    while (this.isWord(this.peek(), 'and')) {
      this.next()
      items.push(this.parsePrimary(depth))
    }
    return items.length === 1 ? items[0] : { type: 'and', items }
  }

  private parsePrimary(depth: number): FilterAst {
    const t = this.peek()
    if (t.kind === '(') {
      if (depth >= MAX_FILTER_DEPTH) {
        throw filterError(t.pos, `at most ${MAX_FILTER_DEPTH} nested parentheses`, 'deeper nesting')
      }
      this.next()
      const inner = this.parseOr(depth + 1)
      const close = this.peek()
      if (close.kind !== ')') throw filterError(close.pos, "')', AND or OR", describe(close))
      this.next()
      return inner
    }
    return this.parseCondition()
  }

  private parseCondition(): FilterAst {
    const f = this.next()
    if (f.kind !== 'word' || KEYWORDS.has(f.value)) {
      throw filterError(
        f.pos,
        `a condition starting with a field (${FIELD_LIST}) or '('`,
        describe(f),
      )
    }
    const field = f.value
    if (!isIntField(field) && !isStrField(field)) {
      throw filterError(f.pos, `a field (${FIELD_LIST})`, describe(f))
    }
    const opTok = this.next()
    if (this.isWord(opTok, 'in')) return this.parseInList(field, false, f.pos)
    if (this.isWord(opTok, 'not')) {
      const inTok = this.next()
      if (!this.isWord(inTok, 'in'))
        throw filterError(inTok.pos, "'in' after 'not'", describe(inTok))
      return this.parseInList(field, true, f.pos)
    }
    if (isIntField(field)) {
      if (opTok.kind !== 'op' || opTok.value === '!=') {
        throw filterError(
          opTok.pos,
          `an operator for ${field} (>, >=, <, <=, =, in, not in)`,
          describe(opTok),
        )
      }
      const value = this.parseInt(field)
      return {
        type: 'int',
        field,
        op: opTok.value as IntOp,
        value,
        pos: f.pos,
      }
    }
    if (opTok.kind !== 'op' || (opTok.value !== '=' && opTok.value !== '!=')) {
      throw filterError(opTok.pos, `an operator for ${field} (=, !=, in, not in)`, describe(opTok))
    }
    const value = this.parseStr(field)
    return { type: 'str', field, op: opTok.value as StrOp, value, pos: f.pos }
  }

  private parseInList(field: FilterField, negated: boolean, pos: number): FilterAst {
    const open = this.next()
    if (open.kind !== '(')
      throw filterError(open.pos, "'(' to start the value list", describe(open))
    const values: (number | string)[] = []
    for (;;) {
      values.push(isIntField(field) ? this.parseInt(field) : this.parseStr(field))
      const sep = this.next()
      if (sep.kind === ')') break
      if (sep.kind !== ',')
        throw filterError(sep.pos, "',' or ')' in the value list", describe(sep))
    }
    return { type: 'in', field, negated, values, pos }
  }

  private parseInt(field: string): number {
    const t = this.next()
    if (t.kind !== 'number' || !/^-?\d+$/.test(t.text)) {
      throw filterError(t.pos, `an integer value for ${field}`, describe(t))
    }
    const v = Number(t.text)
    if (!Number.isSafeInteger(v) || v < INT32_MIN || v > INT32_MAX) {
      throw filterError(
        t.pos,
        `an integer between ${INT32_MIN} and ${INT32_MAX} for ${field}`,
        describe(t),
      )
    }
    return v
  }

  private parseStr(field: string): string {
    const t = this.next()
    if (t.kind === 'string') return t.value
    if (t.kind === 'number' && /^-?\d+$/.test(t.text)) return t.text
    throw filterError(t.pos, `a quoted string value for ${field}`, describe(t))
  }
}
