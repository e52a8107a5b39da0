/**
 * Dump worker thread: stages a dump and applies it (or computes its diff) on its own connection to
 * the gallery database, so the core's event loop never waits for it (a 100,000-line import is
 * seconds of SQLite work). Same code and semantics as on the main thread (dump-import.ts): the
 * apply is ONE immediate transaction, all or nothing, seen by every reader before or after.
 * Protocol: dump-protocol.ts.
 */
import { parentPort } from 'node:worker_threads'
import Database from 'better-sqlite3'
import { applyStage, diffCounts, diffExamples, dropStage, stageDump } from './dump-import'
import type { DumpJob, FromWorker, ToWorker, WireError } from './dump-protocol'
import { GalleryError } from './errors'
import type { DumpCounts, DumpDiff, DumpProgress } from './types'

/** Page cache while importing (KiB): FTS merges and index builds stay in memory. */
const IMPORT_CACHE_KIB = 262144

const port = parentPort!
const post = (m: FromWorker) => port.postMessage(m)
const abort = new AbortController()
let onGo: ((now: number) => void) | null = null

port.on('message', (m: ToWorker) => {
  if (m.type === 'start') void run(m.job)
  else if (m.type === 'go') onGo?.(m.now)
  else if (m.type === 'abort') {
    abort.abort()
    onGo?.(-1)
  }
})

function aborted(): GalleryError {
  return new GalleryError('Aborted', 'The dump import was cancelled; nothing was imported.')
}

async function run(job: DumpJob): Promise<void> {
  let db: Database.Database | null = null
  let table: string | null = null
  try {
    db = new Database(job.dbFile, { fileMustExist: true })
    db.pragma(`busy_timeout = ${job.busyTimeoutMs}`)
    db.pragma('synchronous = NORMAL')
    db.pragma(`cache_size = -${IMPORT_CACHE_KIB}`)
    db.pragma('temp_store = FILE')
    const stage = await stageDump(db, job.dump, {
      signal: abort.signal,
      onProgress: (progress) => post({ type: 'progress', progress }),
    })
    table = stage.table
    const progress = (phase: DumpProgress['phase']): DumpProgress => ({
      phase,
      lines: stage.lines,
      bytesRead: stage.totalBytes,
      totalBytes: stage.totalBytes,
    })
    let result: DumpCounts | DumpDiff
    if (job.kind === 'diff') {
      const d = db
      result = d
        .transaction((): DumpDiff => ({
          ...diffCounts(d, stage.table),
          examples: diffExamples(d, stage.table, job.sample ?? 20),
        }))
        .deferred()
    } else {
      if (abort.signal.aborted) throw aborted()
      post({ type: 'progress', progress: progress('applying') })
      const now = await new Promise<number>((resolve) => {
        onGo = resolve
        post({ type: 'lock' })
      })
      onGo = null
      if (now < 0) throw aborted()
      try {
        const counts = applyStage(db, stage.table, now, 'auto', (done, total) =>
          post({ type: 'step', done, total }),
        )
        // Fresh planner statistics (with STAT4 samples) after a bulk change: ~0.2 s per 100k.
        const moved = counts.added + counts.gone + counts.changed
        if (moved > 1000 && moved * 10 > counts.unchanged) {
          db.exec('PRAGMA analysis_limit = 0; ANALYZE images')
        }
        result = counts
      } finally {
        post({ type: 'unlocked' })
      }
    }
    post({ type: 'progress', progress: progress('done') })
    post({ type: 'done', result })
  } catch (e) {
    post({ type: 'failed', error: toWire(e) })
  } finally {
    if (db?.open) {
      if (table) dropStage(db, table)
      db.close()
    }
  }
}

function toWire(e: unknown): WireError {
  const err = e as Partial<GalleryError> & { name?: string; message?: string }
  return {
    name: err?.name ?? 'Error',
    code: typeof err?.code === 'string' ? err.code : undefined,
    message: err?.message ?? String(e),
    hint: err?.hint,
    line: err?.line,
  }
}
