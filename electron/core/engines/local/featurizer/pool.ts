/**
 * A small pool of worker threads running featurizer requests. Each worker loads its model lazily
 * on its first request; a worker that dies is replaced, and the requests it held fail with a clear
 * error instead of hanging.
 */
import type { Worker } from 'node:worker_threads'
import { findWorkerEntry, spawnWorker } from '../../../util/worker-entry'
import { EngineError } from '../../errors'
import type { Job, Reply, Request } from './protocol'

type Pending = {
  resolve: (r: Reply) => void
  reject: (e: Error) => void
  req: Request
}

interface Slot {
  worker: Worker
  busy: Map<number, Pending>
}

/** Requests a worker may hold at once: two lets image decoding overlap with inference. */
const PER_WORKER = 2

export class WorkerPool {
  private slots: Slot[] = []
  private queue: Pending[] = []
  private nextId = 1
  private closed = false

  constructor(
    private readonly size: number,
    private readonly workerUrl: URL = defaultWorkerUrl(),
  ) {}

  run(job: Job): Promise<Reply> {
    if (this.closed)
      return Promise.reject(new EngineError('InternalError', 'The featurizer is closed.'))
    return new Promise<Reply>((resolve, reject) => {
      this.queue.push({ resolve, reject, req: { ...job, id: this.nextId++ } })
      this.pump()
    })
  }

  async close(): Promise<void> {
    this.closed = true
    const err = new EngineError('InternalError', 'The featurizer was closed.')
    for (const p of this.queue.splice(0)) p.reject(err)
    const slots = this.slots.splice(0)
    for (const s of slots) for (const p of s.busy.values()) p.reject(err)
    await Promise.all(slots.map((s) => s.worker.terminate()))
  }

  /** Number of live worker threads (for tests and diagnostics). */
  get threads(): number {
    return this.slots.length
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.reduce<Slot | null>(
        (best, s) =>
          s.busy.size < PER_WORKER && (!best || s.busy.size < best.busy.size) ? s : best,
        null,
      )
      // Prefer starting another worker over doubling up on a busy one.
      if ((!slot || slot.busy.size > 0) && this.slots.length < this.size) slot = this.spawn()
      if (!slot) return
      const p = this.queue.shift()!
      slot.busy.set(p.req.id, p)
      slot.worker.ref()
      slot.worker.postMessage(p.req)
    }
  }

  private spawn(): Slot {
    const url = this.workerUrl
    // Running from TypeScript sources (tsx, vitest): load the worker through tsx's API.
    const worker = spawnWorker(url)
    const slot: Slot = { worker, busy: new Map() }
    worker.unref()
    worker.on('message', (reply: Reply) => {
      const p = slot.busy.get(reply.id)
      if (!p) return
      slot.busy.delete(reply.id)
      p.resolve(reply)
      this.refState(slot)
      this.pump()
    })
    const fail = (err: Error) => {
      const i = this.slots.indexOf(slot)
      if (i >= 0) this.slots.splice(i, 1)
      for (const p of slot.busy.values()) {
        p.reject(
          new EngineError('InternalError', `The featurizer worker failed: ${err.message}`, {
            cause: err,
          }),
        )
      }
      slot.busy.clear()
      if (!this.closed) this.pump()
    }
    worker.on('error', fail)
    worker.on('exit', (code) => fail(new Error(`worker exited with code ${code}`)))
    this.slots.push(slot)
    return slot
  }

  /** Keep the process alive only while a worker has work. */
  private refState(slot: Slot): void {
    if (slot.busy.size === 0) slot.worker.unref()
  }
}

function defaultWorkerUrl(): URL {
  return findWorkerEntry(import.meta.url, [
    './worker.js',
    './featurizer-worker.js',
    '../featurizer-worker.js',
  ])
}
