import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EngineError } from '../../../../electron/core/engines/errors'
import {
  compileFilter,
  filterToSql,
  parseFilter,
  type FilterColumns,
  type FilterRecord,
} from '../../../../electron/core/engines/local/filter'
import { seededRandom as rng } from '../../../../electron/core/util/random'

const COLS: FilterColumns = {
  int_attr: 'int_attr',
  int_attr2: 'int_attr2',
  int_attr3: 'int_attr3',
  int_attr4: 'int_attr4',
  str_attr: 'str_attr',
  str_attr2: 'str_attr2',
  str_attr3: 'str_attr3',
  str_attr4: 'str_attr4',
}

function errorOf(text: string): EngineError {
  try {
    parseFilter(text)
  } catch (e) {
    if (e instanceof EngineError) return e
    throw new Error(`non-EngineError for ${JSON.stringify(text)}: ${String(e)}`)
  }
  throw new Error(`expected ${JSON.stringify(text)} to be rejected`)
}

const match = (filter: string, rec: FilterRecord) => compileFilter(parseFilter(filter))(rec)

describe('parseFilter: accepted syntax', () => {
  it('parses the documented examples', () => {
    expect(parseFilter('int_attr>=100')).toEqual({
      type: 'int',
      field: 'int_attr',
      op: '>=',
      value: 100,
      pos: 0,
    })
    expect(parseFilter('str_attr!="value1"')).toEqual({
      type: 'str',
      field: 'str_attr',
      op: '!=',
      value: 'value1',
      pos: 0,
    })
    expect(parseFilter('int_attr=1000 AND str_attr="value1"')).toEqual({
      type: 'and',
      items: [
        { type: 'int', field: 'int_attr', op: '=', value: 1000, pos: 0 },
        { type: 'str', field: 'str_attr', op: '=', value: 'value1', pos: 18 },
      ],
    })
  })

  it('parses in / not in lists for both kinds of field', () => {
    expect(parseFilter('int_attr in (1,2,3)')).toMatchObject({
      type: 'in',
      negated: false,
      values: [1, 2, 3],
    })
    expect(parseFilter('int_attr4 NOT IN (4)')).toMatchObject({
      type: 'in',
      field: 'int_attr4',
      negated: true,
      values: [4],
    })
    expect(parseFilter('str_attr2 in (\'a\', "b")')).toMatchObject({
      type: 'in',
      field: 'str_attr2',
      values: ['a', 'b'],
    })
  })

  it('is case-insensitive for keywords and fields, and gives AND precedence over OR', () => {
    const ast = parseFilter('INT_ATTR2 > 1 or Str_Attr3 = "x" And int_attr3 < -5')
    expect(ast).toMatchObject({
      type: 'or',
      items: [
        { type: 'int', field: 'int_attr2', op: '>', value: 1 },
        {
          type: 'and',
          items: [
            { type: 'str', field: 'str_attr3', value: 'x' },
            { type: 'int', field: 'int_attr3', op: '<', value: -5 },
          ],
        },
      ],
    })
  })

  it('honours parentheses', () => {
    const f = '(int_attr=1 OR int_attr=2) AND str_attr="a"'
    expect(match(f, { intAttr: 2, strAttr: 'a' })).toBe(true)
    expect(match(f, { intAttr: 2, strAttr: 'b' })).toBe(false)
    // Without parentheses AND binds tighter: int_attr=1 OR (int_attr=2 AND str_attr="a")
    expect(
      match('int_attr=1 OR int_attr=2 AND str_attr="a"', {
        intAttr: 1,
        strAttr: 'b',
      }),
    ).toBe(true)
    expect(match(f, { intAttr: 1, strAttr: 'b' })).toBe(false)
  })

  it('unescapes quoted strings with backslashes, in both quote styles', () => {
    expect(parseFilter('str_attr="say \\"hi\\""')).toMatchObject({
      value: 'say "hi"',
    })
    expect(parseFilter("str_attr='it\\'s'")).toMatchObject({ value: "it's" })
    expect(parseFilter('str_attr="a\\\\b"')).toMatchObject({ value: 'a\\b' })
    expect(parseFilter('str_attr="x AND int_attr=1"')).toMatchObject({
      type: 'str',
      value: 'x AND int_attr=1',
    })
    expect(parseFilter('str_attr="男装"')).toMatchObject({ value: '男装' })
  })

  it('accepts a bare integer as a string value for str_attr', () => {
    expect(match('str_attr=123', { strAttr: '123' })).toBe(true)
  })

  it("accepts exactly 256 characters (the API reference's limit) and no more", () => {
    const base = 'int_attr=1'
    const pad = ' '.repeat(256 - base.length)
    expect(() => parseFilter(base + pad)).not.toThrow()
    const e = errorOf(base + pad + ' ')
    expect(e.code).toBe('InvalidFilterClause')
    expect(e.message).toBe(
      'Invalid filter at position 256: expected at most 256 characters, found 257 characters',
    )
  })
})

