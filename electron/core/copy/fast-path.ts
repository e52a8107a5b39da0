/**
 * The gallery copy's fast path to the cloud: above a threshold, the pictures of a copy go to the
 * target as one `increment.meta` batch task through the existing batch pipeline
 * (tasks/batch: stage → upload to the user's OSS bucket with ali-oss → IncreaseInstance →
 * IncreaseList until the end → the error file), instead of one AddImage each at the instance's
 * AddImage rate (5/s, 1/s on 100k-capacity instances). The task's lines come back as one outcome
 * per item: done, failed with the engine's (or imaging's, or OSS's) code and message — the copy
 * job records it on its item, so `jobs.retryFailed` sends it again — or `addImage` for an item a
 * batch folder cannot hold (its PicName is not a valid path in the folder, or another item of the
 * batch has the same PicName: one file per PicName), which the copy sends with AddImage.
 *
 * Resumable without sending anything twice: every task is tagged (the copy job's id). Called again
 * with the same tag — after a kill -9 and restart, after a pause, after retryFailed — it first
 * waits for a task of that tag still running, answers the items an earlier task already added
 * (line `ok`), and only puts the rest in a new task. A line whose outcome is not known (the
 * engine's error file could not be read) is sent again: an ADD of the same ProductId + PicName
 * overwrites, so a second send never makes a duplicate.
 *
 * Against a remote Loupe acting as the cloud (tests, bench/copy.ts): the remote engine reads
 * batch tasks from bucket `local`, its batch root folder (engines/local/batch-path.ts). An OSS
 * server on 127.0.0.1 that stores bucket `local` in that folder
 * (test/unit/core/tasks/batch/oss-server.ts with `bucketDir`) makes the path honest end to end:
 * Loupe really uploads every picture and increment.meta with ali-oss (V1 signatures checked), the
 * remote engine really reads what arrived, and its error file comes back over HTTP.
 */

import { CoreError } from '../errors'
import type { ItemError } from '../jobs/types'
import type { BulkAddFields } from '../jobs/bulk-add/types'
import { validateItem } from '../jobs/bulk-add/index'
import {
  metaFromFields,
  picNameEscape,
  picNameProblem,
  type PlannedLine,
} from '../tasks/batch/meta'
import { ERROR_FILE_UNREAD } from '../tasks/batch/process'
import type { BatchService } from '../tasks/batch/service'
import { FINAL_STATES, type BatchTaskRecord } from '../tasks/batch/store'
import { CANCELLABLE } from '../tasks/batch/transitions'
import { sleep } from '../util/sleep'

/**
 * Pictures to send from which a copy to a cloud target takes the batch path (when an OSS bucket
 * is given). Measured (bench/copy.ts; bench/README.md "Copying a gallery"): the batch path's own
 * work — staging, the upload with ali-oss, submitting — runs at ~50 pictures/s plus ~1.4 s a task,
 * a tenth of AddImage's time at 5/s; what the cloud then takes, and its queueing, cannot be
 * measured here, and the end is seen at the next IncreaseList poll (up to 30 s apart). At 2,000
 * pictures AddImage needs ~7 minutes at 5/s (~33 on 1/s instances): below that the batch's
 * unmeasured cloud-side latency could eat its gain. `LOUPE_COPY_BATCH_THRESHOLD` overrides it.
 */
export const FAST_PATH_THRESHOLD = 2000

/** The threshold in force: the caller's, else `LOUPE_COPY_BATCH_THRESHOLD`, else the default. */
export function fastPathThreshold(override?: number): number {
  if (override !== undefined && Number.isFinite(override) && override >= 0) return override
  const env = Number(process.env.LOUPE_COPY_BATCH_THRESHOLD)
  return process.env.LOUPE_COPY_BATCH_THRESHOLD && Number.isFinite(env) && env >= 0
    ? env
    : FAST_PATH_THRESHOLD
}

/**
 * Which path a copy takes: `batch` for a cloud target (the cloud or a remote Loupe) when an OSS
 * bucket is known and at least `threshold` pictures are to be sent, else `addImage`.
 */
export function choosePath(input: {
  targetKind: 'local' | 'cloud'
  sends: number
  bucket?: string | null
  threshold?: number
}): 'addImage' | 'batch' {
  if (input.targetKind !== 'cloud' || !input.bucket) return 'addImage'
  return input.sends >= fastPathThreshold(input.threshold) ? 'batch' : 'addImage'
}

