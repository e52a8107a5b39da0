/**
 * Long synchronous work (SQLite reads, index building) done in slices so the event loop keeps
 * answering: work until the slice's time budget is spent, then give way to everything queued
 * (I/O, timers, other calls) with a macrotask before going on.
 */

/** Time budget of one slice of background work (the loop is never held much longer). */
export const SLICE_MS = 12

/** Resolves on the next turn of the event loop, after pending I/O and timers (setImmediate). */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/** Tells when the current slice's budget is spent; `next()` yields and starts a new slice. */
export class Slicer {
  private start = performance.now()

  constructor(private readonly budgetMs = SLICE_MS) {}

  /** True when this slice has used its budget. */
  get spent(): boolean {
    return performance.now() - this.start >= this.budgetMs
  }

  /** Yields to the event loop, then starts a new slice. */
  async next(): Promise<void> {
    await yieldToLoop()
    this.start = performance.now()
  }
}