describe('parseFilter: precise errors', () => {
  const cases: [string, string][] = [
    ['', 'Invalid filter at position 0: expected a condition starting with a field'],
    [
      'int_attr1=5',
      "Invalid filter at position 0: expected a field (int_attr, int_attr2, int_attr3, int_attr4, str_attr, str_attr2, str_attr3, str_attr4), found 'int_attr1'",
    ],
    [
      'int_attr != 5',
      "Invalid filter at position 9: expected an operator for int_attr (>, >=, <, <=, =, in, not in), found '!='",
    ],
    [
      'str_attr > "a"',
      "Invalid filter at position 9: expected an operator for str_attr (=, !=, in, not in), found '>'",
    ],
    [
      'int_attr = "5"',
      'Invalid filter at position 11: expected an integer value for int_attr, found \'"5"\'',
    ],
    [
      'int_attr = 1.5',
      "Invalid filter at position 11: expected an integer value for int_attr, found '1.5'",
    ],
    [
      'int_attr = 99999999999',
      'Invalid filter at position 11: expected an integer between -2147483648 and 2147483647 for int_attr',
    ],
    [
      'str_attr = value1',
      "Invalid filter at position 11: expected a quoted string value for str_attr, found 'value1'",
    ],
    [
      'str_attr = "abc',
      'Invalid filter at position 15: expected a closing " for the string at position 11, found end of input',
    ],
    [
      'int_attr = 1 AND',
      'Invalid filter at position 16: expected a condition starting with a field',
    ],
    [
      'int_attr = 1 str_attr="a"',
      "Invalid filter at position 13: expected AND, OR or end of input, found 'str_attr'",
    ],
    ['(int_attr = 1', "Invalid filter at position 13: expected ')', AND or OR, found end of input"],
    [
      'int_attr = 1)',
      "Invalid filter at position 12: expected AND, OR or end of input (unbalanced parenthesis), found ')'",
    ],
    [
      'int_attr in 1',
      "Invalid filter at position 12: expected '(' to start the value list, found '1'",
    ],
    [
      'int_attr in ()',
      "Invalid filter at position 13: expected an integer value for int_attr, found ')'",
    ],
    [
      'int_attr in (1 2)',
      "Invalid filter at position 15: expected ',' or ')' in the value list, found '2'",
    ],
    ['int_attr not (1)', "Invalid filter at position 13: expected 'in' after 'not', found '('"],
    [
      'int_attr = 1 && int_attr = 2',
      "Invalid filter at position 13: expected a field, operator, value, parenthesis or AND/OR, found '&'",
    ],
    ['int_attr = 12abc', "Invalid filter at position 11: expected a number, found '12abc'"],
    [
      'int_attr == 1',
      "Invalid filter at position 10: expected an integer value for int_attr, found '='",
    ],
  ]
  for (const [text, message] of cases) {
    it(`rejects ${JSON.stringify(text)}`, () => {
      const e = errorOf(text)
      expect(e.code).toBe('InvalidFilterClause')
      expect(e.httpStatus).toBe(400)
      expect(e.message.startsWith(message)).toBe(true)
      expect(e.hint).toMatch(/int_attr/)
    })
  }

  it('bounds nesting depth with a clear error instead of a stack overflow', () => {
    const deep = '('.repeat(120) + 'int_attr=1' + ')'.repeat(120)
    const e = errorOf(deep)
    expect(e.message).toMatch(/expected at most 64 nested parentheses/)
    // Far deeper nesting cannot even be written: the 256-character limit comes first.
    expect(errorOf('('.repeat(2000) + 'int_attr=1' + ')'.repeat(2000)).message).toMatch(
      /expected at most 256 characters/,
    )
    expect(() => parseFilter('('.repeat(64) + 'int_attr=1' + ')'.repeat(64))).not.toThrow()
  })
})

