/**
 * Turns what a user types in the gallery's search box into FTS5 MATCH syntax, safely.
 *
 * The FTS table uses the `trigram` tokenizer, so every term matches as a case-insensitive
 * substring (CJK included, no word segmentation needed). User text never reaches FTS5 as syntax:
 * each term becomes a double-quoted FTS5 string (embedded `"` doubled), so operators (AND, OR,
 * NOT, NEAR, `*`, `^`, `:`, `+`, parentheses) are plain characters. Terms are ANDed.
 *
 * Terms: whitespace separates them; `"two words"` keeps a phrase (with its space) together; an
 * unclosed `"` runs to the end of the input; a `"` inside a word (`5"`) is a plain character.
 * Terms of 3+ characters are trigram phrase queries. Trigram cannot answer 1–2 character terms
 * directly, so the gallery expands them through the FTS vocabulary into the trigrams that start
 * with them (prefix matching); see `shortTermRange`.
 */

export const MAX_TERMS = 16
export const MAX_TERM_CHARS = 256

/** Splits user input into terms (phrases in double quotes stay whole). Empty input → []. */
export function splitTerms(input: string): string[] {
  const out: string[] = []
  const re = /"([^"]*)(?:"|$)|(\S+)/g
  let m: RegExpExecArray | null
  while ((m = re.exec(input)) !== null) {
    const raw = m[1] !== undefined ? m[1].trim().replace(/\s+/g, ' ') : m[2]
    if (!raw) continue
    const term = [...raw].slice(0, MAX_TERM_CHARS).join('')
    if (!out.includes(term)) out.push(term)
    if (out.length >= MAX_TERMS) break
  }
  return out
}

/** The number of characters (code points) in a term, as trigram counts them. */
export function termLength(term: string): number {
  let n = 0
  for (const _ of term) n++
  return n
}

/** A term as an FTS5 string token: always quoted, `"` doubled. */
export function ftsString(term: string): string {
  return '"' + term.replace(/"/g, '""') + '"'
}

/**
 * The vocabulary range holding every trigram that starts with a short term: `[lo, hi)` compared
 * as the FTS index does (bytewise UTF-8). Case is folded like the trigram tokenizer's default.
 */
export function shortTermRange(term: string): { lo: string; hi: string } {
  const lo = term.toLowerCase()
  return { lo, hi: lo + String.fromCodePoint(0x10ffff) }
}

/** A LIKE pattern matching `term` anywhere, with `\` as the escape character. */
export function likeContains(term: string): string {
  return '%' + term.replace(/[\\%_]/g, (c) => '\\' + c) + '%'
}
