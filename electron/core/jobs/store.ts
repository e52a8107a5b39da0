/**
 * The queue's SQLite store (better-sqlite3, WAL). Every item transition and the job's counters
 * change in one transaction, so a crash at any moment leaves a consistent state: at most the items
 * marked `running` were possibly sent, and they are re-sent on restart.
 */

import type Database from 'better-sqlite3'
import type {
  ItemError,
  ItemRecord,
  ItemState,
  JobCounts,
  JobId,
  JobInfo,
  JobState,
  NewItem,
} from './types'
import { openMigrated } from '../util/sqlite'
import { COUNTER, MIGRATIONS, toItem, toJobInfo, type ItemRow, type JobRow } from './store-schema'

export interface StoreOptions {
  now?: () => number
}

export interface CreateJobInput<P = unknown> {
  kind: string
  profile: string
  title?: string
  params?: P
  concurrency?: number
  fingerprint?: string | null
  /** False while more items will be added (call sealJob when done). Default true. */
  sealed?: boolean
  state?: 'queued' | 'paused'
}

export class JobStore {
  readonly db: Database.Database
  private readonly now: () => number
  private readonly stmt: ReturnType<JobStore['prepare']>

  constructor(dbPath: string, opts: StoreOptions = {}) {
    // WAL + NORMAL: a crash loses nothing committed; after a power loss an item may be re-sent.
    this.db = openMigrated(dbPath, MIGRATIONS)
    this.now = opts.now ?? Date.now
    this.stmt = this.prepare()
  }

  private prepare() {
    const db = this.db
    return {
      insertJob: db.prepare(
        `INSERT INTO jobs (kind, profile, title, params, state, sealed, concurrency, fingerprint,
           created_at, updated_at)
         VALUES (@kind, @profile, @title, @params, @state, @sealed, @concurrency, @fingerprint,
           @now, @now)`,
      ),
      getJob: db.prepare(`SELECT * FROM jobs WHERE id = ?`),
      insertItem: db.prepare(
        `INSERT OR IGNORE INTO job_items (job_id, seq, key, payload, state, error_code,
           error_message, rejected, updated_at)
         VALUES (@jobId, @seq, @key, @payload, @state, @code, @message, @rejected, @now)`,
      ),
      getItem: db.prepare(`SELECT * FROM job_items WHERE job_id = ? AND seq = ?`),
      nextReady: db.prepare(
        // INDEXED BY: without it SQLite walks the primary key (done items included) for ORDER BY.
        `SELECT * FROM job_items INDEXED BY job_items_state
         WHERE job_id = ? AND state = 'pending' AND next_at <= ? ORDER BY seq LIMIT 1`,
      ),
      earliestPending: db.prepare(
        `SELECT MIN(next_at) AS t FROM job_items INDEXED BY job_items_state
         WHERE job_id = ? AND state = 'pending'`,
      ),
      claim: db.prepare(
        `UPDATE job_items SET state = 'running', attempts = attempts + 1, updated_at = ?
         WHERE job_id = ? AND seq = ? AND state = 'pending'`,
      ),
      setItem: db.prepare(
        `UPDATE job_items SET state = @state, attempts = @attempts, next_at = @nextAt,
           error_code = @code, error_message = @message, result = @result, updated_at = @now
         WHERE job_id = @jobId AND seq = @seq`,
      ),
      bumpCounters: db.prepare(`UPDATE jobs SET updated_at = ? WHERE id = ?`),
      setJobState: db.prepare(
        `UPDATE jobs SET state = @state, updated_at = @now, finished_at = @finishedAt,
           error_code = @code, error_message = @message WHERE id = @id`,
      ),
      seal: db.prepare(`UPDATE jobs SET sealed = 1, updated_at = ? WHERE id = ?`),
      byFingerprint: db.prepare(
        `SELECT * FROM jobs WHERE fingerprint = ? AND state IN ('queued','running','paused')
         ORDER BY id DESC LIMIT 1`,
      ),
      anyByFingerprint: db.prepare(
        `SELECT * FROM jobs WHERE fingerprint = ? ORDER BY id DESC LIMIT 1`,
      ),
      resumable: db.prepare(`SELECT * FROM jobs WHERE state IN ('queued','running') ORDER BY id`),
      releaseRunning: db.prepare(
        `UPDATE job_items SET state = 'pending', updated_at = ? WHERE job_id = ? AND state = 'running'`,
      ),
      recount: db.prepare(
        `SELECT state, COUNT(*) AS n FROM job_items WHERE job_id = ? GROUP BY state`,
      ),
      writeCounts: db.prepare(
        `UPDATE jobs SET total = @total, n_pending = @pending, n_running = @running,
           n_done = @done, n_failed = @failed, n_skipped = @skipped WHERE id = @id`,
      ),
      requeueFailed: db.prepare(
        `UPDATE job_items SET state = 'pending', attempts = 0, next_at = 0, error_code = NULL,
           error_message = NULL, updated_at = ? WHERE job_id = ? AND state = 'failed' AND rejected = 0`,
      ),
      deleteJob: db.prepare(`DELETE FROM jobs WHERE id = ?`),
    }
  }

