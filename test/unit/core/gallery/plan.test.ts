import path from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { compileFilter, parseFilter } from '../../../../electron/core/engines/local/filter'
import {
  openGallery,
  type Gallery,
  type GalleryImage,
  type QueryOptions,
  type SortKey,
} from '../../../../electron/core/gallery'
import {
  createQueryContext,
  executeQuery,
  planQuery,
  type Driver,
  type PlanChoice,
  type QueryContext,
} from '../../../../electron/core/gallery/plan'
import { buildWhere } from '../../../../electron/core/gallery/query'
import { newGallery, track, writeLines } from './helpers'

const COLOURS = ['红色', '黑色', '白色', '卡其色', 'navy']
const NOUNS = ['连衣裙', '衬衫', '运动鞋', 'dress', 'shirt']
const BRANDS = ['优衣库', '李宁', 'Nike', 'Zara', 'Brand07', 'Brand11']
const SIZES = ['S', 'M', 'L', 'XL']
const CATS = [0, 0, 1, 3, 3, 3, 7, 88888888]

function rng(seed: number) {
  let s = seed
  return () => (s = (s * 48271) % 2147483647) / 2147483647
}

/** A cache of 3,000 images (imported in bulk, then some local changes), and its rows by key. */
async function seeded(): Promise<{ g: Gallery; file: string; all: GalleryImage[] }> {
  const { g, dir, file } = newGallery()
  const r = rng(42)
  const pick = <T>(a: T[]) => a[Math.floor(r() * a.length)]
  const lines = Array.from({ length: 3000 }, (_, i) => {
    const p = Math.floor(i / 3)
    return {
      ProductId: r() < 0.5 ? `SKU-${String(p).padStart(5, '0')}` : `商品${p}`,
      PicName: `${pick(['T1', 'img', '图'])}${i}.jpg`,
      CategoryId: r() < 0.1 ? undefined : pick(CATS),
      CustomContent:
        r() < 0.5 ? `${pick(COLOURS)}${pick(NOUNS)} ${pick(BRANDS)}` : `https://x.example/${i}`,
      IntAttr: Math.floor(r() * 1000),
      IntAttr2: r() < 0.3 ? undefined : Math.floor(r() * 10),
      StrAttr: pick(BRANDS),
      StrAttr2: r() < 0.2 ? undefined : pick(COLOURS),
      StrAttr3: pick(SIZES),
    }
  })
  await g.importDump(writeLines(path.join(dir, 'seed.jsonl'), lines))
  // Local changes: spread update times, pending and failed rows.
  const keys = lines.map((l) => ({ productId: l.ProductId, picName: l.PicName }))
  g.batch(() => {
    for (let i = 0; i < keys.length; i += 7) g.recordUpdated(keys[i], { intAttr4: i % 5 })
  })
  g.setSyncState(
    keys.filter((_, i) => i % 31 === 0),
    'pending-update',
  )
  g.setSyncState(
    keys.filter((_, i) => i % 97 === 5),
    'error',
    'boom',
  )
  const all: GalleryImage[] = []
  for (let off = 0; ; off += 1000) {
    const p = g.query({ limit: 1000, offset: off, sort: 'added', order: 'asc' })
    all.push(...p.items)
    if (p.items.length < 1000) break
  }
  expect(all.length).toBe(3000)
  return { g, file, all }
}

const bin = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b))
const num = (a: number | null, b: number | null) =>
  a === b ? 0 : a === null ? -1 : b === null ? 1 : a - b
const key = (x: { productId: string; picName: string }) => `${x.productId}\u0000${x.picName}`

/** What a query must return, computed in JS: text terms as case-insensitive substrings of one
 * text field each, the engine's own filter predicate, and SQLite's sort orders. */
