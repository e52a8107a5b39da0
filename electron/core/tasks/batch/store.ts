/**
 * Batch tasks as Loupe runs them, in `<dataDir>/batch.db` (better-sqlite3, WAL): the task (source,
 * options, stage, engine task id, counts, timings, errors), every line of its increment.meta (the
 * picture's source, the JSON line, its state and error), and multipart-upload checkpoints. A
 * restart resumes each task at its stage; the CLI can read the file while a host writes it.
 */

import type Database from 'better-sqlite3'
import {
  BATCH_LINE_STATES,
  BATCH_STATES,
  FINAL_BATCH_STATES,
  type BatchLineState,
  type BatchState,
} from '../../../domain'
import type { BatchSource, MetaLine, PlannedLine } from './meta'
import type { BulkAddFields } from '../../jobs/bulk-add/types'
import { openMigrated } from '../../util/sqlite'
import { COLUMNS, MIGRATIONS, toLine, toTask, type LineRow, type TaskRow } from './rows'

export const TASK_STATES = BATCH_STATES
export type BatchTaskState = BatchState
export const FINAL_STATES: readonly BatchTaskState[] = FINAL_BATCH_STATES

export const LINE_STATES = BATCH_LINE_STATES
export type { BatchLineState }

export interface BatchTaskOptions {
  naming?: string
  defaults?: BulkAddFields
  /** Run every picture through imaging (orientation, size and pixel limits) before staging. */
  prepare: boolean
  /** Cloud: OSS bucket and path (`/a/b`); local: bucket `local`, path `/loupe-<id>`. */
  bucket?: string
  path?: string
  callbackAddress?: string
  /** OSS endpoint override (`https://oss-cn-shanghai.aliyuncs.com`, or a test server). */
  ossEndpoint?: string
  /** The task whose failed lines this one retries. */
  retryOf?: number
}

/**
 * Where a task's lines came from: a source the user gave, the failed lines of another task, or
 * a gallery copy's fast path (core/copy/fast-path.ts; `tag` names the copy job, `items` counts
 * the pictures handed over).
 */
export type BatchTaskSource =
  BatchSource | { type: 'retry'; of: number } | { type: 'copy'; tag: string; items: number }

export interface BatchTaskRecord {
  id: number
  profile: string
  engineKind: 'local' | 'cloud'
  title: string
  source: BatchTaskSource
  options: BatchTaskOptions
  state: BatchTaskState
  /** Human progress or outcome ("uploading 12 of 40 files"). */
  detail: string | null
  bucket: string | null
  path: string | null
  stagingDir: string | null
  /** The `batch-prepare` job of the queue that stages the pictures (while and after preparing). */
  prepareJobId: number | null
  engineTaskId: number | null
  engineStatus: string | null
  engineCode: string | null
  engineMessage: string | null
  errorUrl: string | null
  linesTotal: number
  linesRejected: number
  linesOk: number
  linesFailed: number
  filesTotal: number
  filesDone: number
  bytesTotal: number
  bytesDone: number
  error: { code: string; message: string; hint?: string } | null
  createdAt: number
  startedAt: number | null
  preparedAt: number | null
  uploadedAt: number | null
  submittedAt: number | null
  finishedAt: number | null
  updatedAt: number
}

export interface BatchLineRecord {
  taskId: number
  seq: number
  /** Line number in the written increment.meta (null when set apart). */
  metaLine: number | null
  op: 'add' | 'delete'
  source: string | null
  origin: string
  meta: MetaLine
  state: BatchLineState
  code: string | null
  message: string | null
  /** Size of the staged picture in bytes. */
  bytes: number
  sha256: string | null
  phash: string | null
  thumbnail: string | null
}

export type TaskPatch = Partial<
  Pick<
    BatchTaskRecord,
    | 'state'
    | 'detail'
    | 'bucket'
    | 'path'
    | 'stagingDir'
    | 'prepareJobId'
    | 'engineTaskId'
    | 'engineStatus'
    | 'engineCode'
    | 'engineMessage'
    | 'errorUrl'
    | 'linesTotal'
    | 'linesRejected'
    | 'linesOk'
    | 'linesFailed'
    | 'filesTotal'
    | 'filesDone'
    | 'bytesTotal'
    | 'bytesDone'
    | 'startedAt'
    | 'preparedAt'
    | 'uploadedAt'
    | 'submittedAt'
    | 'finishedAt'
    | 'error'
  >
>

export class BatchStore {
  readonly db: Database.Database
  constructor(file: string, opts: { now?: () => number } = {}) {
    this.db = openMigrated(file, MIGRATIONS)
    this.now = opts.now ?? Date.now
  }
  private readonly now: () => number

