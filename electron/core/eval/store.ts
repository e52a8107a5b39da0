/**
 * Where quality runs are saved: one SQLite file per profile (`profiles/<name>/eval.db`), so a run's
 * results live with the profile they measure and go when it is removed. A run over several
 * profiles is written in each (the same run row; each file holds its profile's query rows).
 */

import fs from 'node:fs'
import path from 'node:path'
import type Database from 'better-sqlite3'
import { openMigrated } from '../util/sqlite'
import type {
  EvalHit,
  EvalOptions,
  EvalRow,
  FailureReason,
  TestQuery,
} from '../../api/domains/eval'
import type { ItemError } from '../jobs/types'

const MIGRATIONS = [
  `CREATE TABLE runs (
     run_id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     test_set TEXT NOT NULL,
     naming TEXT NOT NULL,
     profiles TEXT NOT NULL,
     options TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     job_id INTEGER,
     queries INTEGER NOT NULL
   );
   CREATE TABLE rows (
     run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
     idx INTEGER NOT NULL,
     query TEXT NOT NULL,
     source TEXT NOT NULL,
     state TEXT NOT NULL DEFAULT 'pending',
     rank INTEGER,
     top TEXT NOT NULL DEFAULT '[]',
     latency_ms REAL,
     api_calls INTEGER NOT NULL DEFAULT 0,
     error TEXT,
     reason TEXT,
     reason_detail TEXT,
     detected_category INTEGER,
     detected_region TEXT,
     expected TEXT,
     expected_category INTEGER,
     PRIMARY KEY (run_id, idx)
   ) WITHOUT ROWID;`,
  // The descriptor each local profile searched with when the run started (engines/local/space.ts):
  // {"profile": 0} the plain one, {"profile": 3} adapted space 3; cloud profiles are absent.
  `ALTER TABLE runs ADD COLUMN descriptors TEXT NOT NULL DEFAULT '{}';`,
]

export interface RunRecord {
  runId: string
  name: string
  testSet: string
  naming: string
  profiles: string[]
  options: EvalOptions
  createdAt: number
  jobId: number | null
  queries: number
  /** Per local profile: the adapted space it searched with when the run started (0: none). */
  descriptors: Record<string, number>
}

/** One query's outcome as the job writes it. */
export interface RowOutcome {
  state: 'done' | 'failed'
  rank: number | null
  top: EvalHit[]
  latencyMs: number | null
  apiCalls: number
  error: ItemError | null
  reason: FailureReason | null
  reasonDetail: string | null
  detected: { categoryId: number | null; region: string | null }
  expected: { productId: string; picName: string } | null
  /** The expected category (the query's, else the expected product's); null when unknown. */
  expectedCategory: number | null
}

export interface StoredRow extends EvalRow {
  expectedCategory: number | null
  /** The query picture's absolute path (never shown to callers). */
  source: string
}

interface RowRecord {
  idx: number
  query: string
  source: string
  state: string
  rank: number | null
  top: string
  latency_ms: number | null
  api_calls: number
  error: string | null
  reason: string | null
  reason_detail: string | null
  detected_category: number | null
  detected_region: string | null
  expected: string | null
  expected_category: number | null
}

interface RunRow {
  run_id: string
  name: string
  test_set: string
  naming: string
  profiles: string
  options: string
  created_at: number
  job_id: number | null
  queries: number
  descriptors: string
}

function toRun(r: RunRow): RunRecord {
  return {
    runId: r.run_id,
    name: r.name,
    testSet: r.test_set,
    naming: r.naming,
    profiles: JSON.parse(r.profiles) as string[],
    options: JSON.parse(r.options) as EvalOptions,
    createdAt: r.created_at,
    jobId: r.job_id,
    queries: r.queries,
    descriptors: JSON.parse(r.descriptors) as Record<string, number>,
  }
}

function toRow(r: RowRecord): StoredRow {
  return {
    index: r.idx,
    query: JSON.parse(r.query) as TestQuery,
    state: r.state as StoredRow['state'],
    rank: r.rank,
    top: JSON.parse(r.top) as EvalHit[],
    latencyMs: r.latency_ms,
    apiCalls: r.api_calls,
    error: r.error ? (JSON.parse(r.error) as ItemError) : null,
    reason: r.reason as FailureReason | null,
    reasonDetail: r.reason_detail,
    detected: { categoryId: r.detected_category, region: r.detected_region },
    expected: r.expected ? (JSON.parse(r.expected) as StoredRow['expected']) : null,
    expectedCategory: r.expected_category,
    source: r.source,
  }
}

/** Rows not found first: every state but a rank-1 answer (errors included, pending excluded). */
const FAILED_SQL = `(state = 'failed' OR (state = 'done' AND (rank IS NULL OR rank > 1)))`

export class EvalStore {
  private readonly db: Database.Database

  constructor(file: string) {
    this.db = openMigrated(file, MIGRATIONS)
  }

