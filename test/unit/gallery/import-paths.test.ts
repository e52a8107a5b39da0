import path from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { openGallery, type Gallery } from '../../../electron/core/gallery'
import {
  BULK_MIN,
  applyStage,
  dropStage,
  stageDump,
  type ApplyMode,
} from '../../../electron/core/gallery/dump-import'
import { tempDir, track, writeLines } from './helpers'

const COLOURS = ['红色', '黑色', '白色', '卡其色', 'navy']
const NOUNS = ['连衣裙', '衬衫', '运动鞋', 'dress']

type Line = Record<string, unknown> & { ProductId: string; PicName: string }

function rng(seed: number) {
  let s = seed
  return () => (s = (s * 48271) % 2147483647) / 2147483647
}

/** A catalogue of n images; `tag` changes the product ids (a different catalogue). */
function catalogue(n: number, seed: number, tag = 'P'): Line[] {
  const r = rng(seed)
  const pick = <T>(a: T[]) => a[Math.floor(r() * a.length)]
  return Array.from({ length: n }, (_, i) => ({
    ProductId: `${tag}${Math.floor(i / 3)}`,
    PicName: `${i}.jpg`,
    CategoryId: pick([0, 3, 3, 7]),
    CustomContent: `${pick(COLOURS)}${pick(NOUNS)} ${i}`,
    IntAttr: Math.floor(r() * 1000),
    StrAttr: pick(['Nike', '李宁', 'Zara']),
    StrAttr2: r() < 0.3 ? undefined : pick(COLOURS),
  }))
}

/** A later export: some lines changed (text and numbers), some gone, some new, some regions. */
function later(lines: Line[], seed: number): Line[] {
  const r = rng(seed)
  const out: Line[] = []
  for (const l of lines) {
    const x = r()
    if (x < 0.05) continue
    if (x < 0.12) out.push({ ...l, CustomContent: `改 ${String(l.CustomContent)}`, IntAttr: 1 })
    else if (x < 0.15) out.push({ ...l, StrAttr2: undefined, Region: '1,2,3,4' })
    else if (x < 0.18) out.push({ ...l, CategoryId: 7 })
    else out.push(l)
  }
  for (let i = 0; i < 200; i++) {
    out.push({
      ProductId: `N${i % 50}`,
      PicName: `n${i}.jpg`,
      CustomContent: `新款${COLOURS[i % 5]}`,
    })
  }
  return out
}

/** A gallery file with a few local rows the dumps must respect (pending, local facts). */
function cacheWithLocalRows(dir: string, name: string): string {
  const file = path.join(dir, name)
  const g = openGallery(file, { now: () => 1000 })
  g.recordAdded({ productId: 'local', picName: 'pending.jpg', syncState: 'pending-add' })
  g.recordAdded({ productId: 'local', picName: 'err.jpg', strAttr: '红色', syncState: 'error' })
  g.close()
  return file
}

/** Imports a dump through a raw connection with the given apply mode. */
async function importWith(file: string, dump: string, mode: ApplyMode, now: number) {
  const db = new Database(file)
  try {
    const stage = await stageDump(db, dump)
    try {
      return applyStage(db, stage.table, now, mode)
    } finally {
      dropStage(db, stage.table)
    }
  } finally {
    db.close()
  }
}

/** Everything the cache holds, ids aside: rows, FTS answers, summaries, schema, FTS integrity. */
function state(file: string) {
  const g: Gallery = track(openGallery(file, { readonly: true }))
  const db = new Database(file, { readonly: true })
  try {
    const rows = db
      .prepare(
        `SELECT product_id, pic_name, category_id, custom_content, int_attr, str_attr, str_attr2,
          region, sync_state, sync_error, added_at, updated_at, seen_at
        FROM images ORDER BY product_id, pic_name`,
      )
      .raw()
      .all()
    const text = Object.fromEntries(
      ['红色', '色', '连衣裙', 'navy', '改', '新款', 'Nike 3', '0.jpg', 'n1'].map((t) => [
        t,
        g
          .query({ text: t, limit: 1000, sort: 'productId' })
          .items.map((x) => `${x.productId}/${x.picName}`),
      ]),
    )
    // Text within a category: answered by the FTS rows' category tokens.
    for (const c of [0, 3, 7]) {
      text[`色 in ${c}`] = g
        .query({ text: '色', categoryId: c, limit: 1000, sort: 'productId' })
        .items.map((x) => `${x.productId}/${x.picName}`)
    }
    const products = db.prepare('SELECT * FROM products ORDER BY product_id').raw().all()
    const categories = db
      .prepare('SELECT * FROM category_counts WHERE n > 0 ORDER BY category_key')
      .raw()
      .all()
    const schema = db
      .prepare(
        `SELECT type, name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'
        ORDER BY type, name`,
      )
      .raw()
      .all()
    return { rows, text, products, categories, schema, stats: g.stats() }
  } finally {
    db.close()
    g.close()
  }
}

