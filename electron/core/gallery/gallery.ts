import path from 'node:path'
import Database from 'better-sqlite3'
import { ATTRIBUTE_KEYS, SYNC_STATES } from './types'
import type {
  AddedRecord,
  DiffOptions,
  DumpCounts,
  DumpDiff,
  DumpOptions,
  GalleryImage,
  GalleryStats,
  GroupQueryOptions,
  ImageKey,
  NearMatch,
  OpenOptions,
  Page,
  ProductGroup,
  QueryOptions,
  SyncState,
  UpdatedFields,
} from './types'
import { IMAGE_SELECT, rowToImage, type ImageRow } from './columns'
import { runDumpJob, type RunningDumpJob } from './dump-job'
import { GalleryError } from './errors'
import {
  fillFtsSlice,
  ftsFillProgress,
  ftsFillState,
  ftsShadowTables,
  ftsWorkPending,
  mergeFtsStep,
} from './fts-fill'
import { SLICE_MS, yieldToLoop } from '../util/slices'
import { bandNeighbours, hamming, normalizePhash, normalizeSha256, phashBands } from './phash'
import { createQueryContext, executeQuery, type QueryContext } from './plan'
import { buildWhere, checkPaging, groupOrderBy } from './query'
import { RETIRED_FTS, SCHEMA_VERSION, migrate, schemaVersion } from './schema'

type DB = Database.Database
type Statement = Database.Statement

/** The gallery cache of one profile. Synchronous reads (better-sqlite3); dump import is async. */
export interface Gallery {
  readonly file: string
  readonly thumbsDir: string
  readonly schemaVersion: number

  recordAdded(rec: AddedRecord): GalleryImage
  recordUpdated(key: ImageKey, fields: UpdatedFields): GalleryImage
  recordDeleted(keys: ImageKey | ImageKey[]): number
  recordDeletedByProduct(productId: string): number
  setSyncState(keys: ImageKey | ImageKey[], state: SyncState, error?: string | null): number

  get(productId: string, picName: string): GalleryImage | null
  query(opts: QueryOptions): Page<GalleryImage>
  groupByProduct(opts: GroupQueryOptions): Page<ProductGroup>
  findBySha256(sha256: string): GalleryImage[]
  findNearPhash(phash: string, maxHamming: number, limit?: number): NearMatch[]
  setThumbnail(key: ImageKey, thumbnail: string | null): boolean
  /** Absolute path of a thumbnail inside thumbsDir (throws if the relative path escapes it). */
  thumbnailPath(thumbnail: string): string
  setSource(
    key: ImageKey,
    source: { path: string | null; sha256?: string | null; phash?: string | null },
  ): boolean
  stats(): GalleryStats
  /** Runs fn in one transaction (record* calls inside join it): e.g. recording a bulk add. */
  batch<T>(fn: () => T): T

  /**
   * Imports a DumpMeta export in a worker thread (the event loop stays free): staged, then applied
   * in one transaction. Writes made while it holds the database (see `importing`) are recorded and
   * applied right after it.
   */
  importDump(file: string, opts?: DumpOptions): Promise<DumpCounts>
  diffDump(file: string, opts?: DiffOptions): Promise<DumpDiff>
  /** True while the text index is being filled after a migration (text uses LIKE meanwhile). */
  readonly filling: boolean
  /** Resolves when no background work (index fill, dump import) is running or queued. */
  idle(): Promise<void>
  close(): void
}

const MAX_NEAR_RADIUS_BANDS = 3
/** Page cache of a connection (KiB); the dump worker uses 256 MB while it imports. */
const CACHE_KIB = 32000
/** Rows sampled per index when the gallery analyses a table itself (SQLite suggests 100-1000). */
const ANALYSIS_LIMIT = 400
/** A text index left to fill with at most this many rows is filled while the gallery opens. */
const SYNC_FILL_ROWS = 200
/** A fill slice that failed (e.g. the database was locked by another process) is retried after. */
const FILL_RETRY_MS = 1000

