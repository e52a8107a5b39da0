import type Database from 'better-sqlite3'
import { yieldToLoop } from '../util/slices'

type DB = Database.Database

/**
 * Writes while a dump worker holds the database's write lock (dump-runner.ts): they are queued
 * here — and answered with what they would return on the cache as it is — and run right after
 * the worker releases it. Background work (the text index fill) pauses meanwhile.
 */
export class ImportGate {
  /**
   * Non-null while a dump worker holds the database's write lock: writes are queued here (and
   * answered with what they would return on the cache as it is) and run right after.
   */
  private deferred: (() => void)[] | null = null
  private unlockWaiters: (() => void)[] = []
  private closed = false

  constructor(
    private readonly db: DB,
    private readonly log?: (message: string, err?: unknown) => void,
  ) {}

  get isClosed(): boolean {
    return this.closed
  }

  /** Runs `apply` now, or — while a dump worker holds the database — answers with `predict()`
   * (what `apply` would return on the cache as it is) and runs `apply` right after the import. */
  writing<T>(apply: () => T, predict: () => T): T {
    if (!this.deferred) return apply()
    const value = predict()
    this.deferred.push(() => void apply())
    return value
  }

  /** A dump worker is about to write: writes are held back from now on. */
  lock(): void {
    this.deferred = []
  }

  /** The worker released the database: runs the writes it held back, in order, in one
   * transaction (each in its own savepoint: one failing does not undo the others). */
  release(): void {
    const ops = this.deferred
    this.deferred = null
    for (const w of this.unlockWaiters.splice(0)) w()
    if (!ops?.length || this.closed || !this.db.open) return
    this.db
      .transaction(() => {
        for (const op of ops) {
          try {
            this.db.transaction(op)()
          } catch (e) {
            this.log?.('gallery: a write held back during a dump import failed', e)
          }
        }
      })
      .immediate()
  }

  /** Runs fn in one transaction; while a dump worker holds the database, the records fn makes
   * are held back together and run after it as one transaction (none of them if fn throws). */
  batch<T>(fn: () => T): T {
    const outer = this.deferred
    if (!outer) return this.db.transaction(fn).immediate()
    const inner: (() => void)[] = []
    this.deferred = inner
    try {
      const value = fn()
      outer.push(() => this.db.transaction(() => inner.forEach((op) => op())).immediate())
      return value
    } finally {
      this.deferred = outer
    }
  }

  /** Yields to the event loop, and waits while a dump worker holds the database. False once the
   * gallery is closed. */
  async pause(): Promise<boolean> {
    await yieldToLoop()
    while (this.deferred && !this.closed) {
      await new Promise<void>((r) => this.unlockWaiters.push(r))
    }
    return !this.closed
  }

  /** The gallery closes: the writes held back are dropped (returns how many) and whatever waits
   * in `pause()` is let go. */
  close(): number {
    this.closed = true
    const held = this.deferred?.length ?? 0
    this.deferred = null
    for (const w of this.unlockWaiters.splice(0)) w()
    return held
  }
}
