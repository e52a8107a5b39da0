/**
 * Watch rules and what each knows of its folder, in `<dataDir>/watch.db` (better-sqlite3, WAL):
 * readable by the CLI while a host runs the watchers, and surviving restarts.
 *
 * - `rules`: the rule (folder, profile, naming rule, defaults, on-delete, include/exclude globs),
 *   whether the user paused it, and the live state the runner writes (state, detail, pause reason,
 *   last scan and sync), plus an apply request another process may leave for the runner.
 * - `files`: every picture of the folder the rule tracks — size, mtime and SHA-256 (so a rescan
 *   only hashes what changed), the ids it was sent under, its sync state and last error, and the
 *   job item carrying its last change. A file or folder that cannot be read is a `failed` row with
 *   the OS reason (`error_reason`, e.g. EACCES); a folder's row ends with `/` (the rule's own
 *   folder is `./`); a link the rule does not follow is a `skipped` row.
 */

import type Database from 'better-sqlite3'
import type { WatchFileState, WatchRuleState } from '../../domain'
import type { BulkAddFields } from '../jobs/bulk-add/types'
import { openMigrated } from '../util/sqlite'

export type OnDelete = 'remove' | 'keep'
export type RuleState = WatchRuleState
export type PauseReason = 'user' | 'folder-missing' | 'mass-delete'
export type FileState = WatchFileState

export interface RuleRecord {
  id: number
  folder: string
  profile: string
  naming: string
  defaults: BulkAddFields
  onDelete: OnDelete
  include: string[]
  exclude: string[]
  /** Follow links (to files or folders) whose target is outside the folder (default off). */
  followSymlinks: boolean
  /** Paused by the user (the runner leaves it alone). */
  paused: boolean
  state: RuleState
  pauseReason: PauseReason | null
  detail: string | null
  lastScanAt: number | null
  lastSyncAt: number | null
  /** Set by a process that is not the runner: scan the folder again now (when it was asked). */
  rescanRequest: number | null
  /** When the runner next tries the files and folders it could not read (null: none). */
  nextRetryAt: number | null
  /** Set by a process that is not the runner: apply a reconcile (JSON {at}). */
  applyRequest: { at: number } | null
  /** What the runner did with the last request. */
  applyResult: {
    at: number
    jobId: number | null
    add: number
    update: number
    delete: number
    error?: string
  } | null
  createdAt: number
  updatedAt: number
}

export interface FileRecord {
  ruleId: number
  relPath: string
  size: number
  mtimeMs: number
  sha256: string | null
  productId: string | null
  picName: string | null
  state: FileState
  jobId: number | null
  itemKey: string | null
  errorCode: string | null
  errorMessage: string | null
  /** The OS error code of a file or folder that could not be read (EACCES, ELOOP…). */
  errorReason: string | null
  updatedAt: number
}

/** The codes of a file or folder that could not be read (the rows the runner retries). */
export const UNREADABLE_CODES = ['WatchFileUnreadable', 'WatchFolderUnreadable'] as const

/** A row's error: code, message and, for an unreadable file or folder, the OS error code. */
export interface RowError {
  code: string
  message: string
  reason?: string | null
}

const MIGRATIONS = [
  `
  CREATE TABLE rules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    folder TEXT NOT NULL,
    profile TEXT NOT NULL,
    naming TEXT NOT NULL DEFAULT 'folder',
    defaults TEXT NOT NULL DEFAULT '{}',
    on_delete TEXT NOT NULL DEFAULT 'keep',
    include TEXT NOT NULL DEFAULT '[]',
    exclude TEXT NOT NULL DEFAULT '[]',
    paused INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'idle',
    pause_reason TEXT,
    detail TEXT,
    last_scan_at INTEGER,
    last_sync_at INTEGER,
    apply_request TEXT,
    apply_result TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE files (
    rule_id INTEGER NOT NULL REFERENCES rules(id) ON DELETE CASCADE,
    rel_path TEXT NOT NULL,
    size INTEGER NOT NULL DEFAULT 0,
    mtime_ms INTEGER NOT NULL DEFAULT 0,
    sha256 TEXT,
    product_id TEXT,
    pic_name TEXT,
    state TEXT NOT NULL,
    job_id INTEGER,
    item_key TEXT,
    error_code TEXT,
    error_message TEXT,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (rule_id, rel_path)
  ) WITHOUT ROWID;
  CREATE INDEX files_job ON files(job_id, item_key);
  CREATE INDEX files_state ON files(rule_id, state);
  `,
  `
  ALTER TABLE rules ADD COLUMN follow_symlinks INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE rules ADD COLUMN rescan_request INTEGER;
  ALTER TABLE rules ADD COLUMN next_retry_at INTEGER;
  ALTER TABLE files ADD COLUMN error_reason TEXT;
  `,
]

interface RuleRow {
  id: number
  folder: string
  profile: string
  naming: string
  defaults: string
  on_delete: string
  include: string
  exclude: string
  follow_symlinks: number
  rescan_request: number | null
  next_retry_at: number | null
  paused: number
  state: string
  pause_reason: string | null
  detail: string | null
  last_scan_at: number | null
  last_sync_at: number | null
  apply_request: string | null
  apply_result: string | null
  created_at: number
  updated_at: number
}