  close(): void {
    if (this.db.open) this.db.close()
  }

  createJob(input: CreateJobInput): JobId {
    const info = this.stmt.insertJob.run({
      kind: input.kind,
      profile: input.profile,
      title: input.title ?? '',
      params: JSON.stringify(input.params ?? {}),
      state: input.state ?? 'queued',
      sealed: input.sealed === false ? 0 : 1,
      concurrency: Math.max(1, Math.floor(input.concurrency ?? 4)),
      fingerprint: input.fingerprint ?? null,
      now: this.now(),
    })
    return Number(info.lastInsertRowid)
  }

  /** Add items (one transaction). Items whose key is already in the job are ignored. */
  addItems(jobId: JobId, items: Iterable<NewItem>): { added: number; ignored: number } {
    let added = 0
    let ignored = 0
    this.db.transaction(() => {
      const job = this.rawJob(jobId)
      let seq = job.next_seq
      const delta: Record<ItemState, number> = {
        pending: 0,
        running: 0,
        done: 0,
        failed: 0,
        skipped: 0,
      }
      const now = this.now()
      for (const it of items) {
        const state = it.state ?? 'pending'
        const r = this.stmt.insertItem.run({
          jobId,
          seq,
          key: it.key,
          payload: JSON.stringify(it.payload ?? null),
          state,
          code: it.error?.code ?? null,
          message: it.error?.message ?? null,
          rejected: it.rejected || state === 'failed' ? 1 : 0,
          now,
        })
        if (r.changes === 0) {
          ignored++
          continue
        }
        seq++
        added++
        delta[state]++
      }
      this.db
        .prepare(
          `UPDATE jobs SET next_seq = ?, total = total + ?, n_pending = n_pending + ?,
             n_failed = n_failed + ?, n_skipped = n_skipped + ?, updated_at = ? WHERE id = ?`,
        )
        .run(seq, added, delta.pending, delta.failed, delta.skipped, now, jobId)
    })()
    return { added, ignored }
  }

  sealJob(jobId: JobId): void {
    this.stmt.seal.run(this.now(), jobId)
  }

  private rawJob(jobId: JobId): JobRow {
    const row = this.stmt.getJob.get(jobId) as JobRow | undefined
    if (!row) throw new Error(`No job ${jobId}`)
    return row
  }

  getJob<P = unknown>(jobId: JobId): JobInfo<P> | undefined {
    const row = this.stmt.getJob.get(jobId) as JobRow | undefined
    return row ? toJobInfo<P>(row) : undefined
  }

  listJobs(filter: { states?: JobState[]; kind?: string; profile?: string; limit?: number } = {}) {
    const where: string[] = []
    const args: unknown[] = []
    if (filter.states?.length) {
      where.push(`state IN (${filter.states.map(() => '?').join(',')})`)
      args.push(...filter.states)
    }
    if (filter.kind) {
      where.push('kind = ?')
      args.push(filter.kind)
    }
    if (filter.profile) {
      where.push('profile = ?')
      args.push(filter.profile)
    }
    const sql = `SELECT * FROM jobs ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
      ORDER BY id DESC LIMIT ?`
    args.push(Math.max(1, Math.min(10_000, filter.limit ?? 100)))
    return (this.db.prepare(sql).all(...args) as JobRow[]).map((r) => toJobInfo(r))
  }

  findByFingerprint(fingerprint: string): JobInfo | undefined {
    const row = this.stmt.byFingerprint.get(fingerprint) as JobRow | undefined
    return row ? toJobInfo(row) : undefined
  }

  /** The newest job with this fingerprint, whatever its state. */
  findAnyByFingerprint(fingerprint: string): JobInfo | undefined {
    const row = this.stmt.anyByFingerprint.get(fingerprint) as JobRow | undefined
    return row ? toJobInfo(row) : undefined
  }

  /** Jobs that should run when the queue starts. */
  runnableJobs(): JobInfo[] {
    return (this.stmt.resumable.all() as JobRow[]).map((r) => toJobInfo(r))
  }

  setJobState(jobId: JobId, state: JobState, error: ItemError | null = null): void {
    const terminal = state === 'done' || state === 'cancelled' || state === 'failed'
    this.stmt.setJobState.run({
      id: jobId,
      state,
      now: this.now(),
      finishedAt: terminal ? this.now() : null,
      code: error?.code ?? null,
      message: error?.message ?? null,
    })
  }

  /**
   * Items left `running` by a crash (or a close while in flight) go back to pending: they may
   * have been sent, so they are sent again (AddImage overwrites the same productId+picName).
   */
  releaseRunning(jobId: JobId): number {
    let n = 0
    this.db.transaction(() => {
      n = this.stmt.releaseRunning.run(this.now(), jobId).changes
      this.recount(jobId)
    })()
    return n
  }

