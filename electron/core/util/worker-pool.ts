/**
 * One small pool of worker threads, used by imaging (`imaging/pool.ts`) and the local engine's
 * featurizer (`engines/local/featurizer/pool.ts`).
 *
 * - Workers start lazily, on demand, up to `size`; each holds up to `perWorker` requests at once
 *   (two lets decoding overlap with the CPU-heavy part). A new worker is preferred over doubling up.
 * - Requests carry an id; the worker answers `{ id, ... }` in any order. Buffers named in
 *   `transfer` are moved to the worker instead of copied.
 * - A worker that dies (error or exit) is dropped; the requests it held fail with the caller's
 *   `crashed` error at once instead of hanging, and the queue goes on with a fresh worker.
 * - Idle workers are unref'ed: they never keep the process alive.
 * - Entries are found by `findWorkerEntry` (util/worker-entry.ts): built `.js` next to the module
 *   or the bundle (electron.vite.config.ts lists them as inputs), else the `.ts` source via tsx.
 *
 * Why not tinypool (installed; measured with `npx tsx bench/worker-pool.ts`: 2 threads, 2 tasks in
 * flight each, both pools in the same run, two runs on a busy 2-core machine): it is not faster —
 * a 1 KB task cost 74–88 µs with tinypool and 40–46 µs here, a 4 MB transferred buffer 1.2–4.2 ms
 * and 1.5–2.7 ms (the same order: one postMessage each) — and it fits less well: its workers are
 * modules exporting a handler, loaded by tinypool's own entry file in node_modules, whereas ours
 * are entries bundled next to the app (electron.vite.config.ts) and, from sources, `.ts` files
 * loaded through tsx's API (tinypool's entry would need the tsx loader in every worker's
 * execArgv); its per-task options have no timeout (none is needed here: the pipelines bound their
 * own work), and crash errors would need wrapping into ours anyway. So: this ~150-line pool.
 */
import type { Worker } from 'node:worker_threads'
import { BUDGET_WORKER_DATA, budgetRelay, isBudgetMessage, type PixelBudget } from './pixel-budget'
import { spawnWorker } from './worker-entry'

/** What every request and reply carries: the id that pairs them. */
export interface Envelope {
  id: number
}

/** A request without its id (the pool numbers requests), kept apart per member of a union. */
export type WithoutId<T> = T extends Envelope ? Omit<T, 'id'> : never

export interface WorkerPoolOptions {
  /** Most worker threads at once. */
  size: number
  /** The worker entry (see findWorkerEntry). */
  workerUrl: URL
  /** Requests one worker holds at once (default 2). */
  perWorker?: number
  /**
   * The decode budget the workers' `withPixels()` draws on (util/pixel-budget.ts): the pool
   * answers their `{ pixelBudget }` messages from it, and gives back what a dead worker held.
   */
  pixelBudget?: PixelBudget
  /** The errors callers see, in their own words. */
  errors: {
    /** run() after close(). */
    closed(): Error
    /** Requests still queued or running when close() is called. */
    closing(): Error
    /** Requests held by a worker that died. */
    crashed(cause: Error): Error
  }
}

interface Pending<Req, Rep> {
  resolve: (r: Rep) => void
  reject: (e: Error) => void
  req: Req
  transfer: ArrayBuffer[]
}

interface Slot<Req, Rep> {
  worker: Worker
  busy: Map<number, Pending<Req, Rep>>
  budget?: ReturnType<typeof budgetRelay>
}

export class WorkerPool<Req extends Envelope, Rep extends Envelope> {
  private slots: Slot<Req, Rep>[] = []
  private queue: Pending<Req, Rep>[] = []
  private nextId = 1
  private closed = false
  private sent = 0
  private readonly perWorker: number

  constructor(private readonly opts: WorkerPoolOptions) {
    this.perWorker = opts.perWorker ?? 2
  }

