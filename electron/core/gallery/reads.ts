import type {
  GalleryImage,
  GroupQueryOptions,
  NearMatch,
  Page,
  ProductGroup,
  QueryOptions,
} from './types'
import { IMAGE_SELECT, rowToImage, type ImageRow } from './columns'
import { bandNeighbours, hamming, normalizePhash, normalizeSha256, phashBands } from './phash'
import { executeQuery, type QueryContext } from './plan'
import { buildWhere, checkPaging, groupOrderBy } from './query'
import { invalid } from './validate'

/** Reads of the gallery cache: one image, a query page, products, exact and near duplicates. */

const MAX_NEAR_RADIUS_BANDS = 3
const MAX_NEAR = 1000

/** The stored row of one image, with its rowid. */
export function getRow(
  ctx: QueryContext,
  productId: string,
  picName: string,
): (ImageRow & { id: number }) | undefined {
  return ctx
    .stmt(`SELECT i.id, ${IMAGE_SELECT} FROM images i WHERE i.product_id = ? AND i.pic_name = ?`)
    .get(productId, picName) as (ImageRow & { id: number }) | undefined
}

export function getImage(
  ctx: QueryContext,
  productId: string,
  picName: string,
): GalleryImage | null {
  const row = getRow(ctx, productId, picName)
  return row ? rowToImage(row) : null
}

export function queryImages(ctx: QueryContext, opts: QueryOptions): Page<GalleryImage> {
  return executeQuery(ctx, opts)
}

export function groupByProduct(ctx: QueryContext, opts: GroupQueryOptions): Page<ProductGroup> {
  const { db } = ctx
  const { limit, offset } = checkPaging(opts.limit, opts.offset)
  const order = groupOrderBy(opts.sort, opts.order)
  type G = { product_id: string; n: number; updated_at: number; cover: string }
  const read = db.transaction((): Page<ProductGroup> => {
    const w = buildWhere(db, opts, ctx.grams)
    if (w.none) return { total: 0, items: [] }
    let total: number
    let groups: G[] = []
    if (!w.sql) {
      // Unfiltered: the trigger-maintained products table.
      total = ctx.stmt(`SELECT count(*) FROM products`).pluck().get() as number
      if (limit > 0 && offset < total) {
        groups = ctx
          .stmt(
            `SELECT product_id, n, updated_at, cover FROM products ORDER BY ${order} LIMIT ? OFFSET ?`,
          )
          .all(limit, offset) as G[]
      }
    } else {
      const where = `WHERE ${w.sql}`
      total = ctx
        .stmt(`SELECT count(*) FROM (SELECT 1 FROM images i ${where} GROUP BY i.product_id)`)
        .pluck()
        .get(...w.params) as number
      if (limit > 0 && offset < total) {
        groups = ctx
          .stmt(
            `SELECT * FROM (SELECT i.product_id AS product_id, count(*) AS n,
              max(i.updated_at) AS updated_at, min(i.pic_name) AS cover
            FROM images i ${where} GROUP BY i.product_id) ORDER BY ${order} LIMIT ? OFFSET ?`,
          )
          .all(...w.params, limit, offset) as G[]
      }
    }
    const items = groups.map((g) => ({
      productId: g.product_id,
      count: g.n,
      updatedAt: g.updated_at,
      cover: rowToImage(getRow(ctx, g.product_id, g.cover)!),
    }))
    return { total, items }
  })
  return read.deferred()
}

export function findBySha256(ctx: QueryContext, sha256: string): GalleryImage[] {
  const s = normalizeSha256(sha256)
  const rows = ctx
    .stmt(
      `SELECT ${IMAGE_SELECT} FROM images i WHERE i.sha256 = ? ORDER BY i.product_id, i.pic_name`,
    )
    .all(s) as ImageRow[]
  return rows.map(rowToImage)
}

export function findNearPhash(
  ctx: QueryContext,
  phash: string,
  maxHamming: number,
  limit = 100,
): NearMatch[] {
  const p = normalizePhash(phash)
  if (!Number.isInteger(maxHamming) || maxHamming < 0 || maxHamming > 64) {
    throw invalid('maxHamming must be an integer from 0 to 64')
  }
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_NEAR) {
    throw invalid(`limit must be an integer from 1 to ${MAX_NEAR}`)
  }
  const radius = Math.floor(maxHamming / 4)
  let candidates: { id: number; phash: string }[]
  if (radius <= MAX_NEAR_RADIUS_BANDS) {
    // Multi-index hashing: some band is within `radius` bits of the query's band.
    const bands = phashBands(p)
    const conds: string[] = []
    const params: number[] = []
    bands.forEach((b, k) => {
      const values = bandNeighbours(b, radius)
      conds.push(`(ph${k} IS NOT NULL AND ph${k} IN (${values.map(() => '?').join(',')}))`)
      params.push(...values)
    })
    candidates = ctx.db
      .prepare(`SELECT id, phash FROM images WHERE ${conds.join(' OR ')}`)
      .all(...params) as { id: number; phash: string }[]
  } else {
    candidates = ctx.stmt(`SELECT id, phash FROM images WHERE phash IS NOT NULL`).all() as {
      id: number
      phash: string
    }[]
  }
  const hits = candidates
    .map((c) => ({ id: c.id, distance: hamming(p, c.phash) }))
    .filter((c) => c.distance <= maxHamming)
    .sort((a, b) => a.distance - b.distance || a.id - b.id)
    .slice(0, limit)
  const byId = ctx.stmt(`SELECT ${IMAGE_SELECT} FROM images i WHERE i.id = ?`)
  return hits.map((h) => ({ ...rowToImage(byId.get(h.id) as ImageRow), distance: h.distance }))
}
