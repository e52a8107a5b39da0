import {
  INT32_MAX,
  INT32_MIN,
  MAX_FILTER_DEPTH,
  MAX_FILTER_LENGTH,
  isIntField,
  isStrField,
  type FilterField,
} from './grammar'

/** What went wrong, as a code the UI translates; `found` is null at the end of the input. */
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

export interface FilterProblem {
  code: FilterErrorCode
  /** Character offset of the problem in the filter text. */
  pos: number
  /** The text found there, or null for the end of the input. */
  found: string | null
  /** The field the problem concerns, when there is one. */
  field?: string
}

export type Condition =
  | { type: 'cmp'; field: FilterField; op: string; value: number | string; pos: number }
  | { type: 'in'; field: FilterField; negated: boolean; values: (number | string)[]; pos: number }
export type FilterNode = Condition | { type: 'and' | 'or'; items: FilterNode[] }

export type FilterCheck = { ok: true; ast: FilterNode } | { ok: false; error: FilterProblem }

type TokKind = 'word' | 'number' | 'string' | 'op' | '(' | ')' | ',' | 'end'
interface Tok {
  kind: TokKind
  text: string
  value: string
  pos: number
}

class Fail extends Error {
  constructor(readonly problem: FilterProblem) {
    super(problem.code)
  }
}
const fail = (code: FilterErrorCode, pos: number, found: string | null, field?: string) =>
  new Fail({ code, pos, found, ...(field ? { field } : {}) })

const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f'
const isDigit = (c: string) => c >= '0' && c <= '9'
const isWordStart = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_'
const isWordChar = (c: string) => isWordStart(c) || isDigit(c)

function tokenize(text: string): Tok[] {
  const out: Tok[] = []
  const n = text.length
  let i = 0
  while (i < n) {
    const c = text[i]
    if (isSpace(c)) {
      i++
      continue
    }
    const start = i
    if (isWordStart(c)) {
      while (i < n && isWordChar(text[i])) i++
      const w = text.slice(start, i)
      out.push({ kind: 'word', text: w, value: w.toLowerCase(), pos: start })
      continue
    }
    if (isDigit(c) || (c === '-' && i + 1 < n && isDigit(text[i + 1]))) {
      i++
      while (i < n && isDigit(text[i])) i++
      if (i + 1 < n && text[i] === '.' && isDigit(text[i + 1])) {
        i++
        while (i < n && isDigit(text[i])) i++
      }
      if (i < n && isWordChar(text[i])) {
        while (i < n && isWordChar(text[i])) i++
        throw fail('badNumber', start, text.slice(start, i))
      }
      const num = text.slice(start, i)
      out.push({ kind: 'number', text: num, value: num, pos: start })
      continue
    }
    if (c === '"' || c === "'") {
      i++
      let value = ''
      let closed = false
      while (i < n) {
        const d = text[i]
        if (d === '\\') {
          if (i + 1 >= n) break
          value += text[i + 1]
          i += 2
          continue
        }
        if (d === c) {
          closed = true
          i++
          break
        }
        value += d
        i++
      }
      if (!closed) throw fail('unclosedString', n, null)
      out.push({ kind: 'string', text: text.slice(start, i), value, pos: start })
      continue
    }
    if (c === '(' || c === ')' || c === ',') {
      out.push({ kind: c, text: c, value: c, pos: start })
      i++
      continue
    }
    if (c === '>' || c === '<') {
      const op = text[i + 1] === '=' ? c + '=' : c
      out.push({ kind: 'op', text: op, value: op, pos: start })
      i += op.length
      continue
    }
    if (c === '=') {
      out.push({ kind: 'op', text: '=', value: '=', pos: start })
      i++
      continue
    }
    if (c === '!' && text[i + 1] === '=') {
      out.push({ kind: 'op', text: '!=', value: '!=', pos: start })
      i += 2
      continue
    }
    throw fail('badChar', start, c)
  }
  out.push({ kind: 'end', text: '', value: '', pos: n })
  return out
}

const KEYWORDS = new Set(['and', 'or', 'in', 'not'])
const found = (t: Tok) =>
  t.kind === 'end' ? null : t.text.length > 40 ? t.text.slice(0, 37) + '...' : t.text

