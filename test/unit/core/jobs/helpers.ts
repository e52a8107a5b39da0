import { afterAll } from 'vitest'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { JobQueue, type QueueOptions } from '../../../../electron/core/jobs/queue'

const made: string[] = []
// Registered on the importing test file's root suite.
afterAll(() => {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

/** A fresh temp folder, removed when the test process exits. */
export function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-jobs-'))
  made.push(d)
  return d
}

/** A queue on a fresh jobs.db with fast retries (the delays still grow exponentially). */
export function openQueue(dir: string, opts: Partial<QueueOptions> = {}): JobQueue {
  return new JobQueue({
    dbPath: path.join(dir, 'jobs.db'),
    progressIntervalMs: 50,
    ...opts,
    retry: { baseDelayMs: 2, maxDelayMs: 20, ...opts.retry },
  })
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export function items(n: number, prefix = 'p'): { key: string; payload: Record<string, string> }[] {
  return Array.from({ length: n }, (_, i) => ({
    key: `${prefix}${i}/img${i}.jpg`,
    payload: {
      productId: `${prefix}${i}`,
      picName: `img${i}.jpg`,
      source: `/photos/${prefix}${i}.jpg`,
    },
  }))
}

/** An error shaped like Node's network errors. */
export function netError(code: string, message = code): Error {
  return Object.assign(new Error(message), { code })
}