interface FileRow {
  rule_id: number
  rel_path: string
  size: number
  mtime_ms: number
  sha256: string | null
  product_id: string | null
  pic_name: string | null
  state: string
  job_id: number | null
  item_key: string | null
  error_code: string | null
  error_message: string | null
  error_reason: string | null
  updated_at: number
}

function toRule(r: RuleRow): RuleRecord {
  return {
    id: r.id,
    folder: r.folder,
    profile: r.profile,
    naming: r.naming,
    defaults: JSON.parse(r.defaults),
    onDelete: r.on_delete as OnDelete,
    include: JSON.parse(r.include),
    exclude: JSON.parse(r.exclude),
    followSymlinks: r.follow_symlinks === 1,
    paused: r.paused === 1,
    state: r.state as RuleState,
    pauseReason: r.pause_reason as PauseReason | null,
    detail: r.detail,
    lastScanAt: r.last_scan_at,
    lastSyncAt: r.last_sync_at,
    rescanRequest: r.rescan_request,
    nextRetryAt: r.next_retry_at,
    applyRequest: r.apply_request ? JSON.parse(r.apply_request) : null,
    applyResult: r.apply_result ? JSON.parse(r.apply_result) : null,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }
}

function toFile(r: FileRow): FileRecord {
  return {
    ruleId: r.rule_id,
    relPath: r.rel_path,
    size: r.size,
    mtimeMs: r.mtime_ms,
    sha256: r.sha256,
    productId: r.product_id,
    picName: r.pic_name,
    state: r.state as FileState,
    jobId: r.job_id,
    itemKey: r.item_key,
    errorCode: r.error_code,
    errorMessage: r.error_message,
    errorReason: r.error_reason,
    updatedAt: r.updated_at,
  }
}

const RULE_COLUMNS: Record<string, string> = {
  folder: 'folder',
  profile: 'profile',
  naming: 'naming',
  defaults: 'defaults',
  onDelete: 'on_delete',
  include: 'include',
  exclude: 'exclude',
  followSymlinks: 'follow_symlinks',
  rescanRequest: 'rescan_request',
  nextRetryAt: 'next_retry_at',
  paused: 'paused',
  state: 'state',
  pauseReason: 'pause_reason',
  detail: 'detail',
  lastScanAt: 'last_scan_at',
  lastSyncAt: 'last_sync_at',
  applyRequest: 'apply_request',
  applyResult: 'apply_result',
}
const JSON_COLUMNS = new Set(['defaults', 'include', 'exclude', 'applyRequest', 'applyResult'])

export type RulePatch = Partial<Omit<RuleRecord, 'id' | 'createdAt' | 'updatedAt'>>

export class WatchStore {
  readonly db: Database.Database
  private readonly now: () => number

  constructor(file: string, opts: { now?: () => number } = {}) {
    this.db = openMigrated(file, MIGRATIONS)
    this.now = opts.now ?? Date.now
  }