class Parser {
  private i = 0
  constructor(private readonly toks: Tok[]) {}
  peek(): Tok {
    return this.toks[this.i]
  }
  private next(): Tok {
    const t = this.toks[this.i]
    if (t.kind !== 'end') this.i++
    return t
  }
  private isWord(t: Tok, w: string) {
    return t.kind === 'word' && t.value === w
  }
  parseOr(depth: number): FilterNode {
    const items = [this.parseAnd(depth)]
    while (this.isWord(this.peek(), 'or')) {
      this.next()
      items.push(this.parseAnd(depth))
    }
    return items.length === 1 ? items[0] : { type: 'or', items }
  }
  private parseAnd(depth: number): FilterNode {
    const items = [this.parsePrimary(depth)]
    while (this.isWord(this.peek(), 'and')) {
      this.next()
      items.push(this.parsePrimary(depth))
    }
    return items.length === 1 ? items[0] : { type: 'and', items }
  }
  private parsePrimary(depth: number): FilterNode {
    const t = this.peek()
    if (t.kind === '(') {
      if (depth >= MAX_FILTER_DEPTH) throw fail('tooDeep', t.pos, '(')
      this.next()
      const inner = this.parseOr(depth + 1)
      const close = this.peek()
      if (close.kind !== ')') throw fail('expectedClose', close.pos, found(close))
      this.next()
      return inner
    }
    return this.parseCondition()
  }
  private parseCondition(): FilterNode {
    const f = this.next()
    if (f.kind !== 'word' || KEYWORDS.has(f.value)) {
      throw fail('expectedCondition', f.pos, found(f))
    }
    const field = f.value
    if (!isIntField(field) && !isStrField(field)) throw fail('unknownField', f.pos, found(f))
    const op = this.next()
    if (this.isWord(op, 'in')) return this.parseList(field, false, f.pos)
    if (this.isWord(op, 'not')) {
      const inTok = this.next()
      if (!this.isWord(inTok, 'in')) throw fail('expectedNotIn', inTok.pos, found(inTok), field)
      return this.parseList(field, true, f.pos)
    }
    if (isIntField(field)) {
      if (op.kind !== 'op' || op.value === '!=') {
        throw fail('expectedIntOp', op.pos, found(op), field)
      }
      return { type: 'cmp', field, op: op.value, value: this.parseInt(field), pos: f.pos }
    }
    if (op.kind !== 'op' || (op.value !== '=' && op.value !== '!=')) {
      throw fail('expectedStrOp', op.pos, found(op), field)
    }
    return { type: 'cmp', field, op: op.value, value: this.parseStr(field), pos: f.pos }
  }
  private parseList(field: FilterField, negated: boolean, pos: number): FilterNode {
    const open = this.next()
    if (open.kind !== '(') throw fail('expectedListOpen', open.pos, found(open), field)
    const values: (number | string)[] = []
    for (;;) {
      values.push(isIntField(field) ? this.parseInt(field) : this.parseStr(field))
      const sep = this.next()
      if (sep.kind === ')') break
      if (sep.kind !== ',') throw fail('expectedListSep', sep.pos, found(sep), field)
    }
    return { type: 'in', field, negated, values, pos }
  }
  private parseInt(field: string): number {
    const t = this.next()
    if (t.kind !== 'number' || !/^-?\d+$/.test(t.text)) {
      throw fail('expectedInt', t.pos, found(t), field)
    }
    const v = Number(t.text)
    if (!Number.isSafeInteger(v) || v < INT32_MIN || v > INT32_MAX) {
      throw fail('intRange', t.pos, found(t), field)
    }
    return v
  }
  private parseStr(field: string): string {
    const t = this.next()
    if (t.kind === 'string') return t.value
    if (t.kind === 'number' && /^-?\d+$/.test(t.text)) return t.text
    throw fail('expectedString', t.pos, found(t), field)
  }
}

/**
 * Checks a filter expression with the engines' grammar. Never throws: answers the parsed tree, or
 * the first problem with its character position.
 */
export function validateFilter(text: string): FilterCheck {
  try {
    if (text.length > MAX_FILTER_LENGTH) {
      throw fail('tooLong', MAX_FILTER_LENGTH, `${text.length}`)
    }
    const p = new Parser(tokenize(text))
    const ast = p.parseOr(0)
    const t = p.peek()
    if (t.kind !== 'end') throw fail(t.kind === ')' ? 'unbalanced' : 'expectedEnd', t.pos, found(t))
    return { ok: true, ast }
  } catch (e) {
    if (e instanceof Fail) return { ok: false, error: e.problem }
    throw e
  }
}

const EXPECTED: Record<FilterErrorCode, (p: FilterProblem) => string> = {
  badChar: () => 'a field, operator, value, parenthesis or AND/OR',
  badNumber: () => 'a number',
  unclosedString: () => 'a closing quote',
  expectedCondition: () => "a condition starting with a field or '('",
  unknownField: () => 'a field (int_attr..int_attr4, str_attr..str_attr4)',
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

/** The problem in English, worded like the engine's InvalidFilterClause message. */
export function describeProblem(p: FilterProblem): string {
  const f = p.found === null ? 'end of input' : `'${p.found}'`
  return `Invalid filter at position ${p.pos}: expected ${EXPECTED[p.code](p)}, found ${f}`
}
