import { fork, type ChildProcess } from 'node:child_process'
import type { ConnFrame, PortLike, ToCore, ToMain } from './protocol'
import { isMessage } from './protocol'
import type { CoreLauncher, CoreProcess } from './supervisor'
import { withDecodeMallocEnv } from '../core/util/malloc-env'

export interface ForkLauncherOptions {
  /** The core process entry: `out/main/core-host.js`, or `electron/core-host/entry.ts` with tsx. */
  entry: string
  execArgv?: string[]
  cwd?: string
  env?: NodeJS.ProcessEnv
  /** Collect the child's stdout/stderr (default: inherited). */
  output?: (chunk: string) => void
}

/**
 * Starts the core process with `child_process.fork` (plain Node: tests and tools). Renderer
 * connections are multiplexed over the IPC channel; the returned ports behave like the
 * MessagePorts the Electron host hands to its windows.
 */
export function forkLauncher(opts: ForkLauncherOptions): CoreLauncher<PortLike> {
  return () => {
    const child: ChildProcess = fork(opts.entry, [], {
      execPath: process.execPath,
      execArgv: opts.execArgv ?? [],
      cwd: opts.cwd,
      // glibc's allocator settings for a process decoding huge pictures (util/malloc-env.ts).
      env: withDecodeMallocEnv(opts.env ?? process.env),
      serialization: 'advanced',
      stdio: opts.output ? ['ignore', 'pipe', 'pipe', 'ipc'] : 'inherit',
    })
    if (opts.output) {
      child.stdout?.on('data', (d: Buffer) => opts.output!(d.toString()))
      child.stderr?.on('data', (d: Buffer) => opts.output!(d.toString()))
    }
    let nextConn = 1
    const conns = new Map<number, { message: (m: unknown) => void; close: () => void }>()
    const onMsg = new Set<(m: ToMain) => void>()
    const send = (m: ToCore | ConnFrame) => {
      if (child.connected) child.send(m)
    }
    child.on('message', (raw) => {
      if (!isMessage(raw)) return
      const m = raw as ToMain | ConnFrame
      if (m.t === 'conn') conns.get(m.conn)?.message(m.data)
      else if (m.t === 'disconnect') {
        const c = conns.get(m.conn)
        conns.delete(m.conn)
        c?.close()
      } else for (const fn of onMsg) fn(m)
    })
    child.on('exit', () => {
      const all = [...conns.values()]
      conns.clear()
      for (const c of all) c.close()
    })
    const proc: CoreProcess<PortLike> = {
      get pid() {
        return child.pid
      },
      send,
      onMessage: (fn) => void onMsg.add(fn),
      onExit: (fn) => void child.on('exit', (code, signal) => fn({ code, signal })),
      connect() {
        const id = nextConn++
        const c = { message: (_m: unknown) => {}, close: () => {} }
        conns.set(id, c)
        send({ t: 'connect', conn: id })
        return {
          send: (data) => send({ t: 'conn', conn: id, data }),
          onMessage: (fn) => void (c.message = fn),
          onClose: (fn) => void (c.close = fn),
          close() {
            if (conns.delete(id)) send({ t: 'disconnect', conn: id })
          },
        }
      },
      kill: () => void child.kill('SIGKILL'),
    }
    return proc
  }
}
