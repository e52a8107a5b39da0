import type Database from 'better-sqlite3'
import { filterToSql, parseFilter, type FilterAst } from '../engines/local/filter'
import { FILTER_COLUMNS, TEXT_COLUMNS } from './columns'
import { GalleryError } from './errors'
import { categoryToken } from './schema'
import { ftsString, likeContains, shortTermRange, splitTerms, termLength } from './text-query'
import {
  SYNC_STATES,
  type GroupSortKey,
  type QueryOptions,
  type SortKey,
  type SortOrder,
  type SyncState,
} from './types'

type DB = Database.Database

/** Short terms expanding to more trigrams than this fall back to a LIKE scan (rare: 1 Latin letter). */
export const MAX_SHORT_TERM_EXPANSION = 256
export const MAX_LIMIT = 1000

export interface Where {
  /** Conditions over `images i`, ANDed ('' = none). */
  sql: string
  params: unknown[]
  /** The query cannot match anything (a term absent from the whole index). */
  none: boolean
  /** The FTS5 MATCH expression, when there is text. */
  match?: string
  /** The conditions other than the MATCH ('' = none; params follow the match in `params`). */
  rest?: string
  /** The conditions other than the MATCH one by one (ANDed), for the planner (plan.ts). */
  parts: Part[]
  /** The MATCH is known to match at least this many rows (from the FTS vocabulary). */
  ftsAtLeast?: number
}

/** One condition of a query, ANDed with the others. */
export interface Part {
  /** A condition over `images i`. */
  sql: string
  params: unknown[]
  /**
   * The same rows as ids read from one index in id order (`SELECT id AS id FROM images WHERE …`),
   * when there is such an index: such sets can be intersected by a merge without reading rows.
   */
  ids?: { sql: string; params: unknown[] }
  /** Matches a handful of rows at most (one product): the planner lets it drive the query. */
  selective?: boolean
  /** Also enforced by the FTS MATCH (the category, when there is text): plans may leave it out. */
  inMatch?: boolean
}

const FTS_DRIVER = 'i.id IN (SELECT rowid FROM images_fts WHERE images_fts MATCH ?)'
/** The same condition as a probe only (`+` keeps the planner from driving the query with it). */
const FTS_PROBE = '+i.id IN (SELECT rowid FROM images_fts WHERE images_fts MATCH ?)'

/** The WHERE with the text condition as a probe: for walking a sort index when matches are dense. */
export function probeForm(w: Where): string {
  return w.rest ? `${FTS_PROBE} AND ${w.rest}` : FTS_PROBE
}

function invalid(message: string): GalleryError {
  return new GalleryError('InvalidParameter', message)
}

export type WhereOptions = Pick<
  QueryOptions,
  'text' | 'filter' | 'categoryId' | 'productId' | 'syncState'
>

/** The FTS trigrams that start with a 1–2 character term, and the most rows any one of them is
 * in (so the term matches at least that many rows). */
export interface Expansion {
  grams: string[]
  maxDocs: number
}

/** Expands a 1–2 character term (see shortTermGrams). */
export type GramSource = (term: string) => Expansion

/**
 * The WHERE of a query. `textIndex` false: the FTS index is not complete yet (being filled after a
 * migration, see fts-fill.ts), so text is matched with LIKE over the text columns instead: the
 * same rows (ASCII case-insensitive; the index also folds other scripts' case), found slower.
 */
