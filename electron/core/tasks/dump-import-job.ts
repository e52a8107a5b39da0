/**
 * A dump import (a metadata export read into the gallery cache) as a `dump-import` job of the one
 * persistent queue: one item, the file. It shows in the Jobs panel, can be paused, resumed and
 * cancelled there, and survives a restart (the import runs again from the start: it replaces the
 * cache's rows in one transaction, so a half-done import leaves nothing behind). The caller of
 * `tasks.dumpImport` waits for it and gets the counts, as before.
 */

import path from 'node:path'
import { foreignCode } from '../../domain/errors'
import { CoreError } from '../errors'
import type { DumpCounts } from '../gallery/types'
import { AbortedError } from '../jobs/limiter'
import type { JobQueue } from '../jobs/queue'
import type { JobHandler } from '../jobs/types'
import { jobOver } from '../jobs/wait'

export const DUMP_IMPORT_KIND = 'dump-import'

export interface DumpImportParams {
  file: string
  /** The export's task id, when the file is one of the profile's exports. */
  id: number | null
  /** gallery.progress events of the import carry this opId. */
  opId: string
}

export interface DumpImportResult extends DumpCounts {
  file: string
  at: number
}

/**
 * The handler: `run(profile, params, signal)` does the import (and says so: records, events,
 * notification). An import stopped by a pause or a close goes back to pending (not failed).
 */
export function dumpImportHandler(
  run: (
    profile: string,
    params: DumpImportParams,
    signal: AbortSignal,
  ) => Promise<DumpImportResult>,
): JobHandler<{ file: string }, DumpImportResult> {
  return {
    opClass: () => 'none',
    async run(_item, ctx) {
      try {
        return await run(ctx.profile, ctx.params as DumpImportParams, ctx.signal)
      } catch (e) {
        if (ctx.signal.aborted) throw new AbortedError()
        throw e
      }
    },
    describe: (item) => ({ source: item.payload.file }),
  }
}

/**
 * Enqueue the import, wait until it is over, and answer as the call always did. `signal` (the
 * user's cancel) cancels the job; `life` aborting (Loupe stops) ends the wait, not the job.
 */
export async function importAsJob(
  q: JobQueue,
  profile: string,
  params: DumpImportParams,
  signal: AbortSignal,
  life: AbortSignal,
): Promise<DumpImportResult> {
  const jobId = q.createJob({
    kind: DUMP_IMPORT_KIND,
    profile,
    title:
      params.id !== null
        ? `Import export ${params.id} into the gallery cache`
        : `Import ${path.basename(params.file)} into the gallery cache`,
    params,
    concurrency: 1,
    items: [{ key: 'import', payload: { file: params.file } }],
  })
  const onAbort = () => q.cancel(jobId)
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    const job = await jobOver(q, jobId, life)
    if (!job) {
      throw new CoreError(
        'Interrupted',
        `Loupe stopped during the import (job ${jobId}); it runs again when Loupe starts.`,
      )
    }
    const item = q.listItems(jobId, { limit: 1 })[0]
    if (job.state === 'done' && item?.state === 'done') return item.result as DumpImportResult
    if (job.state === 'cancelled') {
      throw new CoreError('Aborted', 'The dump import was cancelled; nothing was imported.')
    }
    const err = item?.error ?? job.error
    throw new CoreError(
      foreignCode(err?.code ?? 'InternalError'),
      err?.message ?? 'The import failed.',
    )
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
}
