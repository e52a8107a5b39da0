/**
 * The client side of the control channel: a contract Transport to the host announced on a data
 * folder (see announce.ts), for `createClient`.
 */
import net from 'node:net'
import type { Transport } from '../../api/client'
import type { DispatchReply } from '../../api/dispatch'
import { forget, liveAnnouncement, type Announcement } from './announce'
import { PROTOCOL, frame, lineReader, parseToClient, type HostKind, type ToHost } from './protocol'

export interface ControlConnection {
  transport: Transport
  /** Who answers: the host process. */
  host: { pid: number; kind: HostKind; version: string | null }
  close(): void
}

/** How long a host may take to welcome us (it may be busy starting) before we run our own core. */
export const WELCOME_TIMEOUT_MS = 15_000
/** A call without an answer by then fails (Timeout), as over HTTP; long methods get longer. */
const CALL_TIMEOUT_MS = 2 * 60_000
const SLOW_CALL_TIMEOUT_MS = 15 * 60_000

/** Errors where nothing listens at the announced address: the announcement is stale. */
const NOBODY = new Set(['ENOENT', 'ECONNREFUSED', 'ENOTSOCK', 'EPIPE', 'ECONNRESET'])

/**
 * Connects to the host announced on `dataDir`. Resolves null when there is none, when it is
 * stale (its process is gone, or nothing listens: the announcement is removed), or when it does not
 * welcome us within `timeoutMs` — the caller then runs its own core.
 */
export function connectControl(
  dataDir: string,
  opts: { timeoutMs?: number } = {},
): Promise<ControlConnection | null> {
  const a = liveAnnouncement(dataDir)
  if (!a) return Promise.resolve(null)
  return connectControlTo(dataDir, a, opts.timeoutMs)
}

/** Connects to the channel of announcement `a` (see connectControl). */
export function connectControlTo(
  dataDir: string,
  a: Announcement,
  timeoutMs = WELCOME_TIMEOUT_MS,
): Promise<ControlConnection | null> {
  return new Promise((resolve) => {
    const socket = net.connect(a.path)
    let settled = false
    let nextId = 1
    const pending = new Map<number, (r: DispatchReply) => void>()
    const listeners = new Set<(name: string, payload: unknown) => void>()
    let subscribed = false

    const give = (c: ControlConnection | null) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      if (!c) socket.destroy()
      resolve(c)
    }
    const timer = setTimeout(() => give(null), timeoutMs)
    const send = (m: ToHost) => {
      if (!socket.destroyed) socket.write(frame(m))
    }

    const reader = lineReader((line) => {
      const m = parseToClient(line)
      if (!m) return
      if (m.t === 'welcome') {
        if (m.pid !== a.pid) return give(null)
        give({
          transport,
          host: { pid: m.pid, kind: m.host, version: m.version },
          close() {
            socket.end()
            socket.destroy()
          },
        })
      } else if (m.t === 'reply') {
        const done = pending.get(m.id)
        pending.delete(m.id)
        done?.(m.reply)
      } else if (m.t === 'event') {
        for (const l of listeners) l(m.name, m.payload)
      }
    })

    const transport: Transport = {
      invoke(name, input, { slow }) {
        return new Promise<unknown>((res) => {
          if (socket.destroyed) return res(gone())
          const id = nextId++
          const timer = setTimeout(
            () => {
              pending.delete(id)
              res({ error: { code: 'Timeout', message: `${name} took too long` } })
            },
            slow ? SLOW_CALL_TIMEOUT_MS : CALL_TIMEOUT_MS,
          )
          timer.unref?.()
          pending.set(id, (reply) => {
            clearTimeout(timer)
            res(reply)
          })
          send({ t: 'call', id, method: name, input: input ?? {} })
        })
      },
      subscribe(listener) {
        listeners.add(listener)
        if (!subscribed) {
          subscribed = true
          send({ t: 'subscribe' })
        }
        return () => void listeners.delete(listener)
      },
    }

    const gone = (): DispatchReply => ({
      error: {
        code: 'HostUnreachable',
        message: `The Loupe ${a.host === 'electron' ? 'desktop app' : 'host'} (pid ${a.pid}) closed the connection`,
        hint: 'Is it still running? Run the command again.',
      },
    })

    socket.on('connect', () => send({ t: 'hello', token: a.token, protocol: PROTOCOL }))
    socket.on('data', (chunk: Buffer) => {
      if (!reader.push(chunk)) socket.destroy()
    })
    socket.on('error', (e: NodeJS.ErrnoException) => {
      if (!settled && e.code && NOBODY.has(e.code)) forget(dataDir, a)
      give(null)
    })
    socket.on('close', () => {
      give(null)
      // Calls still waiting get their answer now (and their timers go).
      const waiting = [...pending.values()]
      pending.clear()
      for (const done of waiting) done(gone())
    })
  })
}
