import type { HostStatus } from '../api/host-status'
import { CORE_RESTARTED, CORE_UNAVAILABLE, HOST_STATUS_EVENT } from '../api/host-status'
import type { PortCall, PortLike } from '../core-host/protocol'
import { isPortEvent, isPortReply } from '../core-host/protocol'

export type Listener = (name: string, payload: unknown) => void

type Pending = { resolve: (r: unknown) => void; port: PortLike | null; call: PortCall }

/** A DOM (or Node) MessagePort as a PortLike. */
export function wrapMessagePort(p: {
  postMessage(m: unknown): void
  addEventListener(ev: 'message', fn: (e: { data: unknown }) => void): void
  start(): void
  close(): void
}): PortLike {
  return {
    send: (m) => p.postMessage(m),
    onMessage(fn) {
      p.addEventListener('message', (e) => fn(e.data))
      p.start()
    },
    onClose: () => {},
    close: () => p.close(),
  }
}

/**
 * The renderer's side of the core connection (used by the preload): calls made before the port
 * arrives wait for it; when the core restarts, the calls it held fail with `CoreRestarted`, the
 * next port takes over, and subscriptions stay. Every new subscriber first hears the current
 * host status (`host.status`).
 */
export function createPortClient(methods: readonly string[]) {
  const allowed = new Set(methods)
  const pending = new Map<number, Pending>()
  const listeners = new Set<Listener>()
  let port: PortLike | null = null
  let status: HostStatus = { state: 'starting' }
  let nextId = 1

  function emit(name: string, payload: unknown) {
    for (const l of [...listeners]) {
      try {
        l(name, payload)
      } catch {
        /* a page listener must not break the others */
      }
    }
  }

  function fail(which: (p: Pending) => boolean, code: string, message: string) {
    for (const [id, p] of pending) {
      if (!which(p)) continue
      pending.delete(id)
      p.resolve({ error: { code, message } })
    }
  }

  const restarted = (p: Pending) => p.port !== null
  const restartedMsg = 'Loupe’s engine stopped while this was running. Try again in a moment.'

  function onMessage(from: PortLike, m: unknown) {
    if (from !== port) return
    if (isPortReply(m)) {
      const p = pending.get(m.id)
      if (p && p.port === from) {
        pending.delete(m.id)
        p.resolve(m.reply)
      }
    } else if (isPortEvent(m)) emit(m.name, m.payload)
  }

  return {
    /** A new connection to the core (first, or after a restart). */
    attach(p: PortLike) {
      const old = port
      port = p
      // Calls the previous core process held will never be answered.
      fail((x) => x.port !== null && x.port === old, CORE_RESTARTED, restartedMsg)
      old?.close()
      p.onMessage((m) => onMessage(p, m))
      for (const x of pending.values()) {
        if (x.port) continue
        x.port = p
        p.send(x.call)
      }
    },
    /** Main reports the core process's state. */
    setStatus(s: HostStatus) {
      status = s
      if (s.state === 'restarting' || s.state === 'failed') {
        const old = port
        port = null
        fail(restarted, CORE_RESTARTED, restartedMsg)
        old?.close()
      }
      if (s.state === 'failed') {
        fail(() => true, CORE_UNAVAILABLE, 'Loupe’s engine is not running.')
      }
      emit(HOST_STATUS_EVENT, s)
    },
    /** An event from the desktop host itself (not the core): listeners get it like the core's. */
    deliver(name: string, payload: unknown) {
      emit(name, payload)
    },
    get status(): HostStatus {
      return status
    },
    invoke(name: string, input: unknown): Promise<unknown> {
      if (!allowed.has(name))
        return Promise.resolve({ error: { code: 'UnknownMethod', message: name } })
      if (status.state === 'failed')
        return Promise.resolve({
          error: { code: CORE_UNAVAILABLE, message: 'Loupe’s engine is not running.' },
        })
      const call: PortCall = { id: nextId++, method: name, input }
      return new Promise((resolve) => {
        const entry: Pending = { resolve, port, call }
        pending.set(call.id, entry)
        try {
          port?.send(call)
        } catch {
          entry.port = null // sent again on the next port
        }
      })
    },
    subscribe(listener: Listener): () => void {
      listeners.add(listener)
      queueMicrotask(() => {
        try {
          if (listeners.has(listener)) listener(HOST_STATUS_EVENT, status)
        } catch {
          /* ignore */
        }
      })
      return () => {
        listeners.delete(listener)
      }
    },
  }
}