/** One picture to send: the copy job's item, its picture file and its metadata. */
export interface FastPathItem {
  /** The copy job item's key (outcomes are matched to it). */
  key: string
  productId: string
  picName: string
  /** Absolute path of the picture (the source file, the local engine's copy, an OSS download). */
  file: string
  /** Category, custom content, attributes and region, as bulk add takes them. */
  fields: BulkAddFields
}

export type FastPathOutcome =
  | { key: string; state: 'done'; taskId: number }
  | { key: string; state: 'failed'; code: string; message: string; taskId: number | null }
  | { key: string; state: 'addImage'; reason: string }

export interface FastPathTarget {
  /** The target profile (cloud: the cloud or a remote Loupe). */
  profile: string
  /** The OSS bucket (same region as the instance; `local` for a remote Loupe's batch root). */
  bucket: string
  /** Path in the bucket; a later task of the same tag gets `-2`, `-3`… (default /loupe/batch-…). */
  path?: string
  /** OSS endpoint when not https://oss-<region>.aliyuncs.com. */
  ossEndpoint?: string
  /** Names the caller's work (e.g. `copy-job-12`): tasks are found again by it. */
  tag: string
  title?: string
  /**
   * Run the pictures through imaging first (orientation, pixel and size limits; a picture it
   * refuses fails at once instead of in the engine). Default true.
   */
  prepare?: boolean
}

export interface FastPathOptions {
  /** Stops waiting (the job paused or the core closes); the task itself goes on. */
  signal?: AbortSignal
  /** Told each task made, once created. */
  onTask?: (taskId: number) => void
  /** How often the task is looked at while it runs (default 250 ms). */
  pollMs?: number
}

const keyOf = (productId: string, picName: string | undefined | null) =>
  `${productId}\u0000${picName ?? ''}`

/**
 * Items that can go in one batch folder → lines; the others get their outcome now (addImage for a
 * PicName the folder cannot hold, failed for fields no engine would take).
 */
export function linesForBatch(items: FastPathItem[]): {
  lines: PlannedLine[]
  keys: Map<string, string>
  early: FastPathOutcome[]
} {
  const lines: PlannedLine[] = []
  const keys = new Map<string, string>()
  const early: FastPathOutcome[] = []
  const usedPic = new Map<string, string>()
  for (const it of items) {
    const bad = picNameEscape(it.picName) ?? picNameProblem(it.picName)
    if (bad) {
      early.push({
        key: it.key,
        state: 'addImage',
        reason: `not a path a batch folder can hold: ${bad}`,
      })
      continue
    }
    const problems = validateItem({ productId: it.productId, picName: it.picName }, it.fields)
    if (problems.length > 0) {
      early.push(failed(it.key, problems[0].code, problems.map((p) => p.message).join('; ')))
      continue
    }
    const k = keyOf(it.productId, it.picName)
    if (keys.has(k)) {
      early.push(
        failed(it.key, 'DuplicateKey', `ProductId ${it.productId} and PicName ${it.picName} twice`),
      )
      continue
    }
    const other = usedPic.get(it.picName)
    if (other !== undefined) {
      early.push({
        key: it.key,
        state: 'addImage',
        reason: `PicName ${it.picName} also names a picture of product ${other} in this batch (a batch folder holds one file per PicName)`,
      })
      continue
    }
    usedPic.set(it.picName, it.productId)
    keys.set(k, it.key)
    lines.push({
      seq: lines.length + 1,
      op: 'add',
      source: it.file,
      origin: `${it.productId}/${it.picName}`,
      meta: metaFromFields('add', it.productId, it.picName, it.fields),
    })
  }
  return { lines, keys, early }
}

function failed(key: string, code: string, message: string, taskId: number | null = null) {
  return { key, state: 'failed' as const, code, message, taskId }
}

async function settle(
  batch: BatchService,
  id: number,
  opts: FastPathOptions,
): Promise<BatchTaskRecord> {
  for (;;) {
    const t = batch.store().get(id)
    if (!t) throw new CoreError('NotFound', `There is no batch task ${id}.`)
    if (FINAL_STATES.includes(t.state)) return t
    if (opts.signal?.aborted) {
      throw new CoreError('JobCancelled', `Stopped waiting for batch task ${id}; it goes on.`)
    }
    await sleep(opts.pollMs ?? 250, opts.signal)
  }
}

/** Whether a finished task's `ok` lines can be trusted (its error file was read). */
const outcomesKnown = (t: BatchTaskRecord) =>
  t.state === 'success' && !(t.detail ?? '').startsWith(ERROR_FILE_UNREAD)

