import { SYNC_STATES } from './types'
import type { GalleryStats, SyncState } from './types'
import type { QueryContext } from './plan'

/** Counts of the gallery cache (one read transaction): images, products, per category and per
 * sync state, and when a dump was last imported. */
export function readStats(ctx: QueryContext): GalleryStats {
  return ctx.db
    .transaction((): GalleryStats => {
      const count = ctx.stmt(`SELECT count(*) FROM images`).pluck().get() as number
      const products = ctx.stmt(`SELECT count(*) FROM products`).pluck().get() as number
      const byCategory = ctx
        .stmt(
          `SELECT nullif(category_key, -1) AS categoryId, n AS count FROM category_counts
          WHERE n > 0 ORDER BY n DESC, category_key`,
        )
        .all() as { categoryId: number | null; count: number }[]
      const bySyncState = Object.fromEntries(SYNC_STATES.map((s) => [s, 0])) as Record<
        SyncState,
        number
      >
      let unsynced = 0
      for (const r of ctx
        .stmt(
          `SELECT sync_state AS s, count(*) AS n FROM images WHERE sync_state <> 'synced'
          GROUP BY sync_state`,
        )
        .all() as { s: SyncState; n: number }[]) {
        bySyncState[r.s] = r.n
        unsynced += r.n
      }
      bySyncState.synced = count - unsynced
      const last = ctx.stmt(`SELECT value FROM meta WHERE key = 'lastImportAt'`).pluck().get() as
        string | undefined
      return {
        count,
        products,
        byCategory: byCategory.map((c) => ({ categoryId: c.categoryId, count: c.count })),
        bySyncState,
        lastImportAt: last === undefined ? null : Number(last),
      }
    })
    .deferred()
}
