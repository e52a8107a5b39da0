/**
 * Stage `submitting`: IncreaseInstance(bucket, path, callback). Errors jobs/retry.ts classes as
 * transient or throttled are retried (5 attempts, 1 s doubling); anything else fails the task.
 */

import { classifyError } from '../../jobs/retry'
import { sleep } from '../../util/sleep'
import type { StageHandler } from './context'

/** Worth another attempt (network, timeout, 5xx, DeniedRequest), by the jobs' classification. */
export function retryable(e: unknown): boolean {
  const c = classifyError(e)
  return c === 'transient' || c === 'throttled'
}

export const submit: StageHandler = async (_ctx, { task: t, engine, signal }) => {
  let lastErr: unknown = null
  for (let attempt = 1; attempt <= 5; attempt++) {
    if (signal.aborted) return null
    try {
      const r = await engine.increaseInstance({
        bucketName: t.bucket!,
        path: t.path!,
        ...(t.options.callbackAddress ? { callbackAddress: t.options.callbackAddress } : {}),
      })
      return {
        state: 'processing',
        engineTaskId: r.id,
        engineStatus: r.incrementStatus,
        submittedAt: Date.now(),
        detail: `Submitted as engine task ${r.id}`,
      }
    } catch (e) {
      lastErr = e
      if (!retryable(e)) throw e
      await sleep(1000 * 2 ** (attempt - 1), signal)
    }
  }
  throw lastErr
}