  createTask(input: {
    profile: string
    engineKind: 'local' | 'cloud'
    title: string
    source: BatchTaskRecord['source']
    options: BatchTaskOptions
  }): number {
    const now = this.now()
    const r = this.db
      .prepare(
        `INSERT INTO tasks (profile, engine_kind, title, source, options, state, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, 'queued', ?, ?)`,
      )
      .run(
        input.profile,
        input.engineKind,
        input.title,
        JSON.stringify(input.source),
        JSON.stringify(input.options),
        now,
        now,
      )
    return Number(r.lastInsertRowid)
  }

  get(id: number): BatchTaskRecord | null {
    const r = this.db.prepare('SELECT * FROM tasks WHERE id = ?').get(id) as TaskRow | undefined
    return r ? toTask(r) : null
  }

  list(filter: { profile?: string; states?: BatchTaskState[]; limit?: number; offset?: number }): {
    tasks: BatchTaskRecord[]
    total: number
  } {
    const where: string[] = []
    const args: unknown[] = []
    if (filter.profile) {
      where.push('profile = ?')
      args.push(filter.profile)
    }
    if (filter.states?.length) {
      where.push(`state IN (${filter.states.map(() => '?').join(',')})`)
      args.push(...filter.states)
    }
    const w = where.length ? `WHERE ${where.join(' AND ')}` : ''
    const total = (
      this.db.prepare(`SELECT count(*) n FROM tasks ${w}`).get(...args) as { n: number }
    ).n
    const rows = this.db
      .prepare(`SELECT * FROM tasks ${w} ORDER BY id DESC LIMIT ? OFFSET ?`)
      .all(...args, filter.limit ?? 50, filter.offset ?? 0) as TaskRow[]
    return { tasks: rows.map(toTask), total }
  }

  /** Tasks made by a gallery copy's fast path with this tag, oldest first. */
  tagged(tag: string): BatchTaskRecord[] {
    return (
      this.db
        .prepare(
          `SELECT * FROM tasks WHERE json_extract(source, '$.type') = 'copy' AND json_extract(source, '$.tag') = ? ORDER BY id`,
        )
        .all(tag) as TaskRow[]
    ).map(toTask)
  }

  /** Tasks not finished, oldest first. */
  unfinished(): BatchTaskRecord[] {
    return (
      this.db
        .prepare(
          `SELECT * FROM tasks WHERE state NOT IN ('success','failed','cancelled') ORDER BY id`,
        )
        .all() as TaskRow[]
    ).map(toTask)
  }

  update(id: number, patch: TaskPatch): BatchTaskRecord {
    const sets: string[] = ['updated_at = ?']
    const args: unknown[] = [this.now()]
    for (const [k, v] of Object.entries(patch)) {
      if (k === 'error') {
        const e = v as BatchTaskRecord['error']
        sets.push('error_code = ?', 'error_message = ?', 'error_hint = ?')
        args.push(e?.code ?? null, e?.message ?? null, e?.hint ?? null)
        continue
      }
      const col = COLUMNS[k]
      if (!col) throw new Error(`unknown task field ${k}`)
      sets.push(`${col} = ?`)
      args.push(v === undefined ? null : v)
    }
    this.db.prepare(`UPDATE tasks SET ${sets.join(', ')} WHERE id = ?`).run(...args, id)
    return this.get(id)!
  }