class SqliteGallery implements Gallery {
  readonly file: string
  readonly thumbsDir: string
  readonly schemaVersion: number
  private readonly db: DB
  private readonly now: () => number
  private readonly ctx: QueryContext
  private readonly opts: OpenOptions
  private readonly busyTimeoutMs: number
  private importChain: Promise<unknown> = Promise.resolve()
  /** The dump job running in a worker, if any. */
  private job: RunningDumpJob<unknown> | null = null
  /**
   * Non-null while a dump worker holds the database's write lock: writes are queued here (and
   * answered with what they would return on the cache as it is) and run right after.
   */
  private deferred: (() => void)[] | null = null
  private unlockWaiters: (() => void)[] = []
  private fill: Promise<void> = Promise.resolve()
  private closed = false

  constructor(file: string, opts: OpenOptions) {
    this.opts = opts
    this.busyTimeoutMs = Math.max(0, Math.floor(opts.busyTimeoutMs ?? 5000))
    this.file = path.resolve(file)
    this.thumbsDir = path.resolve(opts.thumbsDir ?? path.join(path.dirname(this.file), 'thumbs'))
    this.now = opts.now ?? Date.now
    const dbOpts: Database.Options = {}
    if (opts.readonly) {
      dbOpts.readonly = true
      dbOpts.fileMustExist = true
    }
    this.db = new Database(this.file, dbOpts)
    this.ctx = createQueryContext(this.db)
    try {
      this.db.pragma(`busy_timeout = ${this.busyTimeoutMs}`)
      if (!opts.readonly) {
        this.db.pragma('journal_mode = WAL')
        this.db.pragma('synchronous = NORMAL')
      }
      this.db.pragma(`cache_size = -${CACHE_KIB}`)
      this.db.pragma('temp_store = FILE')
      if (opts.readonly) {
        const v = schemaVersion(this.db)
        if (v !== SCHEMA_VERSION) {
          throw new GalleryError(
            v > SCHEMA_VERSION ? 'GallerySchemaTooNew' : 'GallerySchemaOutdated',
            `The gallery database is at schema version ${v}; expected ${SCHEMA_VERSION}.`,
            { hint: 'Open it once read-write so it can be migrated.' },
          )
        }
      } else {
        migrate(this.db)
        this.optimize()
      }
      this.schemaVersion = schemaVersion(this.db)
      if (!opts.readonly) {
        this.fill = this.fillTextIndex().catch((e) =>
          this.opts.log?.('gallery: filling the text index stopped', e),
        )
      }
    } catch (e) {
      this.db.close()
      throw e
    }
  }

  /**
   * Statistics for tables that lack them or changed a lot, bounded (0x10: a temporary
   * analysis_limit; unbounded, the FTS tables took ~0.2 s at 100,000 images). Not while the FTS
   * index is being filled: statistics of its nearly empty tables would make FTS5's own lookups
   * scan them as they grow (each slice then took ~0.5 s instead of ~15 ms) — run when it is done.
   * Best effort: while another connection writes, they are skipped at once (no busy wait), so
   * opening the cache to read it never waits for a writer.
   */
  private optimize(mask = '0x10012'): void {
    if (ftsWorkPending(this.db)) return
    this.db.pragma('busy_timeout = 0')
    try {
      this.db.pragma(`optimize = ${mask}`)
    } catch (e) {
      if ((e as { code?: string }).code !== 'SQLITE_BUSY') throw e
    } finally {
      this.db.pragma(`busy_timeout = ${this.busyTimeoutMs}`)
    }
  }

  get filling(): boolean {
    return !this.ctx.textIndexed!()
  }

