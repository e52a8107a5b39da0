import path from 'node:path'
import type Database from 'better-sqlite3'
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
import { openDatabase, optimize, tidyOnClose } from './connection'
import { DumpRunner } from './dump-runner'
import { fillTextIndex } from './fts-background'
import { ImportGate } from './import-gate'
import { createQueryContext, type QueryContext } from './plan'
import { findBySha256, findNearPhash, getImage, groupByProduct, queryImages } from './reads'
import { GalleryRecords } from './records'
import { readStats } from './stats'
import { checkThumb } from './validate'

/*
 * The gallery cache: this file is its facade. The parts, one concern each:
 *   connection.ts     open (pragmas, migration, statistics) and tidy on close
 *   fts-background.ts filling the text index a migration left to fill
 *   import-gate.ts    writes held back while a dump worker holds the database
 *   records.ts        writes (records of adds/updates/deletes, sync state, thumbnail, source)
 *   reads.ts          reads (get, query, products, exact and near duplicates); stats.ts counts
 *   dump-runner.ts    dump import/diff in a worker, one at a time
 *   validate.ts       argument checks
 */

type DB = Database.Database

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

class SqliteGallery implements Gallery {
  readonly file: string
  readonly thumbsDir: string
  readonly schemaVersion: number
  private readonly db: DB
  private readonly ctx: QueryContext
  private readonly opts: OpenOptions
  private readonly busyTimeoutMs: number
  private readonly gate: ImportGate
  private readonly records: GalleryRecords
  private readonly dumps: DumpRunner
  private fill: Promise<void> = Promise.resolve()

  constructor(file: string, opts: OpenOptions) {
    this.opts = opts
    this.busyTimeoutMs = Math.max(0, Math.floor(opts.busyTimeoutMs ?? 5000))
    this.file = path.resolve(file)
    this.thumbsDir = path.resolve(opts.thumbsDir ?? path.join(path.dirname(this.file), 'thumbs'))
    const now = opts.now ?? Date.now
    const { db, version } = openDatabase(this.file, opts, this.busyTimeoutMs)
    this.db = db
    this.schemaVersion = version
    this.ctx = createQueryContext(db)
    this.gate = new ImportGate(db, opts.log)
    this.records = new GalleryRecords(this.ctx, this.gate, now)
    this.dumps = new DumpRunner({
      dbFile: this.file,
      busyTimeoutMs: this.busyTimeoutMs,
      gate: this.gate,
      now,
      status: opts.status,
    })
    if (!opts.readonly) {
      this.fill = fillTextIndex(db, {
        status: opts.status,
        log: opts.log,
        pause: () => this.gate.pause(),
        optimize: () => optimize(db, this.busyTimeoutMs),
      }).catch((e) => this.opts.log?.('gallery: filling the text index stopped', e))
    }
  }

  get filling(): boolean {
    return !this.ctx.textIndexed!()
  }

  async idle(): Promise<void> {
    await this.fill
    await this.dumps.idle()
  }

  // ---------------------------------------------------------------- writes (records.ts)

  recordAdded(rec: AddedRecord): GalleryImage {
    return this.records.recordAdded(rec)
  }

  recordUpdated(key: ImageKey, fields: UpdatedFields): GalleryImage {
    return this.records.recordUpdated(key, fields)
  }

  recordDeleted(keys: ImageKey | ImageKey[]): number {
    return this.records.recordDeleted(keys)
  }

  recordDeletedByProduct(productId: string): number {
    return this.records.recordDeletedByProduct(productId)
  }

  setSyncState(keys: ImageKey | ImageKey[], state: SyncState, error?: string | null): number {
    return this.records.setSyncState(keys, state, error)
  }

  setThumbnail(key: ImageKey, thumbnail: string | null): boolean {
    return this.records.setThumbnail(key, thumbnail)
  }

  thumbnailPath(thumbnail: string): string {
    return path.join(this.thumbsDir, ...checkThumb(thumbnail).split('/'))
  }

  setSource(
    key: ImageKey,
    source: { path: string | null; sha256?: string | null; phash?: string | null },
  ): boolean {
    return this.records.setSource(key, source)
  }

  batch<T>(fn: () => T): T {
    return this.gate.batch(fn)
  }

  // ---------------------------------------------------------------- reads (reads.ts, stats.ts)

  get(productId: string, picName: string): GalleryImage | null {
    return getImage(this.ctx, productId, picName)
  }

  query(opts: QueryOptions): Page<GalleryImage> {
    return queryImages(this.ctx, opts)
  }

  groupByProduct(opts: GroupQueryOptions): Page<ProductGroup> {
    return groupByProduct(this.ctx, opts)
  }

  findBySha256(sha256: string): GalleryImage[] {
    return findBySha256(this.ctx, sha256)
  }

  findNearPhash(phash: string, maxHamming: number, limit?: number): NearMatch[] {
    return findNearPhash(this.ctx, phash, maxHamming, limit)
  }

  stats(): GalleryStats {
    return readStats(this.ctx)
  }

  // ---------------------------------------------------------------- dumps (dump-runner.ts)

  importDump(file: string, opts?: DumpOptions): Promise<DumpCounts> {
    return this.dumps.importDump(file, opts)
  }

  diffDump(file: string, opts?: DiffOptions): Promise<DumpDiff> {
    return this.dumps.diffDump(file, opts)
  }

  close(): void {
    // A running dump job is stopped (its transaction rolls back); writes it held back are lost
    // with it, as they would be if the process ended now.
    const held = this.gate.close()
    if (held) this.opts.log?.(`gallery: closed during an import; ${held} writes lost`)
    // Its worker may still hold the database a moment: no writes of ours then (they would wait).
    const busy = this.dumps.busy
    this.dumps.cancel()
    if (this.db.open) {
      if (!this.db.readonly && !busy) tidyOnClose(this.db, this.busyTimeoutMs, this.opts.log)
      this.db.close()
    }
    this.ctx.clear()
  }
}

/** Opens (creating and migrating as needed) the gallery cache at `file` (e.g. <profile>/gallery.db). */
export function openGallery(file: string, opts: OpenOptions = {}): Gallery {
  return new SqliteGallery(file, opts)
}