  /** Saves a run and one pending row per query (a second call for the same run is a no-op). */
  createRun(run: RunRecord, queries: (TestQuery & { source: string })[]): void {
    const insRun = this.db.prepare(
      `INSERT OR IGNORE INTO runs (run_id, name, test_set, naming, profiles, options, created_at, job_id, queries, descriptors)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    const insRow = this.db.prepare(
      `INSERT OR IGNORE INTO rows (run_id, idx, query, source) VALUES (?, ?, ?, ?)`,
    )
    this.db.transaction(() => {
      insRun.run(
        run.runId,
        run.name,
        run.testSet,
        run.naming,
        JSON.stringify(run.profiles),
        JSON.stringify(run.options),
        run.createdAt,
        run.jobId,
        run.queries,
        JSON.stringify(run.descriptors),
      )
      for (const { source, ...q } of queries)
        insRow.run(run.runId, q.index, JSON.stringify(q), source)
    })()
  }

  setJob(runId: string, jobId: number): void {
    this.db.prepare(`UPDATE runs SET job_id = ? WHERE run_id = ?`).run(jobId, runId)
  }

  getRun(runId: string): RunRecord | null {
    const r = this.db.prepare(`SELECT * FROM runs WHERE run_id = ?`).get(runId) as
      RunRow | undefined
    return r ? toRun(r) : null
  }

  listRuns(): RunRecord[] {
    return (this.db.prepare(`SELECT * FROM runs ORDER BY created_at DESC`).all() as RunRow[]).map(
      toRun,
    )
  }

  record(runId: string, index: number, o: RowOutcome): void {
    this.db
      .prepare(
        `UPDATE rows SET state = ?, rank = ?, top = ?, latency_ms = ?, api_calls = ?, error = ?,
           reason = ?, reason_detail = ?, detected_category = ?, detected_region = ?, expected = ?,
           expected_category = ?
         WHERE run_id = ? AND idx = ?`,
      )
      .run(
        o.state,
        o.rank,
        JSON.stringify(o.top),
        o.latencyMs,
        o.apiCalls,
        o.error ? JSON.stringify(o.error) : null,
        o.reason,
        o.reasonDetail,
        o.detected.categoryId,
        o.detected.region,
        o.expected ? JSON.stringify(o.expected) : null,
        o.expectedCategory,
        runId,
        index,
      )
  }

  /** The calls a query's attempts made so far (kept while the queue retries it). */
  setCalls(runId: string, index: number, apiCalls: number): void {
    this.db
      .prepare(`UPDATE rows SET api_calls = ? WHERE run_id = ? AND idx = ?`)
      .run(apiCalls, runId, index)
  }

  /** Every row of a run, in query order. */
  rows(runId: string): StoredRow[] {
    return (
      this.db.prepare(`SELECT * FROM rows WHERE run_id = ? ORDER BY idx`).all(runId) as RowRecord[]
    ).map(toRow)
  }

  row(runId: string, index: number): StoredRow | null {
    const r = this.db
      .prepare(`SELECT * FROM rows WHERE run_id = ? AND idx = ?`)
      .get(runId, index) as RowRecord | undefined
    return r ? toRow(r) : null
  }

  page(
    runId: string,
    opts: { failed: boolean; offset: number; limit: number },
  ): { rows: StoredRow[]; total: number } {
    const where = `run_id = ?${opts.failed ? ` AND ${FAILED_SQL}` : ''}`
    const total = (
      this.db.prepare(`SELECT count(*) AS n FROM rows WHERE ${where}`).get(runId) as { n: number }
    ).n
    const rows = (
      this.db
        .prepare(`SELECT * FROM rows WHERE ${where} ORDER BY idx LIMIT ? OFFSET ?`)
        .all(runId, opts.limit, opts.offset) as RowRecord[]
    ).map(toRow)
    return { rows, total }
  }

  removeRun(runId: string): boolean {
    return this.db.prepare(`DELETE FROM runs WHERE run_id = ?`).run(runId).changes > 0
  }

  close(): void {
    this.db.close()
  }
}

/** The eval stores of a data folder's profiles, opened on first use. */
export function createEvalStores(dirOf: (profile: string) => string) {
  const open = new Map<string, EvalStore>()
  const fileOf = (profile: string) => path.join(dirOf(profile), 'eval.db')
  return {
    /** The profile's store (created when missing). */
    get(profile: string): EvalStore {
      let s = open.get(profile)
      if (!s) {
        s = new EvalStore(fileOf(profile))
        open.set(profile, s)
      }
      return s
    },
    /** The profile's store when it has one (nothing created). */
    existing(profile: string): EvalStore | null {
      if (open.has(profile)) return open.get(profile)!
      return fs.existsSync(fileOf(profile)) ? this.get(profile) : null
    },
    close(profile?: string): void {
      for (const [name, s] of open) {
        if (profile && name !== profile) continue
        s.close()
        open.delete(name)
      }
    },
  }
}

export type EvalStores = ReturnType<typeof createEvalStores>
