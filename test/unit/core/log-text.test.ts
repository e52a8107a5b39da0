import fs from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { createLogger, logFilePath } from '../../../electron/core/log'
import {
  MAX_LOG_LINE,
  MAX_LOG_VALUE,
  escapeLogText,
  escapeTerminalText,
  logValue,
  logf,
} from '../../../electron/core/log-text'
import { tempDir } from '../../helpers/tmp'

const temps: { cleanup: () => void }[] = []
function dir() {
  const t = tempDir('loupe-logtext-')
  temps.push(t)
  return t.dir
}
afterEach(() => temps.splice(0).forEach((t) => t.cleanup()))

/** Reverses the escapes of a quoted value (what a reader of the log would do). */
function unquote(v: string): string {
  expect(v.startsWith('"') && v.endsWith('"')).toBe(true)
  return v
    .slice(1, -1)
    .replace(/\\(x[0-9a-f]{2}|u[0-9a-f]{4}|[nrt"\\])/g, (_, e: string) =>
      e === 'n'
        ? '\n'
        : e === 'r'
          ? '\r'
          : e === 't'
            ? '\t'
            : e.length === 1
              ? e
              : String.fromCharCode(parseInt(e.slice(1), 16)),
    )
}

/** The characters of `s` no log line may hold as they are (C0, DEL, C1, U+2028/9, bidi). */
function rawControls(s: string): string[] {
  return [...s].filter((c) => {
    const n = c.codePointAt(0)!
    return (
      (n < 0x20 && c !== '\n') ||
      (n >= 0x7f && n <= 0x9f) ||
      n === 0x2028 ||
      n === 0x2029 ||
      (n >= 0x202a && n <= 0x202e) ||
      (n >= 0x2066 && n <= 0x2069)
    )
  })
}

/** Every character a line must never carry as it is. */
const DANGEROUS = [
  ...Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(i)),
  ...Array.from({ length: 0x21 }, (_, i) => String.fromCharCode(0x7f + i)),
  '\u061c',
  '\u200e',
  '\u200f',
  '\u2028',
  '\u2029',
  '\u202a',
  '\u202b',
  '\u202c',
  '\u202d',
  '\u202e',
  '\u2066',
  '\u2067',
  '\u2068',
  '\u2069',
  '\ud800',
  '\udfff',
]

describe('escapeLogText', () => {
  it('escapes every control, line-separator and bidi character, readable', () => {
    expect(escapeLogText('a\nb\rc\td')).toBe('a\\nb\\rc\\td')
    expect(escapeLogText('\x1b[31mred\x1b[0m')).toBe('\\x1b[31mred\\x1b[0m')
    expect(escapeLogText('\x7f\x85\x00')).toBe('\\x7f\\x85\\x00')
    expect(escapeLogText('x\u2028y\u2029z')).toBe('x\\u2028y\\u2029z')
    expect(escapeLogText('file\u202egpj.exe')).toBe('file\\u202egpj.exe')
    for (const c of DANGEROUS) {
      const out = escapeLogText(`<${c}>`)
      expect(out, `U+${c.charCodeAt(0).toString(16)}`).toMatch(
        /^<\\(x[0-9a-f]{2}|u[0-9a-f]{4}|[nrt])>$/,
      )
    }
  })

  it('leaves ordinary text alone: CJK, emoji (a whole surrogate pair), backslashes, quotes', () => {
    const s = '商品 编号 😀 C:\\Users\\me "q" = ok'
    expect(escapeLogText(s)).toBe(s)
  })
})

describe('logValue and logf', () => {
  it('keeps plain values bare and quotes anything that could read as more than one word', () => {
    expect(logValue('LTAI5tAbc-123')).toBe('LTAI5tAbc-123')
    expect(logValue('/data/local/a.jpg')).toBe('/data/local/a.jpg')
    expect(logValue('商品')).toBe('商品')
    expect(logValue(42)).toBe('42')
    expect(logValue('')).toBe('""')
    expect(logValue('two words')).toBe('"two words"')
    expect(logValue('k=v')).toBe('"k=v"')
    expect(logValue('C:\\x')).toBe('"C:\\\\x"')
    expect(logValue(new Error('it broke'))).toBe('"it broke"')
  })

  it('a quoted value reads back exactly, whatever it holds', () => {
    const nasty = [
      'evil\n2026-01-01T00:00:00.000Z INFO forged',
      'a\r\n\t"b"\\c\x1b]0;title\x07',
      'x\u2028y\u202ez\ud800',
      'ak=AK1 -> 200 OK',
      '\\n is not a newline',
    ]
    for (const s of nasty) {
      const v = logValue(s)
      expect(rawControls(v)).toEqual([])
      expect(v).not.toContain('\n')
      expect(unquote(v)).toBe(s)
    }
  })

  it('logf quotes the values and keeps the words of the line', () => {
    const line = logf`wire R1 ${'SearchImage'} instance=${'a b'} ak=${'evil\nINFO x'} -> ${200}`
    expect(line).toBe('wire R1 SearchImage instance="a b" ak="evil\\nINFO x" -> 200')
  })

  it('escapeTerminalText keeps the line breaks between lines and escapes the rest', () => {
    expect(escapeTerminalText('name\x1b[2J\rX\nnext\tline')).toBe('name\\x1b[2J\\rX\nnext\\tline')
  })
})

describe('the logger: one call is one line', () => {
  it('writes a message with newlines, CR, ESC and U+2028 as exactly one line', () => {
    const d = dir()
    const sink: string[] = []
    const log = createLogger(d, { sink: (l) => sink.push(l) })
    const forged = 'x\n2026-01-01T00:00:00.000Z ERROR forged\r\x1b[2K\u2028more'
    log.log('warn', `request from ${forged}`)
    log.log('info', 'after')
    const text = fs.readFileSync(logFilePath(d), 'utf8')
    const lines = text.split('\n').filter(Boolean)
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z WARN request from x\\n2026/)
    expect(lines[0]).toContain('\\r\\x1b[2K\\u2028more')
    expect(lines[1]).toMatch(/^\S+ INFO after$/)
    expect(rawControls(text)).toEqual([])
    // the sink (stderr of `loupe serve`) gets the same escaped line
    expect(sink[0]).toBe(lines[0])
  })

  it('a stack trace stays on its line', () => {
    const d = dir()
    const log = createLogger(d)
    const e = new Error('boom')
    log.log('error', e.stack!)
    const lines = fs.readFileSync(logFilePath(d), 'utf8').split('\n').filter(Boolean)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain('Error: boom\\n    at ')
  })

  it('still redacts secrets: as they are, inside an escaped line, and inside a quoted value', () => {
    const d = dir()
    const log = createLogger(d)
    const secret = 'S3cr3tValue0123456789'
    const odd = 'odd"secret\\value'
    log.addSecret(secret)
    log.addSecret(odd)
    log.log('info', `plain ${secret} end`)
    log.log('info', `multi\n${secret}\nline`)
    log.log('info', logf`quoted ak=${`a b ${secret}`} other=${odd}`)
    expect(log.redact(`x ${secret} y`)).toBe('x *** y')
    const text = fs.readFileSync(logFilePath(d), 'utf8')
    expect(text).not.toContain(secret)
    expect(text).not.toContain('odd')
    expect(text.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(/INFO plain \*\*\* end$/),
      expect.stringMatching(/INFO multi\\n\*\*\*\\nline$/),
      expect.stringMatching(/INFO quoted ak="a b \*\*\*" other="\*\*\*"$/),
    ])
  })
})

describe('lengths are bounded', () => {
  it('a long value is cut, saying by how much; a long line too', () => {
    const v = logValue('a'.repeat(5000))
    expect(v).toBe(`"${'a'.repeat(MAX_LOG_VALUE)}…(+${5000 - MAX_LOG_VALUE} characters)"`)
    const d = dir()
    const log = createLogger(d)
    log.log('info', `x${'\n'.repeat(100_000)}`)
    const text = fs.readFileSync(logFilePath(d), 'utf8')
    expect(text.split('\n').filter(Boolean)).toHaveLength(1)
    // each newline is two characters once escaped: the cap counts what the caller gave
    expect(text.length).toBeLessThan(2 * MAX_LOG_LINE + 200)
    expect(text).toMatch(/…\(\+\d+ characters\)\n$/)
  })
})
