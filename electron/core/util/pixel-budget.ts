/**
 * The decode budget: at most so many pixels being decoded at once in the whole process — the
 * imaging workers, the featurizer workers and the local engine's own decodes on the main thread —
 * so that a burst of huge pictures waits its turn instead of growing memory (issue 11: eight 96 MP
 * searches at once). A decode asks for width × height of the picture it opens (known from the
 * header, before any pixel is decoded) and gives it back when done.
 *
 * - Requests wait, they never fail: first come, first served (a big request at the head is not
 *   overtaken by small ones, so it cannot starve).
 * - A request larger than the whole budget is trimmed to the budget: it runs alone, once
 *   everything before it is done, instead of waiting for ever.
 * - The budget lives on the main thread (`PixelBudget`). Worker threads ask it through their pool
 *   (util/worker-pool.ts relays `{ pixelBudget: … }` messages); a worker that dies gives back what
 *   it held. `withPixels()` is the one call decoding code makes, on any thread.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads'

/** Default budget: one 100 MP picture (the imaging limit) plus a few engine-sized ones. */
export const DEFAULT_BUDGET_PIXELS = 128_000_000

export type Release = () => void

interface Waiter {
  weight: number
  grant: (release: Release) => void
}

export interface PixelBudgetStats {
  budgetPixels: number
  /** Pixels being decoded now. */
  usedPixels: number
  /** The most pixels decoded at once since the last `resetPeak()`. */
  peakPixels: number
  /** Decodes running now, and the most at once since the last `resetPeak()`. */
  running: number
  peakRunning: number
  waiting: number
  /** Requests granted so far. */
  grants: number
}

export class PixelBudget {
  private used = 0
  private running = 0
  private peak = 0
  private peakRunning = 0
  private grants = 0
  private readonly queue: Waiter[] = []

  constructor(readonly budgetPixels: number = DEFAULT_BUDGET_PIXELS) {
    if (!(budgetPixels >= 1)) throw new RangeError('The pixel budget must be at least 1 pixel.')
  }

  /**
   * Ask for `pixels`; `granted` resolves with the function that gives them back (call it exactly
   * once; later calls do nothing). `cancel()` withdraws a request not yet granted.
   */
  request(pixels: number): { granted: Promise<Release>; cancel(): void } {
    const weight = Math.min(this.budgetPixels, Math.max(1, Math.ceil(pixels) || 1))
    let waiter: Waiter | null = null
    const granted = new Promise<Release>((resolve) => {
      waiter = { weight, grant: resolve }
      this.queue.push(waiter)
    })
    this.pump()
    return {
      granted,
      cancel: () => {
        const i = waiter ? this.queue.indexOf(waiter) : -1
        if (i >= 0) {
          this.queue.splice(i, 1)
          this.pump()
        }
      },
    }
  }

  acquire(pixels: number): Promise<Release> {
    return this.request(pixels).granted
  }

  stats(): PixelBudgetStats {
    return {
      budgetPixels: this.budgetPixels,
      usedPixels: this.used,
      peakPixels: this.peak,
      running: this.running,
      peakRunning: this.peakRunning,
      waiting: this.queue.length,
      grants: this.grants,
    }
  }

  resetPeak(): void {
    this.peak = this.used
    this.peakRunning = this.running
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const head = this.queue[0]
      if (this.used > 0 && this.used + head.weight > this.budgetPixels) return
      this.queue.shift()
      this.used += head.weight
      this.running++
      this.grants++
      this.peak = Math.max(this.peak, this.used)
      this.peakRunning = Math.max(this.peakRunning, this.running)
      let given = false
      head.grant(() => {
        if (given) return
        given = true
        this.used -= head.weight
        this.running--
        this.pump()
      })
    }
  }
}

let processBudget: PixelBudget | null = null

/** The main thread's budget (created on first use; `LOUPE_DECODE_BUDGET_MP` overrides the size). */
export function processPixelBudget(): PixelBudget {
  if (!isMainThread) throw new Error('The pixel budget lives on the main thread.')
  if (!processBudget) {
    const mp = Number(process.env.LOUPE_DECODE_BUDGET_MP)
    processBudget = new PixelBudget(mp > 0 ? Math.round(mp * 1e6) : DEFAULT_BUDGET_PIXELS)
  }
  return processBudget
}

