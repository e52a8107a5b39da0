import { describe, expect, it } from 'vitest'
import { csvField, csvRow, parseCsv } from '../../../../electron/core/jobs/csv'

describe('CSV', () => {
  it('quotes only when needed and round-trips', () => {
    expect(csvField('plain')).toBe('plain')
    expect(csvField('a,b')).toBe('"a,b"')
    expect(csvField('say "hi"')).toBe('"say ""hi"""')
    expect(csvField('two\nlines')).toBe('"two\nlines"')
    expect(csvField(' padded ')).toBe('" padded "')
    expect(csvField(null)).toBe('')
    expect(csvRow(['=1+1', '-2', 'x'], { safe: true })).toBe("'=1+1,'-2,x")
    const rows = [
      ['id', 'name', 'note'],
      ['1', 'Ünïcode 商品', 'has, comma'],
      ['2', 'quote "q"', 'multi\r\nline'],
      ['3', '', ''],
    ]
    const text = rows.map((r) => csvRow(r)).join('\r\n')
    expect(parseCsv(text).records.map((r) => r.fields)).toEqual(rows)
  })

  it('reports the line each record starts on, skipping empty lines and a BOM', () => {
    const text = '\ufeffa,b\n\n"x\ny",2\n3,4\n'
    const { records, problems } = parseCsv(text)
    expect(problems).toEqual([])
    expect(records).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 3, fields: ['x\ny', '2'] },
      { line: 5, fields: ['3', '4'] },
    ])
  })

  it('reports malformed records and keeps the others', () => {
    const text = 'a,b\nok,1\nbad"quote,2\n"closed"junk,3\nfine,4\n"never closed,5\nlost,6'
    const { records, problems } = parseCsv(text)
    expect(records.map((r) => r.fields)).toEqual([
      ['a', 'b'],
      ['ok', '1'],
      ['fine', '4'],
      ['lost', '6'],
    ])
    expect(problems.map((p) => p.line)).toEqual([3, 4, 6])
    expect(problems[0].message).toMatch(/quote inside an unquoted field/)
    expect(problems[1].message).toMatch(/after a closing quote/)
    expect(problems[2].message).toMatch(/never closed/)
  })
})
