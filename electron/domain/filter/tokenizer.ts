import { FilterSyntaxError, type FilterErrorCode } from './problems'

export type TokenKind =
  | 'word' // field names and keywords (AND, OR, IN, NOT)
  | 'number' // integer or decimal literal, optional leading '-'
  | 'string' // quoted string, value already unescaped
  | 'op' // = != > >= < <=
  | '(' // punctuation
  | ')'
  | ','
  | 'end'

export interface Token {
  kind: TokenKind
  /** The text as written (for strings: including quotes). */
  text: string
  /** For strings: the unescaped value; for words: lower-cased text. */
  value: string
  /** Character offset in the filter text. */
  pos: number
}

const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f'
const isDigit = (c: string) => c >= '0' && c <= '9'
const isWordStart = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_'
const isWordChar = (c: string) => isWordStart(c) || isDigit(c)

const fail = (code: FilterErrorCode, pos: number, found: string | null, more = {}) =>
  new FilterSyntaxError({ code, pos, found, ...more })

/** Splits a filter into tokens; throws FilterSyntaxError on a character no token starts with. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  const n = text.length
  while (i < n) {
    const c = text[i]
    if (isSpace(c)) {
      i++
      continue
    }
    const start = i
    if (isWordStart(c)) {
      while (i < n && isWordChar(text[i])) i++
      const word = text.slice(start, i)
      tokens.push({ kind: 'word', text: word, value: word.toLowerCase(), pos: start })
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
      tokens.push({ kind: 'number', text: num, value: num, pos: start })
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
      if (!closed) throw fail('unclosedString', n, null, { quote: c, start })
      tokens.push({ kind: 'string', text: text.slice(start, i), value, pos: start })
      continue
    }
    if (c === '(' || c === ')' || c === ',') {
      tokens.push({ kind: c, text: c, value: c, pos: start })
      i++
      continue
    }
    if (c === '>' || c === '<') {
      const op = text[i + 1] === '=' ? c + '=' : c
      tokens.push({ kind: 'op', text: op, value: op, pos: start })
      i += op.length
      continue
    }
    if (c === '=') {
      tokens.push({ kind: 'op', text: '=', value: '=', pos: start })
      i++
      continue
    }
    if (c === '!' && text[i + 1] === '=') {
      tokens.push({ kind: 'op', text: '!=', value: '!=', pos: start })
      i += 2
      continue
    }
    throw fail('badChar', start, c)
  }
  tokens.push({ kind: 'end', text: '', value: '', pos: n })
  return tokens
}
