/** Catalogues and dumps for import tests, and everything a cache holds, to compare two. */
import path from 'node:path'
import Database from 'better-sqlite3'
import { openGallery, type Gallery } from '../../../../electron/core/gallery'
import {
  applyStage,
  dropStage,
  stageDump,
  type ApplyMode,
} from '../../../../electron/core/gallery/dump-import'
import { track } from './helpers'

const COLOURS = ['红色', '黑色', '白色', '卡其色', 'navy']
const NOUNS = ['连衣裙', '衬衫', '运动鞋', 'dress']

export type Line = Record<string, unknown> & { ProductId: string; PicName: string }

export function rng(seed: number) {
  let s = seed
  return () => (s = (s * 48271) % 2147483647) / 2147483647
}

/** A catalogue of n images; `tag` changes the product ids (a different catalogue). */
export function catalogue(n: number, seed: number, tag = 'P'): Line[] {
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
export function later(lines: Line[], seed: number): Line[] {
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
export function cacheWithLocalRows(dir: string, name: string): string {
  const file = path.join(dir, name)
  const g = openGallery(file, { now: () => 1000 })
  g.recordAdded({ productId: 'local', picName: 'pending.jpg', syncState: 'pending-add' })
  g.recordAdded({ productId: 'local', picName: 'err.jpg', strAttr: '红色', syncState: 'error' })
  g.close()
  return file
}

/** Imports a dump through a raw connection with the given apply mode. */
export async function importWith(file: string, dump: string, mode: ApplyMode, now: number) {
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
export function state(file: string) {
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

export function ftsIntact(file: string): void {
  const db = new Database(file)
  try {
    db.exec(`INSERT INTO images_fts(images_fts, rank) VALUES ('integrity-check', 0)`)
  } finally {
    db.close()
  }
}
