import type { ConnFrame, PortLike, ToCore, ToMain } from './protocol'
import { isMessage } from './protocol'

/** The core process's view of main: control messages both ways, and renderer connections. */
export interface CoreChannel {
  send(msg: ToMain): void
  onMessage(fn: (msg: ToCore) => void): void
  onConnect(fn: (port: PortLike) => void): void
  /** Main is gone (fork channel closed); Electron kills the utility process itself. */
  onDisconnect(fn: () => void): void
}

/** Electron's MessagePortMain as the utility process sees it (no import of 'electron'). */
export interface MessagePortMainLike {
  on(ev: 'message', fn: (e: { data: unknown }) => void): unknown
  on(ev: 'close', fn: () => void): unknown
  postMessage(msg: unknown): void
  start(): void
  close(): void
}

/** `process.parentPort` of an Electron utility process. */
export interface ParentPortLike {
  on(ev: 'message', fn: (e: { data: unknown; ports?: MessagePortMainLike[] }) => void): unknown
  postMessage(msg: unknown): void
}

export function wrapMessagePortMain(p: MessagePortMainLike): PortLike {
  return {
    send: (m) => p.postMessage(m),
    onMessage(fn) {
      p.on('message', (e) => fn(e.data))
      p.start()
    },
    onClose: (fn) => void p.on('close', fn),
    close: () => p.close(),
  }
}

/** In an Electron utility process: `process.parentPort`, ports handed over with `connect`. */
export function parentPortChannel(parentPort: ParentPortLike): CoreChannel {
  let onMsg: (m: ToCore) => void = () => {}
  let onConn: (p: PortLike) => void = () => {}
  parentPort.on('message', (e) => {
    if (!isMessage(e.data)) return
    const m = e.data as ToCore
    if (m.t === 'connect') {
      const p = e.ports?.[0]
      if (p) onConn(wrapMessagePortMain(p))
      return
    }
    onMsg(m)
  })
  return {
    send: (m) => parentPort.postMessage(m),
    onMessage: (fn) => void (onMsg = fn),
    onConnect: (fn) => void (onConn = fn),
    onDisconnect: () => {},
  }
}

/** What a forked Node child needs of `process`. */
export interface ForkProcessLike {
  send?(msg: unknown): boolean
  on(ev: 'message', fn: (m: unknown) => void): unknown
  on(ev: 'disconnect', fn: () => void): unknown
}

/**
 * Under plain Node (`child_process.fork`, tests): the IPC channel carries the control messages
 * and, multiplexed by connection number, each renderer connection.
 */
export function forkChannel(proc: ForkProcessLike): CoreChannel {
  const send = (m: ToMain | ConnFrame) => void proc.send?.(m)
  const conns = new Map<number, { onMessage: (m: unknown) => void; onClose: () => void }>()
  let onMsg: (m: ToCore) => void = () => {}
  let onConn: (p: PortLike) => void = () => {}
  let onGone: () => void = () => {}
  proc.on('message', (raw) => {
    if (!isMessage(raw)) return
    const m = raw as ToCore | ConnFrame
    if (m.t === 'connect') {
      const id = m.conn
      if (typeof id !== 'number') return
      const c = { onMessage: (_m: unknown) => {}, onClose: () => {} }
      conns.set(id, c)
      onConn({
        send: (data) => send({ t: 'conn', conn: id, data }),
        onMessage: (fn) => void (c.onMessage = fn),
        onClose: (fn) => void (c.onClose = fn),
        close: () => {
          if (conns.delete(id)) send({ t: 'disconnect', conn: id })
        },
      })
    } else if (m.t === 'conn') {
      conns.get(m.conn)?.onMessage(m.data)
    } else if (m.t === 'disconnect') {
      const c = conns.get(m.conn)
      conns.delete(m.conn)
      c?.onClose()
    } else onMsg(m)
  })
  proc.on('disconnect', () => onGone())
  return {
    send,
    onMessage: (fn) => void (onMsg = fn),
    onConnect: (fn) => void (onConn = fn),
    onDisconnect: (fn) => void (onGone = fn),
  }
}

/**
 * Holds main's messages and connections that arrive before the core host listens (the core is
 * loaded only after its native modules were checked), then hands them over in order.
 */
export function holdUntilListening(ch: CoreChannel): CoreChannel {
  const msgs = held<ToCore>()
  const conns = held<PortLike>()
  ch.onMessage(msgs.push)
  ch.onConnect((p) => conns.push(holdPort(p)))
  return {
    send: (m) => ch.send(m),
    onMessage: msgs.listen,
    onConnect: conns.listen,
    onDisconnect: (fn) => ch.onDisconnect(fn),
  }
}

/** A window's connection that arrived early: its messages (and its closing) wait for a listener. */
function holdPort(p: PortLike): PortLike {
  const msgs = held<unknown>()
  const closed = held<true>()
  p.onMessage(msgs.push)
  p.onClose(() => closed.push(true))
  return {
    send: (m) => p.send(m),
    onMessage: msgs.listen,
    onClose: (fn) => closed.listen(() => fn()),
    close: () => p.close(),
  }
}

/** Values pushed before anyone listens are kept, then handed over in order; later ones go straight. */
function held<T>() {
  const queued: T[] = []
  let listener: ((v: T) => void) | null = null
  return {
    push: (v: T) => void (listener ? listener(v) : queued.push(v)),
    listen(fn: (v: T) => void) {
      listener = fn
      for (const v of queued.splice(0)) fn(v)
    },
  }
}
