import { ATTR_FIELD, ATTR_FIELDS, ATTR_KEYS } from '../../../domain'
import Database from 'better-sqlite3'
import { preparePrivateDatabase } from '../../util/private-fs'

import {
  IMAGE_COLS,
  PATCH_COLUMNS,
  SCHEMA,
  SCHEMA_VERSION,
  blobToVector,
  migrateStore,
  vectorToBlob,
  type AttributePatch,
  type CategoryNote,
  type DumpTaskRow,
  type ImageRow,
  type IncreaseTaskRow,
  type IndexRow,
  type NewImage,
  type StoredVector,
  type TaskStatus,
} from './store-schema'

export {
  IMAGE_FILTER_COLUMNS,
  blobToVector,
  vectorToBlob,
  type AttributePatch,
  type CategoryNote,
  type DumpTaskRow,
  type ImageRow,
  type IncreaseTaskRow,
  type IndexRow,
  type NewImage,
  type StoredVector,
  type TaskStatus,
} from './store-schema'

/**
 * The local engine's SQLite store (WAL): images with their vectors and attributes, picture sources,
 * dump and batch tasks, and instance metadata. Synchronous (better-sqlite3); one per engine.
 */
export class Store {
  readonly db: Database.Database
  private readonly stmts

  constructor(file: string) {
    // Created 0600 in a 0700 folder before SQLite opens it (its -wal and -shm take its mode).
    preparePrivateDatabase(file)
    this.db = new Database(file)
    this.db.pragma('journal_mode = WAL')
    this.db.pragma('synchronous = NORMAL')
    this.db.pragma('foreign_keys = ON')
    this.db.pragma('busy_timeout = 5000')
    this.db.exec(SCHEMA)
    const version = this.getMeta('schema_version')
    if (version === null) this.setMeta('schema_version', String(SCHEMA_VERSION))
    else if (Number(version) > SCHEMA_VERSION) {
      this.db.close()
      throw new Error(
        `The local engine's database ${file} was written by a newer Loupe (schema ${version}).`,
      )
    } else if (Number(version) < SCHEMA_VERSION) migrateStore(this.db, Number(version))
    const db = this.db
    this.stmts = {
      count: db.prepare('SELECT count(*) FROM images').pluck(),
      byKey: db.prepare(`SELECT ${IMAGE_COLS} FROM images WHERE product_id = ? AND pic_name = ?`),
      byId: db.prepare(`SELECT ${IMAGE_COLS} FROM images WHERE id = ?`),
      setCategory: db.prepare(`UPDATE images SET category_id = ?, labelled = ?, category_note = ?,
          utc_modified = ? WHERE id = ?`),
      idByKey: db.prepare('SELECT id FROM images WHERE product_id = ? AND pic_name = ?').pluck(),
      upsert: db.prepare(`INSERT INTO images (product_id, pic_name, category_id, custom_content,
          ${ATTR_FIELDS.join(', ')},
          region, width, height, labelled, category_note, vector, fversion, utc_created,
          utc_modified)
        VALUES (@productId, @picName, @categoryId, @customContent,
          ${ATTR_KEYS.map((k) => `@${k}`).join(', ')},
          @region, @width, @height, @labelled, @categoryNote, @vector, @fversion, @now, @now)
        ON CONFLICT (product_id, pic_name) DO UPDATE SET category_id = excluded.category_id,
          custom_content = excluded.custom_content,
          ${ATTR_FIELDS.map((f) => `${f} = excluded.${f}`).join(', ')},
          region = excluded.region, width = excluded.width, labelled = excluded.labelled,
          category_note = excluded.category_note,
          height = excluded.height, vector = excluded.vector, fversion = excluded.fversion,
          utc_modified = excluded.utc_modified
        RETURNING id`),
      upsertSource: db.prepare(`INSERT INTO sources (image_id, bytes, scale) VALUES (?, ?, ?)
        ON CONFLICT (image_id) DO UPDATE SET bytes = excluded.bytes, scale = excluded.scale`),
      deleteSource: db.prepare('DELETE FROM sources WHERE image_id = ?'),
      source: db.prepare('SELECT bytes, scale FROM sources WHERE image_id = ?'),
      deleteById: db.prepare('DELETE FROM images WHERE id = ?'),
      idsByProduct: db.prepare(
        'SELECT id, pic_name AS picName FROM images WHERE product_id = ? ORDER BY id',
      ),
      setVector: db.prepare('UPDATE images SET vector = ?, fversion = ?, region = ? WHERE id = ?'),
      staleIds: db.prepare('SELECT id FROM images WHERE fversion != ? ORDER BY id').pluck(),
      countStale: db.prepare('SELECT count(*) FROM images WHERE fversion != ?').pluck(),
      vector: db.prepare('SELECT vector, fversion FROM images WHERE id = ?'),
      indexRows: db.prepare(`SELECT id, product_id AS productId, category_id AS categoryId,
          ${ATTR_KEYS.map((k) => `${ATTR_FIELD[k]} AS ${k}`).join(', ')},
          vector, fversion FROM images WHERE id > ? ORDER BY id LIMIT ?`),
      vectorRows: db.prepare(`SELECT id, product_id AS productId, pic_name AS picName, vector
          FROM images WHERE id > ? AND fversion = ? ORDER BY id LIMIT ?`),
    }
  }