  /**
   * Queue a request; `transfer` lists buffers handed to the worker (detached here once sent).
   * Resolves with the worker's reply.
   */
  run(req: WithoutId<Req>, transfer: ArrayBuffer[] = []): Promise<Rep> {
    if (this.closed) return Promise.reject(this.opts.errors.closed())
    return new Promise<Rep>((resolve, reject) => {
      this.queue.push({
        resolve,
        reject,
        req: { ...req, id: this.nextId++ } as unknown as Req,
        transfer,
      })
      this.pump()
    })
  }

  /**
   * Send `req` to every worker, starting any not yet running (up to `size`): one copy each, ahead
   * of the queue and outside the `requests` count — a warm-up. Resolves with their replies.
   */
  runEach(req: WithoutId<Req>): Promise<Rep[]> {
    if (this.closed) return Promise.reject(this.opts.errors.closed())
    while (this.slots.length < this.opts.size) this.spawn()
    return Promise.all(
      this.slots.map(
        (slot) =>
          new Promise<Rep>((resolve, reject) => {
            const p = { resolve, reject, req: { ...req, id: this.nextId++ } as unknown as Req }
            slot.busy.set(p.req.id, { ...p, transfer: [] })
            slot.worker.ref()
            slot.worker.postMessage(p.req)
          }),
      ),
    )
  }

  /** Live worker threads (started lazily; 0 before first use and after close). */
  get threads(): number {
    return this.slots.length
  }

  /** Requests posted to workers so far (a work counter for tests and benchmarks). */
  get requests(): number {
    return this.sent
  }

  async close(): Promise<void> {
    this.closed = true
    for (const p of this.queue.splice(0)) p.reject(this.opts.errors.closing())
    const slots = this.slots.splice(0)
    for (const s of slots) {
      s.budget?.close()
      for (const p of s.busy.values()) p.reject(this.opts.errors.closing())
    }
    await Promise.all(slots.map((s) => s.worker.terminate()))
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.reduce<Slot<Req, Rep> | null>(
        (best, s) =>
          s.busy.size < this.perWorker && (!best || s.busy.size < best.busy.size) ? s : best,
        null,
      )
      // Prefer starting another worker over doubling up on a busy one.
      if ((!slot || slot.busy.size > 0) && this.slots.length < this.opts.size) slot = this.spawn()
      if (!slot) return
      const p = this.queue.shift()!
      slot.busy.set(p.req.id, p)
      slot.worker.ref()
      this.sent++
      slot.worker.postMessage(p.req, p.transfer)
    }
  }

  private spawn(): Slot<Req, Rep> {
    // From TypeScript sources (tsx, vitest) the entry is loaded through tsx's API.
    const budget = this.opts.pixelBudget
    const worker = spawnWorker(
      this.opts.workerUrl,
      budget ? { [BUDGET_WORKER_DATA]: true } : undefined,
    )
    const slot: Slot<Req, Rep> = {
      worker,
      busy: new Map(),
      ...(budget ? { budget: budgetRelay(budget, (m) => worker.postMessage(m)) } : {}),
    }
    worker.unref()
    worker.on('message', (reply: Rep) => {
      if (isBudgetMessage(reply)) {
        slot.budget?.handle(reply)
        return
      }
      const p = slot.busy.get(reply.id)
      if (!p) return
      slot.busy.delete(reply.id)
      // Keep the process alive only while a worker has work.
      if (slot.busy.size === 0) worker.unref()
      p.resolve(reply)
      this.pump()
    })
    let failed = false
    const fail = (err: Error) => {
      if (failed) return
      failed = true
      const i = this.slots.indexOf(slot)
      if (i >= 0) this.slots.splice(i, 1)
      slot.budget?.close()
      for (const p of slot.busy.values()) p.reject(this.opts.errors.crashed(err))
      slot.busy.clear()
      if (!this.closed) this.pump()
    }
    worker.on('error', fail)
    worker.on('exit', (code) => fail(new Error(`worker exited with code ${code}`)))
    this.slots.push(slot)
    return slot
  }
}
