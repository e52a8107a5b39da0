import path from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import {
  GalleryError,
  MIGRATIONS,
  SCHEMA_VERSION,
  migrate,
  openGallery,
} from '../../../../electron/core/gallery'
import { tempDir, track } from './helpers'

/** Schema version 1 exactly as Loupe shipped it, written by hand (not by the migration code). */
const V1_DDL = `
  CREATE TABLE images (
    id INTEGER PRIMARY KEY,
    product_id TEXT NOT NULL,
    pic_name TEXT NOT NULL,
    category_id INTEGER,
    custom_content TEXT,
    int_attr INTEGER, int_attr2 INTEGER, int_attr3 INTEGER, int_attr4 INTEGER,
    str_attr TEXT, str_attr2 TEXT, str_attr3 TEXT, str_attr4 TEXT,
    region TEXT,
    source_path TEXT,
    sha256 TEXT,
    phash TEXT,
    thumbnail TEXT,
    sync_state TEXT NOT NULL DEFAULT 'synced' CHECK (sync_state IN
      ('synced','pending-add','pending-update','pending-delete','error')),
    sync_error TEXT,
    added_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    seen_at INTEGER
  );
  CREATE UNIQUE INDEX images_key ON images(product_id, pic_name);
  CREATE INDEX images_updated ON images(updated_at, id);
  CREATE INDEX images_added ON images(added_at, id);
  CREATE INDEX images_pic_name ON images(pic_name, product_id);
  CREATE INDEX images_category ON images(category_id, product_id, pic_name, updated_at);
  CREATE INDEX images_category_updated ON images(category_id, updated_at, id);
  CREATE INDEX images_unsynced ON images(sync_state) WHERE sync_state <> 'synced';
  CREATE INDEX images_sha256 ON images(sha256) WHERE sha256 IS NOT NULL;
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
  PRAGMA user_version = 1;
`