export function buildWhere(
  db: DB,
  o: WhereOptions,
  grams: GramSource = (t) => shortTermGrams(db, t),
  textIndex = true,
): Where {
  const conds: string[] = []
  const params: unknown[] = []
  const parts: Part[] = []
  const none: Where = { sql: '', params: [], none: true, parts: [] }
  const add = (p: Part) => {
    parts.push(p)
    conds.push(p.sql)
    params.push(...p.params)
  }
  let match: string | undefined
  let atLeast = 0
  if (o.text !== undefined && o.text !== null) {
    if (typeof o.text !== 'string') throw invalid('text must be a string')
    const terms: string[] = []
    for (const term of splitTerms(o.text)) {
      if (!textIndex) {
        add(likePart(term))
        continue
      }
      if (termLength(term) >= 3) {
        terms.push(ftsString(term))
        continue
      }
      const { grams: g, maxDocs } = grams(term)
      if (g.length === 0) return none
      if (g.length <= MAX_SHORT_TERM_EXPANSION) {
        terms.push('(' + g.map(ftsString).join(' OR ') + ')')
        atLeast = maxDocs
      } else add(likePart(term))
    }
    // User text searches the text columns only (not the category token).
    if (terms.length) match = `{${TEXT_COLUMNS.join(' ')}} : (${terms.join(' AND ')})`
    // A lower bound on the matches is known for one expanded term alone.
    if (terms.length !== 1) atLeast = 0
  }
  if (o.filter !== undefined && o.filter !== null && String(o.filter).trim() !== '') {
    const ast = parseFilter(o.filter)
    // A top-level AND is split so that each operand can be planned on its own.
    for (const item of ast.type === 'and' ? ast.items : [ast]) {
      const f = filterToSql(item, FILTER_COLUMNS)
      add({ sql: f.sql, params: f.params, ids: filterIds(item) })
    }
  }
  if (o.categoryId !== undefined && o.categoryId !== null) {
    if (!Number.isSafeInteger(o.categoryId)) throw invalid('categoryId must be an integer')
    const part: Part = {
      sql: 'i.category_id = ?',
      params: [o.categoryId],
      ids: { sql: 'SELECT id AS id FROM images WHERE category_id = ?', params: [o.categoryId] },
    }
    if (match !== undefined) {
      // FTS5 intersects the text's and the category's posting lists itself, skipping ahead.
      match = `${match} AND category : ${ftsString(categoryToken(o.categoryId))}`
      part.inMatch = true
      atLeast = 0
    }
    add(part)
  }
  if (o.productId !== undefined && o.productId !== null) {
    if (typeof o.productId !== 'string') throw invalid('productId must be a string')
    add({ sql: 'i.product_id = ?', params: [o.productId], selective: true })
  }
  if (o.syncState !== undefined && o.syncState !== null) {
    const states: SyncState[] = Array.isArray(o.syncState) ? o.syncState : [o.syncState]
    for (const s of states) {
      if (!SYNC_STATES.includes(s)) {
        throw invalid(`syncState must be one of ${SYNC_STATES.join(', ')}; got ${String(s)}`)
      }
    }
    if (states.length === 0) return none
    const list = `(${states.map(() => '?').join(', ')})`
    if (states.includes('synced')) {
      add({ sql: `i.sync_state IN ${list}`, params: [...states] })
    } else {
      // The exact condition of the partial index images_unsynced, so the planner can use it.
      add({
        sql: `i.sync_state IN ${list} AND i.sync_state <> 'synced'`,
        params: [...states],
        ids: {
          sql: `SELECT id AS id FROM images WHERE sync_state IN ${list} AND sync_state <> 'synced'`,
          params: [...states],
        },
      })
    }
  }
  const w: Where = { sql: conds.join(' AND '), params, none: false, parts }
  if (match !== undefined) {
    w.sql = conds.length ? `${FTS_DRIVER} AND ${w.sql}` : FTS_DRIVER
    w.params = [match, ...params]
    w.match = match
    w.rest = conds.join(' AND ')
    if (atLeast > 0) w.ftsAtLeast = atLeast
  }
  return w
}

/** A term anywhere in one of the text columns, by LIKE (a scan: for when FTS cannot answer). */
function likePart(term: string): Part {
  const like = likeContains(term)
  return {
    sql: '(' + TEXT_COLUMNS.map((c) => `i.${c} LIKE ? ESCAPE '\\'`).join(' OR ') + ')',
    params: TEXT_COLUMNS.map(() => like),
  }
}

/** The trigrams of the FTS vocabulary that start with a 1–2 character term (at most one more
 * than MAX_SHORT_TERM_EXPANSION). fts5vocab counts every occurrence of each trigram to answer,
 * so this costs about as much as the search itself (cached: see UnchangedCache). */
export function shortTermGrams(db: DB, term: string): Expansion {
  const { lo, hi } = shortTermRange(term)
  const rows = db
    .prepare(`SELECT term, doc FROM images_fts_vocab WHERE term >= ? AND term < ? LIMIT ?`)
    .raw()
    .all(lo, hi, MAX_SHORT_TERM_EXPANSION + 1) as [string, number][]
  return { grams: rows.map((r) => r[0]), maxDocs: rows.reduce((m, r) => Math.max(m, r[1]), 0) }
}