  /**
   * Fills the FTS index a migration left to fill (fts-fill.ts): slices of SLICE_MS, each its own
   * transaction, a bounded merge step after each, the event loop free in between; paused while a
   * dump worker holds the database. A small cache (≤ SYNC_FILL_ROWS to go) is filled before the
   * constructor returns. Progress: rows indexed; merging what is left, at the end, counts as the
   * last row.
   */
  private async fillTextIndex(): Promise<void> {
    if (!ftsWorkPending(this.db)) return
    let state = ftsFillState(this.db)
    let first = state !== null && state.upto - state.next <= SYNC_FILL_ROWS
    const status = this.opts.status?.('gallery-migration')
    if (!first) {
      // The migration may just have run: the rest waits for the next turn.
      if (!(await this.pauseForImport())) return status?.end(false)
      state = ftsFillState(this.db)
    }
    const { total, done: before } = state ? ftsFillProgress(this.db, state) : { total: 1, done: 0 }
    let done = before
    let filled = state === null
    let turn = first ? 0 : 1
    for (;;) {
      if (turn++ > 0 && !(await this.pauseForImport())) return status?.end(false)
      try {
        if (!filled) {
          const r = fillFtsSlice(this.db, SLICE_MS)
          done = Math.min(total, done + r.filled)
          filled = r.finished
          if (first && filled && mergeFtsStep(this.db)) {
            this.optimize()
            return status?.end(true)
          }
          first = false
          status?.progress(filled ? Math.max(0, total - 1) : done, total)
          if (!(await this.pauseForImport())) return status?.end(false)
        }
        first = false
        if (mergeFtsStep(this.db) && filled) break
      } catch (e) {
        if (!this.db.open) return status?.end(false)
        this.opts.log?.('gallery: filling the text index failed; retrying', e)
        await new Promise((res) => setTimeout(res, FILL_RETRY_MS))
      }
    }
    // Statistics of the new FTS tables, a table per turn (the whole of `optimize` at once was
    // ~50 ms at 100k): the next open's optimize then finds nothing to do.
    for (const table of ftsShadowTables(this.db)) {
      if (!(await this.pauseForImport())) return status?.end(false)
      this.db.exec(
        `PRAGMA analysis_limit = ${ANALYSIS_LIMIT}; ANALYZE "${table}"; PRAGMA analysis_limit = 0`,
      )
    }
    status?.end(true)
  }

  /** Yields to the event loop, and waits while a dump worker holds the database. False once the
   * gallery is closed. */
  private async pauseForImport(): Promise<boolean> {
    await yieldToLoop()
    while (this.deferred && !this.closed) {
      await new Promise<void>((r) => this.unlockWaiters.push(r))
    }
    return !this.closed
  }

  async idle(): Promise<void> {
    await this.fill
    for (;;) {
      const chain = this.importChain
      await chain
      if (chain === this.importChain) return
    }
  }

  // ---------------------------------------------------------------- writes during an import

  /** Runs `apply` now, or — while a dump worker holds the database — answers with `predict()`
   * (what `apply` would return on the cache as it is) and runs `apply` right after the import. */
  private writing<T>(apply: () => T, predict: () => T): T {
    if (!this.deferred) return apply()
    const value = predict()
    this.deferred.push(() => void apply())
    return value
  }

  /** The worker released the database: runs the writes it held back, in order, in one
   * transaction (each in its own savepoint: one failing does not undo the others). */
  private releaseWrites(): void {
    const ops = this.deferred
    this.deferred = null
    for (const w of this.unlockWaiters.splice(0)) w()
    if (!ops?.length || this.closed || !this.db.open) return
    this.db
      .transaction(() => {
        for (const op of ops) {
          try {
            this.db.transaction(op)()
          } catch (e) {
            this.opts.log?.('gallery: a write held back during a dump import failed', e)
          }
        }
      })
      .immediate()
  }

  private stmt(sql: string): Statement {
    return this.ctx.stmt(sql)
  }

  // ---------------------------------------------------------------- writes

  private getRow(productId: string, picName: string): (ImageRow & { id: number }) | undefined {
    return this.stmt(
      `SELECT i.id, ${IMAGE_SELECT} FROM images i WHERE i.product_id = ? AND i.pic_name = ?`,
    ).get(productId, picName) as (ImageRow & { id: number }) | undefined
  }

