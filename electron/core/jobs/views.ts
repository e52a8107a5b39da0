/** What the contract shows of a bulk-add job and of its items (JobView, JobItemView). */
import type { JobItemView, JobView } from '../../api/domains/jobs'
import type { BulkAddParams, BulkAddPayload, BulkAddResult } from './bulk-add/index'
import type { JobQueue } from './queue'
import { continuedBy } from './remaining'
import type { ItemRecord, JobId, JobInfo, JobProgress } from './types'

export function jobView(queue: JobQueue, job: JobInfo): JobView {
  const p: JobProgress = queue.progress(job.id)
  const params = (job.params ?? {}) as Partial<BulkAddParams>
  return {
    jobId: job.id,
    kind: job.kind,
    profile: job.profile,
    title: job.title,
    state: job.state,
    sealed: job.sealed,
    total: p.total,
    done: p.done,
    failed: p.failed,
    skipped: p.skipped,
    pending: p.pending,
    running: p.running,
    retryable: p.failed > 0 ? retryableCount(queue, job.id) : 0,
    rate: p.rate,
    etaSeconds: p.etaSeconds,
    error: job.error,
    sources: Array.isArray(params.sources) ? params.sources : [],
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
    finishedAt: job.finishedAt,
    continuedBy: continuedBy(queue, job),
  }
}

/** Failed items not refused while planning (what retryFailed requeues). */
function retryableCount(queue: JobQueue, jobId: JobId): number {
  const row = queue.store.db
    .prepare(
      "SELECT count(*) AS n FROM job_items WHERE job_id = ? AND state = 'failed' AND rejected = 0",
    )
    .get(jobId) as { n: number }
  return row.n
}

export function itemView(item: ItemRecord): JobItemView {
  const p = (item.payload ?? {}) as Partial<BulkAddPayload>
  const r = item.result as Partial<BulkAddResult> | null
  return {
    seq: item.seq,
    key: item.key,
    state: item.state,
    attempts: item.attempts,
    error: item.error,
    productId: p.productId ?? null,
    picName: p.picName ?? null,
    source: p.source ?? p.origin ?? null,
    relPath: p.relPath ?? '',
    rejected: item.rejected,
    result: r
      ? {
          ...(r.requestId ? { requestId: r.requestId } : {}),
          ...(typeof r.categoryId === 'number' ? { categoryId: r.categoryId } : {}),
          ...(r.prepared ? { prepared: r.prepared } : {}),
        }
      : null,
    updatedAt: item.updatedAt,
  }
}