describe('compileFilter semantics', () => {
  it('compares integers', () => {
    expect(match('int_attr > 5', { intAttr: 6 })).toBe(true)
    expect(match('int_attr > 5', { intAttr: 5 })).toBe(false)
    expect(match('int_attr >= 5', { intAttr: 5 })).toBe(true)
    expect(match('int_attr < -1', { intAttr: -2 })).toBe(true)
    expect(match('int_attr <= -1', { intAttr: 0 })).toBe(false)
    expect(match('int_attr2 = 7', { intAttr: 7 })).toBe(false)
    expect(match('int_attr2 = 7', { intAttr2: 7 })).toBe(true)
  })

  it('treats an unset attribute as matching only != and not in', () => {
    expect(match('int_attr >= 0', {})).toBe(false)
    expect(match('int_attr < 0', { intAttr: null })).toBe(false)
    expect(match('str_attr = ""', {})).toBe(false)
    expect(match('str_attr != "a"', {})).toBe(true)
    expect(match('int_attr not in (1)', {})).toBe(true)
    expect(match('str_attr in ("a")', {})).toBe(false)
  })

  it('is case-sensitive on string values', () => {
    expect(match('str_attr = "Red"', { strAttr: 'red' })).toBe(false)
    expect(match('str_attr in ("red","blue")', { strAttr: 'blue' })).toBe(true)
    expect(match('str_attr not in ("red","blue")', { strAttr: 'blue' })).toBe(false)
  })
})

// ---- property tests: random filters agree between compileFilter and SQLite; garbage only ever yields
// InvalidFilterClause ------------------------------------------------------------------------------

const INTF = ['int_attr', 'int_attr2', 'int_attr3', 'int_attr4']
const STRF = ['str_attr', 'str_attr2', 'str_attr3', 'str_attr4']
const STRV = ['a', 'b', 'c', '', 'A']

function randomFilter(r: () => number, depth = 0): string {
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]
  const x = r()
  if (depth < 3 && x < 0.3) {
    const parts = [randomFilter(r, depth + 1), randomFilter(r, depth + 1)]
    const op = pick(['AND', 'or', 'And', 'OR'])
    const s = parts.join(` ${op} `)
    return r() < 0.5 ? `(${s})` : s
  }
  const q = (v: string) => (r() < 0.5 ? `"${v}"` : `'${v}'`)
  if (r() < 0.5) {
    const f = pick(INTF)
    if (r() < 0.3) {
      const vals = Array.from({ length: 1 + Math.floor(r() * 3) }, () =>
        String(Math.floor(r() * 5) - 1),
      )
      return `${f} ${r() < 0.5 ? 'in' : 'not in'} (${vals.join(',')})`
    }
    return `${f}${pick(['>', '>=', '<', '<=', '='])}${Math.floor(r() * 5) - 1}`
  }
  const f = pick(STRF)
  if (r() < 0.3) {
    const vals = Array.from({ length: 1 + Math.floor(r() * 3) }, () => q(pick(STRV)))
    return `${f} ${r() < 0.5 ? 'IN' : 'NOT IN'} (${vals.join(', ')})`
  }
  return `${f} ${pick(['=', '!='])} ${q(pick(STRV))}`
}

