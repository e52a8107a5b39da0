/** Messages between the featurizer pool and its worker threads. */
import type { Box, DescribeOptions, Description, Embedding, Subjects } from './types'

export type Job =
  | { op: 'embed'; image: Uint8Array; box: Box | null }
  | { op: 'detect'; image: Uint8Array }
  | { op: 'describe'; image: Uint8Array; opts: DescribeOptions }
  | { op: 'warm' }

export type Request = Job & { id: number }

/**
 * `cold`: the request found the worker's model not loaded yet and waited for it (embed, describe
 * and warm; detect does not use the model).
 */
export type Reply = (
  | { id: number; ok: true; op: 'embed'; result: Embedding }
  | {
      id: number
      ok: true
      op: 'detect'
      result: Subjects & { width: number; height: number }
    }
  | { id: number; ok: true; op: 'describe'; result: Description }
  | { id: number; ok: true; op: 'warm'; result: { ms: number } }
  | {
      id: number
      ok: false
      error: { code?: string; message: string; hint?: string }
    }
) & { cold?: boolean }