  /** Replace the task's lines with a new plan (in one transaction). */
  setLines(taskId: number, lines: PlannedLine[]): void {
    const del = this.db.prepare('DELETE FROM lines WHERE task_id = ?')
    const ins = this.db.prepare(
      `INSERT INTO lines (task_id, seq, op, source, origin, meta, state, code, message)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    this.db.transaction(() => {
      del.run(taskId)
      for (const l of lines) {
        ins.run(
          taskId,
          l.seq,
          l.op,
          l.source,
          l.origin,
          JSON.stringify(l.meta),
          l.error ? 'rejected' : 'planned',
          l.error?.code ?? null,
          l.error?.message ?? null,
        )
      }
    })()
  }

  lines(
    taskId: number,
    opts: { states?: BatchLineState[]; offset?: number; limit?: number } = {},
  ): { lines: BatchLineRecord[]; total: number } {
    const args: unknown[] = [taskId]
    let w = 'task_id = ?'
    if (opts.states?.length) {
      w += ` AND state IN (${opts.states.map(() => '?').join(',')})`
      args.push(...opts.states)
    }
    const total = (
      this.db.prepare(`SELECT count(*) n FROM lines WHERE ${w}`).get(...args) as {
        n: number
      }
    ).n
    const rows = this.db
      .prepare(`SELECT * FROM lines WHERE ${w} ORDER BY seq LIMIT ? OFFSET ?`)
      .all(...args, opts.limit ?? 1_000_000, opts.offset ?? 0) as LineRow[]
    return { lines: rows.map(toLine), total }
  }

  /** Iterate every line of a task in seq order (without loading all of them). */
  *iterateLines(taskId: number, states?: BatchLineState[]): Generator<BatchLineRecord> {
    const args: unknown[] = [taskId]
    let w = 'task_id = ?'
    if (states?.length) {
      w += ` AND state IN (${states.map(() => '?').join(',')})`
      args.push(...states)
    }
    for (const r of this.db
      .prepare(`SELECT * FROM lines WHERE ${w} ORDER BY seq`)
      .iterate(...args) as IterableIterator<LineRow>) {
      yield toLine(r)
    }
  }

  countLines(taskId: number): Record<BatchLineState, number> {
    const out = Object.fromEntries(LINE_STATES.map((s) => [s, 0])) as Record<BatchLineState, number>
    for (const r of this.db
      .prepare('SELECT state, count(*) n FROM lines WHERE task_id = ? GROUP BY state')
      .all(taskId) as { state: BatchLineState; n: number }[]) {
      out[r.state] = r.n
    }
    return out
  }

  updateLine(
    taskId: number,
    seq: number,
    patch: Partial<{
      state: BatchLineState
      metaLine: number | null
      meta: MetaLine
      code: string | null
      message: string | null
      bytes: number
      sha256: string | null
      phash: string | null
      thumbnail: string | null
    }>,
  ): void {
    const map: Record<string, string> = {
      state: 'state',
      metaLine: 'meta_line',
      meta: 'meta',
      code: 'code',
      message: 'message',
      bytes: 'bytes',
      sha256: 'sha256',
      phash: 'phash',
      thumbnail: 'thumbnail',
    }
    const sets: string[] = []
    const args: unknown[] = []
    for (const [k, v] of Object.entries(patch)) {
      sets.push(`${map[k]} = ?`)
      args.push(k === 'meta' ? JSON.stringify(v) : v)
    }
    if (!sets.length) return
    this.db
      .prepare(`UPDATE lines SET ${sets.join(', ')} WHERE task_id = ? AND seq = ?`)
      .run(...args, taskId, seq)
  }

  /** Set the state of every line in `from` states at once (e.g. uploaded → ok). */
  setLineStates(taskId: number, from: BatchLineState[], to: BatchLineState): number {
    return this.db
      .prepare(
        `UPDATE lines SET state = ? WHERE task_id = ? AND state IN (${from.map(() => '?').join(',')})`,
      )
      .run(to, taskId, ...from).changes
  }

  /** A failure of the error file matching no line of the task (kept so that it is shown). */
  addUnmatchedFailure(
    taskId: number,
    seq: number,
    l: {
      metaLine: number | null
      op: 'add' | 'delete'
      meta: MetaLine
      code: string
      message: string
    },
  ): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO lines (task_id, seq, meta_line, op, source, origin, meta, state, code, message)
         VALUES (?, ?, ?, ?, NULL, 'error file', ?, 'failed', ?, ?)`,
      )
      .run(taskId, seq, l.metaLine, l.op, JSON.stringify(l.meta), l.code, l.message)
  }

  lineByMetaLine(taskId: number, metaLine: number): BatchLineRecord | null {
    const r = this.db
      .prepare('SELECT * FROM lines WHERE task_id = ? AND meta_line = ?')
      .get(taskId, metaLine) as LineRow | undefined
    return r ? toLine(r) : null
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)()
  }

  getCheckpoint(taskId: number, key: string): unknown {
    const r = this.db
      .prepare('SELECT checkpoint FROM checkpoints WHERE task_id = ? AND key = ?')
      .get(taskId, key) as { checkpoint: string } | undefined
    return r ? JSON.parse(r.checkpoint) : null
  }

  setCheckpoint(taskId: number, key: string, cp: unknown): void {
    this.db
      .prepare(
        'INSERT INTO checkpoints (task_id, key, checkpoint) VALUES (?, ?, ?) ON CONFLICT(task_id, key) DO UPDATE SET checkpoint = excluded.checkpoint',
      )
      .run(taskId, key, JSON.stringify(cp))
  }

  deleteCheckpoint(taskId: number, key: string): void {
    this.db.prepare('DELETE FROM checkpoints WHERE task_id = ? AND key = ?').run(taskId, key)
  }

  close(): void {
    if (this.db.open) this.db.close()
  }
}