/**
 * Values computed from the database, remembered while it is unchanged: neither written by this
 * connection (`total_changes()`, which counts trigger and FTS writes too, and never goes back) nor
 * committed to by another one (`PRAGMA data_version`). Any write empties it. Used for short-term
 * expansions (typing or paging through 红色 expands it once) and for the matches of a query
 * (paging through one counts and collects them once). Call inside the read transaction the value
 * is used in.
 */
export class UnchangedCache<V> {
  private token = ''
  private readonly entries = new Map<string, V>()
  private readonly version: Database.Statement

  constructor(
    db: DB,
    private readonly max = 256,
  ) {
    this.version = db
      .prepare(`SELECT total_changes() || ':' || data_version FROM pragma_data_version`)
      .pluck()
  }

  private check(): void {
    const token = this.version.get() as string
    if (token !== this.token) {
      this.entries.clear()
      this.token = token
    }
  }

  peek(key: string): V | undefined {
    this.check()
    return this.entries.get(key)
  }

  set(key: string, value: V): void {
    this.check()
    if (this.entries.size >= this.max) this.entries.clear()
    this.entries.set(key, value)
  }

  get(key: string, compute: () => V): V {
    let v = this.peek(key)
    if (v === undefined) {
      v = compute()
      this.set(key, v)
    }
    return v
  }
}

/** An operand of the filter as ids from the attribute's index, in id order, when it is an
 * equality (`=` or `in`): `str_attr="x"` is exactly the ids under "x" in images_str_attr. */
function filterIds(item: FilterAst): Part['ids'] {
  if (item.type !== 'int' && item.type !== 'str' && item.type !== 'in') return undefined
  if (!Object.hasOwn(FILTER_COLUMNS, item.field)) return undefined
  if ((item.type === 'int' || item.type === 'str') && item.op === '=') {
    return { sql: `SELECT id AS id FROM images WHERE ${item.field} = ?`, params: [item.value] }
  }
  if (item.type === 'in' && !item.negated && item.values.length > 0) {
    return {
      sql: `SELECT id AS id FROM images WHERE ${item.field} IN (${item.values.map(() => '?').join(', ')})`,
      params: [...item.values],
    }
  }
  return undefined
}

const ORDER_COLUMNS: Record<SortKey, string[]> = {
  updated: ['i.updated_at', 'i.id'],
  added: ['i.added_at', 'i.id'],
  productId: ['i.product_id', 'i.pic_name'],
  picName: ['i.pic_name', 'i.product_id'],
  category: ['i.category_id', 'i.product_id', 'i.pic_name'],
}

export function orderBy(sort: SortKey | undefined, order: SortOrder | undefined): string {
  const s = sort ?? 'updated'
  const cols = ORDER_COLUMNS[s]
  if (!cols) throw invalid(`sort must be one of ${Object.keys(ORDER_COLUMNS).join(', ')}`)
  const dir = checkOrder(order, s === 'updated' || s === 'added' ? 'desc' : 'asc')
  return cols.map((c) => `${c} ${dir}`).join(', ')
}

/** ORDER BY for product groups, over columns named product_id, n, updated_at. */
export function groupOrderBy(sort: GroupSortKey | undefined, order: SortOrder | undefined): string {
  const s = sort ?? 'productId'
  if (s !== 'productId' && s !== 'count' && s !== 'updated') {
    throw invalid('sort must be one of productId, count, updated')
  }
  const dir = checkOrder(order, s === 'productId' ? 'asc' : 'desc')
  if (s === 'productId') return `product_id ${dir}`
  return `${s === 'count' ? 'n' : 'updated_at'} ${dir}, product_id ${dir}`
}

function checkOrder(order: SortOrder | undefined, dflt: 'asc' | 'desc'): 'ASC' | 'DESC' {
  const o = order ?? dflt
  if (o !== 'asc' && o !== 'desc') throw invalid('order must be asc or desc')
  return o === 'asc' ? 'ASC' : 'DESC'
}

export function checkPaging(
  limit: number,
  offset: number | undefined,
): { limit: number; offset: number } {
  if (!Number.isSafeInteger(limit) || limit < 0 || limit > MAX_LIMIT) {
    throw invalid(`limit must be an integer from 0 to ${MAX_LIMIT}`)
  }
  const off = offset ?? 0
  if (!Number.isSafeInteger(off) || off < 0) throw invalid('offset must be a non-negative integer')
  return { limit, offset: off }
}
