/**
 * A small pool of imaging worker threads, started lazily on the first request. A worker that dies
 * is replaced, and the requests it held fail with a clear error instead of hanging.
 */
import type { Worker } from 'node:worker_threads'
import { findWorkerEntry, spawnWorker } from '../util/worker-entry'
import { EngineError } from '../engines/errors'
import type { Reply, Request } from './protocol'

type Pending = {
  resolve: (r: Reply) => void
  reject: (e: Error) => void
  req: Request
  transfer: ArrayBuffer[]
}

interface Slot {
  worker: Worker
  busy: Map<number, Pending>
}

/** Requests a worker holds at once: two lets reading and encoding overlap. */
const PER_WORKER = 2

export class ImagingPool {
  private slots: Slot[] = []
  private queue: Pending[] = []
  private nextId = 1
  private closed = false

  constructor(
    private readonly size: number,
    private readonly workerUrl: URL = defaultWorkerUrl(),
  ) {}

  /** Queue a request; `transfer` lists buffers handed to the worker (detached here once sent). */
  run(req: Omit<Request, 'id'>, transfer: ArrayBuffer[] = []): Promise<Reply> {
    if (this.closed)
      return Promise.reject(new EngineError('InternalError', 'The imaging pool is closed.'))
    return new Promise<Reply>((resolve, reject) => {
      this.queue.push({ resolve, reject, req: { ...req, id: this.nextId++ }, transfer })
      this.pump()
    })
  }

  /** Live worker threads (started lazily). */
  get threads(): number {
    return this.slots.length
  }

  async close(): Promise<void> {
    this.closed = true
    const err = new EngineError('InternalError', 'The imaging pool was closed.')
    for (const p of this.queue.splice(0)) p.reject(err)
    const slots = this.slots.splice(0)
    for (const s of slots) for (const p of s.busy.values()) p.reject(err)
    await Promise.all(slots.map((s) => s.worker.terminate()))
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.reduce<Slot | null>(
        (best, s) =>
          s.busy.size < PER_WORKER && (!best || s.busy.size < best.busy.size) ? s : best,
        null,
      )
      if ((!slot || slot.busy.size > 0) && this.slots.length < this.size) slot = this.spawn()
      if (!slot) return
      const p = this.queue.shift()!
      slot.busy.set(p.req.id, p)
      slot.worker.ref()
      slot.worker.postMessage(p.req, p.transfer)
    }
  }

  private spawn(): Slot {
    const url = this.workerUrl
    // From TypeScript sources (tsx, vitest) the worker entry is loaded through tsx's API.
    const worker = spawnWorker(url)
    const slot: Slot = { worker, busy: new Map() }
    worker.unref()
    worker.on('message', (reply: Reply) => {
      const p = slot.busy.get(reply.id)
      if (!p) return
      slot.busy.delete(reply.id)
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
      for (const p of slot.busy.values()) {
        p.reject(
          new EngineError('InternalError', `The imaging worker failed: ${err.message}`, {
            httpStatus: 500,
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
}

/**
 * The worker entry: worker.js next to this file when compiled file by file; imaging-worker.js
 * next to the bundle (electron-vite's `imaging-worker` input; this code may sit in a chunk one
 * folder down); worker.ts when running from sources (tsx, vitest).
 */
export function defaultWorkerUrl(): URL {
  return findWorkerEntry(import.meta.url, [
    './worker.js',
    './imaging-worker.js',
    '../imaging-worker.js',
  ])
}