  close(): void {
    if (this.db.open) this.db.close()
  }

  getMeta(key: string): string | null {
    const v = this.db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(key)
    return (v as string | undefined) ?? null
  }

  setMeta(key: string, value: string): void {
    this.db
      .prepare(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      )
      .run(key, value)
  }

  count(): number {
    return this.stmts.count.get() as number
  }

  get(productId: string, picName: string): ImageRow | null {
    return (this.stmts.byKey.get(productId, picName) as ImageRow | undefined) ?? null
  }

  getById(id: number): ImageRow | null {
    return (this.stmts.byId.get(id) as ImageRow | undefined) ?? null
  }

  idOf(productId: string, picName: string): number | null {
    return (this.stmts.idByKey.get(productId, picName) as number | undefined) ?? null
  }

  /** Insert or overwrite (same productId + picName); returns the row id (kept on overwrite). */
  upsert(img: NewImage, now: number): number {
    const id = this.stmts.upsert.pluck().get({
      ...img,
      labelled: img.labelled ? 1 : 0,
      categoryNote: img.categoryNote ?? null,
      vector: vectorToBlob(img.vector),
      now,
    }) as number
    if (img.source) this.stmts.upsertSource.run(id, img.source.bytes, img.source.scale)
    else this.stmts.deleteSource.run(id)
    return id
  }

  patch(id: number, patch: AttributePatch, now: number): void {
    const keys = Object.keys(patch) as (keyof AttributePatch)[]
    if (keys.length === 0) return
    const sets = keys.map((k) => `${PATCH_COLUMNS[k]} = @${k}`).join(', ')
    this.db
      .prepare(`UPDATE images SET ${sets}, utc_modified = @now WHERE id = @id`)
      .run({ ...patch, now, id })
  }

  /**
   * Sets an image's category without touching its vector: `labelled` when the user set it,
   * else a prediction (with its note, if any).
   */
  setCategory(
    id: number,
    categoryId: number,
    labelled: boolean,
    note: CategoryNote | null,
    now: number,
  ): void {
    this.stmts.setCategory.run(categoryId, labelled ? 1 : 0, note, now, id)
  }

  /** Ids and categories of the images whose category the user set (labelled) or not, in id order. */
  idsByLabelled(labelled: boolean): { id: number; categoryId: number }[] {
    return this.db
      .prepare('SELECT id, category_id AS categoryId FROM images WHERE labelled = ? ORDER BY id')
      .all(labelled ? 1 : 0) as { id: number; categoryId: number }[]
  }

  deleteById(id: number): void {
    this.stmts.deleteById.run(id)
  }

  idsByProduct(productId: string): { id: number; picName: string }[] {
    return this.stmts.idsByProduct.all(productId) as { id: number; picName: string }[]
  }

  /** Rows matching a parameterised WHERE clause, in insertion order. */
  select(where: string, params: unknown[], limit: number, offset: number): ImageRow[] {
    return this.db
      .prepare(`SELECT ${IMAGE_COLS} FROM images WHERE ${where} ORDER BY id LIMIT ? OFFSET ?`)
      .all(...params, limit, offset) as ImageRow[]
  }

  countWhere(where: string, params: unknown[]): number {
    return this.db
      .prepare(`SELECT count(*) FROM images WHERE ${where}`)
      .pluck()
      .get(...params) as number
  }

  idsWhere(where: string, params: unknown[]): { id: number; picName: string }[] {
    return this.db
      .prepare(`SELECT id, pic_name AS picName FROM images WHERE ${where} ORDER BY id`)
      .all(...params) as { id: number; picName: string }[]
  }

