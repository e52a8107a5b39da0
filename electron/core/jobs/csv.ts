/**
 * CSV (RFC 4180): writing with proper quoting, and a streaming-friendly parser that reports the
 * line each record starts on and malformed records without giving up on the rest.
 */

/** Quote a field when it holds a comma, quote, CR or LF, or leading/trailing spaces. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return ''
  const s = String(value)
  if (/[",\r\n]/.test(s) || /^\s|\s$/.test(s)) return `"${s.replace(/"/g, '""')}"`
  return s
}

/** Also guards against spreadsheet formula injection when `safe` is set ('=', '+', '-', '@'). */
export function csvRow(values: readonly unknown[], opts: { safe?: boolean } = {}): string {
  return values
    .map((v) => {
      let s = v === null || v === undefined ? '' : String(v)
      if (opts.safe && /^[=+\-@\t\r]/.test(s)) s = `'${s}`
      return csvField(s)
    })
    .join(',')
}

export interface CsvRecord {
  /** 1-based line number where the record starts. */
  line: number
  fields: string[]
}

export interface CsvProblem {
  line: number
  message: string
}

/**
 * Parse CSV text. Quoted fields may span lines; `""` inside quotes is a quote. A record with a
 * stray quote in an unquoted field, text after a closing quote, or an unterminated quote is
 * reported as a problem (the parser resynchronises at the next line) instead of aborting.
 * Empty lines are skipped. A UTF-8 BOM is ignored.
 */
export function parseCsv(text: string): { records: CsvRecord[]; problems: CsvProblem[] } {
  const records: CsvRecord[] = []
  const problems: CsvProblem[] = []
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0
  let line = 1
  const n = text.length

  while (i < n) {
    const start = line
    const startIndex = i
    const fields: string[] = []
    let field = ''
    let problem: string | null = null
    let endOfRecord = false
    let sawAnything = false

    while (!endOfRecord) {
      if (i >= n) {
        fields.push(field)
        break
      }
      const ch = text[i]
      if (ch === '"' && field === '' && !problem) {
        // quoted field
        sawAnything = true
        i++
        let closed = false
        while (i < n) {
          const c = text[i]
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"'
              i += 2
              continue
            }
            i++
            closed = true
            break
          }
          if (c === '\n') line++
          field += c
          i++
        }
        if (!closed) {
          // Resynchronise on the line after the record's first line: the rest is not lost.
          problem = 'a quoted field is never closed'
          const nl = text.indexOf('\n', startIndex)
          i = nl < 0 ? n : nl + 1
          line = start + 1
          break
        }
        // after a closing quote: delimiter, end of line or end of text
        const next = text[i]
        if (next === ',') {
          fields.push(field)
          field = ''
          i++
        } else if (next === '\r' || next === '\n' || next === undefined) {
          // handled by the loop
          if (next === undefined) {
            fields.push(field)
            endOfRecord = true
          }
        } else {
          problem = `unexpected character ${JSON.stringify(next)} after a closing quote`
        }
        continue
      }
      if (ch === ',') {
        sawAnything = true
        fields.push(field)
        field = ''
        i++
        continue
      }
      if (ch === '\r' || ch === '\n') {
        i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1
        line++
        fields.push(field)
        endOfRecord = true
        continue
      }
      if (ch === '"' && !problem) {
        problem = 'a quote inside an unquoted field (quote the whole field and double the quote)'
      }
      if (problem) {
        // skip to end of line to resynchronise
        i++
        continue
      }
      sawAnything = true
      field += ch
      i++
    }

    if (problem) {
      problems.push({ line: start, message: problem })
      continue
    }
    if (!sawAnything && fields.length <= 1 && (fields[0] ?? '') === '') continue // empty line
    records.push({ line: start, fields })
  }
  return { records, problems }
}