  /** releaseRunning for every job that has items marked running. Returns the jobs touched. */
  releaseAllRunning(): JobId[] {
    const ids = (
      this.db
        .prepare(`SELECT DISTINCT job_id AS id FROM job_items WHERE state = 'running'`)
        .all() as {
        id: number
      }[]
    ).map((r) => r.id)
    for (const id of ids) this.releaseRunning(id)
    return ids
  }

  recount(jobId: JobId): JobCounts {
    const counts: JobCounts = { total: 0, pending: 0, running: 0, done: 0, failed: 0, skipped: 0 }
    for (const r of this.stmt.recount.all(jobId) as { state: ItemState; n: number }[]) {
      counts[r.state] = r.n
      counts.total += r.n
    }
    this.stmt.writeCounts.run({ id: jobId, ...counts })
    return counts
  }

  /** Claim the next ready item (pending, not before its backoff time). */
  claimNext(jobId: JobId): ItemRecord | { waitUntil: number } | null {
    let out: ItemRecord | { waitUntil: number } | null = null
    this.db.transaction(() => {
      const now = this.now()
      const row = this.stmt.nextReady.get(jobId, now) as ItemRow | undefined
      if (!row) {
        const t = (this.stmt.earliestPending.get(jobId) as { t: number | null }).t
        out = t === null ? null : { waitUntil: t }
        return
      }
      this.stmt.claim.run(now, jobId, row.seq)
      this.move(jobId, 'pending', 'running', now)
      out = toItem({ ...row, state: 'running', attempts: row.attempts + 1, updated_at: now })
    })()
    return out
  }

  /** Move a running item to its outcome. */
  finishItem(
    item: ItemRecord,
    update: {
      state: ItemState
      error?: ItemError | null
      result?: unknown
      nextAt?: number
      attempts?: number
    },
  ): void {
    this.db.transaction(() => {
      const now = this.now()
      const cur = this.stmt.getItem.get(item.jobId, item.seq) as ItemRow | undefined
      if (!cur) return
      this.stmt.setItem.run({
        jobId: item.jobId,
        seq: item.seq,
        state: update.state,
        attempts: update.attempts ?? cur.attempts,
        nextAt: update.nextAt ?? 0,
        code: update.error?.code ?? null,
        message: update.error?.message ?? null,
        result: update.result === undefined ? cur.result : JSON.stringify(update.result ?? null),
        now,
      })
      this.move(item.jobId, cur.state, update.state, now)
    })()
  }

  requeueFailed(jobId: JobId): number {
    let n = 0
    this.db.transaction(() => {
      n = this.stmt.requeueFailed.run(this.now(), jobId).changes
      this.recount(jobId)
    })()
    return n
  }

  getItem(jobId: JobId, seq: number): ItemRecord | undefined {
    const row = this.stmt.getItem.get(jobId, seq) as ItemRow | undefined
    return row ? toItem(row) : undefined
  }

  listItems(
    jobId: JobId,
    opts: { states?: ItemState[]; offset?: number; limit?: number } = {},
  ): ItemRecord[] {
    const args: unknown[] = [jobId]
    let where = 'job_id = ?'
    if (opts.states?.length) {
      where += ` AND state IN (${opts.states.map(() => '?').join(',')})`
      args.push(...opts.states)
    }
    args.push(Math.max(1, Math.min(100_000, opts.limit ?? 1000)), Math.max(0, opts.offset ?? 0))
    return (
      this.db
        .prepare(`SELECT * FROM job_items WHERE ${where} ORDER BY seq LIMIT ? OFFSET ?`)
        .all(...args) as ItemRow[]
    ).map(toItem)
  }

  /** Iterate items of a job in seq order, in pages (for exports of large jobs). */
  *iterateItems(jobId: JobId, states?: ItemState[], pageSize = 1000): Generator<ItemRecord> {
    let lastSeq = -1
    const stateSql = states?.length ? ` AND state IN (${states.map(() => '?').join(',')})` : ''
    const stmt = this.db.prepare(
      `SELECT * FROM job_items WHERE job_id = ? AND seq > ?${stateSql} ORDER BY seq LIMIT ?`,
    )
    for (;;) {
      const rows = stmt.all(jobId, lastSeq, ...(states ?? []), pageSize) as ItemRow[]
      for (const r of rows) yield toItem(r)
      if (rows.length < pageSize) return
      lastSeq = rows[rows.length - 1].seq
    }
  }

  deleteJob(jobId: JobId): void {
    this.stmt.deleteJob.run(jobId)
  }

  private moves = new Map<string, Database.Statement>()

  private move(jobId: JobId, from: ItemState, to: ItemState, now: number): void {
    if (from === to) {
      this.stmt.bumpCounters.run(now, jobId)
      return
    }
    const k = `${from}>${to}`
    let st = this.moves.get(k)
    if (!st) {
      st = this.db.prepare(
        `UPDATE jobs SET ${COUNTER[from]} = ${COUNTER[from]} - 1, ${COUNTER[to]} = ${COUNTER[to]} + 1,
           updated_at = ? WHERE id = ?`,
      )
      this.moves.set(k, st)
    }
    st.run(now, jobId)
  }
}
