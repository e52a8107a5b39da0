/**
 * The copy job's side of the fast path (fast-path.ts runs the batch task): items of a `batch`-path
 * copy job arrive one by one from the queue's workers, each with its picture file; they are
 * gathered per job (until no new one came for a moment, or the job's whole window is in) and sent
 * together by one `runFastPath` call, tagged with the job, so a rerun after kill -9 or a pause
 * finds the task again and sends only what it did not add. Each item gets its own outcome back.
 */
import fs from 'node:fs'
import path from 'node:path'
import { createHash } from 'node:crypto'
import { foreignCode } from '../../domain/errors'
import { CoreError } from '../errors'
import { AbortedError } from '../jobs/limiter'
import type { BatchService } from '../tasks/batch/service'
import { ensurePrivateDir, writePrivateFile } from '../util/private-fs'
import {
  cancelFastPath,
  runFastPath,
  type FastPathItem,
  type FastPathOutcome,
  type FastPathTarget,
} from './fast-path'

/** Waits this long after the last item arrived before a gathered batch goes. */
const LINGER_MS = 400

interface Waiting {
  item: FastPathItem
  resolve(o: FastPathOutcome): void
  reject(e: unknown): void
}

interface Gathering {
  target: FastPathTarget
  max: number
  signal: AbortSignal
  items: Waiting[]
  timer: NodeJS.Timeout | null
}

export interface BatchSenderDeps {
  batch: BatchService
  dataDir: string
}

export const copyTag = (jobId: number) => `copy-job-${jobId}`

export function createBatchSender(d: BatchSenderDeps) {
  const gathering = new Map<number, Gathering>()
  const stagingDir = (jobId: number) => path.join(d.dataDir, 'copy', 'staging', `job-${jobId}`)

  function flush(jobId: number): void {
    const g = gathering.get(jobId)
    if (!g) return
    gathering.delete(jobId)
    if (g.timer) clearTimeout(g.timer)
    const items = g.items
    runFastPath(
      d.batch,
      g.target,
      items.map((w) => w.item),
      { signal: g.signal },
    ).then(
      (outcomes) => outcomes.forEach((o, i) => items[i].resolve(o)),
      (e) => {
        const err = g.signal.aborted ? new AbortedError() : e
        for (const w of items) w.reject(err)
      },
    )
  }

  return {
    /** The folder a job's picture copies are written to (bytes with no file of their own). */
    stagingDir,

    /** Writes a picture's bytes as a file of the job's staging folder: its path. */
    stage(jobId: number, key: string, picName: string, bytes: Buffer): string {
      const dir = stagingDir(jobId)
      ensurePrivateDir(dir)
      const ext = /\.[A-Za-z0-9]{1,5}$/.exec(picName)?.[0] ?? '.jpg'
      const file = path.join(dir, createHash('sha1').update(key).digest('hex') + ext)
      writePrivateFile(file, bytes)
      return file
    },

    /**
     * Sends one item with the others of its job (`max`: the job's window — the batch goes once
     * that many are gathered). Resolves with its outcome; rejects with AbortedError when the job
     * is paused or Loupe stops while waiting (the task goes on and is found again by its tag).
     */
    send(
      jobId: number,
      target: FastPathTarget,
      item: FastPathItem,
      signal: AbortSignal,
      max: number,
    ): Promise<FastPathOutcome> {
      if (signal.aborted) return Promise.reject(new AbortedError())
      let g = gathering.get(jobId)
      if (!g) {
        g = { target, max, signal, items: [], timer: null }
        gathering.set(jobId, g)
      }
      const p = new Promise<FastPathOutcome>((resolve, reject) =>
        g.items.push({ item, resolve, reject }),
      )
      if (g.timer) clearTimeout(g.timer)
      if (g.items.length >= g.max) flush(jobId)
      else g.timer = setTimeout(() => flush(jobId), LINGER_MS)
      return p
    },

    /** A job ended: its staged copies go; a cancelled job's tasks not yet submitted are cancelled. */
    async ended(jobId: number, cancelled: boolean): Promise<void> {
      if (cancelled) await cancelFastPath(d.batch, copyTag(jobId))
      fs.rmSync(stagingDir(jobId), { recursive: true, force: true })
    },
  }
}

export type BatchSender = ReturnType<typeof createBatchSender>

/** An outcome that is not `done` as the item's error (the queue classes it for retries). */
export function outcomeError(o: Extract<FastPathOutcome, { state: 'failed' }>): CoreError {
  return new CoreError(foreignCode(o.code), o.message)
}
