import type { DiffOptions, DumpCounts, DumpDiff, DumpOptions, OpenOptions } from './types'
import { runDumpJob, type RunningDumpJob } from './dump-job'
import type { ImportGate } from './import-gate'
import { closedError, invalid } from './validate'

/**
 * A gallery's dump imports and diffs: one at a time, each in a worker thread (dump-job.ts). While
 * an import's worker holds the database, the gallery's writes wait in the ImportGate.
 */
export class DumpRunner {
  private importChain: Promise<unknown> = Promise.resolve()
  /** The dump job running in a worker, if any. */
  private job: RunningDumpJob<unknown> | null = null

  constructor(
    private readonly o: {
      dbFile: string
      busyTimeoutMs: number
      gate: ImportGate
      now: () => number
      status: OpenOptions['status']
    },
  ) {}

  /** True while a dump job runs (its worker may hold the database). */
  get busy(): boolean {
    return this.job !== null
  }

  /** Resolves when no dump work is running or queued. */
  async idle(): Promise<void> {
    for (;;) {
      const chain = this.importChain
      await chain
      if (chain === this.importChain) return
    }
  }

  /** Runs dump work one at a time per gallery. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.importChain.then(fn, fn)
    this.importChain = run.catch(() => undefined)
    return run
  }

  importDump(file: string, opts: DumpOptions = {}): Promise<DumpCounts> {
    return this.serial(async () => {
      if (this.o.gate.isClosed) throw closedError()
      const status = this.o.status?.('dump-import')
      try {
        const job = runDumpJob<DumpCounts>(
          {
            kind: 'import',
            dbFile: this.o.dbFile,
            dump: file,
            busyTimeoutMs: this.o.busyTimeoutMs,
          },
          {
            signal: opts.signal,
            onProgress: (p) => {
              opts.onProgress?.(p)
              if (p.phase === 'reading') status?.progress(p.bytesRead, p.totalBytes, 'reading')
            },
            onStep: (done, total) => status?.progress(done, total, 'applying'),
            onLock: () => {
              this.o.gate.lock()
              return this.o.now()
            },
            onUnlocked: () => this.o.gate.release(),
          },
        )
        this.job = job
        const counts = await job.result
        status?.end(true)
        return counts
      } catch (e) {
        status?.end(false)
        throw e
      } finally {
        this.job = null
      }
    })
  }

  diffDump(file: string, opts: DiffOptions = {}): Promise<DumpDiff> {
    const sample = opts.sample ?? 20
    if (!Number.isSafeInteger(sample) || sample < 0) throw invalid('sample must be >= 0')
    return this.serial(async () => {
      if (this.o.gate.isClosed) throw closedError()
      const job = runDumpJob<DumpDiff>(
        {
          kind: 'diff',
          dbFile: this.o.dbFile,
          dump: file,
          busyTimeoutMs: this.o.busyTimeoutMs,
          sample,
        },
        { signal: opts.signal, onProgress: opts.onProgress },
      )
      this.job = job
      try {
        return await job.result
      } finally {
        this.job = null
      }
    })
  }

  /** Stops a running job (its transaction rolls back). */
  cancel(): void {
    this.job?.cancel()
  }
}
