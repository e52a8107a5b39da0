import type Database from 'better-sqlite3'
import { IMAGE_SELECT, rawToImage } from './columns'
import {
  UnchangedCache,
  buildWhere,
  checkPaging,
  orderBy,
  probeForm,
  shortTermGrams,
  type Expansion,
  type GramSource,
  type Part,
  type Where,
} from './query'
import { FTS_FILL_KEY } from './schema'
import type { GalleryImage, Page, QueryOptions, SortKey } from './types'

type DB = Database.Database
type Statement = Database.Statement

/**
 * How `Gallery.query` finds and pages its matches. SQLite's planner cannot see how many rows an
 * FTS MATCH yields, and it never intersects two indexes, so the gallery decides:
 *
 * - **fts**: the FTS matches drive (`i.id IN (SELECT rowid … MATCH ?)`); each match's row is read
 *   to check the other conditions. Best when the text is selective.
 * - **index**: the other conditions drive through their indexes and the FTS matches are a probe
 *   (`+i.id IN (…)`, materialised once). Best when the text matches many rows and the other
 *   conditions few.
 * - **intersect**: the FTS matches and the equality conditions that have an index in id order
 *   (category, `str_attr="x"`, `int_attr=3`, `in (…)`, unsynced states) are intersected by a merge
 *   of sorted id lists (`… INTERSECT …`), reading no row; the remaining conditions (ranges, `!=`,
 *   `or`) are checked on the survivors only. Best when several conditions each match many rows
 *   but together few (text + category + filter).
 *
 * All three return the same rows; tests run random queries through each (PlanChoice).
 *
 * Paging: up to `small` matches are collected in one pass (ids only, as one JSON array) and
 * sorted; above that the exact total is counted and the page is read either by walking the sort
 * order's index and testing each row (dense matches: stops after offset+limit hits) or by sorting
 * the matches (sparse ones).
 */
export type Driver = 'auto' | 'fts' | 'index' | 'intersect'

export interface PlanChoice {
  /** How the matches are found (default auto). */
  driver?: Driver
  /** How a large match set is paged (default auto). */
  paging?: 'auto' | 'walk' | 'sort'
  /** Match sets up to this size are collected in one pass and sorted (default SMALL). */
  small?: number
  /** FTS matches read before letting other conditions drive (default PROBE_ABOVE). */
  probeAbove?: number
}

/** What the planner chose (for tests and EXPLAIN). */
export interface Plan {
  driver: Exclude<Driver, 'auto'>
  /** `images i`, or the FTS matches joined to it (the FTS drives). */
  from: string
  /** With `from`, selects exactly the matches (params: those of `from`, then of `cond`). */
  cond: string
  params: unknown[]
  /** The matches as ids (`SELECT … AS id …`), when no row has to be read to find them. */
  ids?: { sql: string; params: unknown[] }
  /** FTS-driven on a guess: read at most this many FTS matches first; if there are more, the
   * other conditions should drive instead (see executeQuery). */
  upTo?: number
}

export interface QueryContext {
  db: DB
  /** A cached prepared statement. */
  stmt: (sql: string) => Statement
  /** Full rows for ids, in the order of ids. */
  rowsById: (ids: number[]) => GalleryImage[]
  /** Short-term expansions (default: asked of the FTS vocabulary every time). */
  grams?: GramSource
  /** The matches of recent queries while the database is unchanged (paging). */
  matches?: UnchangedCache<Matches>
  /** False while the FTS index is being filled after a migration: text is matched by LIKE. */
  textIndexed?: () => boolean
  /** Forgets the prepared statements (before closing the connection). */
  clear: () => void
}

/** What a query matched: the total, and the ids when they were collected (≤ small), with their
 * sort key when the rows were read anyway and the order is by time. */
export interface Matches {
  total: number
  ids?: number[]
  keys?: { column: string; values: number[] }
}

/** What queries on a gallery connection read through: a statement cache, page rows, and the
 * short-term expansion cache. */
