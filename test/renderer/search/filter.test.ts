import { describe, expect, it } from 'vitest'
import {
  buildFilter,
  describeProblem,
  rowClause,
  rowsFromFilter,
  splitList,
  validateFilter,
  type FilterRow,
} from '@renderer/filter'
// One parser (electron/domain/filter) for both: the engine's InvalidFilterClause and the renderer's
// check as the user types must name the same problem at the same position.
import { parseFilter } from '../../../electron/core/engines/local/filter'
import { FILTER_ERROR_CODES } from '@domain/filter'
import { i18n } from '@renderer/i18n'
import { filterProblemText } from '@renderer/filter'

/** The engine's verdict: null when it accepts, else the position from its InvalidFilterClause. */
function engine(text: string): number | null {
  try {
    parseFilter(text)
    return null
  } catch (e) {
    const m = /at position (\d+)/.exec((e as Error).message)
    expect((e as { code?: string }).code).toBe('InvalidFilterClause')
    return m ? Number(m[1]) : -1
  }
}

const VALID = [
  'int_attr >= 10',
  'int_attr=1',
  'INT_ATTR4 < -5',
  'int_attr2 <= 2147483647',
  'int_attr3 > -2147483648',
  'str_attr = "red"',
  "str_attr2 != 'blue'",
  'str_attr3 = 123',
  'str_attr4 = "say \\"hi\\""',
  'int_attr in (1, 2, 3)',
  'int_attr not in (4)',
  'str_attr in ("a", \'b\', "c, d")',
  'str_attr NOT IN ("x")',
  'int_attr >= 10 AND str_attr = "red"',
  'int_attr = 1 or int_attr = 2 and str_attr != "z"',
  '(int_attr = 1 OR int_attr = 2) AND (str_attr = "a" OR str_attr2 in ("b"))',
  '((((int_attr = 1))))',
  '  int_attr   =   7  ',
]

const INVALID: [string, string, number][] = [
  ['', 'expectedCondition', 0],
  ['int_attr', 'expectedIntOp', 8],
  ['int_attr = ', 'expectedInt', 11],
  ['int_attr != 3', 'expectedIntOp', 9],
  ['int_attr = 1.5', 'expectedInt', 11],
  ['int_attr = "3"', 'expectedInt', 11],
  ['int_attr = 2147483648', 'intRange', 11],
  ['str_attr > "a"', 'expectedStrOp', 9],
  ['str_attr = red', 'expectedString', 11],
  ['str_attr = "red', 'unclosedString', 15],
  ['color = "red"', 'unknownField', 0],
  ['int_attr5 = 1', 'unknownField', 0],
  ['int_attr = 1 AND', 'expectedCondition', 16],
  ['int_attr = 1 AND AND int_attr = 2', 'expectedCondition', 17],
  ['int_attr = 1 int_attr = 2', 'expectedEnd', 13],
  ['int_attr = 1)', 'unbalanced', 12],
  ['(int_attr = 1', 'expectedClose', 13],
  ['int_attr in 1, 2', 'expectedListOpen', 12],
  ['int_attr in (1 2)', 'expectedListSep', 15],
  ['int_attr in ()', 'expectedInt', 13],
  ['int_attr not (1)', 'expectedNotIn', 13],
  ['int_attr = 12abc', 'badNumber', 11],
  ['int_attr = 1 & int_attr = 2', 'badChar', 13],
  ['int_attr ! 1', 'badChar', 9],
  ['str_attr in ("a",)', 'expectedString', 17],
]