  /** Writes the full image (insert or update by key); returns it as stored. */
  private write(img: GalleryImage, id: number | undefined): void {
    const bands = img.phash ? phashBands(img.phash) : [null, null, null, null]
    const values = [
      img.categoryId,
      img.customContent,
      img.intAttr,
      img.intAttr2,
      img.intAttr3,
      img.intAttr4,
      img.strAttr,
      img.strAttr2,
      img.strAttr3,
      img.strAttr4,
      img.region,
      img.sourcePath,
      img.sha256,
      img.phash,
      ...bands,
      img.thumbnail,
      img.syncState,
      img.syncError,
      img.addedAt,
      img.updatedAt,
      img.seenAt,
    ]
    if (id === undefined) {
      this.stmt(
        `INSERT INTO images (product_id, pic_name, category_id, custom_content, int_attr,
          int_attr2, int_attr3, int_attr4, str_attr, str_attr2, str_attr3, str_attr4, region,
          source_path, sha256, phash, ph0, ph1, ph2, ph3, thumbnail, sync_state, sync_error,
          added_at, updated_at, seen_at)
        VALUES (${Array(26).fill('?').join(', ')})`,
      ).run(img.productId, img.picName, ...values)
    } else {
      this.stmt(
        `UPDATE images SET category_id = ?, custom_content = ?, int_attr = ?, int_attr2 = ?,
          int_attr3 = ?, int_attr4 = ?, str_attr = ?, str_attr2 = ?, str_attr3 = ?,
          str_attr4 = ?, region = ?, source_path = ?, sha256 = ?, phash = ?, ph0 = ?, ph1 = ?,
          ph2 = ?, ph3 = ?, thumbnail = ?, sync_state = ?, sync_error = ?, added_at = ?,
          updated_at = ?, seen_at = ?
        WHERE id = ?`,
      ).run(...values, id)
    }
  }

  recordAdded(rec: AddedRecord): GalleryImage {
    const key = checkKey(rec)
    const body = (dry: boolean): GalleryImage => {
      const now = this.now()
      const row = this.getRow(key.productId, key.picName)
      const old = row ? rowToImage(row) : null
      const state = checkState(rec.syncState ?? 'synced')
      const next: GalleryImage = {
        ...key,
        categoryId: optInt(rec.categoryId, 'categoryId'),
        customContent: optStr(rec.customContent, 'customContent'),
        intAttr: optInt(rec.intAttr, 'intAttr'),
        intAttr2: optInt(rec.intAttr2, 'intAttr2'),
        intAttr3: optInt(rec.intAttr3, 'intAttr3'),
        intAttr4: optInt(rec.intAttr4, 'intAttr4'),
        strAttr: optStr(rec.strAttr, 'strAttr'),
        strAttr2: optStr(rec.strAttr2, 'strAttr2'),
        strAttr3: optStr(rec.strAttr3, 'strAttr3'),
        strAttr4: optStr(rec.strAttr4, 'strAttr4'),
        region: optStr(rec.region, 'region'),
        sourcePath: rec.sourcePath === undefined ? (old?.sourcePath ?? null) : rec.sourcePath,
        sha256:
          rec.sha256 === undefined
            ? (old?.sha256 ?? null)
            : rec.sha256
              ? normalizeSha256(rec.sha256)
              : null,
        phash:
          rec.phash === undefined
            ? (old?.phash ?? null)
            : rec.phash
              ? normalizePhash(rec.phash)
              : null,
        thumbnail:
          rec.thumbnail === undefined
            ? (old?.thumbnail ?? null)
            : rec.thumbnail
              ? checkThumb(rec.thumbnail)
              : null,
        syncState: state,
        syncError: state === 'error' ? (rec.syncError ?? 'Unknown error') : null,
        addedAt: old?.addedAt ?? now,
        updatedAt: now,
        seenAt: state === 'synced' ? now : (old?.seenAt ?? null),
      }
      return this.commit(old, next, row?.id, dry)
    }
    return this.writing(
      () => this.db.transaction(() => body(false)).immediate(),
      () => body(true),
    )
  }

  /** Keeps updatedAt (and the write) when nothing but seenAt would change: idempotent records. */
  private commit(
    old: GalleryImage | null,
    next: GalleryImage,
    id: number | undefined,
    dry = false,
  ): GalleryImage {
    if (old) {
      const changed =
        ATTRIBUTE_KEYS.some((k) => old[k] !== next[k]) ||
        old.region !== next.region ||
        old.sha256 !== next.sha256 ||
        old.phash !== next.phash ||
        old.sourcePath !== next.sourcePath ||
        old.thumbnail !== next.thumbnail
      if (!changed) next.updatedAt = old.updatedAt
      if (!changed && old.syncState === next.syncState && old.syncError === next.syncError) {
        if (old.seenAt === next.seenAt) return old
      }
    }
    if (!dry) this.write(next, id)
    return next
  }