  /** Changes whenever another connection commits (cheap "did anything change?" check). */
  dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number
  }

  addRule(r: {
    folder: string
    profile: string
    naming: string
    defaults: BulkAddFields
    onDelete: OnDelete
    include: string[]
    exclude: string[]
    followSymlinks?: boolean
  }): RuleRecord {
    const now = this.now()
    const res = this.db
      .prepare(
        `INSERT INTO rules (folder, profile, naming, defaults, on_delete, include, exclude, follow_symlinks, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        r.folder,
        r.profile,
        r.naming,
        JSON.stringify(r.defaults),
        r.onDelete,
        JSON.stringify(r.include),
        JSON.stringify(r.exclude),
        r.followSymlinks ? 1 : 0,
        now,
        now,
      )
    return this.rule(Number(res.lastInsertRowid))!
  }

  rule(id: number): RuleRecord | null {
    const r = this.db.prepare('SELECT * FROM rules WHERE id = ?').get(id) as RuleRow | undefined
    return r ? toRule(r) : null
  }

  rules(): RuleRecord[] {
    return (this.db.prepare('SELECT * FROM rules ORDER BY id').all() as RuleRow[]).map(toRule)
  }

  updateRule(id: number, patch: RulePatch): RuleRecord | null {
    const sets = ['updated_at = ?']
    const args: unknown[] = [this.now()]
    for (const [k, v] of Object.entries(patch)) {
      const col = RULE_COLUMNS[k]
      if (!col) throw new Error(`unknown rule field ${k}`)
      sets.push(`${col} = ?`)
      args.push(
        JSON_COLUMNS.has(k)
          ? v === null
            ? null
            : JSON.stringify(v)
          : typeof v === 'boolean'
            ? Number(v)
            : (v ?? null),
      )
    }
    this.db.prepare(`UPDATE rules SET ${sets.join(', ')} WHERE id = ?`).run(...args, id)
    return this.rule(id)
  }

  removeRule(id: number): boolean {
    return this.db.prepare('DELETE FROM rules WHERE id = ?').run(id).changes > 0
  }

  file(ruleId: number, relPath: string): FileRecord | null {
    const r = this.db
      .prepare('SELECT * FROM files WHERE rule_id = ? AND rel_path = ?')
      .get(ruleId, relPath) as FileRow | undefined
    return r ? toFile(r) : null
  }

  files(
    ruleId: number,
    opts: { states?: FileState[]; offset?: number; limit?: number } = {},
  ): { files: FileRecord[]; total: number } {
    const args: unknown[] = [ruleId]
    let w = 'rule_id = ?'
    if (opts.states?.length) {
      w += ` AND state IN (${opts.states.map(() => '?').join(',')})`
      args.push(...opts.states)
    }
    const total = (
      this.db.prepare(`SELECT count(*) n FROM files WHERE ${w}`).get(...args) as { n: number }
    ).n
    const rows = this.db
      .prepare(`SELECT * FROM files WHERE ${w} ORDER BY rel_path LIMIT ? OFFSET ?`)
      .all(...args, opts.limit ?? 1_000_000, opts.offset ?? 0) as FileRow[]
    return { files: rows.map(toFile), total }
  }

  /** Every tracked file of a rule, by relative path. */
  fileMap(ruleId: number): Map<string, FileRecord> {
    const m = new Map<string, FileRecord>()
    for (const r of this.db
      .prepare('SELECT * FROM files WHERE rule_id = ?')
      .iterate(ruleId) as IterableIterator<FileRow>) {
      m.set(r.rel_path, toFile(r))
    }
    return m
  }

  counts(ruleId: number): Record<FileState, number> {
    const out: Record<FileState, number> = {
      pending: 0,
      synced: 0,
      failed: 0,
      rejected: 0,
      deleting: 0,
      skipped: 0,
    }
    for (const r of this.db
      .prepare('SELECT state, count(*) n FROM files WHERE rule_id = ? GROUP BY state')
      .all(ruleId) as { state: FileState; n: number }[]) {
      out[r.state] = r.n
    }
    return out
  }

  /** Failed rows of files and folders that could not be read (what the runner retries). */
  unreadableCount(ruleId: number): number {
    return (
      this.db
        .prepare(
          `SELECT count(*) n FROM files WHERE rule_id = ? AND state = 'failed' AND error_code IN (${UNREADABLE_CODES.map(() => '?').join(',')})`,
        )
        .get(ruleId, ...UNREADABLE_CODES) as { n: number }
    ).n
  }

  upsertFile(
    f: Omit<FileRecord, 'updatedAt' | 'errorReason'> & { errorReason?: string | null },
  ): void {
    this.db
      .prepare(
        `INSERT INTO files (rule_id, rel_path, size, mtime_ms, sha256, product_id, pic_name, state, job_id, item_key, error_code, error_message, error_reason, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(rule_id, rel_path) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms,
           sha256 = excluded.sha256, product_id = excluded.product_id, pic_name = excluded.pic_name,
           state = excluded.state, job_id = excluded.job_id, item_key = excluded.item_key,
           error_code = excluded.error_code, error_message = excluded.error_message,
           error_reason = excluded.error_reason, updated_at = excluded.updated_at`,
      )
      .run(
        f.ruleId,
        f.relPath,
        f.size,
        Math.round(f.mtimeMs),
        f.sha256,
        f.productId,
        f.picName,
        f.state,
        f.jobId,
        f.itemKey,
        f.errorCode,
        f.errorMessage,
        f.errorReason ?? null,
        this.now(),
      )
  }

  setFileState(
    ruleId: number,
    relPath: string,
    state: FileState,
    error: RowError | null = null,
  ): void {
    this.db
      .prepare(
        'UPDATE files SET state = ?, error_code = ?, error_message = ?, error_reason = ?, updated_at = ? WHERE rule_id = ? AND rel_path = ?',
      )
      .run(
        state,
        error?.code ?? null,
        error?.message ?? null,
        error?.reason ?? null,
        this.now(),
        ruleId,
        relPath,
      )
  }

  removeFile(ruleId: number, relPath: string): void {
    this.db.prepare('DELETE FROM files WHERE rule_id = ? AND rel_path = ?').run(ruleId, relPath)
  }

  /** The files carried by a job item (normally one). */
  filesOfItem(jobId: number, itemKey: string): FileRecord[] {
    return (
      this.db
        .prepare('SELECT * FROM files WHERE job_id = ? AND item_key = ?')
        .all(jobId, itemKey) as FileRow[]
    ).map(toFile)
  }

  /** Files still waiting for a job (pending or deleting), with their job ids. */
  unsettled(): FileRecord[] {
    return (
      this.db
        .prepare(`SELECT * FROM files WHERE state IN ('pending','deleting') AND job_id IS NOT NULL`)
        .all() as FileRow[]
    ).map(toFile)
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)()
  }

  close(): void {
    if (this.db.open) this.db.close()
  }
}