function reference(all: GalleryImage[], ids: Map<string, number>, q: QueryOptions) {
  const terms = (q.text ?? '').split(/\s+/).filter(Boolean)
  const filter = q.filter ? compileFilter(parseFilter(q.filter)) : () => true
  const states = q.syncState === undefined ? null : [q.syncState].flat()
  const rows = all.filter((r) => {
    const fields = [
      r.productId,
      r.picName,
      r.customContent,
      r.strAttr,
      r.strAttr2,
      r.strAttr3,
      r.strAttr4,
    ]
      .filter((f): f is string => f !== null)
      .map((f) => f.toLowerCase())
    return (
      terms.every((t) => fields.some((f) => f.includes(t.toLowerCase()))) &&
      filter(r) &&
      (q.categoryId === undefined || r.categoryId === q.categoryId) &&
      (q.productId === undefined || r.productId === q.productId) &&
      (states === null || states.includes(r.syncState))
    )
  })
  const id = (r: GalleryImage) => ids.get(key(r))!
  const cmp: Record<SortKey, (a: GalleryImage, b: GalleryImage) => number> = {
    updated: (a, b) => a.updatedAt - b.updatedAt || id(a) - id(b),
    added: (a, b) => a.addedAt - b.addedAt || id(a) - id(b),
    productId: (a, b) => bin(a.productId, b.productId) || bin(a.picName, b.picName),
    picName: (a, b) => bin(a.picName, b.picName) || bin(a.productId, b.productId),
    category: (a, b) =>
      num(a.categoryId, b.categoryId) || bin(a.productId, b.productId) || bin(a.picName, b.picName),
  }
  const sort = q.sort ?? 'updated'
  const order = q.order ?? (sort === 'updated' || sort === 'added' ? 'desc' : 'asc')
  rows.sort(cmp[sort])
  if (order === 'desc') rows.reverse()
  const offset = q.offset ?? 0
  return { total: rows.length, keys: rows.slice(offset, offset + q.limit).map(key) }
}

/** Random queries mixing text (short CJK terms, 3+ characters, a single Latin letter that falls
 * back to LIKE), filters (equalities, ranges, in, or, !=), category, sync state and product. */
function randomQueries(n: number, all: GalleryImage[]): QueryOptions[] {
  const r = rng(7)
  const pick = <T>(a: T[]) => a[Math.floor(r() * a.length)]
  const texts = [
    ...COLOURS,
    ...NOUNS,
    ...BRANDS,
    '色',
    '衣',
    'sku-001',
    'jpg',
    'example',
    'e',
    '红色 连衣',
    '黑色 Nike',
    'img1',
  ]
  const filters = [
    'str_attr="Nike"',
    'str_attr3="XL"',
    'int_attr2=3',
    'int_attr>=500',
    'int_attr<100',
    'int_attr>=100 AND int_attr<300',
    'str_attr in ("Nike","Zara","李宁")',
    'str_attr2!="红色"',
    'int_attr<50 OR int_attr>950',
    'str_attr2="黑色" AND str_attr3="M"',
    'str_attr="优衣库" AND int_attr2=4 AND int_attr<700',
    'int_attr4=2 AND str_attr3 in ("S","L")',
    'str_attr2 not in ("白色") AND int_attr2>=5',
  ]
  const sorts: SortKey[] = ['updated', 'added', 'productId', 'picName', 'category']
  const out: QueryOptions[] = []
  while (out.length < n) {
    const q: QueryOptions = { limit: pick([1, 20, 100]) }
    if (r() < 0.6) q.text = pick(texts)
    if (r() < 0.6) q.filter = pick(filters)
    if (r() < 0.4) q.categoryId = pick(CATS)
    if (r() < 0.1) q.productId = pick(all).productId
    if (r() < 0.15)
      q.syncState = pick<QueryOptions['syncState']>([
        'pending-update',
        ['error', 'pending-update'],
        'synced',
      ])
    if (r() < 0.5) q.sort = pick(sorts)
    if (r() < 0.3) q.order = pick(['asc', 'desc'] as const)
    if (r() < 0.3) q.offset = Math.floor(r() * 300)
    if (q.text === undefined && q.filter === undefined && q.categoryId === undefined) continue
    out.push(q)
  }
  return out
}