  recordUpdated(key: ImageKey, fields: UpdatedFields): GalleryImage {
    const k = checkKey(key)
    if (typeof fields !== 'object' || fields === null) throw invalid('fields must be an object')
    const body = (dry: boolean): GalleryImage => {
      const now = this.now()
      const row = this.getRow(k.productId, k.picName)
      const old = row ? rowToImage(row) : null
      const base: GalleryImage = old ?? {
        ...k,
        categoryId: null,
        customContent: null,
        intAttr: null,
        intAttr2: null,
        intAttr3: null,
        intAttr4: null,
        strAttr: null,
        strAttr2: null,
        strAttr3: null,
        strAttr4: null,
        region: null,
        sourcePath: null,
        sha256: null,
        phash: null,
        thumbnail: null,
        syncState: 'synced',
        syncError: null,
        addedAt: now,
        updatedAt: now,
        seenAt: null,
      }
      const next: GalleryImage = { ...base, updatedAt: now }
      for (const a of ATTRIBUTE_KEYS) {
        if (fields[a] === undefined) continue
        if (a === 'categoryId' || a.startsWith('int')) {
          ;(next as unknown as Record<string, number | null>)[a] = optInt(fields[a] as number, a)
        } else {
          ;(next as unknown as Record<string, string | null>)[a] = optStr(fields[a] as string, a)
        }
      }
      if (fields.region !== undefined) next.region = optStr(fields.region, 'region')
      const state = checkState(fields.syncState ?? 'synced')
      next.syncState = state
      next.syncError = state === 'error' ? (fields.syncError ?? 'Unknown error') : null
      if (state === 'synced') next.seenAt = now
      return this.commit(old, next, row?.id, dry)
    }
    return this.writing(
      () => this.db.transaction(() => body(false)).immediate(),
      () => body(true),
    )
  }

  recordDeleted(keys: ImageKey | ImageKey[]): number {
    const list = (Array.isArray(keys) ? keys : [keys]).map(checkKey)
    return this.writing(
      () => {
        const del = this.stmt(`DELETE FROM images WHERE product_id = ? AND pic_name = ?`)
        return this.db
          .transaction(() => {
            let n = 0
            for (const k of list) n += del.run(k.productId, k.picName).changes
            return n
          })
          .immediate()
      },
      () => this.existing(list),
    )
  }

  recordDeletedByProduct(productId: string): number {
    if (typeof productId !== 'string' || productId === '') throw invalid('productId is required')
    return this.writing(
      () => this.stmt(`DELETE FROM images WHERE product_id = ?`).run(productId).changes,
      () =>
        this.stmt(`SELECT count(*) FROM images WHERE product_id = ?`)
          .pluck()
          .get(productId) as number,
    )
  }

  /** How many of these keys are in the cache (each key once when `distinct`, as a delete counts). */
  private existing(keys: ImageKey[], distinct = true): number {
    const has = this.stmt(`SELECT 1 FROM images WHERE product_id = ? AND pic_name = ?`).pluck()
    const seen = new Set<string>()
    let n = 0
    for (const k of keys) {
      const id = JSON.stringify([k.productId, k.picName])
      if (distinct && seen.has(id)) continue
      seen.add(id)
      if (has.get(k.productId, k.picName) !== undefined) n++
    }
    return n
  }

  setSyncState(keys: ImageKey | ImageKey[], state: SyncState, error?: string | null): number {
    const list = (Array.isArray(keys) ? keys : [keys]).map(checkKey)
    checkState(state)
    const err = state === 'error' ? (error ?? 'Unknown error') : null
    return this.writing(
      () => {
        const upd = this.stmt(
          `UPDATE images SET sync_state = ?, sync_error = ?,
            seen_at = CASE WHEN ? = 'synced' THEN ? ELSE seen_at END
          WHERE product_id = ? AND pic_name = ?`,
        )
        return this.db
          .transaction(() => {
            const now = this.now()
            let n = 0
            for (const k of list)
              n += upd.run(state, err, state, now, k.productId, k.picName).changes
            return n
          })
          .immediate()
      },
      () => this.existing(list, false),
    )
  }