  /** The stored vector of an image (exact float32) and the featurizer version that made it. */
  vector(id: number): StoredVector | null {
    const r = this.stmts.vector.get(id) as { vector: Buffer; fversion: string } | undefined
    return r ? { id, vector: blobToVector(r.vector), version: r.fversion } : null
  }

  source(id: number): { bytes: Buffer; scale: number } | null {
    return (this.stmts.source.get(id) as { bytes: Buffer; scale: number } | undefined) ?? null
  }

  setVector(id: number, vector: Float32Array, version: string, region: string | null): void {
    this.stmts.setVector.run(vectorToBlob(vector), version, region, id)
  }

  staleIds(version: string): number[] {
    return this.stmts.staleIds.all(version) as number[]
  }

  countStale(version: string): number {
    return this.stmts.countStale.get(version) as number
  }

  /**
   * Index fields and vectors of up to `limit` images after row id `afterId`, in id order: the
   * in-memory index is loaded page by page (a statement left open across event-loop turns would
   * keep the connection busy for every other query).
   */
  indexRows(afterId: number, limit: number): IndexRow[] {
    return this.stmts.indexRows.all(afterId, limit) as IndexRow[]
  }

  /**
   * Keys and vectors of up to `limit` images of featurizer `version` after row id `afterId`, in id
   * order (the near-duplicate audit reads them page by page).
   */
  vectorRows(
    afterId: number,
    version: string,
    limit: number,
  ): { id: number; productId: string; picName: string; vector: Buffer }[] {
    return this.stmts.vectorRows.all(afterId, version, limit) as {
      id: number
      productId: string
      picName: string
      vector: Buffer
    }[]
  }

  /** Every image without vectors, in id order (dump). */
  iterateMeta(): IterableIterator<ImageRow> {
    return this.db
      .prepare(`SELECT ${IMAGE_COLS} FROM images ORDER BY id`)
      .iterate() as IterableIterator<ImageRow>
  }

  tx<T>(fn: () => T): T {
    return this.db.transaction(fn)()
  }

  // ---- dump tasks -------------------------------------------------------------------------------

  createDumpTask(now: number): number {
    return Number(
      this.db
        .prepare(
          "INSERT INTO dump_tasks (status, utc_create, utc_modified) VALUES ('PROCESSING', ?, ?)",
        )
        .run(now, now).lastInsertRowid,
    )
  }

  finishDumpTask(
    id: number,
    status: TaskStatus,
    code: string,
    message: string,
    file: string | null,
    now: number,
  ): void {
    this.db
      .prepare(
        'UPDATE dump_tasks SET status = ?, code = ?, message = ?, file = ?, utc_modified = ? WHERE id = ?',
      )
      .run(status, code, message, file, now, id)
  }

  dumpTasks(where: { id?: number }, limit: number, offset: number): DumpTaskRow[] {
    const cond = where.id !== undefined ? 'WHERE id = ?' : ''
    const params = where.id !== undefined ? [where.id] : []
    return this.db
      .prepare(
        `SELECT id, status, code, message, file, utc_create AS utcCreate, utc_modified AS utcModified
         FROM dump_tasks ${cond} ORDER BY id DESC LIMIT ? OFFSET ?`,
      )
      .all(...params, limit, offset) as DumpTaskRow[]
  }

  countDumpTasks(where: { id?: number }): number {
    const cond = where.id !== undefined ? 'WHERE id = ?' : ''
    const params = where.id !== undefined ? [where.id] : []
    return this.db
      .prepare(`SELECT count(*) FROM dump_tasks ${cond}`)
      .pluck()
      .get(...params) as number
  }

  /** Dump tasks beyond the newest `keep` (the console keeps 30). */
  oldDumpTasks(keep: number): DumpTaskRow[] {
    return this.db
      .prepare(
        `SELECT id, status, code, message, file, utc_create AS utcCreate, utc_modified AS utcModified
         FROM dump_tasks ORDER BY id DESC LIMIT -1 OFFSET ?`,
      )
      .all(keep) as DumpTaskRow[]
  }

  deleteDumpTask(id: number): void {
    this.db.prepare('DELETE FROM dump_tasks WHERE id = ?').run(id)
  }

  failUnfinishedDumps(now: number): void {
    this.db
      .prepare(
        `UPDATE dump_tasks SET status = 'FAIL', code = 'UnknownException',
           message = 'Interrupted: the engine was closed before the export finished.', utc_modified = ?
         WHERE status = 'PROCESSING'`,
      )
      .run(now)
  }

  // ---- increase (batch) tasks -------------------------------------------------------------------

