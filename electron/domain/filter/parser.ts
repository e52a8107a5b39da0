import {
  INT32_MAX,
  INT32_MIN,
  MAX_FILTER_DEPTH,
  MAX_FILTER_LENGTH,
  isIntField,
  isStrField,
  type FilterAst,
  type FilterField,
  type IntOp,
  type StrOp,
} from './ast'
import { FilterSyntaxError, type FilterErrorCode, type FilterProblem } from './problems'
import { tokenize, type Token } from './tokenizer'

const KEYWORDS = new Set(['and', 'or', 'in', 'not'])

/** The text of a token as a problem reports it: null at the end, at most 40 characters. */
const found = (t: Token) =>
  t.kind === 'end' ? null : t.text.length > 40 ? t.text.slice(0, 37) + '...' : t.text

const fail = (code: FilterErrorCode, t: Token, field?: string) =>
  new FilterSyntaxError({ code, pos: t.pos, found: found(t), ...(field ? { field } : {}) })

export type FilterCheck = { ok: true; ast: FilterAst } | { ok: false; error: FilterProblem }

/**
 * Parses a filter expression into an AST. Throws FilterSyntaxError (with the problem and its
 * position) for an invalid one; never anything else, whatever the input.
 */
export function parseFilterText(text: string): FilterAst {
  if (text.length > MAX_FILTER_LENGTH) {
    throw new FilterSyntaxError({
      code: 'tooLong',
      pos: MAX_FILTER_LENGTH,
      found: `${text.length}`,
    })
  }
  const p = new Parser(tokenize(text))
  const ast = p.parseOr(0)
  const t = p.peek()
  if (t.kind !== 'end') throw fail(t.kind === ')' ? 'unbalanced' : 'expectedEnd', t)
  return ast
}

/** Checks a filter expression. Never throws: answers the tree, or the first problem. */
export function checkFilter(text: string): FilterCheck {
  try {
    return { ok: true, ast: parseFilterText(text) }
  } catch (e) {
    if (e instanceof FilterSyntaxError) return { ok: false, error: e.problem }
    throw e
  }
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
      if (depth >= MAX_FILTER_DEPTH) throw fail('tooDeep', t)
      this.next()
      const inner = this.parseOr(depth + 1)
      const close = this.peek()
      if (close.kind !== ')') throw fail('expectedClose', close)
      this.next()
      return inner
    }
    return this.parseCondition()
  }

  private parseCondition(): FilterAst {
    const f = this.next()
    if (f.kind !== 'word' || KEYWORDS.has(f.value)) throw fail('expectedCondition', f)
    const field = f.value
    if (!isIntField(field) && !isStrField(field)) throw fail('unknownField', f)
    const opTok = this.next()
    if (this.isWord(opTok, 'in')) return this.parseInList(field, false, f.pos)
    if (this.isWord(opTok, 'not')) {
      const inTok = this.next()
      if (!this.isWord(inTok, 'in')) throw fail('expectedNotIn', inTok, field)
      return this.parseInList(field, true, f.pos)
    }
    if (isIntField(field)) {
      if (opTok.kind !== 'op' || opTok.value === '!=') throw fail('expectedIntOp', opTok, field)
      const value = this.parseInt(field)
      return { type: 'int', field, op: opTok.value as IntOp, value, pos: f.pos }
    }
    if (opTok.kind !== 'op' || (opTok.value !== '=' && opTok.value !== '!=')) {
      throw fail('expectedStrOp', opTok, field)
    }
    const value = this.parseStr(field)
    return { type: 'str', field, op: opTok.value as StrOp, value, pos: f.pos }
  }

  private parseInList(field: FilterField, negated: boolean, pos: number): FilterAst {
    const open = this.next()
    if (open.kind !== '(') throw fail('expectedListOpen', open, field)
    const values: (number | string)[] = []
    for (;;) {
      values.push(isIntField(field) ? this.parseInt(field) : this.parseStr(field))
      const sep = this.next()
      if (sep.kind === ')') break
      if (sep.kind !== ',') throw fail('expectedListSep', sep, field)
    }
    return { type: 'in', field, negated, values, pos }
  }

  private parseInt(field: string): number {
    const t = this.next()
    if (t.kind !== 'number' || !/^-?\d+$/.test(t.text)) throw fail('expectedInt', t, field)
    const v = Number(t.text)
    if (!Number.isSafeInteger(v) || v < INT32_MIN || v > INT32_MAX) {
      throw fail('intRange', t, field)
    }
    return v
  }

  private parseStr(field: string): string {
    const t = this.next()
    if (t.kind === 'string') return t.value
    if (t.kind === 'number' && /^-?\d+$/.test(t.text)) return t.text
    throw fail('expectedString', t, field)
  }
}