describe('compileFilter and filterToSql agree (real SQLite)', () => {
  let db: Database.Database
  const rows: (FilterRecord & { id: number })[] = []
  beforeAll(() => {
    db = new Database(':memory:')
    db.exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, int_attr INTEGER, int_attr2 INTEGER, int_attr3 INTEGER,
      int_attr4 INTEGER, str_attr TEXT, str_attr2 TEXT, str_attr3 TEXT, str_attr4 TEXT)`)
    const r = rng(7)
    const ins = db.prepare(`INSERT INTO t VALUES (@id, @intAttr, @intAttr2, @intAttr3, @intAttr4,
      @strAttr, @strAttr2, @strAttr3, @strAttr4)`)
    for (let id = 1; id <= 300; id++) {
      const iv = () => (r() < 0.15 ? null : Math.floor(r() * 5) - 1)
      const sv = () => (r() < 0.15 ? null : STRV[Math.floor(r() * STRV.length)])
      const row = {
        id,
        intAttr: iv(),
        intAttr2: iv(),
        intAttr3: iv(),
        intAttr4: iv(),
        strAttr: sv(),
        strAttr2: sv(),
        strAttr3: sv(),
        strAttr4: sv(),
      }
      rows.push(row)
      ins.run(row)
    }
  })
  afterAll(() => db.close())

  it('returns the same rows for 400 random filters', () => {
    const r = rng(42)
    let nonTrivial = 0
    for (let k = 0; k < 400; k++) {
      const text = randomFilter(r)
      const ast = parseFilter(text)
      const pred = compileFilter(ast)
      const expected = rows.filter(pred).map((x) => x.id)
      const { sql, params } = filterToSql(ast, COLS)
      const got = (
        db.prepare(`SELECT id FROM t WHERE ${sql} ORDER BY id`).all(...params) as { id: number }[]
      ).map((x) => x.id)
      expect(got, text).toEqual(expected)
      if (expected.length > 0 && expected.length < rows.length) nonTrivial++
    }
    expect(nonTrivial).toBeGreaterThan(200)
  })

  it('never puts filter text into the SQL', () => {
    const evil = `str_attr = "x'); DROP TABLE t; --" OR int_attr in (1, 2)`
    const { sql, params } = filterToSql(parseFilter(evil), COLS)
    expect(sql).not.toMatch(/DROP|x'/)
    expect(params).toEqual(["x'); DROP TABLE t; --", 1, 2])
    db.prepare(`SELECT count(*) FROM t WHERE ${sql}`).get(...params)
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 300 })
  })

  it('refuses column names that are not identifiers', () => {
    expect(() =>
      filterToSql(parseFilter('int_attr=1'), {
        ...COLS,
        int_attr: 'x; DROP TABLE t',
      }),
    ).toThrow(TypeError)
  })
})

describe('fuzzing: any input yields an AST or InvalidFilterClause, never another exception', () => {
  const pieces = [
    'int_attr',
    'int_attr2',
    'str_attr',
    'str_attr4',
    'int_attr1',
    'AND',
    'or',
    'in',
    'not',
    'NOT IN',
    '(',
    ')',
    ',',
    '=',
    '!=',
    '>',
    '>=',
    '<',
    '<=',
    '!',
    '==',
    '"',
    "'",
    '\\',
    '"x"',
    "'y'",
    '12',
    '-3',
    '1.5',
    '-',
    ' ',
    '\t',
    '\n',
    'é',
    '男',
    '\u0000',
    '\u{1F600}',
    '&&',
    '||',
    ';',
    '*',
    'abc',
  ]
  function check(text: string) {
    try {
      const ast = parseFilter(text)
      compileFilter(ast)({ intAttr: 1, strAttr: 'x' })
      filterToSql(ast, COLS)
    } catch (e) {
      expect(e, JSON.stringify(text)).toBeInstanceOf(EngineError)
      const err = e as EngineError
      expect(err.code).toBe('InvalidFilterClause')
      expect(err.message).toMatch(/^Invalid filter at position \d+: expected .+, found .+$/s)
      const pos = Number(/position (\d+)/.exec(err.message)![1])
      expect(pos).toBeGreaterThanOrEqual(0)
      expect(pos).toBeLessThanOrEqual(Math.max(text.length, 4096))
    }
  }

  it('token soup (3000 cases)', () => {
    const r = rng(1234)
    for (let k = 0; k < 3000; k++) {
      const n = Math.floor(r() * 12)
      let s = ''
      for (let j = 0; j < n; j++)
        s += pieces[Math.floor(r() * pieces.length)] + (r() < 0.5 ? ' ' : '')
      check(s)
    }
  })

  it('random characters (3000 cases)', () => {
    const r = rng(99)
    for (let k = 0; k < 3000; k++) {
      const n = Math.floor(r() * 40)
      let s = ''
      for (let j = 0; j < n; j++) s += String.fromCharCode(Math.floor(r() * 128))
      check(s)
    }
  })

  it('mutations of valid filters (3000 cases)', () => {
    const r = rng(5)
    let accepted = 0
    for (let k = 0; k < 3000; k++) {
      const base = randomFilter(r)
      const chars = [...base]
      const m = 1 + Math.floor(r() * 3)
      for (let j = 0; j < m; j++) {
        const at = Math.floor(r() * (chars.length + 1))
        const kind = r()
        if (kind < 0.33) chars.splice(at, 1)
        else if (kind < 0.66) chars.splice(at, 0, pieces[Math.floor(r() * pieces.length)])
        else chars[at] = String.fromCharCode(32 + Math.floor(r() * 95))
      }
      const text = chars.join('')
      check(text)
      try {
        parseFilter(text)
        accepted++
      } catch {
        /* counted above */
      }
    }
    // Some mutations stay valid (e.g. a changed digit); most must not.
    expect(accepted).toBeGreaterThan(0)
    expect(accepted).toBeLessThan(3000)
  })

  it('non-string input', () => {
    for (const x of [undefined, null, 5, {}, []]) {
      expect(() => parseFilter(x as unknown as string)).toThrow(EngineError)
    }
  })
})
