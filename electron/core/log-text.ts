/**
 * Log text that nobody can forge: the one place that decides how untrusted text (an AccessKeyId or
 * InstanceName from an unauthenticated request, a file name found on disk, a header, an error
 * message quoting either) is written into `logs/loupe.log` and onto a terminal.
 *
 * Two layers, both here:
 *
 * 1. The logger (core/log.ts) passes the whole content of every line through `logLineText`
 *    before it adds the line's own structure (timestamp, level, the final newline). So nothing
 *    can write a line break (or a terminal escape) into the log, whatever a caller forgot: one
 *    `log()` call is exactly one physical line. A multi-line text such as a stack trace is kept on
 *    its line with `\n` between its lines.
 * 2. Values inside a line go through `logf` (a tagged template) or `logValue`: a value that could
 *    be mistaken for the line's own words (empty, or with spaces, quotes, `=`, backslashes or
 *    escaped characters) is written as a double-quoted string, so `ak=evil status=200` cannot be
 *    forged within a line either: the log reads `ak="evil status=200"`.
 *
 * Lengths are bounded, so a caller cannot flood the log (and rotate earlier lines away) with one
 * request: a value is cut after `MAX_LOG_VALUE` characters, a line's content after `MAX_LOG_LINE`,
 * saying how much was left out. (Secrets are redacted by the logger before a line is cut; a value
 * is cut by the caller, so values never carry secrets — they are not meant to anyway.)
 *
 * Escapes, readable and reversible: `\n` `\r` `\t`; other C0 controls, DEL and C1 controls as
 * `\xHH` (ESC is `\x1b`); U+2028/U+2029, the bidirectional marks, embeddings, overrides and isolates
 * (U+061C, U+200E/F, U+202A–E, U+2066–9) and lone surrogates as `\uHHHH`. Inside a quoted value `"`
 * and `\` are escaped too (`\"`, `\\`), so a quoted value reads back exactly; free text outside
 * values keeps its backslashes (a Windows path stays readable), which is why values go through
 * `logf`.
 */

/**
 * The characters that are never written as they are (a character-class body): C0 controls, DEL,
 * C1 controls, the Arabic letter mark, LRM/RLM, U+2028/2029, LRE…RLO, LRI…PDI.
 */
const UNSAFE_CLASS = '\\x00-\\x1f\\x7f-\\x9f\\u061c\\u200e\\u200f\\u2028-\\u202e\\u2066-\\u2069'
/** A surrogate without its other half (not valid UTF-16: it would be written as U+FFFD). */
const LONE_SURROGATE =
  '[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]'
const UNSAFE = new RegExp(`[${UNSAFE_CLASS}]|${LONE_SURROGATE}`, 'g')
/** Inside a quoted value the quote and the backslash are escaped too. */
const UNSAFE_OR_QUOTE = new RegExp(`[${UNSAFE_CLASS}"\\\\]|${LONE_SURROGATE}`, 'g')

const NAMED: Record<string, string> = {
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '"': '\\"',
  '\\': '\\\\',
}

function escapeChar(c: string): string {
  const named = NAMED[c]
  if (named) return named
  const n = c.charCodeAt(0)
  return n < 0x100
    ? `\\x${n.toString(16).padStart(2, '0')}`
    : `\\u${n.toString(16).padStart(4, '0')}`
}

/** Text with every control, line-separator and bidi character escaped: safe as one log line. */
export function escapeLogText(text: string): string {
  return text.replace(UNSAFE, escapeChar)
}

/** The content of one log line: cut after `MAX_LOG_LINE` characters, then escaped. */
export function logLineText(text: string): string {
  return escapeLogText(clip(text, MAX_LOG_LINE))
}

/** A value that can stand bare in a line: no space, quote, `=`, backslash or escaped character. */
const BARE = new RegExp(`^[^\\s"'=\\\\${UNSAFE_CLASS}\\ud800-\\udfff]+$`, 'u')

/** Text of any value: an Error's message, otherwise `String(value)`. */
function textOf(value: unknown): string {
  if (value instanceof Error) return value.message
  return String(value)
}

/** A value longer than this (characters) is cut in a log line: a caller cannot flood the log. */
export const MAX_LOG_VALUE = 1024
/** The content of one log line is cut after this many characters (a stack trace fits easily). */
export const MAX_LOG_LINE = 16 * 1024

/** `s` cut to `max` characters, saying how many were left out. */
export function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}…(+${s.length - max} characters)` : s
}

/**
 * One untrusted value for a log line: as it is when it can only be read one way (`abc-123`,
 * `/data/a.jpg`), otherwise double-quoted with `"`, `\` and every unsafe character escaped. Cut
 * after `max` characters.
 */
export function logValue(value: unknown, max = MAX_LOG_VALUE): string {
  const s = textOf(value)
  if (s.length <= max && BARE.test(s)) return s
  return `"${clip(s, max).replace(UNSAFE_OR_QUOTE, escapeChar)}"`
}

/**
 * Tagged template for log lines: the literal parts are the caller's words, every `${value}` is
 * untrusted and goes through `logValue`.
 *
 *     logger.log('info', logf`dump ${id} downloaded → ${dest}`)
 */
export function logf(strings: TemplateStringsArray, ...values: unknown[]): string {
  let out = strings[0]
  for (let i = 0; i < values.length; i++) out += logValue(values[i]) + strings[i + 1]
  return out
}

/**
 * Text for a terminal (the CLI's human output): each line escaped as a log line is, the line
 * breaks between lines kept, so a file name with an escape sequence or a carriage return cannot
 * rewrite what the user sees.
 */
export function escapeTerminalText(text: string): string {
  return text.split('\n').map(escapeLogText).join('\n')
}
