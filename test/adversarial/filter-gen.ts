/**
 * A seeded generator of filters for the fuzzer (family b): valid ones drawn from the grammar
 * (electron/domain/filter/ast.ts), near-valid ones (a valid filter with one mutation), garbage,
 * huge ones, unicode and control characters, and deeply nested parentheses. Which of them are
 * valid is not decided here: the fuzzer asks the domain's own parser (checkFilter) and holds the
 * engine to the same answer.
 */
import { INT32_MAX, INT32_MIN, INT_FIELDS, STR_FIELDS } from '../../electron/domain/filter/index'
import type { Rng } from './tally'

export type FilterKind = 'valid' | 'near-valid' | 'garbage' | 'huge' | 'unicode' | 'nested'

export interface GeneratedFilter {
  kind: FilterKind
  text: string
}

/** Values the seeded pictures carry (so generated conditions sometimes match). */
export const INT_VALUES = [-5, -1, 0, 1, 2, 3, 5, 100, INT32_MAX, INT32_MIN] as const
export const STR_VALUES = ['red', 'blue', '红色', 'a"b', "it's", 'x y', ''] as const

const EDGE_INTS = [
  '2147483648',
  '-2147483649',
  '99999999999999999999',
  '1.5',
  '-0',
  '007',
  '1e3',
  '0x10',
  '+5',
  '--1',
  '-',
]

function field(r: Rng, ints: readonly string[]): string {
  const f = r.pick(ints)
  return r.chance(0.15) ? f.toUpperCase() : f
}

function quote(r: Rng, v: string): string {
  const q = r.chance(0.5) ? '"' : "'"
  return q + v.replace(/\\/g, '\\\\').replace(new RegExp(q, 'g'), '\\' + q) + q
}

function intValue(r: Rng): string {
  return r.chance(0.85) ? String(r.pick(INT_VALUES)) : String(r.int(-1000, 1000))
}

function condition(r: Rng): string {
  const sp = () => (r.chance(0.7) ? ' ' : r.pick(['', '  ', '\t', '\n']))
  const kind = r.int(0, 3)
  if (kind === 0) {
    const op = r.pick(['>', '>=', '<', '<=', '='])
    return `${field(r, INT_FIELDS)}${sp()}${op}${sp()}${intValue(r)}`
  }
  if (kind === 1) {
    const op = r.pick(['=', '!='])
    const v = r.chance(0.1) ? String(r.int(0, 99)) : quote(r, r.pick(STR_VALUES))
    return `${field(r, STR_FIELDS)}${sp()}${op}${sp()}${v}`
  }
  const int = kind === 2
  const n = r.int(1, 4)
  const values = Array.from({ length: n }, () => (int ? intValue(r) : quote(r, r.pick(STR_VALUES))))
  const not = r.chance(0.4) ? (r.chance(0.5) ? 'NOT ' : 'not ') : ''
  return `${field(r, int ? INT_FIELDS : STR_FIELDS)} ${not}${r.chance(0.5) ? 'IN' : 'in'} (${values.join(', ')})`
}

/** A valid filter of up to `depth` levels of AND/OR. */
export function validFilter(r: Rng, depth = 3): string {
  if (depth === 0 || r.chance(0.4)) return condition(r)
  const n = r.int(2, 3)
  const joiner = r.pick([' AND ', ' OR ', ' and ', ' or '])
  const parts = Array.from({ length: n }, () => {
    const p = validFilter(r, depth - 1)
    return r.chance(0.5) ? `(${p})` : p
  })
  return parts.join(joiner)
}

const TOKENS = [
  '(',
  ')',
  ',',
  'AND',
  'OR',
  'NOT',
  'IN',
  '=',
  '!=',
  '>=',
  '<',
  '"',
  "'",
  '\\',
  'int_attr',
  'str_attr',
  'int_attr5',
  'str_attr0',
  'int_attr.',
  '--',
  ';',
  '1',
  '"x"',
]