  setThumbnail(key: ImageKey, thumbnail: string | null): boolean {
    const k = checkKey(key)
    const t = thumbnail === null ? null : checkThumb(thumbnail)
    return this.writing(
      () =>
        this.stmt(`UPDATE images SET thumbnail = ? WHERE product_id = ? AND pic_name = ?`).run(
          t,
          k.productId,
          k.picName,
        ).changes > 0,
      () => this.existing([k]) > 0,
    )
  }

  thumbnailPath(thumbnail: string): string {
    return path.join(this.thumbsDir, ...checkThumb(thumbnail).split('/'))
  }

  setSource(
    key: ImageKey,
    source: { path: string | null; sha256?: string | null; phash?: string | null },
  ): boolean {
    const k = checkKey(key)
    if (typeof source !== 'object' || source === null) throw invalid('source must be an object')
    if (source.path !== null && typeof source.path !== 'string') {
      throw invalid('source.path must be a string or null')
    }
    const sets = ['source_path = ?']
    const params: unknown[] = [source.path]
    if (source.sha256 !== undefined) {
      sets.push('sha256 = ?')
      params.push(source.sha256 === null ? null : normalizeSha256(source.sha256))
    }
    if (source.phash !== undefined) {
      const p = source.phash === null ? null : normalizePhash(source.phash)
      sets.push('phash = ?, ph0 = ?, ph1 = ?, ph2 = ?, ph3 = ?')
      params.push(p, ...(p ? phashBands(p) : [null, null, null, null]))
    }
    return this.writing(
      () =>
        this.stmt(`UPDATE images SET ${sets.join(', ')} WHERE product_id = ? AND pic_name = ?`).run(
          ...params,
          k.productId,
          k.picName,
        ).changes > 0,
      () => this.existing([k]) > 0,
    )
  }

  // ---------------------------------------------------------------- reads

  get(productId: string, picName: string): GalleryImage | null {
    const row = this.getRow(productId, picName)
    return row ? rowToImage(row) : null
  }

  query(opts: QueryOptions): Page<GalleryImage> {
    return executeQuery(this.ctx, opts)
  }

  groupByProduct(opts: GroupQueryOptions): Page<ProductGroup> {
    const { limit, offset } = checkPaging(opts.limit, opts.offset)
    const order = groupOrderBy(opts.sort, opts.order)
    type G = { product_id: string; n: number; updated_at: number; cover: string }
    const read = this.db.transaction((): Page<ProductGroup> => {
      const w = buildWhere(this.db, opts, this.ctx.grams)
      if (w.none) return { total: 0, items: [] }
      let total: number
      let groups: G[] = []
      if (!w.sql) {
        // Unfiltered: the trigger-maintained products table.
        total = this.stmt(`SELECT count(*) FROM products`).pluck().get() as number
        if (limit > 0 && offset < total) {
          groups = this.stmt(
            `SELECT product_id, n, updated_at, cover FROM products ORDER BY ${order} LIMIT ? OFFSET ?`,
          ).all(limit, offset) as G[]
        }
      } else {
        const where = `WHERE ${w.sql}`
        total = this.stmt(
          `SELECT count(*) FROM (SELECT 1 FROM images i ${where} GROUP BY i.product_id)`,
        )
          .pluck()
          .get(...w.params) as number
        if (limit > 0 && offset < total) {
          groups = this.stmt(
            `SELECT * FROM (SELECT i.product_id AS product_id, count(*) AS n,
              max(i.updated_at) AS updated_at, min(i.pic_name) AS cover
            FROM images i ${where} GROUP BY i.product_id) ORDER BY ${order} LIMIT ? OFFSET ?`,
          ).all(...w.params, limit, offset) as G[]
        }
      }
      const items = groups.map((g) => ({
        productId: g.product_id,
        count: g.n,
        updatedAt: g.updated_at,
        cover: rowToImage(this.getRow(g.product_id, g.cover)!),
      }))
      return { total, items }
    })
    return read.deferred()
  }

