import type Database from 'better-sqlite3'
import { filterToSql, parseFilter } from '../engines/local/filter'
import { FILTER_COLUMNS, TEXT_COLUMNS } from './columns'
import { GalleryError } from './errors'
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

export function buildWhere(db: DB, o: WhereOptions): Where {
  const conds: string[] = []
  const params: unknown[] = []
  if (o.text !== undefined && o.text !== null) {
    if (typeof o.text !== 'string') throw invalid('text must be a string')
    const match: string[] = []
    for (const term of splitTerms(o.text)) {
      if (termLength(term) >= 3) {
        match.push(ftsString(term))
        continue
      }
      const { lo, hi } = shortTermRange(term)
      const grams = db
        .prepare(`SELECT term FROM images_fts_vocab WHERE term >= ? AND term < ? LIMIT ?`)
        .pluck()
        .all(lo, hi, MAX_SHORT_TERM_EXPANSION + 1) as string[]
      if (grams.length === 0) return { sql: '', params: [], none: true }
      if (grams.length <= MAX_SHORT_TERM_EXPANSION) {
        match.push('(' + grams.map(ftsString).join(' OR ') + ')')
      } else {
        const like = likeContains(term)
        conds.push('(' + TEXT_COLUMNS.map((c) => `i.${c} LIKE ? ESCAPE '\\'`).join(' OR ') + ')')
        for (let k = 0; k < TEXT_COLUMNS.length; k++) params.push(like)
      }
    }
    if (match.length) {
      conds.unshift(FTS_DRIVER)
      params.unshift(match.join(' AND '))
    }
  }
  if (o.filter !== undefined && o.filter !== null && String(o.filter).trim() !== '') {
    const f = filterToSql(parseFilter(o.filter), FILTER_COLUMNS)
    conds.push(f.sql)
    params.push(...f.params)
  }
  if (o.categoryId !== undefined && o.categoryId !== null) {
    if (!Number.isSafeInteger(o.categoryId)) throw invalid('categoryId must be an integer')
    conds.push('i.category_id = ?')
    params.push(o.categoryId)
  }
  if (o.productId !== undefined && o.productId !== null) {
    if (typeof o.productId !== 'string') throw invalid('productId must be a string')
    conds.push('i.product_id = ?')
    params.push(o.productId)
  }
  if (o.syncState !== undefined && o.syncState !== null) {
    const states: SyncState[] = Array.isArray(o.syncState) ? o.syncState : [o.syncState]
    for (const s of states) {
      if (!SYNC_STATES.includes(s)) {
        throw invalid(`syncState must be one of ${SYNC_STATES.join(', ')}; got ${String(s)}`)
      }
    }
    if (states.length === 0) return { sql: '', params: [], none: true }
    conds.push(`i.sync_state IN (${states.map(() => '?').join(', ')})`)
    params.push(...states)
    // The exact condition of the partial index images_unsynced, so the planner can use it.
    if (!states.includes('synced')) conds.push(`i.sync_state <> 'synced'`)
  }
  const w: Where = { sql: conds.join(' AND '), params, none: false }
  if (conds[0] === FTS_DRIVER) {
    w.match = params[0] as string
    w.rest = conds.slice(1).join(' AND ')
  }
  return w
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