describe('gallery query plans', () => {
  it('FTS-driven, index-driven and intersecting plans give the same pages and totals', async () => {
    const { g, file, all } = await seeded()
    const db = new Database(file, { readonly: true })
    const ctx: QueryContext = createQueryContext(db)
    try {
      const ids = new Map(
        (
          db.prepare('SELECT id, product_id, pic_name FROM images').all() as {
            id: number
            product_id: string
            pic_name: string
          }[]
        ).map((x) => [`${x.product_id}\u0000${x.pic_name}`, x.id]),
      )
      const chosen = new Set<string>()
      const choices: PlanChoice[] = []
      for (const driver of ['auto', 'fts', 'index', 'intersect'] as Driver[]) {
        for (const paging of ['auto', 'walk', 'sort'] as const) {
          choices.push({ driver, paging }, { driver, paging, small: 0 })
        }
      }
      // The FTS drives on a guess and gives way to the other conditions past a few matches.
      choices.push({ probeAbove: 30 }, { probeAbove: 30, small: 0 }, { probeAbove: 0 })
      let nonEmpty = 0
      for (const q of randomQueries(80, all)) {
        const want = reference(all, ids, q)
        if (want.total > 0) nonEmpty++
        const got = g.query(q)
        expect({ total: got.total, keys: got.items.map(key) }, JSON.stringify(q)).toEqual(want)
        for (const c of choices) {
          const p = executeQuery(ctx, q, c)
          expect(
            { total: p.total, keys: p.items.map(key) },
            `${JSON.stringify(q)} ${JSON.stringify(c)}`,
          ).toEqual(want)
        }
        const w = db.transaction(() => buildWhere(db, q)).deferred()
        if (!w.none && w.sql) chosen.add(planQuery(ctx, w).driver)
      }
      // The random queries exercise every plan the gallery picks on its own, and most match.
      expect([...chosen].sort()).toEqual(['fts', 'index', 'intersect'])
      expect(nonEmpty).toBeGreaterThan(40)
    } finally {
      ctx.clear()
      db.close()
    }
  })

  it('intersects equality conditions and text without reading rows, and says so', async () => {
    const { file } = await seeded()
    const db = new Database(file, { readonly: true })
    const ctx = createQueryContext(db)
    try {
      const plan = (q: Omit<QueryOptions, 'limit'>, driver: Driver = 'auto') =>
        planQuery(ctx, db.transaction(() => buildWhere(db, q)).deferred(), driver)
      const detailOf = (x: { sql: string; params: unknown[] }) =>
        (
          db.prepare(`EXPLAIN QUERY PLAN ${x.sql}`).all(...x.params) as {
            detail: string
          }[]
        ).map((d) => d.detail)
      // Category + two equalities: one merge of three sorted id lists (no sort, no row read),
      // nothing left to check.
      const q = { categoryId: 3, filter: 'str_attr3="XL" AND int_attr2=3' }
      const p = plan(q, 'intersect')
      expect(p.ids?.sql.match(/INTERSECT/g)).toHaveLength(2)
      const detail = detailOf(p.ids!)
      expect(detail.filter((d) => d.startsWith('MERGE (INTERSECT)'))).toHaveLength(2)
      expect(detail.some((d) => d.includes('USE TEMP B-TREE'))).toBe(false)
      expect(detail.some((d) => /COVERING INDEX images_category_id/.test(d))).toBe(true)
      expect(detail.some((d) => /COVERING INDEX images_str_attr3/.test(d))).toBe(true)
      // With text, the category is a token of the FTS row: FTS5 intersects text and category
      // itself, and the equalities are merged with that.
      const t = plan({ ...q, text: '连衣裙' }, 'intersect')
      expect(t.ids?.sql.match(/INTERSECT/g)).toHaveLength(2)
      expect(t.ids?.params.at(-1)).toMatch(/ AND category : "#3#"$/)
      expect(detailOf(t.ids!).filter((d) => d.startsWith('MERGE (INTERSECT)'))).toHaveLength(2)
      // Text + category alone: the FTS answers everything, no row is read.
      const tc = plan({ text: '色', categoryId: 3 })
      expect(tc.driver).toBe('fts')
      expect(tc.ids?.sql).toMatch(/^SELECT rowid AS id FROM images_fts/)
      // On its own the planner sees that int_attr2=3 matches few rows (≤ TINY) and lets that
      // list alone meet the text (here a common one); the size is checked on those rows.
      const auto = plan({ ...q, text: '色' })
      expect(auto.driver).toBe('intersect')
      expect(auto.ids).toBeUndefined()
      expect(auto.cond).toMatch(
        /^i\.id IN \(SELECT id AS id FROM images WHERE int_attr2 = \? INTERSECT SELECT rowid AS id FROM images_fts .*\) AND \(i\.str_attr3 = \?\)$/,
      )
      // A range is checked on the rows of the FTS matches (text and category), read in FTS order.
      const r = plan({ text: '色', categoryId: 0, filter: 'int_attr<500' })
      expect(r.driver).toBe('fts')
      expect(r.ids).toBeUndefined()
      expect(r.from).toMatch(/CROSS JOIN images i/)
      expect(r.cond).toBe('(i.int_attr < ?)')
      expect(
        (
          db
            .prepare(`EXPLAIN QUERY PLAN SELECT i.id FROM ${r.from} WHERE ${r.cond}`)
            .all(...r.params) as { detail: string }[]
        ).map((d) => d.detail),
      ).toEqual([
        expect.stringMatching(/^SCAN images_fts VIRTUAL TABLE/),
        expect.stringMatching(/^SEARCH i USING INTEGER PRIMARY KEY/),
      ])
      // A selective text (a few pictures' names) drives alone, whatever the category holds.
      expect(plan({ text: 'img12', categoryId: 3, filter: 'str_attr3="XL"' })).toMatchObject({
        driver: 'fts',
      })
      // A product is a handful of rows: it drives, text and filter are probes.
      expect(plan({ text: '红色', productId: 'SKU-00001', filter: 'str_attr3="XL"' }).driver).toBe(
        'index',
      )
      // Text alone is answered from the FTS table.
      expect(plan({ text: '红色' }).ids?.sql).toMatch(/^SELECT rowid AS id FROM images_fts/)
    } finally {
      ctx.clear()
      db.close()
    }
  })

  it('paging reuses the matches of a query until the database changes, by any connection', async () => {
    const { g, file, all } = await seeded()
    const other = track(openGallery(file))
    const q = { text: '连衣裙', categoryId: 3, filter: 'int_attr<800' }
    const fresh = () => {
      // A context of its own, nothing cached: what the gallery must answer.
      const db = new Database(file, { readonly: true })
      const ctx = createQueryContext(db)
      try {
        return executeQuery(ctx, { ...q, limit: 1000 })
      } finally {
        ctx.clear()
        db.close()
      }
    }
    const pages = () => {
      const out: string[] = []
      let total = -1
      for (let off = 0; ; off += 7) {
        const p = g.query({ ...q, limit: 7, offset: off })
        total = p.total
        out.push(...p.items.map(key))
        if (p.items.length < 7) return { total, keys: out }
      }
    }
    const want = () => {
      const p = fresh()
      return { total: p.total, keys: p.items.map(key) }
    }
    const start = pages()
    expect(start.total).toBeGreaterThan(20)
    expect(start).toEqual(want())
    // Another connection adds a match, this one edits a match away, then deletes one.
    other.recordAdded({
      productId: 'new',
      picName: 'n.jpg',
      categoryId: 3,
      strAttr: '连衣裙',
      intAttr: 5,
    })
    expect(g.query({ ...q, limit: 7, offset: 7 }).total).toBe(start.total + 1)
    expect(pages()).toEqual(want())
    const first = all.find((r) => key(r) === start.keys[0])!
    g.recordUpdated(first, { intAttr: 900 })
    expect(g.query({ ...q, limit: 7, offset: 14 }).total).toBe(start.total)
    expect(pages()).toEqual(want())
    other.recordDeleted(all.find((r) => key(r) === start.keys[1])!)
    expect(pages()).toEqual(want())
    expect(pages().total).toBe(start.total - 1)
  })

  it('cached short-term expansions never hide a later write, by this or another connection', () => {
    const { g, file } = newGallery()
    const other = track(openGallery(file))
    g.recordAdded({ productId: 'p1', picName: 'a.jpg', strAttr: '红色连衣裙' })
    expect(g.query({ text: '红色', limit: 10 }).total).toBe(1)
    // New trigrams starting with 红色 (红色衬, 红色T), written by this connection …
    g.recordAdded({ productId: 'p2', picName: 'b.jpg', customContent: '红色衬衫' })
    expect(
      g.query({ text: '红色', limit: 10, sort: 'productId' }).items.map((x) => x.productId),
    ).toEqual(['p1', 'p2'])
    // … and by another one (another process, a CLI).
    other.recordAdded({ productId: 'p3', picName: 'c.jpg', strAttr2: '红色T恤' })
    expect(g.query({ text: '红色', limit: 10 }).total).toBe(3)
    expect(g.groupByProduct({ text: '红色', limit: 10 }).total).toBe(3)
    other.recordDeleted({ productId: 'p1', picName: 'a.jpg' })
    expect(g.query({ text: '红色连', limit: 10 }).total).toBe(0)
    expect(g.query({ text: '红色', limit: 10 }).total).toBe(2)
  })
})