export function createQueryContext(db: DB): QueryContext {
  const stmts = new Map<string, Statement>()
  const stmt = (sql: string): Statement => {
    let s = stmts.get(sql)
    if (!s) {
      s = db.prepare(sql)
      if (stmts.size > 256) stmts.clear()
      stmts.set(sql, s)
    }
    return s
  }
  const grams = new UnchangedCache<Expansion>(db)
  // Prepared on first use: the context is made before the database is migrated.
  let filling: Statement | null = null
  return {
    db,
    stmt,
    // Arrays, not objects: fetching 22 named columns per row costs twice as much. json_each is
    // read in array order, so the rows come back in the order of ids.
    rowsById: (ids) =>
      ids.length === 0
        ? []
        : (
            stmt(`SELECT ${IMAGE_SELECT} FROM json_each(?) j CROSS JOIN images i ON i.id = j.value`)
              .raw()
              .all(JSON.stringify(ids)) as unknown[][]
          ).map(rawToImage),
    grams: (term) => grams.get(term, () => shortTermGrams(db, term)),
    matches: new UnchangedCache<Matches>(db, 64),
    textIndexed: () =>
      (filling ??= db.prepare(`SELECT 1 FROM meta WHERE key = ?`).pluck()).get(FTS_FILL_KEY) ===
      undefined,
    clear: () => stmts.clear(),
  }
}

/** Match sets up to this size are collected in one pass and sorted in memory. */
export const SMALL = 2000
/** With text and only conditions that cannot be intersected: FTS matches above this count make
 * the other conditions drive (counted with this cap, so the count stays cheap). */
export const PROBE_ABOVE = 5000
/** A condition (or text) matching at most this many rows drives alone: intersecting it with
 * larger lists would read more index entries than checking its rows. */
export const TINY = 500

/** Index steps (covering index + bloom filter probe) costing about as much as sorting one row. */
const WALK_PER_SORTED_ROW = 18

const FTS_IDS = 'SELECT rowid AS id FROM images_fts WHERE images_fts MATCH ?'

/** The index giving each sort order (see schema.ts). */
const SORT_INDEX: Record<SortKey, string> = {
  updated: 'images_updated',
  added: 'images_added',
  productId: 'images_key',
  picName: 'images_pic_name',
  category: 'images_category',
}

export function planQuery(
  ctx: QueryContext,
  w: Where,
  driver: Driver = 'auto',
  probeAbove = PROBE_ABOVE,
): Plan {
  const text = w.match
  // Conditions the MATCH already enforces (the category, with text) are left to it.
  const parts = w.parts.filter((p) => !p.inMatch)
  const sources = parts.filter((p) => p.ids)
  let d = driver
  // Text with conditions that cannot be intersected: whether the FTS matches or the other
  // conditions should drive depends on how many FTS matches there are; counting them costs as
  // much as reading them, so the FTS drives on a guess, capped (executeQuery).
  let guess = false
  if (d === 'auto') {
    // The FTS matches, counted up to a cap (cheap: the count stops there), unless the vocabulary
    // already said there are more.
    const ftsUpTo = (cap: number) =>
      (w.ftsAtLeast ?? 0) > cap
        ? cap + 1
        : (ctx
            .stmt(`SELECT count(*) FROM (${FTS_IDS} LIMIT ${cap + 1})`)
            .pluck()
            .get(text) as number)
    if (parts.some((p) => p.selective)) d = 'index'
    else if (text === undefined) d = sources.length >= 2 ? 'intersect' : 'index'
    else if (parts.length === 0) d = 'fts'
    else if (sources.length > 0) {
      // A selective text (a SKU) drives alone rather than merging with a large category.
      d = ftsUpTo(TINY) <= TINY ? 'fts' : 'intersect'
    } else if ((w.ftsAtLeast ?? 0) > probeAbove) d = 'index'
    else guess = true
  }
  if (guess) d = 'fts'
  if (d === 'intersect' && sources.length === 0) d = text !== undefined ? 'fts' : 'index'
  if (d === 'fts' && text === undefined) d = 'index'

  if (d === 'fts') {
    if (parts.length === 0) {
      return {
        driver: 'fts',
        from: 'images i',
        cond: w.sql,
        params: w.params,
        ids: { sql: FTS_IDS, params: [text] },
      }
    }
    // CROSS JOIN keeps the FTS matches as the outer loop: SQLite cannot size a MATCH and would
    // rather walk an index of the other conditions.
    return {
      driver: 'fts',
      from: `(${FTS_IDS}) f CROSS JOIN images i ON i.id = f.id`,
      cond: parts.map((p) => p.sql).join(' AND '),
      params: [text, ...parts.flatMap((p) => p.params)],
      upTo: guess ? probeAbove : undefined,
    }
  }
  if (d === 'index') {
    const only = text === undefined && parts.length === 1 ? parts[0].ids : undefined
    return {
      driver: 'index',
      from: 'images i',
      cond: text !== undefined ? probeForm(w) : w.sql,
      params: w.params,
      ids: only,
    }
  }
  // intersect
  let members: Part[] = sources
  if (driver === 'auto' && sources.length >= 2) {
    const sizes = sources.map(
      (p) =>
        ctx
          .stmt(`SELECT count(*) FROM (${p.ids!.sql} LIMIT ${TINY + 1})`)
          .pluck()
          .get(...p.ids!.params) as number,
    )
    const min = Math.min(...sizes)
    if (min <= TINY) members = [sources[sizes.indexOf(min)]]
  }
  const sets = members.map((p) => p.ids!.sql)
  const setParams = members.flatMap((p) => p.ids!.params)
  if (text !== undefined) {
    sets.push(FTS_IDS)
    setParams.push(text)
  }
  const set = sets.join(' INTERSECT ')
  const residual = parts.filter((p) => !members.includes(p))
  if (residual.length === 0) {
    return {
      driver: 'intersect',
      from: 'images i',
      cond: `i.id IN (${set})`,
      params: setParams,
      ids: { sql: set, params: setParams },
    }
  }
  return {
    driver: 'intersect',
    from: 'images i',
    cond: `i.id IN (${set}) AND ${residual.map((p) => p.sql).join(' AND ')}`,
    params: [...setParams, ...residual.flatMap((p) => p.params)],
  }
}

