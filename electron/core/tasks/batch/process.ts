/**
 * Stage `processing`: IncreaseList polled with a growing delay (1 s → 30 s on the cloud,
 * 0.2 s → 2 s locally) until the engine says SUCCESS or FAIL; then the error file (ErrorUrl) is
 * read and each failed line recorded, the lines that made it become `ok` and go to the gallery
 * cache, and the task moves to `success` or `failed`.
 */

import fs from 'node:fs'
import { fileURLToPath } from 'node:url'
import { CoreError } from '../../errors'
import type { IncreaseTask } from '../../engines/types'
import type { CachedEngine } from '../../gallery/write-through'
import { sleep } from '../../util/sleep'
import type { BatchContext, StageHandler, Transition } from './context'
import { applyErrors, recordInGallery } from './finish'
import { parseErrorFile } from './meta'
import type { BatchLineState, BatchTaskRecord } from './store'
import { retryable } from './submit'

/**
 * A finished task's detail starts with this when its error file could not be read: the lines are
 * marked ok, but which of them failed is not known (the gallery copy sends them again).
 */
export const ERROR_FILE_UNREAD = 'The error file could not be read'

async function readErrorFile(
  url: string,
  ownFile?: (url: string) => Promise<string | null>,
): Promise<string> {
  if (url.startsWith('file:')) return fs.promises.readFile(fileURLToPath(url), 'utf8')
  const own = await ownFile?.(url)
  if (own) return fs.promises.readFile(own, 'utf8')
  const r = await fetch(url, { signal: AbortSignal.timeout(60_000) })
  if (!r.ok) throw new Error(`HTTP ${r.status} reading the error file`)
  return r.text()
}

export const processing: StageHandler = async (ctx, { task, engine, signal }) => {
  let t = task
  const [min, max] =
    t.engineKind === 'local'
      ? (ctx.deps.poll?.local ?? [200, 2000])
      : (ctx.deps.poll?.cloud ?? [1000, 30_000])
  let delay = min
  let missing = 0
  let failures = 0
  for (;;) {
    if (signal.aborted) return null
    let found: IncreaseTask | undefined
    try {
      const r = await engine.increaseList({
        id: t.engineTaskId!,
        bucketName: t.bucket!,
        path: t.path!,
        pageNumber: 1,
        pageSize: 20,
      })
      found = r.increments.find((x) => x.id === t.engineTaskId)
      failures = 0
    } catch (e) {
      if (!retryable(e) && ++failures >= 5) throw e
      ctx.log(`task ${t.id}: IncreaseList failed (will retry)`, e)
    }
    if (found) {
      missing = 0
      if (found.status !== t.engineStatus || found.message !== t.engineMessage) {
        t = ctx.update(t.id, {
          engineStatus: found.status,
          engineCode: found.code,
          engineMessage: found.message,
          errorUrl: found.errorUrl,
          detail: found.message ?? found.status,
        })
      }
      if (found.status !== 'PROCESSING') return outcome(ctx, t, found, engine)
    } else if (++missing >= 10) {
      throw new CoreError(
        'TaskNotFound',
        `The engine does not list task ${t.engineTaskId} for bucket ${t.bucket} and path ${t.path}.`,
      )
    }
    await sleep(delay, signal)
    delay = Math.min(max, Math.round(delay * 1.6))
  }
}

/** The engine is done with the task: record each line's outcome; success or failed. */
async function outcome(
  ctx: BatchContext,
  t: BatchTaskRecord,
  engineTask: IncreaseTask,
  engine: CachedEngine,
): Promise<Transition> {
  const s = ctx.db()
  const sent: BatchLineState[] = ['staged', 'uploaded']
  const failed = engineTask.status === 'FAIL'
  let errorFileProblem: string | null = null
  if (failed) {
    s.transaction(() => {
      for (const l of [...s.iterateLines(t.id, sent)]) {
        s.updateLine(t.id, l.seq, {
          state: 'failed',
          code: engineTask.code ?? 'TaskFailed',
          message: engineTask.message ?? 'The batch task failed.',
        })
      }
    })
  } else {
    if (engineTask.errorUrl) {
      try {
        applyErrors(
          s,
          t,
          parseErrorFile(await readErrorFile(engineTask.errorUrl, ctx.deps.ownFile)),
        )
      } catch (e) {
        errorFileProblem = `${ERROR_FILE_UNREAD} (${(e as Error).message}); failed lines are not known.`
        ctx.log(`task ${t.id}: ${errorFileProblem}`)
      }
    }
    s.setLineStates(t.id, sent, 'ok')
    recordInGallery(ctx, t, engine)
  }
  const counts = s.countLines(t.id)
  return {
    state: failed ? 'failed' : 'success',
    linesOk: counts.ok,
    linesFailed: counts.failed,
    linesRejected: counts.rejected,
    finishedAt: Date.now(),
    detail: errorFileProblem ?? engineTask.message ?? engineTask.status,
    ...(failed
      ? {
          error: {
            code: engineTask.code ?? 'TaskFailed',
            message: engineTask.message ?? 'The batch task failed.',
          },
        }
      : {}),
  }
}
