/**
 * "Add the remaining N": a cancelled bulk add keeps its unsent pictures `pending`; this makes them a
 * new job of the same kind, profile and options — an ordinary persistent queue job (paused,
 * resumed after a restart, retried like any other). The new job's fingerprint names the cancelled
 * one, so asking twice answers the same job instead of sending the pictures twice.
 */
import { CoreError } from '../errors'
import { BULK_ADD_KIND } from './bulk-add/index'
import type { JobQueue } from './queue'
import type { JobId, JobInfo, NewItem } from './types'

export const remainingFingerprint = (jobId: JobId): string => `remaining-of:${jobId}`

/** The job made from this cancelled job's remaining pictures, if any. */
export function continuedBy(queue: JobQueue, job: JobInfo): JobId | null {
  if (job.state !== 'cancelled') return null
  return queue.store.findAnyByFingerprint(remainingFingerprint(job.id))?.id ?? null
}

/** Creates (or finds) the job of the remaining pictures. `created: false` when it existed. */
export function addRemaining(queue: JobQueue, job: JobInfo): { jobId: JobId; created: boolean } {
  const existing = continuedBy(queue, job)
  if (existing !== null) return { jobId: existing, created: false }
  if (job.state !== 'cancelled' || job.kind !== BULK_ADD_KIND) {
    throw new CoreError(
      'JobNotCancelled',
      `Job ${job.id} is ${job.state}: only the pictures of a cancelled bulk add can be added as a new job.`,
      { httpStatus: 409 },
    )
  }
  if (job.counts.running > 0) {
    throw new CoreError(
      'JobRunning',
      `Job ${job.id} still has ${job.counts.running} pictures on their way: ask again in a moment.`,
      { httpStatus: 409 },
    )
  }
  const items: NewItem[] = []
  for (const it of queue.store.iterateItems(job.id, ['pending'])) {
    items.push({ key: it.key, payload: it.payload })
  }
  if (!items.length) {
    throw new CoreError('NothingRemaining', `Job ${job.id} has no pictures left to send.`, {
      httpStatus: 409,
    })
  }
  const jobId = queue.createJob({
    kind: job.kind,
    profile: job.profile,
    title: job.title,
    params: job.params,
    fingerprint: remainingFingerprint(job.id),
    items,
  })
  return { jobId, created: true }
}
