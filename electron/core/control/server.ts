/**
 * The host side of the control channel: `loupe serve` and the desktop app's core process both
 * serve their core's contract here, so a `loupe` command on the same data folder runs in the host
 * that holds its engines instead of opening a second core.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import type { DispatchReply } from '../../api/dispatch'
import { announce, newChannelPath, sweepDeadSockets, type Announcement } from './announce'
import {
  HELLO_TIMEOUT_MS,
  PROTOCOL,
  frame,
  lineReader,
  parseToHost,
  type HostKind,
  type ToClient,
} from './protocol'
import { logf } from '../log-text'

export interface ControlServerOptions {
  dataDir: string
  host: HostKind
  version?: string
  dispatch(method: string, input: unknown): Promise<DispatchReply>
  /** The core's events (EventBus.onAny). */
  onEvent(listener: (name: string, payload: unknown) => void): () => void
  log?(level: 'info' | 'warn' | 'error', line: string): void
}

export interface ControlServer {
  /** The socket path or pipe name. */
  readonly path: string
  close(): Promise<void>
}

/** A client reading events this slowly is dropped (its buffered output passed this many bytes). */
const MAX_BUFFERED = 16 * 1024 * 1024

/** Starts the channel and announces it in `<dataDir>/control.json`. */
export async function startControlServer(opts: ControlServerOptions): Promise<ControlServer> {
  const log = opts.log ?? (() => {})
  sweepDeadSockets()
  const where = newChannelPath(opts.dataDir)
  if (process.platform !== 'win32') fs.rmSync(where, { force: true })
  const token = crypto.randomBytes(24).toString('hex')
  const expected = Buffer.from(token)
  const sockets = new Set<net.Socket>()
  const dataDir = path.resolve(opts.dataDir)

  const server = net.createServer((socket) => {
    sockets.add(socket)
    let welcomed = false
    let unsubscribe: (() => void) | null = null
    const send = (m: ToClient) => {
      if (socket.destroyed) return
      if (socket.writableLength > MAX_BUFFERED) {
        log('warn', 'control: a client does not read its events; disconnected')
        socket.destroy()
        return
      }
      socket.write(frame(m))
    }
    const helloTimer = setTimeout(() => socket.destroy(), HELLO_TIMEOUT_MS)
    const reader = lineReader((line) => {
      const m = parseToHost(line)
      if (!welcomed) {
        const given = Buffer.from(m && m.t === 'hello' ? m.token : '')
        if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) {
          socket.destroy()
          return
        }
        welcomed = true
        clearTimeout(helloTimer)
        send({
          t: 'welcome',
          protocol: PROTOCOL,
          pid: process.pid,
          host: opts.host,
          version: opts.version ?? null,
          dataDir,
        })
        return
      }
      if (!m) return
      if (m.t === 'subscribe') {
        unsubscribe ??= opts.onEvent((name, payload) => send({ t: 'event', name, payload }))
      } else if (m.t === 'call') {
        opts.dispatch(m.method, m.input).then(
          (reply) => send({ t: 'reply', id: m.id, reply }),
          (e: Error) =>
            send({
              t: 'reply',
              id: m.id,
              reply: { error: { code: 'InternalError', message: e.message } },
            }),
        )
      }
    })
    socket.on('data', (chunk: Buffer) => {
      if (!reader.push(chunk)) socket.destroy()
    })
    socket.on('error', () => {})
    socket.on('close', () => {
      clearTimeout(helloTimer)
      sockets.delete(socket)
      unsubscribe?.()
    })
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(where, () => {
      server.off('error', reject)
      resolve()
    })
  })
  // The folder is owner-only already; the socket itself too.
  if (process.platform !== 'win32') fs.chmodSync(where, 0o600)
  server.on('error', (e) => log('error', `control: ${e.message}`))

  const a: Announcement = {
    pid: process.pid,
    path: where,
    startedAt: Date.now(),
    host: opts.host,
    token,
  }
  const unannounce = announce(opts.dataDir, a)
  // A host that exits without closing (process.exit) still takes its announcement along.
  process.once('exit', unannounce)
  log('info', logf`control channel at ${where}`)

  let closing: Promise<void> | null = null
  return {
    path: where,
    close() {
      closing ??= (async () => {
        unannounce()
        process.off('exit', unannounce)
        for (const s of sockets) s.destroy()
        await new Promise<void>((r) => server.close(() => r()))
        if (process.platform !== 'win32') fs.rmSync(where, { force: true })
      })()
      return closing
    },
  }
}
