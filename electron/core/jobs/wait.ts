/**
 * Waiting for a job of the queue to be over, for work that runs as a job and whose caller needs
 * its outcome (a batch task's preparation, a dump import the user waits for).
 */

import type { JobQueue } from './queue'
import type { JobInfo } from './types'

/**
 * Resolves when the job is over — done, failed or cancelled — or null when `signal` aborts first.
 * A paused job (by the user in the Jobs panel, or an error every item would hit) is waited for:
 * `onPaused` says so, and the wait goes on once it is resumed.
 */
export async function jobOver(
  q: JobQueue,
  jobId: number,
  signal: AbortSignal,
  onPaused?: (job: JobInfo) => void,
): Promise<JobInfo | null> {
  const aborted = new Promise<null>((r) => {
    if (signal.aborted) r(null)
    else signal.addEventListener('abort', () => r(null), { once: true })
  })
  for (;;) {
    if (signal.aborted) return null
    const job = await Promise.race([q.whenSettled(jobId), aborted])
    if (!job) return null
    if (job.state !== 'paused') return job
    onPaused?.(job)
    let off = () => {}
    await Promise.race([
      aborted,
      new Promise<void>((resolve) => {
        const on = (j: JobInfo) => {
          if (j.id === jobId && j.state !== 'paused') resolve()
        }
        q.on('state', on)
        off = () => q.off('state', on)
      }),
    ])
    off()
  }
}
