/**
 * Batch tasks as Loupe runs them, in `<dataDir>/batch.db` (better-sqlite3, WAL): the task (source,
 * options, stage, engine task id, counts, timings, errors), every line of its increment.meta (the
 * picture's source, the JSON line, its state and error), and multipart-upload checkpoints. A
 * restart resumes each task at its stage; the CLI can read the file while a host writes it.
 */

import type Database from 'better-sqlite3'
import type { BatchSource, MetaLine, PlannedLine } from './batch-meta'
import type { BulkAddFields } from '../jobs/bulk-add/types'
import { openMigrated } from '../util/sqlite'

export const TASK_STATES = [
  'queued',
  'preparing',
  'uploading',
  'submitting',
  'processing',
  'success',
  'failed',
  'cancelled',
] as const
export type BatchTaskState = (typeof TASK_STATES)[number]
export const FINAL_STATES: readonly BatchTaskState[] = ['success', 'failed', 'cancelled']

export const LINE_STATES = ['planned', 'rejected', 'staged', 'uploaded', 'ok', 'failed'] as const
export type BatchLineState = (typeof LINE_STATES)[number]

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

export interface BatchTaskRecord {
  id: number
  profile: string
  engineKind: 'local' | 'cloud'
  title: string
  source: BatchSource | { type: 'retry'; of: number }
  options: BatchTaskOptions
  state: BatchTaskState
  /** Human progress or outcome ("uploading 12 of 40 files"). */
  detail: string | null
  bucket: string | null
  path: string | null
  stagingDir: string | null
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

const MIGRATIONS = [
  `
  CREATE TABLE tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    profile TEXT NOT NULL,
    engine_kind TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL,
    options TEXT NOT NULL,
    state TEXT NOT NULL,
    detail TEXT,
    bucket TEXT,
    path TEXT,
    staging_dir TEXT,
    engine_task_id INTEGER,
    engine_status TEXT,
    engine_code TEXT,
    engine_message TEXT,
    error_url TEXT,
    lines_total INTEGER NOT NULL DEFAULT 0,
    lines_rejected INTEGER NOT NULL DEFAULT 0,
    lines_ok INTEGER NOT NULL DEFAULT 0,
    lines_failed INTEGER NOT NULL DEFAULT 0,
    files_total INTEGER NOT NULL DEFAULT 0,
    files_done INTEGER NOT NULL DEFAULT 0,
    bytes_total INTEGER NOT NULL DEFAULT 0,
    bytes_done INTEGER NOT NULL DEFAULT 0,
    error_code TEXT,
    error_message TEXT,
    error_hint TEXT,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    prepared_at INTEGER,
    uploaded_at INTEGER,
    submitted_at INTEGER,
    finished_at INTEGER,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX tasks_profile ON tasks(profile, id);
  CREATE INDEX tasks_state ON tasks(state);
  CREATE TABLE lines (
    task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    meta_line INTEGER,
    op TEXT NOT NULL,
    source TEXT,
    origin TEXT NOT NULL,
    meta TEXT NOT NULL,
    state TEXT NOT NULL,
    code TEXT,
    message TEXT,
    bytes INTEGER NOT NULL DEFAULT 0,
    sha256 TEXT,
    phash TEXT,
    thumbnail TEXT,
    PRIMARY KEY (task_id, seq)
  ) WITHOUT ROWID;
  CREATE INDEX lines_state ON lines(task_id, state, seq);
  CREATE INDEX lines_meta ON lines(task_id, meta_line);
  CREATE TABLE checkpoints (
    task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    checkpoint TEXT NOT NULL,
    PRIMARY KEY (task_id, key)
  ) WITHOUT ROWID;
  `,
]

interface TaskRow {
  id: number
  profile: string
  engine_kind: string
  title: string
  source: string
  options: string
  state: string
  detail: string | null
  bucket: string | null
  path: string | null
  staging_dir: string | null
  engine_task_id: number | null
  engine_status: string | null
  engine_code: string | null
  engine_message: string | null
  error_url: string | null
  lines_total: number
  lines_rejected: number
  lines_ok: number
  lines_failed: number
  files_total: number
  files_done: number
  bytes_total: number
  bytes_done: number
  error_code: string | null
  error_message: string | null
  error_hint: string | null
  created_at: number
  started_at: number | null
  prepared_at: number | null
  uploaded_at: number | null
  submitted_at: number | null
  finished_at: number | null
  updated_at: number
}

interface LineRow {
  task_id: number
  seq: number
  meta_line: number | null
  op: string
  source: string | null
  origin: string
  meta: string
  state: string
  code: string | null
  message: string | null
  bytes: number
  sha256: string | null
  phash: string | null
  thumbnail: string | null
}

function toTask(r: TaskRow): BatchTaskRecord {
  return {
    id: r.id,
    profile: r.profile,
    engineKind: r.engine_kind as 'local' | 'cloud',
    title: r.title,
    source: JSON.parse(r.source),
    options: JSON.parse(r.options),
    state: r.state as BatchTaskState,
    detail: r.detail,
    bucket: r.bucket,
    path: r.path,
    stagingDir: r.staging_dir,
    engineTaskId: r.engine_task_id,
    engineStatus: r.engine_status,
    engineCode: r.engine_code,
    engineMessage: r.engine_message,
    errorUrl: r.error_url,
    linesTotal: r.lines_total,
    linesRejected: r.lines_rejected,
    linesOk: r.lines_ok,
    linesFailed: r.lines_failed,
    filesTotal: r.files_total,
    filesDone: r.files_done,
    bytesTotal: r.bytes_total,
    bytesDone: r.bytes_done,
    error: r.error_code
      ? {
          code: r.error_code,
          message: r.error_message ?? '',
          ...(r.error_hint ? { hint: r.error_hint } : {}),
        }
      : null,
    createdAt: r.created_at,
    startedAt: r.started_at,
    preparedAt: r.prepared_at,
    uploadedAt: r.uploaded_at,
    submittedAt: r.submitted_at,
    finishedAt: r.finished_at,
    updatedAt: r.updated_at,
  }
}

function toLine(r: LineRow): BatchLineRecord {
  return {
    taskId: r.task_id,
    seq: r.seq,
    metaLine: r.meta_line,
    op: r.op as 'add' | 'delete',
    source: r.source,
    origin: r.origin,
    meta: JSON.parse(r.meta),
    state: r.state as BatchLineState,
    code: r.code,
    message: r.message,
    bytes: r.bytes,
    sha256: r.sha256,
    phash: r.phash,
    thumbnail: r.thumbnail,
  }
}

/** camelCase task fields → columns, for partial updates. */
const COLUMNS: Record<string, string> = {
  state: 'state',
  detail: 'detail',
  bucket: 'bucket',
  path: 'path',
  stagingDir: 'staging_dir',
  engineTaskId: 'engine_task_id',
  engineStatus: 'engine_status',
  engineCode: 'engine_code',
  engineMessage: 'engine_message',
  errorUrl: 'error_url',
  linesTotal: 'lines_total',
  linesRejected: 'lines_rejected',
  linesOk: 'lines_ok',
  linesFailed: 'lines_failed',
  filesTotal: 'files_total',
  filesDone: 'files_done',
  bytesTotal: 'bytes_total',
  bytesDone: 'bytes_done',
  startedAt: 'started_at',
  preparedAt: 'prepared_at',
  uploadedAt: 'uploaded_at',
  submittedAt: 'submitted_at',
  finishedAt: 'finished_at',
}

export type TaskPatch = Partial<
  Pick<
    BatchTaskRecord,
    | 'state'
    | 'detail'
    | 'bucket'
    | 'path'
    | 'stagingDir'
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