function makeV1(file: string): void {
  const db = new Database(file)
  db.exec(V1_DDL)
  const ins = db.prepare(`INSERT INTO images (product_id, pic_name, category_id, custom_content,
    str_attr, int_attr, phash, sha256, source_path, sync_state, added_at, updated_at, seen_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
  ins.run(
    'P1',
    'a.jpg',
    3,
    '红色连衣裙',
    '男装',
    10,
    'ffff0000ffff0000',
    null,
    '/p/a.jpg',
    'synced',
    1,
    5,
    5,
  )
  ins.run('P1', 'b.jpg', 3, null, 'kids', 20, null, 'a'.repeat(64), null, 'pending-add', 2, 6, null)
  ins.run(
    'P2',
    'c.jpg',
    0,
    'https://x/c.jpg',
    null,
    30,
    'ffff0000ffff0001',
    null,
    null,
    'synced',
    3,
    7,
    7,
  )
  db.close()
}

describe('gallery migrations', () => {
  it('creates the current schema in an empty database', () => {
    const dir = tempDir()
    const file = path.join(dir, 'gallery.db')
    const g = track(openGallery(file))
    expect(g.schemaVersion).toBe(SCHEMA_VERSION)
    expect(SCHEMA_VERSION).toBe(MIGRATIONS[MIGRATIONS.length - 1].version)
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1))
    g.recordAdded({ productId: 'p', picName: 'x.jpg', strAttr: '连衣裙' })
    expect(g.query({ text: '衣裙', limit: 10 }).total).toBe(1)
    g.close()
    const raw = new Database(file, { readonly: true })
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
    raw.close()
  })

  it('migrates a version 1 database, keeping and indexing its rows', () => {
    const dir = tempDir()
    const file = path.join(dir, 'gallery.db')
    makeV1(file)
    const g = track(openGallery(file))
    expect(g.schemaVersion).toBe(SCHEMA_VERSION)
    expect(g.get('P1', 'a.jpg')).toMatchObject({
      categoryId: 3,
      customContent: '红色连衣裙',
      strAttr: '男装',
      sourcePath: '/p/a.jpg',
      addedAt: 1,
      updatedAt: 5,
    })
    expect(g.get('P1', 'b.jpg')?.syncState).toBe('pending-add')
    // Full-text search covers the rows that existed before the migration.
    expect(g.query({ text: '连衣', limit: 10 }).items.map((i) => i.picName)).toEqual(['a.jpg'])
    expect(g.query({ text: 'KIDS', limit: 10 }).items.map((i) => i.picName)).toEqual(['b.jpg'])
    // Near-duplicate bands were computed for the old hashes.
    expect(g.findNearPhash('ffff0000ffff0000', 1).map((m) => [m.picName, m.distance])).toEqual([
      ['a.jpg', 0],
      ['c.jpg', 1],
    ])
    // Product and category summaries were built from the old rows.
    const groups = g.groupByProduct({ limit: 10 })
    expect(groups.items.map((p) => [p.productId, p.count, p.cover.picName])).toEqual([
      ['P1', 2, 'a.jpg'],
      ['P2', 1, 'c.jpg'],
    ])
    const s = g.stats()
    expect(s.count).toBe(3)
    expect(s.products).toBe(2)
    expect(s.byCategory).toEqual([
      { categoryId: 3, count: 2 },
      { categoryId: 0, count: 1 },
    ])
    expect(s.bySyncState['pending-add']).toBe(1)
    expect(g.findBySha256('A'.repeat(64)).map((i) => i.picName)).toEqual(['b.jpg'])
    // And the migrated database keeps working for writes.
    g.recordDeleted({ productId: 'P1', picName: 'a.jpg' })
    expect(g.query({ text: '连衣', limit: 10 }).total).toBe(0)
    expect(g.groupByProduct({ limit: 10 }).items[0]).toMatchObject({ productId: 'P1', count: 1 })
  })

  for (const previous of [2, 3]) {
    it(`migrates a version ${previous} database to the current one`, () => {
      const dir = tempDir()
      const file = path.join(dir, 'gallery.db')
      const db = new Database(file)
      expect(migrate(db, MIGRATIONS.slice(0, previous))).toEqual({ from: 0, to: previous })
      const ins = db.prepare(`INSERT INTO images (product_id, pic_name, category_id,
        custom_content, str_attr, int_attr, added_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
      for (let i = 0; i < 60; i++) {
        ins.run(`P${i % 20}`, `${i}.jpg`, i % 3, i % 2 ? '红色连衣裙' : '蓝色衬衫', 'Nike', i, i, i)
      }
      const has = (name: string) =>
        db.prepare(`SELECT count(*) FROM sqlite_schema WHERE name = ?`).pluck().get(name)
      expect(has('images_category_id')).toBe(previous >= 3 ? 1 : 0)
      db.close()

      const g = track(openGallery(file))
      expect(g.schemaVersion).toBe(SCHEMA_VERSION)
      const raw = new Database(file)
      expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
      const sql = (name: string) =>
        raw.prepare(`SELECT sql FROM sqlite_schema WHERE name = ?`).pluck().get(name)
      expect(sql('images_category_id')).toMatch(/ON images\(category_id\)/)
      // Since version 4 the FTS rows carry the category, rebuilt from the existing rows.
      expect(sql('images_fts')).toMatch(/str_attr4, category,/)
      raw.exec(`INSERT INTO images_fts(images_fts, rank) VALUES ('integrity-check', 0)`)
      raw.close()
      // Rows, FTS, summaries and the new plans all work on the migrated rows.
      expect(g.stats()).toMatchObject({ count: 60, products: 20 })
      const want = Array.from({ length: 60 }, (_, i) => i)
        .filter((i) => i % 3 === 1 && i % 2 === 1 && i >= 30)
        .map((i) => `${i}.jpg`)
        .reverse()
      expect(
        g
          .query({
            text: '红色',
            categoryId: 1,
            filter: 'str_attr="Nike" AND int_attr>=30',
            limit: 50,
          })
          .items.map((x) => x.picName),
      ).toEqual(want)
      const grouped = new Set(
        Array.from({ length: 60 }, (_, i) => i)
          .filter((i) => i % 3 === 1 && i % 2 === 1)
          .map((i) => i % 20),
      )
      expect(g.groupByProduct({ text: '连衣', categoryId: 1, limit: 50 }).total).toBe(grouped.size)
      // Text never matches the category token, and category changes reach the FTS row.
      expect(g.query({ text: '#1#', limit: 5 }).total).toBe(0)
      g.recordUpdated({ productId: 'P1', picName: '1.jpg' }, { categoryId: 5 })
      expect(
        g.query({ text: '红色', categoryId: 5, limit: 5 }).items.map((x) => x.picName),
      ).toEqual(['1.jpg'])
      expect(g.query({ text: '红色', categoryId: 1, limit: 50 }).total).toBe(
        Array.from({ length: 60 }, (_, i) => i).filter((i) => i % 3 === 1 && i % 2 === 1).length -
          1,
      )
    })
  }

  it('opening twice does not re-run migrations', () => {
    const dir = tempDir()
    const file = path.join(dir, 'gallery.db')
    openGallery(file).close()
    const g = track(openGallery(file))
    g.recordAdded({ productId: 'p', picName: 'x.jpg' })
    g.close()
    const again = track(openGallery(file))
    expect(again.stats().count).toBe(1)
  })

  it('refuses a database written by a newer Loupe', () => {
    const dir = tempDir()
    const file = path.join(dir, 'gallery.db')
    openGallery(file).close()
    const raw = new Database(file)
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`)
    raw.close()
    const err = (() => {
      try {
        openGallery(file)
      } catch (e) {
        return e
      }
    })()
    expect(err).toBeInstanceOf(GalleryError)
    expect((err as GalleryError).code).toBe('GallerySchemaTooNew')
  })

  it('read-only opening requires the current schema', () => {
    const dir = tempDir()
    const file = path.join(dir, 'gallery.db')
    makeV1(file)
    expect(() => openGallery(file, { readonly: true })).toThrow(
      expect.objectContaining({ code: 'GallerySchemaOutdated' }),
    )
    track(openGallery(file)).close()
    const ro = track(openGallery(file, { readonly: true }))
    expect(ro.query({ limit: 10 }).total).toBe(3)
    expect(() => ro.recordAdded({ productId: 'x', picName: 'y' })).toThrow(/readonly/i)
  })

  it('a failing migration leaves the database at the previous version', () => {
    const dir = tempDir()
    const file = path.join(dir, 'gallery.db')
    makeV1(file)
    const db = new Database(file)
    const broken = [
      MIGRATIONS[0],
      {
        version: 2,
        name: 'breaks half way',
        up: (d: Database.Database) => {
          d.exec('CREATE TABLE half_done (x)')
          throw new Error('boom')
        },
      },
    ]
    expect(() => migrate(db, broken)).toThrow('boom')
    expect(db.pragma('user_version', { simple: true })).toBe(1)
    expect(
      db.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE name = 'half_done'`).get(),
    ).toEqual({ n: 0 })
    expect(migrate(db)).toEqual({ from: 1, to: SCHEMA_VERSION })
    db.close()
  })
})