function ftsIntact(file: string): void {
  const db = new Database(file)
  try {
    db.exec(`INSERT INTO images_fts(images_fts, rank) VALUES ('integrity-check', 0)`)
  } finally {
    db.close()
  }
}

describe('dump import: bulk and row-by-row paths', () => {
  it('give the same cache, counts and schema for a first import, a later one and a new catalogue', async () => {
    const dir = tempDir()
    const bulk = cacheWithLocalRows(dir, 'bulk.db')
    const rows = cacheWithLocalRows(dir, 'rows.db')
    const d1 = catalogue(2500, 1)
    const dumps = [
      writeLines(path.join(dir, 'd1.jsonl'), d1),
      writeLines(path.join(dir, 'd2.jsonl'), later(d1, 2)),
      writeLines(path.join(dir, 'd3.jsonl'), [...catalogue(1500, 3, 'Q'), ...d1.slice(0, 300)]),
    ]
    let now = 10_000
    for (const d of dumps) {
      now += 1000
      const a = await importWith(bulk, d, 'bulk', now)
      const b = await importWith(rows, d, 'incremental', now)
      expect(a).toEqual(b)
      expect(state(bulk)).toEqual(state(rows))
      ftsIntact(bulk)
    }
    // The last import replaced most of the catalogue: gone and added both large.
    const s = state(bulk)
    expect(s.stats.count).toBe(1800 + 1) // + the pending local row (the failed one is gone)
    expect(s.text['红色'].length).toBeGreaterThan(100)
    expect(s.products.length).toBeGreaterThan(500)
  })

  it('the gallery picks the bulk path for large imports and keeps searching, grouping and counting', async () => {
    const dir = tempDir()
    const file = path.join(dir, 'gallery.db')
    const g = track(openGallery(file))
    const lines = catalogue(BULK_MIN * 2, 5)
    const counts = await g.importDump(writeLines(path.join(dir, 'd.jsonl'), lines))
    expect(counts.added).toBe(BULK_MIN * 2)
    // The bulk path merged the FTS index into one segment.
    const db = new Database(file, { readonly: true })
    expect(db.prepare('SELECT count(DISTINCT segid) FROM images_fts_idx').pluck().get()).toBe(1)
    db.close()
    const red = lines.filter(
      (l) => String(l.CustomContent).includes('红色') || l.StrAttr2 === '红色',
    )
    expect(g.query({ text: '红色', limit: 0 }).total).toBe(red.length)
    expect(g.stats()).toMatchObject({ count: lines.length, products: Math.ceil(lines.length / 3) })
    // Triggers are back: a later single write updates FTS and summaries.
    g.recordAdded({ productId: 'P0', picName: 'extra.jpg', strAttr: '红色独有' })
    expect(g.query({ text: '红色独有', limit: 5 }).items.map((x) => x.picName)).toEqual([
      'extra.jpg',
    ])
    expect(g.groupByProduct({ limit: 1 }).items[0]).toMatchObject({ productId: 'P0', count: 4 })
  })

  for (const mode of ['bulk', 'incremental'] as const) {
    it(`an import failing half way (${mode}) leaves the cache exactly as before`, async () => {
      const dir = tempDir()
      const file = cacheWithLocalRows(dir, 'g.db')
      const d1 = catalogue(2000, 9)
      await importWith(file, writeLines(path.join(dir, 'd1.jsonl'), d1), mode, 5000)
      const before = state(file)
      // The second dump changes, removes and adds rows; adding the row for product "BOOM" fails
      // (as a full disk would), after the deletes and updates already ran in the transaction.
      const d2 = later(d1, 10)
      d2.push({ ProductId: 'BOOM', PicName: 'x.jpg' })
      const dump = writeLines(path.join(dir, 'd2.jsonl'), d2)
      const db = new Database(file)
      try {
        db.exec(`CREATE TEMP TRIGGER fail_midway BEFORE INSERT ON main.images
          WHEN new.product_id = 'BOOM' BEGIN SELECT RAISE(ABORT, 'simulated write failure'); END`)
        const stage = await stageDump(db, dump)
        try {
          expect(() => applyStage(db, stage.table, 6000, mode)).toThrow('simulated write failure')
        } finally {
          dropStage(db, stage.table)
        }
        expect(db.inTransaction).toBe(false)
      } finally {
        db.close()
      }
      expect(state(file)).toEqual(before)
      ftsIntact(file)
      // And the cache takes the same dump once the failure is gone.
      const counts = await importWith(file, dump, mode, 7000)
      expect(counts.added).toBeGreaterThan(200)
      expect(state(file).rows.some((r) => (r as unknown[])[0] === 'BOOM')).toBe(true)
    })
  }
})