function taskError(t: BatchTaskRecord): ItemError {
  if (t.error) return { code: t.error.code, message: t.error.message }
  if (t.state === 'cancelled') {
    return { code: 'BatchTaskCancelled', message: `Batch task ${t.id} was cancelled.` }
  }
  return { code: 'TaskFailed', message: t.detail ?? `Batch task ${t.id} failed.` }
}

/**
 * The outcome of each line of a finished task, by ProductId + PicName. Lines not finished by the
 * engine (the task failed or was cancelled before) get the task's error.
 */
function lineOutcomes(batch: BatchService, t: BatchTaskRecord): Map<string, FastPathOutcome> {
  const out = new Map<string, FastPathOutcome>()
  const known = outcomesKnown(t)
  for (const l of batch.store().iterateLines(t.id)) {
    if (l.op !== 'add' || l.seq >= 1_000_000) continue // extra error-file lines match no item
    const k = keyOf(l.meta.ProductId, l.meta.PicName)
    if (l.state === 'ok' && known) out.set(k, { key: '', state: 'done', taskId: t.id })
    else if (l.state === 'ok') {
      out.set(
        k,
        failed(
          '',
          'BatchOutcomeUnknown',
          `Batch task ${t.id}: ${t.detail ?? 'the outcome of this line is not known'}`,
          t.id,
        ),
      )
    } else if (l.state === 'failed' || l.state === 'rejected') {
      out.set(k, failed('', l.code ?? 'Failed', l.message ?? 'The engine did not add it.', t.id))
    } else {
      const e = taskError(t)
      out.set(k, failed('', e.code, e.message, t.id))
    }
  }
  return out
}

function taskPath(base: string | undefined, previous: number): string | undefined {
  if (base === undefined) return undefined
  if (previous === 0) return base
  return `${base === '/' ? '' : base}-${previous + 1}`
}

/**
 * Send `items` to `target.profile` by one batch task (see the file's comment); one outcome per
 * item, in the items' order. Throws only when the task cannot be made at all (a bad bucket name,
 * an unknown profile) or `opts.signal` aborts while waiting.
 */
export async function runFastPath(
  batch: BatchService,
  target: FastPathTarget,
  items: FastPathItem[],
  opts: FastPathOptions = {},
): Promise<FastPathOutcome[]> {
  const result = new Map<string, FastPathOutcome>()
  const byKey = new Map(items.map((it) => [keyOf(it.productId, it.picName), it]))

  // Earlier tasks of this tag: wait for the one still running, then take what they added.
  let previous = batch.tagged(target.tag)
  for (const t of previous) if (!FINAL_STATES.includes(t.state)) await settle(batch, t.id, opts)
  previous = batch.tagged(target.tag)
  for (const t of previous) {
    if (!outcomesKnown(t)) continue
    for (const [k, o] of lineOutcomes(batch, t)) {
      const it = byKey.get(k)
      if (it && o.state === 'done') result.set(it.key, { ...o, key: it.key })
    }
  }

  const rest = items.filter((it) => !result.has(it.key))
  const { lines, keys, early } = linesForBatch(rest)
  for (const o of early) result.set(o.key, o)
  if (lines.length > 0) {
    const t0 = batch.createFromLines({
      profile: target.profile,
      tag: target.tag,
      lines,
      items: lines.length,
      bucket: target.bucket,
      path: taskPath(target.path, previous.length),
      ossEndpoint: target.ossEndpoint,
      prepare: target.prepare,
      title: target.title ?? `Gallery copy: ${lines.length} pictures`,
    })
    opts.onTask?.(t0.id)
    const t = await settle(batch, t0.id, opts)
    const outcomes = lineOutcomes(batch, t)
    for (const [k, itemKey] of keys) {
      const o = outcomes.get(k)
      const e = taskError(t)
      result.set(itemKey, o ? { ...o, key: itemKey } : failed(itemKey, e.code, e.message, t.id))
    }
  }
  return items.map((it) => result.get(it.key)!)
}

/**
 * Cancel the tasks of `tag` not yet handed to the engine (the copy job was cancelled); a task the
 * engine already runs cannot be stopped and is left to finish.
 */
export async function cancelFastPath(batch: BatchService, tag: string): Promise<number[]> {
  const cancelled: number[] = []
  for (const t of batch.tagged(tag)) {
    if (!CANCELLABLE.includes(t.state)) continue
    await batch.api.cancel({ id: t.id })
    cancelled.push(t.id)
  }
  return cancelled
}
