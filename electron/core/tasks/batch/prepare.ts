/**
 * Stage `preparing`: the task's pictures are staged by a `batch-prepare` job of the one persistent
 * job queue — one item per picture (the first ADD line naming each PicName), prepared by imaging
 * and written at its PicName in the staging folder. As a job it is resumable (a restart re-sends
 * only the pictures not done yet; the folder is kept), paced with the other jobs, and shown in the
 * Jobs panel, where it can be paused, resumed or cancelled. When the job is over, every line gets
 * its picture's outcome and increment.meta is written.
 */

import fs from 'node:fs'
import path from 'node:path'
import { foreignCode } from '../../../domain/errors'
import { CoreError } from '../../errors'
import type { Engine } from '../../engines/types'
import { SkipItem, type JobQueue } from '../../jobs/queue'
import type { ItemRecord, JobHandler, JobInfo, JobProgress } from '../../jobs/types'
import { jobOver } from '../../jobs/wait'
import type { BatchContext, StageHandler } from './context'
import {
  emptyFolder,
  finishStaging,
  picturesToStage,
  stagePicture,
  type PictureToStage,
  type StagedPicture,
} from './stage'
import type { BatchTaskRecord } from './store'

export const PREPARE_KIND = 'batch-prepare'

interface PrepareParams {
  taskId: number
  /** The staging folder's real path. */
  dir: string
  prepare: boolean
}

function stagingDirOf(ctx: BatchContext, t: BatchTaskRecord, engine: Engine): string {
  if (t.engineKind === 'local') {
    const root = (engine as Engine & { batchRoot?: string }).batchRoot
    if (!root) throw new CoreError('InternalError', 'The local engine has no batch root.')
    return path.join(root, t.path!.slice(1))
  }
  return path.join(ctx.deps.profiles.dirOf(t.profile), 'batch-staging', String(t.id))
}

/** The handler of `batch-prepare` jobs (registered with the queue when the core is built). */
export function prepareHandler(ctx: BatchContext): JobHandler<PictureToStage, StagedPicture> {
  return {
    opClass: () => 'none',
    async run(item, h) {
      const p = h.params as PrepareParams
      const t = ctx.db().get(p.taskId)
      // Retried from the Jobs panel after the task went on: nothing to stage any more.
      if (!t || t.state !== 'preparing') {
        throw new SkipItem('BatchTaskOver', `Batch task ${p.taskId} is no longer preparing.`)
      }
      return stagePicture(
        p.dir,
        item.payload,
        {
          prepare: (i, o) => ctx.deps.imaging().prepare(i, o),
          saveThumb: (sha, data) => ctx.deps.galleries.saveThumb(h.profile, sha, data),
        },
        { prepare: p.prepare, serviceType: ctx.serviceType(h.profile) },
      )
    },
    describe: (item: ItemRecord<PictureToStage>) => ({
      picName: item.payload.picName,
      ...(item.payload.source ? { source: item.payload.source } : {}),
    }),
  }
}

/** The task's job, made (with an empty staging folder) when the task starts preparing. */
function jobOf(ctx: BatchContext, q: JobQueue, t: BatchTaskRecord, engine: Engine): JobInfo {
  const known = t.prepareJobId !== null ? q.getJob(t.prepareJobId) : undefined
  if (known && t.stagingDir && fs.existsSync(t.stagingDir)) return known
  // Its folder is gone (or its job): start the preparation over.
  if (known && (known.state === 'queued' || known.state === 'running' || known.state === 'paused'))
    q.cancel(known.id)
  const dir = stagingDirOf(ctx, t, engine)
  const realDir = emptyFolder(dir)
  const pictures = picturesToStage(ctx.db(), t.id)
  const params: PrepareParams = { taskId: t.id, dir: realDir, prepare: t.options.prepare }
  const jobId = q.createJob({
    kind: PREPARE_KIND,
    profile: t.profile,
    title: `Prepare batch task ${t.id}: ${pictures.length} picture${pictures.length === 1 ? '' : 's'}`,
    params,
    concurrency: 4,
    fingerprint: `${PREPARE_KIND}:${t.id}:${t.createdAt}`,
    items: pictures.map((p) => ({ key: p.picName, payload: p })),
  })
  ctx.update(t.id, { stagingDir: dir, prepareJobId: jobId })
  return q.getJob(jobId)!
}

export const prepare: StageHandler = async (ctx, { task: t, engine, signal }) => {
  const q = ctx.deps.jobs.queue()
  const job = jobOf(ctx, q, t, engine)
  const onProgress = (p: JobProgress) => {
    if (p.jobId !== job.id) return
    const done = p.done + p.failed + p.skipped
    ctx.update(t.id, { detail: `Preparing pictures: ${done} of ${p.total}` }, false)
  }
  q.on('progress', onProgress)
  let over: JobInfo | null
  try {
    over = await jobOver(q, job.id, signal, (j) =>
      ctx.update(t.id, {
        detail: j.error
          ? `Preparing paused: ${j.error.code}: ${j.error.message}`
          : 'Preparing paused (resume it in Jobs)',
      }),
    )
  } finally {
    q.off('progress', onProgress)
  }
  if (!over) return null
  if (over.state === 'cancelled') {
    return {
      state: 'cancelled',
      detail: 'Cancelled (its preparation was cancelled)',
      finishedAt: Date.now(),
    }
  }
  if (over.state === 'failed') {
    // The job's own error (a code of the catalogue, or an engine's) goes on as the task's.
    throw new CoreError(
      foreignCode(over.error?.code ?? 'InternalError'),
      over.error?.message ?? 'Preparing failed.',
    )
  }
  const outcomes = new Map<string, StagedPicture | { code: string; message: string }>()
  for (const item of q.store.iterateItems(job.id, ['done', 'failed'])) {
    if (item.state === 'done') outcomes.set(item.key, item.result as StagedPicture)
    else outcomes.set(item.key, item.error ?? { code: 'ImageUnreadable', message: 'Not staged' })
  }
  const dir = (over.params as PrepareParams).dir
  const r = finishStaging(ctx.db(), t.id, dir, outcomes)
  if (r.staged === 0) {
    throw new CoreError(
      'NothingToSend',
      `No line can be sent: ${r.rejected} line${r.rejected === 1 ? ' was' : 's were'} set apart (see the lines).`,
    )
  }
  const bytes = r.files.reduce((a, f) => a + f.size, 0)
  return {
    state: t.engineKind === 'cloud' ? 'uploading' : 'submitting',
    preparedAt: Date.now(),
    linesRejected: r.rejected,
    filesTotal: r.files.length,
    bytesTotal: bytes,
    filesDone: 0,
    bytesDone: 0,
    detail: `${r.staged} line${r.staged === 1 ? '' : 's'} ready${r.rejected ? `, ${r.rejected} set apart` : ''}`,
  }
}

/** Stops the task's job (the task was cancelled) and waits for its pictures in flight. */
export async function cancelPrepareJob(ctx: BatchContext, t: BatchTaskRecord): Promise<void> {
  if (t.prepareJobId === null) return
  try {
    const q = ctx.deps.jobs.queue()
    const j = q.getJob(t.prepareJobId)
    if (!j || j.state === 'done' || j.state === 'cancelled' || j.state === 'failed') return
    q.cancel(j.id)
    await q.whenSettled(j.id)
  } catch (e) {
    ctx.log(`task ${t.id}: cancelling its preparation failed`, e)
  }
}
