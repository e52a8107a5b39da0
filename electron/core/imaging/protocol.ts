import type { ErrorData } from './errors'
import type { PrepareOptions, PreparedImage } from './types'

export type WireInput = { path: string } | { bytes: Uint8Array; name?: string }

export interface Request {
  id: number
  input: WireInput
  opts: PrepareOptions
  /** `preview`: no thumbnail, no hashes, and the output bytes stay in the worker. */
  mode: 'prepare' | 'preview'
}

/** A prepared image as it crosses the thread boundary (`data` null: the input bytes were kept). */
export type WireResult = Omit<PreparedImage, 'data' | 'thumbnail'> & {
  data: Uint8Array | null
  bytes: number
  thumbnail: Uint8Array
}

export type Reply =
  { id: number; ok: true; result: WireResult } | { id: number; ok: false; error: ErrorData }
