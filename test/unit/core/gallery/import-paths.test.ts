import path from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { openGallery } from '../../../../electron/core/gallery'
import {
  BULK_MIN,
  applyStage,
  dropStage,
  stageDump,
} from '../../../../electron/core/gallery/dump-import'
import { cacheWithLocalRows, catalogue, ftsIntact, importWith, later, state } from './catalogue'
import { tempDir, track, writeLines } from './helpers'

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
