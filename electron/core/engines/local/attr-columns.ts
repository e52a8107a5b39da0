import { INT_ATTR_KEYS as INT_KEYS, STR_ATTR_KEYS as STR_KEYS } from '../../../domain'
import { FIELD_KEYS, INT_FIELDS, STR_FIELDS, type FilterAst, type FilterRecord } from './filter'

/** Predicate over slot numbers. */
export type SlotPredicate = (slot: number) => boolean

/**
 * The filterable attributes of every slot of the index, column by column: integers in Float64Arrays
 * (NaN = unset, which no comparison matches), strings as dictionary codes in Int32Arrays (-1 =
 * unset). A filter compiled against these columns reads typed arrays only, which keeps a filtered
 * scan of 100k images to about a millisecond. Semantics are those of compileFilter.
 */
export class AttrColumns {
  private ints: Float64Array[] = []
  private strs: Int32Array[] = []
  private dicts: Map<string, number>[] = STR_KEYS.map(() => new Map())
  private names: string[][] = STR_KEYS.map(() => [])

  constructor(cap: number) {
    this.resize(cap, 0)
  }

  resize(cap: number, keep: number): void {
    this.ints = INT_KEYS.map((_, i) => {
      const a = new Float64Array(cap).fill(NaN)
      if (this.ints[i]) a.set(this.ints[i].subarray(0, keep))
      return a
    })
    this.strs = STR_KEYS.map((_, i) => {
      const a = new Int32Array(cap).fill(-1)
      if (this.strs[i]) a.set(this.strs[i].subarray(0, keep))
      return a
    })
  }

  set(slot: number, rec: FilterRecord): void {
    for (let i = 0; i < INT_KEYS.length; i++) {
      const v = rec[INT_KEYS[i]]
      this.ints[i][slot] = v === null || v === undefined ? NaN : v
    }
    for (let i = 0; i < STR_KEYS.length; i++) {
      const s = rec[STR_KEYS[i]]
      this.strs[i][slot] = s === null || s === undefined ? -1 : this.code(i, s)
    }
  }

  copy(from: number, to: number): void {
    for (const col of this.ints) col[to] = col[from]
    for (const col of this.strs) col[to] = col[from]
  }

  get(slot: number): FilterRecord {
    const rec: Record<string, number | string | null> = {}
    for (let i = 0; i < INT_KEYS.length; i++) {
      const v = this.ints[i][slot]
      rec[INT_KEYS[i]] = Number.isNaN(v) ? null : v
    }
    for (let i = 0; i < STR_KEYS.length; i++) {
      const c = this.strs[i][slot]
      rec[STR_KEYS[i]] = c < 0 ? null : this.decode(i, c)
    }
    return rec as FilterRecord
  }

  private code(col: number, s: string): number {
    const d = this.dicts[col]
    let c = d.get(s)
    if (c === undefined) {
      c = d.size
      d.set(s, c)
      this.names[col].push(s)
    }
    return c
  }

  private decode(col: number, code: number): string | null {
    return this.names[col][code] ?? null
  }

  /** Compiles a filter into a predicate over slots of these columns. */
  compile(ast: FilterAst): SlotPredicate {
    switch (ast.type) {
      case 'and': {
        const parts = ast.items.map((x) => this.compile(x))
        if (parts.length === 2) {
          const [a, b] = parts
          return (s) => a(s) && b(s)
        }
        return (s) => {
          for (const p of parts) if (!p(s)) return false
          return true
        }
      }
      case 'or': {
        const parts = ast.items.map((x) => this.compile(x))
        if (parts.length === 2) {
          const [a, b] = parts
          return (s) => a(s) || b(s)
        }
        return (s) => {
          for (const p of parts) if (p(s)) return true
          return false
        }
      }
      case 'int': {
        const col = this.ints[INT_FIELDS.indexOf(ast.field)]
        const v = ast.value
        // NaN (unset) fails every comparison, as required.
        switch (ast.op) {
          case '>':
            return (s) => col[s] > v
          case '>=':
            return (s) => col[s] >= v
          case '<':
            return (s) => col[s] < v
          case '<=':
            return (s) => col[s] <= v
          case '=':
            return (s) => col[s] === v
        }
        break
      }
      case 'str': {
        const i = STR_FIELDS.indexOf(ast.field)
        const col = this.strs[i]
        const c = this.dicts[i].get(ast.value) ?? -2
        // Unset (-1) differs from every value: it matches != only.
        return ast.op === '=' ? (s) => col[s] === c : (s) => col[s] !== c
      }
      case 'in': {
        const isInt = (INT_FIELDS as readonly string[]).includes(ast.field)
        if (isInt) {
          const col = this.ints[INT_FIELDS.indexOf(ast.field as (typeof INT_FIELDS)[number])]
          const set = new Set(ast.values as number[])
          return ast.negated ? (s) => !set.has(col[s]) : (s) => set.has(col[s])
        }
        const i = STR_FIELDS.indexOf(ast.field as (typeof STR_FIELDS)[number])
        const col = this.strs[i]
        const codes = new Set<number>()
        for (const v of ast.values) {
          const c = this.dicts[i].get(String(v))
          if (c !== undefined) codes.add(c)
        }
        return ast.negated ? (s) => !codes.has(col[s]) : (s) => codes.has(col[s])
      }
    }
    throw new TypeError(`Unknown filter node ${(ast as { type: string }).type}`)
  }
}

/** The record key of a field, re-exported for callers building FilterRecords. */
export { FIELD_KEYS }