/** Replace the main thread's budget (tests, benches, a host's setting). Pools keep the old one. */
export function setProcessPixelBudget(budget: PixelBudget): void {
  processBudget = budget
}

/** For a bench: the main thread's budget figures, if one exists. */
export function pixelBudgetStats(): PixelBudgetStats | null {
  return processBudget?.stats() ?? null
}

// ---- the messages between a worker and its pool ------------------------------------------------

/** Set in a worker's `workerData` by a pool that relays budget requests. */
export const BUDGET_WORKER_DATA = 'loupePixelBudget'

export type BudgetMessage =
  | { pixelBudget: 'acquire'; ticket: number; pixels: number }
  | { pixelBudget: 'release'; ticket: number }
  | { pixelBudget: 'grant'; ticket: number }

export function isBudgetMessage(m: unknown): m is BudgetMessage {
  return typeof m === 'object' && m !== null && 'pixelBudget' in m
}

/**
 * The pool's side: answers one worker's budget messages from `budget`. `post` sends to the
 * worker; `close()` (the worker died or the pool closed) gives back everything it held and
 * withdraws what it was waiting for.
 */
export function budgetRelay(budget: PixelBudget, post: (m: BudgetMessage) => void) {
  const held = new Map<number, Release>()
  const pending = new Map<number, () => void>()
  let closed = false
  return {
    handle(m: BudgetMessage): void {
      if (closed) return
      if (m.pixelBudget === 'acquire') {
        const r = budget.request(m.pixels)
        pending.set(m.ticket, r.cancel)
        void r.granted.then((release) => {
          pending.delete(m.ticket)
          if (closed) return release()
          held.set(m.ticket, release)
          try {
            post({ pixelBudget: 'grant', ticket: m.ticket })
          } catch {
            held.delete(m.ticket)
            release()
          }
        })
      } else if (m.pixelBudget === 'release') {
        const release = held.get(m.ticket)
        held.delete(m.ticket)
        release?.()
      }
    },
    close(): void {
      closed = true
      for (const cancel of pending.values()) cancel()
      pending.clear()
      for (const release of held.values()) release()
      held.clear()
    },
  }
}

// ---- the decoding side ------------------------------------------------------------------------

let nextTicket = 1
const grants = new Map<number, () => void>()
let listening = false

function relayed(): boolean {
  return (
    !isMainThread &&
    !!parentPort &&
    !!(workerData as Record<string, unknown> | null)?.[BUDGET_WORKER_DATA]
  )
}

function askPool(pixels: number): Promise<Release> {
  const port = parentPort!
  if (!listening) {
    listening = true
    port.on('message', (m: unknown) => {
      if (isBudgetMessage(m) && m.pixelBudget === 'grant') {
        const g = grants.get(m.ticket)
        grants.delete(m.ticket)
        g?.()
      }
    })
  }
  const ticket = nextTicket++
  return new Promise<Release>((resolve) => {
    grants.set(ticket, () => {
      let given = false
      resolve(() => {
        if (given) return
        given = true
        port.postMessage({ pixelBudget: 'release', ticket } satisfies BudgetMessage)
      })
    })
    port.postMessage({ pixelBudget: 'acquire', ticket, pixels } satisfies BudgetMessage)
  })
}

/**
 * Wait for `pixels` of the decode budget, on whatever thread this runs: the main thread's budget
 * directly, a pool worker's through its pool. A worker of no budgeting pool decodes unbounded.
 */
export function acquirePixels(pixels: number): Promise<Release> {
  if (isMainThread) return processPixelBudget().acquire(pixels)
  if (relayed()) return askPool(pixels)
  return Promise.resolve(() => {})
}

/** Run `fn` while holding `pixels` of the decode budget. */
export async function withPixels<T>(pixels: number, fn: () => Promise<T>): Promise<T> {
  const release = await acquirePixels(pixels)
  try {
    return await fn()
  } finally {
    release()
  }
}

/**
 * A hold taken once the size is known (`take`), given back by `release()` whether or not it was
 * taken — for code that learns the size half-way through (the imaging pipeline).
 */
export function pixelLease(): { take(pixels: number): Promise<void>; release(): void } {
  let release: Release | null = null
  let done = false
  return {
    async take(pixels) {
      if (release || done) return
      const r = await acquirePixels(pixels)
      if (done) r()
      else release = r
    },
    release() {
      done = true
      release?.()
      release = null
    },
  }
}