describe('client filter validator', () => {
  it.each(VALID)('accepts %s, as the engine does', (text) => {
    const r = validateFilter(text)
    expect(r.ok).toBe(true)
    expect(engine(text)).toBeNull()
  })

  it.each(INVALID)(
    'rejects %j with %s at position %i, where the engine fails too',
    (text, code, pos) => {
      const r = validateFilter(text)
      expect(r.ok).toBe(false)
      if (r.ok) return
      expect(r.error.code).toBe(code)
      expect(r.error.pos).toBe(pos)
      expect(engine(text)).toBe(pos)
      // The English text names the same position the engine's message does.
      expect(describeProblem(r.error)).toContain(`at position ${pos}:`)
    },
  )

  it('agrees with the engine on every prefix of a long expression (as the user types)', () => {
    const full = '(int_attr >= 10 AND str_attr in ("red", "blue")) OR int_attr2 not in (1, 2)'
    for (let i = 0; i <= full.length; i++) {
      const text = full.slice(0, i)
      const r = validateFilter(text)
      const e = engine(text)
      expect({ text, pos: r.ok ? null : r.error.pos }).toEqual({ text, pos: e })
    }
  })

  it('refuses nesting deeper than the engine allows and text longer than 256 characters', () => {
    const deep = '('.repeat(70) + 'int_attr = 1' + ')'.repeat(70)
    const r = validateFilter(deep)
    expect(r.ok).toBe(false)
    expect(!r.ok && r.error.code).toBe('tooDeep')
    expect(engine(deep)).not.toBeNull()
    const long = 'int_attr = 1 OR '.repeat(16) + 'int_attr = 2'
    const l = validateFilter(long)
    expect(!l.ok && l.error.code).toBe('tooLong')
    expect(engine(long)).toBe(256)
  })

  it('words every problem code in English and Chinese, with its position', () => {
    const t = i18n.global.t as unknown as (k: string, p?: Record<string, unknown>) => string
    for (const locale of ['en-US', 'zh-CN'] as const) {
      i18n.global.locale.value = locale
      for (const code of FILTER_ERROR_CODES) {
        const text = filterProblemText(t, { code, pos: 7, found: 'x', field: 'int_attr' })
        expect(text, `${locale} ${code}`).not.toContain('search.filterErrors')
        if (!['unclosedString', 'tooLong', 'unbalanced'].includes(code)) {
          expect(text, `${locale} ${code}`).toMatch(/7|“x”|int_attr/)
        }
      }
      const long = filterProblemText(t, { code: 'tooLong', pos: 256, found: '300' })
      expect(long).toContain('256')
    }
    i18n.global.locale.value = 'en-US'
  })
})

describe('filter builder rows', () => {
  const row = (field: FilterRow['field'], op: FilterRow['op'], value: string): FilterRow => ({
    field,
    op,
    value,
  })

  it('writes clauses the engine accepts, quoting and escaping strings', () => {
    const { text, problems } = buildFilter(
      [
        row('int_attr', '>=', ' 10 '),
        row('str_attr', '=', 'say "hi" \\ now'),
        row('str_attr2', 'in', 'red, "a, b", \'c\''),
        row('int_attr3', 'not in', '1, -2,3'),
      ],
      'AND',
    )
    expect(problems).toEqual([null, null, null, null])
    expect(text).toBe(
      'int_attr >= 10 AND str_attr = "say \\"hi\\" \\\\ now" AND str_attr2 in ("red", "a, b", "c") AND int_attr3 not in (1, -2, 3)',
    )
    expect(engine(text)).toBeNull()
  })

  it('reports rows that cannot be written and leaves them out', () => {
    const { text, problems } = buildFilter(
      [
        row('int_attr', '=', 'abc'),
        row('int_attr2', '>', '99999999999'),
        row('str_attr', 'in', '"open'),
        row('str_attr', '>', 'x'),
        row('str_attr3', '=', ''),
        row('int_attr4', '<', '5'),
      ],
      'OR',
    )
    expect(problems).toEqual(['notInt', 'intRange', 'badList', 'badOp', 'empty', null])
    expect(text).toBe('int_attr4 < 5')
  })

  it('splits lists with quoted items and rejects empty items', () => {
    expect(splitList('a, b ,c')).toEqual(['a', 'b', 'c'])
    expect(splitList('"x, y", \'z\'')).toEqual(['x, y', 'z'])
    expect(splitList('a,,b')).toBeNull()
    expect(splitList('"a" b')).toBeNull()
    expect(rowClause(row('str_attr', 'not in', 'q')).ok).toBe(true)
  })

  it('turns a flat expression back into rows, and refuses one that needs parentheses', () => {
    expect(rowsFromFilter('int_attr >= 10 OR str_attr in ("a", "b, c")')).toEqual({
      join: 'OR',
      rows: [row('int_attr', '>=', '10'), row('str_attr', 'in', 'a, "b, c"')],
    })
    expect(rowsFromFilter('')).toEqual({ join: 'AND', rows: [] })
    expect(rowsFromFilter('int_attr = 1 AND (str_attr = "a" OR str_attr = "b")')).toBeNull()
    expect(rowsFromFilter('int_attr = 1 AND str_attr = "a" OR str_attr = "b"')).toBeNull()
    expect(rowsFromFilter('int_attr =')).toBeNull()
    // Round trip: rows -> text -> rows -> the same text.
    const text = 'int_attr2 not in (1, 2) AND str_attr4 != "x y"'
    const back = rowsFromFilter(text)!
    expect(buildFilter(back.rows, back.join).text).toBe(text)
  })
})