/** A valid filter with one mutation: a character dropped, doubled or swapped, a token inserted. */
export function nearValid(r: Rng): string {
  const f = validFilter(r, 2)
  const i = r.int(0, f.length - 1)
  switch (r.int(0, 5)) {
    case 0:
      return f.slice(0, i) + f.slice(i + 1)
    case 1:
      return f.slice(0, i) + f[i] + f.slice(i)
    case 2:
      return f.slice(0, i) + ` ${r.pick(TOKENS)} ` + f.slice(i)
    case 3:
      return f.replace(/int_attr\d?/, (m) => (r.chance(0.5) ? m + '9' : m.replace('int', 'str')))
    case 4:
      return f + r.pick([' AND', ' OR ', ')', ' (', ',', ' AND ()'])
    default:
      return f.replace(/-?\d+/, r.pick(EDGE_INTS))
  }
}

const PRINTABLE =
  ' !"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~'

export function garbage(r: Rng): string {
  const n = r.int(1, 80)
  if (r.chance(0.5)) return Array.from({ length: n }, () => r.pick([...PRINTABLE])).join('')
  return Array.from({ length: n }, () => String.fromCharCode(r.int(0, 255))).join('')
}

const UNICODE = [
  '红色',
  '\u0000',
  '\u202e',
  '\ufeff',
  '\ud83d\ude00',
  'e\u0301',
  '\u00a0',
  '\u2028',
  '\u001b[31m',
  '\r\n',
  '\uffff',
  'ｉｎｔ＿ａｔｔｒ',
  '＝',
  '（',
  '\u3000',
]

export function unicode(r: Rng): string {
  const base = r.chance(0.5) ? validFilter(r, 1) : condition(r)
  const bit = r.pick(UNICODE)
  switch (r.int(0, 3)) {
    case 0:
      return base.replace(/(["'])([^"']*)\1/, (_m, q: string, v: string) => `${q}${v}${bit}${q}`)
    case 1:
      return bit + base
    case 2:
      return base.replace(' ', bit)
    default:
      return `str_attr = "${bit.repeat(r.int(1, 40))}"`
  }
}

export function huge(r: Rng): string {
  const target = r.pick([257, 300, 1000, 5000, 100_000])
  if (r.chance(0.5)) {
    let f = condition(r)
    while (f.length < target) f += ` OR ${condition(r)}`
    return f
  }
  return `str_attr = "${'x'.repeat(target)}"`
}

export function nested(r: Rng): string {
  const depth = r.pick([1, 2, 10, 32, 63, 64, 65, 100, 1000, 50_000])
  const inner = condition(r)
  if (r.chance(0.2)) return '('.repeat(depth) + inner + ')'.repeat(depth - 1)
  if (r.chance(0.1)) return '('.repeat(depth) + inner
  return '('.repeat(depth) + inner + ')'.repeat(depth)
}

const MAKERS: Record<FilterKind, (r: Rng) => string> = {
  valid: (r) => validFilter(r),
  'near-valid': nearValid,
  garbage,
  huge,
  unicode,
  nested,
}

/** `count` filters, in a mix of every kind (about a third valid). */
export function generateFilters(r: Rng, count: number): GeneratedFilter[] {
  const weights: [FilterKind, number][] = [
    ['valid', 35],
    ['near-valid', 25],
    ['garbage', 12],
    ['unicode', 12],
    ['huge', 6],
    ['nested', 10],
  ]
  const total = weights.reduce((a, [, w]) => a + w, 0)
  const out: GeneratedFilter[] = []
  for (let i = 0; i < count; i++) {
    let x = r.int(0, total - 1)
    let kind: FilterKind = 'valid'
    for (const [k, w] of weights) {
      if (x < w) {
        kind = k
        break
      }
      x -= w
    }
    out.push({ kind, text: MAKERS[kind](r) })
  }
  return out
}