  createIncreaseTask(
    bucketName: string,
    p: string,
    callbackAddress: string | null,
    now: number,
  ): number {
    return Number(
      this.db
        .prepare(
          `INSERT INTO increase_tasks (bucket_name, path, callback_address, status, message, utc_create, utc_modified)
           VALUES (?, ?, ?, 'PROCESSING', 'queued', ?, ?)`,
        )
        .run(bucketName, p, callbackAddress, now, now).lastInsertRowid,
    )
  }

  increaseTask(id: number): IncreaseTaskRow | null {
    return (
      (this.db.prepare(`SELECT ${INCREASE_COLS} FROM increase_tasks WHERE id = ?`).get(id) as
        IncreaseTaskRow | undefined) ?? null
    )
  }

  pendingIncreaseTasks(): number[] {
    return this.db
      .prepare("SELECT id FROM increase_tasks WHERE status = 'PROCESSING' ORDER BY id")
      .pluck()
      .all() as number[]
  }

  updateIncreaseProgress(
    id: number,
    fields: Partial<
      Pick<
        IncreaseTaskRow,
        'status' | 'code' | 'message' | 'errorFile' | 'nextLine' | 'okLines' | 'failedLines'
      >
    >,
    now: number,
  ): void {
    const map: Record<string, string> = {
      status: 'status',
      code: 'code',
      message: 'message',
      errorFile: 'error_file',
      nextLine: 'next_line',
      okLines: 'ok_lines',
      failedLines: 'failed_lines',
    }
    const keys = Object.keys(fields)
    const sets = keys.map((k) => `${map[k]} = @${k}`).join(', ')
    this.db
      .prepare(
        `UPDATE increase_tasks SET ${sets}${keys.length ? ',' : ''} utc_modified = @now WHERE id = @id`,
      )
      .run({ ...fields, now, id })
  }

  addIncreaseFailure(
    taskId: number,
    line: number,
    f: {
      operation: string | null
      productId: string | null
      picName: string | null
      code: string
      message: string
    },
  ): void {
    this.db
      .prepare(
        `INSERT INTO increase_failures (task_id, line, operation, product_id, pic_name, code, message)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (task_id, line) DO UPDATE SET code = excluded.code, message = excluded.message`,
      )
      .run(taskId, line, f.operation, f.productId, f.picName, f.code, f.message)
  }

  increaseFailures(taskId: number): {
    line: number
    operation: string | null
    productId: string | null
    picName: string | null
    code: string
    message: string
  }[] {
    return this.db
      .prepare(
        `SELECT line, operation, product_id AS productId, pic_name AS picName, code, message
         FROM increase_failures WHERE task_id = ? ORDER BY line`,
      )
      .all(taskId) as ReturnType<Store['increaseFailures']>
  }

  increaseTasks(
    where: { id?: number; bucketName?: string; path?: string; status?: string },
    limit: number,
    offset: number,
  ): IncreaseTaskRow[] {
    const { cond, params } = increaseWhere(where)
    return this.db
      .prepare(
        `SELECT ${INCREASE_COLS} FROM increase_tasks ${cond} ORDER BY id DESC LIMIT ? OFFSET ?`,
      )
      .all(...params, limit, offset) as IncreaseTaskRow[]
  }

  countIncreaseTasks(where: {
    id?: number
    bucketName?: string
    path?: string
    status?: string
  }): number {
    const { cond, params } = increaseWhere(where)
    return this.db
      .prepare(`SELECT count(*) FROM increase_tasks ${cond}`)
      .pluck()
      .get(...params) as number
  }
}

const INCREASE_COLS = `id, bucket_name AS bucketName, path, callback_address AS callbackAddress, status,
  code, message, error_file AS errorFile, next_line AS nextLine, ok_lines AS okLines,
  failed_lines AS failedLines, utc_create AS utcCreate, utc_modified AS utcModified`

function increaseWhere(where: {
  id?: number
  bucketName?: string
  path?: string
  status?: string
}): { cond: string; params: unknown[] } {
  const parts: string[] = []
  const params: unknown[] = []
  if (where.id !== undefined) {
    parts.push('id = ?')
    params.push(where.id)
  }
  if (where.bucketName !== undefined) {
    parts.push('bucket_name = ?')
    params.push(where.bucketName)
  }
  if (where.path !== undefined) {
    parts.push('path = ?')
    params.push(where.path)
  }
  if (where.status !== undefined) {
    parts.push('status = ?')
    params.push(where.status)
  }
  return { cond: parts.length ? 'WHERE ' + parts.join(' AND ') : '', params }
}
