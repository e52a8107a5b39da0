/**
 * The queue store's schema (migrations), its rows, and their mapping to JobInfo and ItemRecord
 * (store.ts runs the statements).
 */

import type { ItemRecord, ItemState, JobInfo, JobState } from './types'

export const MIGRATIONS: string[] = [
  `
  CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    profile TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    params TEXT NOT NULL DEFAULT '{}',
    state TEXT NOT NULL CHECK (state IN ('queued','running','paused','cancelled','done','failed')),
    sealed INTEGER NOT NULL DEFAULT 1,
    concurrency INTEGER NOT NULL DEFAULT 4,
    fingerprint TEXT,
    total INTEGER NOT NULL DEFAULT 0,
    n_pending INTEGER NOT NULL DEFAULT 0,
    n_running INTEGER NOT NULL DEFAULT 0,
    n_done INTEGER NOT NULL DEFAULT 0,
    n_failed INTEGER NOT NULL DEFAULT 0,
    n_skipped INTEGER NOT NULL DEFAULT 0,
    next_seq INTEGER NOT NULL DEFAULT 0,
    error_code TEXT,
    error_message TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    finished_at INTEGER
  );
  CREATE INDEX jobs_fingerprint ON jobs(fingerprint) WHERE fingerprint IS NOT NULL;
  CREATE INDEX jobs_state ON jobs(state);
  CREATE TABLE job_items (
    job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    key TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending','running','done','failed','skipped')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER NOT NULL DEFAULT 0,
    error_code TEXT,
    error_message TEXT,
    result TEXT,
    rejected INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (job_id, seq),
    UNIQUE (job_id, key)
  ) WITHOUT ROWID;
  CREATE INDEX job_items_state ON job_items(job_id, state, seq);
  `,
]

export const COUNTER: Record<ItemState, string> = {
  pending: 'n_pending',
  running: 'n_running',
  done: 'n_done',
  failed: 'n_failed',
  skipped: 'n_skipped',
}

export interface JobRow {
  id: number
  kind: string
  profile: string
  title: string
  params: string
  state: JobState
  sealed: number
  concurrency: number
  fingerprint: string | null
  total: number
  n_pending: number
  n_running: number
  n_done: number
  n_failed: number
  n_skipped: number
  next_seq: number
  error_code: string | null
  error_message: string | null
  created_at: number
  updated_at: number
  finished_at: number | null
}

export interface ItemRow {
  job_id: number
  seq: number
  key: string
  payload: string
  state: ItemState
  attempts: number
  next_at: number
  error_code: string | null
  error_message: string | null
  result: string | null
  rejected: number
  updated_at: number
}

export function toJobInfo<P>(r: JobRow): JobInfo<P> {
  return {
    id: r.id,
    kind: r.kind,
    profile: r.profile,
    title: r.title,
    params: safeParse(r.params) as P,
    state: r.state,
    sealed: r.sealed === 1,
    concurrency: r.concurrency,
    fingerprint: r.fingerprint,
    counts: {
      total: r.total,
      pending: r.n_pending,
      running: r.n_running,
      done: r.n_done,
      failed: r.n_failed,
      skipped: r.n_skipped,
    },
    error: r.error_code ? { code: r.error_code, message: r.error_message ?? '' } : null,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    finishedAt: r.finished_at,
  }
}

export function toItem(r: ItemRow): ItemRecord {
  return {
    jobId: r.job_id,
    seq: r.seq,
    key: r.key,
    payload: safeParse(r.payload),
    state: r.state,
    attempts: r.attempts,
    nextAt: r.next_at,
    error: r.error_code ? { code: r.error_code, message: r.error_message ?? '' } : null,
    result: r.result === null ? null : safeParse(r.result),
    rejected: r.rejected === 1,
    updatedAt: r.updated_at,
  }
}

function safeParse(s: string): unknown {
  try {
    return JSON.parse(s)
  } catch {
    return null
  }
}
