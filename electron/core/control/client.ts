/**
 * The client side of the control channel: a contract Transport to the host announced on a data
 * folder (see announce.ts), for `createClient`.
 */
import net from 'node:net'
import type { Transport } from '../../api/client'
import type { DispatchReply } from '../../api/dispatch'
import { forget, liveAnnouncement, type Announcement } from './announce'
import {
  HELLO_TIMEOUT_MS,
  PROTOCOL,
  frame,
  lineReader,
  parseToClient,
  type HostKind,
  type ToHost,
} from './protocol'

export interface ControlConnection {
  transport: Transport
  /** Who answers: the host process. */
  host: { pid: number; kind: HostKind; version: string | null }
  close(): void
}

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
  timeoutMs = HELLO_TIMEOUT_MS,
): Promise<ControlConnection | null> {
  return new Promise((resolve) => {
    const socket = net.connect(a.path)
    let settled = false
    let nextId = 1
    const pending = new Map<number, (r: DispatchReply) => void>()
    const listeners = new Set<(name: string, payload: unknown) => void>()
    let subscribed = false
    let closedByUs = false

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
            closedByUs = true
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
      invoke(name, input) {
        return new Promise<unknown>((res) => {
          if (socket.destroyed) return res(gone())
          const id = nextId++
          pending.set(id, res)
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
      if (closedByUs) return
      for (const done of pending.values()) done(gone())
      pending.clear()
    })
  })
}
