/** Messages between the featurizer pool and its worker threads. */
import type { Box, DescribeOptions, Description, Embedding, Subjects } from './types'

export type Job =
  | { op: 'embed'; image: Uint8Array; box: Box | null }
  | { op: 'detect'; image: Uint8Array }
  | { op: 'describe'; image: Uint8Array; opts: DescribeOptions }

export type Request = Job & { id: number }

export type Reply =
  | { id: number; ok: true; op: 'embed'; result: Embedding }
  | {
      id: number
      ok: true
      op: 'detect'
      result: Subjects & { width: number; height: number }
    }
  | { id: number; ok: true; op: 'describe'; result: Description }
  | {
      id: number
      ok: false
      error: { code?: string; message: string; hint?: string }
    }
