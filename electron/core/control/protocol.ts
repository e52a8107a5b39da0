/**
 * The control channel's wire format: newline-delimited JSON, one frame a line, over a local socket
 * (a Unix domain socket, or a named pipe on Windows). Pure TypeScript: no Node.
 *
 *   client → host  { t: 'hello', token }                 first frame, within HELLO_TIMEOUT_MS
 *   host → client  { t: 'welcome', pid, host, version, dataDir }
 *   client → host  { t: 'call', id, method, input }       a contract call
 *   host → client  { t: 'reply', id, reply }              its DispatchReply ({ result } | { error })
 *   client → host  { t: 'subscribe' }                     from now on, the core's events:
 *   host → client  { t: 'event', name, payload }
 *
 * The host answers nothing before a hello with the token of its announcement (`control.json`).
 */
import type { DispatchReply } from '../../api/dispatch'

export const PROTOCOL = 1
/** A line longer than this ends the connection (a call carries at most one picture, in base64). */
export const MAX_LINE_BYTES = 32 * 1024 * 1024
export const HELLO_TIMEOUT_MS = 5_000

export type HostKind = 'headless' | 'electron'

export interface Hello {
  t: 'hello'
  token: string
  protocol: number
}
export interface Welcome {
  t: 'welcome'
  protocol: number
  pid: number
  host: HostKind
  version: string | null
  dataDir: string
}
export interface Call {
  t: 'call'
  id: number
  method: string
  input: unknown
}
export interface Reply {
  t: 'reply'
  id: number
  reply: DispatchReply
}
export interface Subscribe {
  t: 'subscribe'
}
export interface EventFrame {
  t: 'event'
  name: string
  payload: unknown
}

export type ToHost = Hello | Call | Subscribe
export type ToClient = Welcome | Reply | EventFrame

/** One frame as one line. */
export function frame(m: ToHost | ToClient): string {
  return JSON.stringify(m) + '\n'
}

/** Parses one line into a frame of the given direction; null for anything malformed. */
export function parseToHost(line: string): ToHost | null {
  const m = parse(line)
  if (!m) return null
  if (m.t === 'hello' && typeof m.token === 'string') return m as unknown as Hello
  if (m.t === 'subscribe') return { t: 'subscribe' }
  if (
    m.t === 'call' &&
    Number.isSafeInteger(m.id) &&
    typeof m.method === 'string' &&
    m.method.length <= 200
  ) {
    return m as unknown as Call
  }
  return null
}

export function parseToClient(line: string): ToClient | null {
  const m = parse(line)
  if (!m) return null
  if (m.t === 'welcome' && Number.isSafeInteger(m.pid)) return m as unknown as Welcome
  if (m.t === 'reply' && Number.isSafeInteger(m.id) && m.reply && typeof m.reply === 'object') {
    return m as unknown as Reply
  }
  if (m.t === 'event' && typeof m.name === 'string') return m as unknown as EventFrame
  return null
}

function parse(line: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(line) as unknown
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null
  } catch {
    return null
  }
}

/**
 * Splits a byte stream into lines. `push` returns false once a line grew past `max` bytes (the
 * connection should end).
 */
export function lineReader(onLine: (line: string) => void, max = MAX_LINE_BYTES) {
  const decoder = new TextDecoder()
  let buf = ''
  return {
    push(chunk: Uint8Array): boolean {
      buf += decoder.decode(chunk, { stream: true })
      let nl: number
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl)
        buf = buf.slice(nl + 1)
        if (line.trim()) onLine(line)
      }
      return buf.length <= max
    },
  }
}