  findBySha256(sha256: string): GalleryImage[] {
    const s = normalizeSha256(sha256)
    const rows = this.stmt(
      `SELECT ${IMAGE_SELECT} FROM images i WHERE i.sha256 = ? ORDER BY i.product_id, i.pic_name`,
    ).all(s) as ImageRow[]
    return rows.map(rowToImage)
  }

  findNearPhash(phash: string, maxHamming: number, limit = 100): NearMatch[] {
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
      candidates = this.db
        .prepare(`SELECT id, phash FROM images WHERE ${conds.join(' OR ')}`)
        .all(...params) as { id: number; phash: string }[]
    } else {
      candidates = this.stmt(`SELECT id, phash FROM images WHERE phash IS NOT NULL`).all() as {
        id: number
        phash: string
      }[]
    }
    const hits = candidates
      .map((c) => ({ id: c.id, distance: hamming(p, c.phash) }))
      .filter((c) => c.distance <= maxHamming)
      .sort((a, b) => a.distance - b.distance || a.id - b.id)
      .slice(0, limit)
    const byId = this.stmt(`SELECT ${IMAGE_SELECT} FROM images i WHERE i.id = ?`)
    return hits.map((h) => ({ ...rowToImage(byId.get(h.id) as ImageRow), distance: h.distance }))
  }

  stats(): GalleryStats {
    return this.db
      .transaction((): GalleryStats => {
        const count = this.stmt(`SELECT count(*) FROM images`).pluck().get() as number
        const products = this.stmt(`SELECT count(*) FROM products`).pluck().get() as number
        const byCategory = this.stmt(
          `SELECT nullif(category_key, -1) AS categoryId, n AS count FROM category_counts
          WHERE n > 0 ORDER BY n DESC, category_key`,
        ).all() as { categoryId: number | null; count: number }[]
        const bySyncState = Object.fromEntries(SYNC_STATES.map((s) => [s, 0])) as Record<
          SyncState,
          number
        >
        let unsynced = 0
        for (const r of this.stmt(
          `SELECT sync_state AS s, count(*) AS n FROM images WHERE sync_state <> 'synced'
          GROUP BY sync_state`,
        ).all() as { s: SyncState; n: number }[]) {
          bySyncState[r.s] = r.n
          unsynced += r.n
        }
        bySyncState.synced = count - unsynced
        const last = this.stmt(`SELECT value FROM meta WHERE key = 'lastImportAt'`)
          .pluck()
          .get() as string | undefined
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

  batch<T>(fn: () => T): T {
    const outer = this.deferred
    if (!outer) return this.db.transaction(fn).immediate()
    // A dump worker holds the database: the records fn makes are held back together and run
    // after it as one transaction (none of them if fn throws).
    const inner: (() => void)[] = []
    this.deferred = inner
    try {
      const value = fn()
      outer.push(() => this.db.transaction(() => inner.forEach((op) => op())).immediate())
      return value
    } finally {
      this.deferred = outer
    }
  }

  // ---------------------------------------------------------------- dumps

  /** Runs dump work one at a time per gallery. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.importChain.then(fn, fn)
    this.importChain = run.catch(() => undefined)
    return run
  }

  importDump(file: string, opts: DumpOptions = {}): Promise<DumpCounts> {
    return this.serial(async () => {
      if (this.closed) throw closedError()
      const status = this.opts.status?.('dump-import')
      try {
        const job = runDumpJob<DumpCounts>(
          { kind: 'import', dbFile: this.file, dump: file, busyTimeoutMs: this.busyTimeoutMs },
          {
            signal: opts.signal,
            onProgress: (p) => {
              opts.onProgress?.(p)
              if (p.phase === 'reading') status?.progress(p.bytesRead, p.totalBytes, 'reading')
            },
            onStep: (done, total) => status?.progress(done, total, 'applying'),
            onLock: () => {
              this.deferred = []
              return this.now()
            },
            onUnlocked: () => this.releaseWrites(),
          },
        )
        this.job = job
        const counts = await job.result
        status?.end(true)
        return counts
      } catch (e) {
        status?.end(false)
        throw e
      } finally {
        this.job = null
      }
    })
  }

  diffDump(file: string, opts: DiffOptions = {}): Promise<DumpDiff> {
    const sample = opts.sample ?? 20
    if (!Number.isSafeInteger(sample) || sample < 0) throw invalid('sample must be >= 0')
    return this.serial(async () => {
      if (this.closed) throw closedError()
      const job = runDumpJob<DumpDiff>(
        {
          kind: 'diff',
          dbFile: this.file,
          dump: file,
          busyTimeoutMs: this.busyTimeoutMs,
          sample,
        },
        { signal: opts.signal, onProgress: opts.onProgress },
      )
      this.job = job
      try {
        return await job.result
      } finally {
        this.job = null
      }
    })
  }

  close(): void {
    this.closed = true
    // A running dump job is stopped (its transaction rolls back); writes it held back are lost
    // with it, as they would be if the process ended now.
    const held = this.deferred
    if (held?.length)
      this.opts.log?.(`gallery: closed during an import; ${held.length} writes lost`)
    // Its worker may still hold the database a moment: no writes of ours then (they would wait).
    const busy = this.job !== null
    this.job?.cancel()
    this.deferred = null
    for (const w of this.unlockWaiters.splice(0)) w()
    if (this.db.open) {
      if (!this.db.readonly && !busy) {
        this.optimize('0xfffe')
        // A full-text index a migration replaced (schema.ts): dropped now, when a pause of tens
        // of ms at 100k images goes unnoticed.
        try {
          this.db.exec(`DROP TABLE IF EXISTS ${RETIRED_FTS}`)
        } catch (e) {
          this.opts.log?.('gallery: dropping the replaced text index failed', e)
        }
      }
      this.db.close()
    }
    this.ctx.clear()
  }
}

const MAX_NEAR = 1000

function closedError(): GalleryError {
  return new GalleryError('GalleryClosed', 'The gallery cache was closed.')
}

function invalid(message: string): GalleryError {
  return new GalleryError('InvalidParameter', message)
}

function checkKey(k: ImageKey): ImageKey {
  if (typeof k !== 'object' || k === null)
    throw invalid('An image key {productId, picName} is required')
  if (typeof k.productId !== 'string' || k.productId === '') throw invalid('productId is required')
  if (typeof k.picName !== 'string' || k.picName === '') throw invalid('picName is required')
  return { productId: k.productId, picName: k.picName }
}

function checkState(s: SyncState): SyncState {
  if (!SYNC_STATES.includes(s)) throw invalid(`syncState must be one of ${SYNC_STATES.join(', ')}`)
  return s
}

function optInt(v: number | null | undefined, name: string): number | null {
  if (v === undefined || v === null) return null
  if (!Number.isSafeInteger(v)) throw invalid(`${name} must be an integer`)
  return v
}

function optStr(v: string | null | undefined, name: string): string | null {
  if (v === undefined || v === null || v === '') return null
  if (typeof v !== 'string') throw invalid(`${name} must be a string`)
  return v
}

/** A thumbnail path relative to thumbs/: forward slashes, no empty/`.`/`..` segments. */
function checkThumb(t: string): string {
  if (typeof t !== 'string') throw invalid('thumbnail must be a relative path')
  const rel = t.replace(/\\/g, '/')
  const segs = rel.split('/')
  if (
    rel === '' ||
    rel.length > 1024 ||
    path.isAbsolute(t) ||
    /^[A-Za-z]:/.test(rel) ||
    segs.some((s) => s === '' || s === '.' || s === '..') ||
    rel.includes('\0')
  ) {
    throw invalid(
      `thumbnail must be a path relative to the thumbs folder, got ${JSON.stringify(t)}`,
    )
  }
  return rel
}

/** Opens (creating and migrating as needed) the gallery cache at `file` (e.g. <profile>/gallery.db). */
export function openGallery(file: string, opts: OpenOptions = {}): Gallery {
  return new SqliteGallery(file, opts)
}
