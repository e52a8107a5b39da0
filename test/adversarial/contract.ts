/**
 * The contract over the UI host's bridge (`POST /api/call/<method>`, JSON), as the renderer calls
 * it from the page the host serves. An error answers `{ error: { code, httpStatus, … } }`: the
 * suite's status for it is the error's `httpStatus` (the bridge itself answers 200, or 4xx for
 * requests it refuses before dispatch); a 5xx from the bridge stays a 5xx.
 */
import { send } from './wire'
import type { Got } from './tally'

export interface ContractAnswer extends Got {
  /** The bridge's own HTTP status. */
  httpStatus: number
  result?: unknown
  text: string
}

export async function call(
  port: number,
  method: string,
  input: unknown,
  headers: Record<string, string> = {},
): Promise<ContractAnswer> {
  const body = Buffer.from(JSON.stringify(input ?? {}))
  const a = await send(port, {
    path: `/api/call/${method}`,
    headers: {
      host: `127.0.0.1:${port}`,
      'content-type': 'application/json',
      'content-length': String(body.length),
      ...headers,
    },
    body,
  })
  if (a.transport) return { ...a, httpStatus: 0 }
  let parsed: { result?: unknown; error?: { code?: string; httpStatus?: number } } = {}
  try {
    parsed = JSON.parse(a.text) as typeof parsed
  } catch {
    return { status: a.status, code: '', httpStatus: a.status, text: a.text }
  }
  if (parsed.error) {
    const status =
      a.status === 200 && typeof parsed.error.httpStatus === 'number'
        ? parsed.error.httpStatus
        : a.status
    return { status, code: String(parsed.error.code ?? ''), httpStatus: a.status, text: a.text }
  }
  return { status: a.status, code: '', httpStatus: a.status, result: parsed.result, text: a.text }
}