/** Gallery.query: one read transaction, exact total, the page's full rows. */
export function executeQuery(
  ctx: QueryContext,
  opts: QueryOptions,
  choice: PlanChoice = {},
): Page<GalleryImage> {
  const { limit, offset } = checkPaging(opts.limit, opts.offset)
  const order = orderBy(opts.sort, opts.order)
  const small = choice.small ?? SMALL
  const read = ctx.db.transaction((): Page<GalleryImage> => {
    const w = buildWhere(ctx.db, opts, ctx.grams, ctx.textIndexed?.() ?? true)
    if (w.none) return { total: 0, items: [] }
    const page = (sql: string, ...params: unknown[]): GalleryImage[] =>
      ctx.rowsById(
        ctx
          .stmt(sql)
          .pluck()
          .all(...params, limit, offset) as number[],
      )
    const rows = () => ctx.stmt(`SELECT count(*) FROM images`).pluck().get() as number
    if (!w.sql) {
      const total = rows()
      if (limit === 0 || offset >= total) return { total, items: [] }
      // Ids through the sort order's covering index (cheap even deep), then rows by id.
      return {
        total,
        items: page(`SELECT i.id FROM images i ORDER BY ${order} LIMIT ? OFFSET ?`),
      }
    }
    // The matches (total, and ids when few) of this WHERE, unless a page of it was just read.
    const cacheable =
      ctx.matches &&
      !choice.driver &&
      !choice.paging &&
      choice.small === undefined &&
      choice.probeAbove === undefined
    const key = cacheable ? JSON.stringify([w.sql, w.params]) : ''
    let plan: Plan | undefined
    const planned = () => (plan ??= planQuery(ctx, w, choice.driver, choice.probeAbove))
    const sortKey = opts.sort ?? 'updated'
    // Time orders: when the rows are read to find the matches, their time comes along for free
    // and the page is sorted in memory (no second pass over the matches).
    const keyColumn = sortKey === 'updated' || sortKey === 'added' ? `${sortKey}_at` : undefined
    // Collects the matches as planned: up to `small` in one pass (one JSON string, not one JS
    // value per row), with their time when the rows are read anyway; above that, the count.
    const collect = (p: Plan): Matches => {
      // Rows are read for sure when a list of ids drives and conditions remain to be checked on
      // them (an index-driven plan may be answered from a covering index alone).
      const withKeys =
        !p.ids &&
        p.driver !== 'index' &&
        keyColumn !== undefined &&
        (choice.paging ?? 'auto') === 'auto'
      const ids = p.ids ?? {
        sql: `SELECT i.id AS id${withKeys ? `, i.${keyColumn} AS k` : ''}
          FROM ${p.from} WHERE ${p.cond}`,
        params: p.params,
      }
      const [first, keys] = (
        ctx
          .stmt(
            `SELECT json_group_array(id)${withKeys ? ', json_group_array(k)' : ''}
            FROM (${ids.sql} LIMIT ${small + 1})`,
          )
          .raw()
          .get(...ids.params) as string[]
      ).map((x) => JSON.parse(x) as number[])
      if (first.length <= small) {
        return {
          total: first.length,
          ids: first,
          keys: withKeys ? { column: keyColumn!, values: keys } : undefined,
        }
      }
      return {
        total: ctx
          .stmt(`SELECT count(*) FROM (${ids.sql})`)
          .pluck()
          .get(...ids.params) as number,
      }
    }
    let m = cacheable ? ctx.matches!.peek(key) : undefined
    if (m === undefined) {
      let p = planned()
      if (p.upTo !== undefined) {
        // One pass over at most upTo+1 FTS matches and their rows: if the FTS had no more, this
        // is every match (its total exact); otherwise the other conditions drive.
        const [examined, got, keys] = ctx
          .stmt(
            `WITH f AS (${FTS_IDS} LIMIT ${p.upTo + 1})
            SELECT count(*), json_group_array(id) FILTER (WHERE ok),
              json_group_array(k) FILTER (WHERE ok)
            FROM (SELECT i.id AS id, i.${keyColumn ?? 'id'} AS k, ${p.cond} AS ok
              FROM f CROSS JOIN images i ON i.id = f.id)`,
          )
          .raw()
          .get(...p.params) as [number, string, string]
        if (examined <= p.upTo) {
          const found = JSON.parse(got) as number[]
          m =
            found.length <= small
              ? {
                  total: found.length,
                  ids: found,
                  keys: keyColumn
                    ? { column: keyColumn, values: JSON.parse(keys) as number[] }
                    : undefined,
                }
              : { total: found.length }
        } else p = plan = planQuery(ctx, w, 'index')
      }
      if (m === undefined) m = collect(p)
      if (cacheable) ctx.matches!.set(key, m)
    }
    const total = m.total
    if (limit === 0 || offset >= total) return { total, items: [] }
    if (m.ids && m.keys && m.keys.column === keyColumn && (choice.paging ?? 'auto') === 'auto') {
      const { ids } = m
      const k = m.keys.values
      const desc = (opts.order ?? 'desc') === 'desc'
      const idx = ids.map((_, n) => n)
      idx.sort((a, b) => {
        const c = k[a] - k[b] || ids[a] - ids[b]
        return desc ? -c : c
      })
      return { total, items: ctx.rowsById(idx.slice(offset, offset + limit).map((n) => ids[n])) }
    }
    if (m.ids) {
      // Either walk the sort order's covering index testing each id against the matches (a
      // bloom filter; stops after offset+limit hits, ~rows/total steps per hit), or read the
      // matches' rows and sort them (a lookup and a sorter insert each, ~18 index steps).
      const walk =
        choice.paging === 'walk' ||
        (choice.paging !== 'sort' &&
          (offset + limit) * rows() < WALK_PER_SORTED_ROW * total * total)
      const sql = walk
        ? `SELECT i.id FROM images i INDEXED BY ${SORT_INDEX[sortKey]}
          WHERE +i.id IN (SELECT value FROM json_each(?)) ORDER BY ${order} LIMIT ? OFFSET ?`
        : `SELECT i.id FROM json_each(?) j CROSS JOIN images i ON i.id = j.value
          ORDER BY ${order} LIMIT ? OFFSET ?`
      return { total, items: page(sql, JSON.stringify(m.ids)) }
    }
    // Dense matches: walk the sort index and test each row, stopping after offset+limit hits.
    // Sparse ones: read the matches as planned and sort them.
    const textOnly = w.match !== undefined && w.parts.every((x) => x.inMatch)
    const walkSteps = ((offset + limit) * rows()) / total
    const sortWork = total * (textOnly ? 4 : 1)
    const walk = choice.paging === 'walk' || (choice.paging !== 'sort' && walkSteps < sortWork)
    if (walk) {
      // With a category, images_category(_updated) already serve these sorts.
      const served = opts.categoryId != null && sortKey !== 'added' && sortKey !== 'picName'
      const from = served ? 'images i' : `images i INDEXED BY ${SORT_INDEX[sortKey]}`
      const cond = w.match !== undefined ? probeForm(w) : w.sql
      const sql = `SELECT i.id FROM ${from} WHERE ${cond} ORDER BY ${order} LIMIT ? OFFSET ?`
      return { total, items: page(sql, ...w.params) }
    }
    const p = planned()
    const sql = `SELECT i.id FROM ${p.from} WHERE ${p.cond} ORDER BY ${order} LIMIT ? OFFSET ?`
    return { total, items: page(sql, ...p.params) }
  })
  return read.deferred()
}
