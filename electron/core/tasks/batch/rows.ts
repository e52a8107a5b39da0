/**
 * batch.db's schema (numbered migrations) and the mapping between its rows and the records
 * `BatchStore` hands out (snake_case columns ↔ camelCase fields).
 */
import type { BatchLineRecord, BatchLineState, BatchTaskRecord, BatchTaskState } from './store'

export const MIGRATIONS = [
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
  // The job (jobs.db) that prepares the task's pictures (prepare.ts).
  `ALTER TABLE tasks ADD COLUMN prepare_job_id INTEGER;`,
]

export interface TaskRow {
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
  prepare_job_id: number | null
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

export interface LineRow {
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

export function toTask(r: TaskRow): BatchTaskRecord {
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
    prepareJobId: r.prepare_job_id,
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

export function toLine(r: LineRow): BatchLineRecord {
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
export const COLUMNS: Record<string, string> = {
  state: 'state',
  detail: 'detail',
  bucket: 'bucket',
  path: 'path',
  stagingDir: 'staging_dir',
  prepareJobId: 'prepare_job_id',
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
