import { createCore, type Core } from '../core/app'
import type { CoreChannel } from './channel'
import type { CoreInit, CoreRequests, MainRequests, PortLike, PortReply, ToCore } from './protocol'
import { isPortCall } from './protocol'
import { createRemoteSecretStore } from './remote-secrets'
import { createRpc } from './rpc'
import { startControlServer, type ControlServer } from '../core/control/server'

export interface CoreHostOptions {
  exit: (code: number) => void
}

/**
 * The desktop app's core process: waits for main's start options, builds the same core as every
 * host (`createCore`), then serves renderer connections (contract calls and events) and main's
 * requests, and asks main for what only main has (secrets, dialogs, the file manager).
 */
export function runCoreHost(channel: CoreChannel, opts: CoreHostOptions) {
  let core: Core | null = null
  let closing: Promise<void> | null = null
  let control: ControlServer | null = null
  const waiting: PortLike[] = []
  const ports = new Set<PortLike>()

  const rpc = createRpc<MainRequests, CoreRequests>((m) => channel.send(m), {
    dispatch: ({ method, input }) => ready().dispatch(method, input),
    thumbnailFile: ({ profile, productId, picName }) =>
      ready().galleries.thumbnailFile(profile, productId, picName),
    shutdown: async () => {
      await close()
      // Answer first, then leave.
      setTimeout(() => opts.exit(0), 20)
      return { ok: true as const }
    },
  })

  function ready(): Core {
    if (!core || closing) throw new Error('The core is not running')
    return core
  }

  function close(): Promise<void> {
    closing ??= (async () => {
      await control?.close()
      for (const p of ports) p.close()
      ports.clear()
      await core?.close()
    })()
    return closing
  }

  function serve(port: PortLike) {
    ports.add(port)
    port.onClose(() => ports.delete(port))
    port.onMessage((m) => {
      if (!isPortCall(m)) return
      const c = core
      const reply =
        c && !closing
          ? c.dispatch(m.method, m.input)
          : Promise.resolve({
              error: { code: 'CoreRestarted', message: 'Loupe’s engine is shutting down' },
            })
      void reply.then(
        (r) => send(port, { id: m.id, reply: r }),
        (e: Error) =>
          send(port, { id: m.id, reply: { error: { code: 'InternalError', message: e.message } } }),
      )
    })
  }

  function send(port: PortLike, m: PortReply | { event: true; name: string; payload: unknown }) {
    try {
      port.send(m)
    } catch {
      ports.delete(port)
    }
  }

  async function start(init: CoreInit) {
    if (core) return
    try {
      core = createCore({
        dataDir: init.dataDir,
        host: 'electron',
        version: init.version,
        secrets: createRemoteSecretStore((a) => rpc.request('secrets', a), init.secretsSync),
        featurizerWorkers: init.featurizerWorkers,
        imagingWorkers: init.imagingWorkers,
        // gallery.revealSource: the core finds the file, main shows it in the file manager.
        revealPath: init.revealPath
          ? (p) => void rpc.request('revealPath', { path: p }).catch(() => {})
          : undefined,
        pickFolder: init.pickFolder ? () => rpc.request('pickFolder', {}) : undefined,
      })
    } catch (e) {
      channel.send({ t: 'fatal', message: (e as Error).message })
      opts.exit(2)
      return
    }
    const c = core
    c.events.onAny((name, payload) => {
      for (const p of ports) send(p, { event: true, name, payload })
      channel.send({ t: 'event', name, payload })
    })
    for (const p of waiting.splice(0)) serve(p)
    channel.send({ t: 'ready', pid: process.pid })

    // The background work of the data folder (the same start as every host: core/app.ts).
    await c.start().catch((e: Error) => c.logger.log('error', `background: ${e.message}`))
    // `loupe` commands on this data folder run here while the app is open (control.json).
    if (closing) return
    control = await startControlServer({
      dataDir: init.dataDir,
      host: 'electron',
      version: init.version,
      dispatch: (m, i) =>
        closing
          ? Promise.resolve({
              error: { code: 'CoreRestarted', message: 'Loupe’s engine is shutting down' },
            })
          : c.dispatch(m, i),
      onEvent: (l) => c.events.onAny(l),
      log: (level, line) => c.logger.log(level, line),
    }).catch((e: Error) => {
      c.logger.log('error', `control channel: not started: ${e.message}`)
      return null
    })
    if (closing) await control?.close()
  }

  channel.onMessage((m: ToCore) => {
    if (rpc.handle(m)) return
    if (m.t === 'init') void start(m.init)
  })
  channel.onConnect((port) => (core ? serve(port) : waiting.push(port)))
  channel.onDisconnect(() => {
    // Main is gone: nobody is left to answer; close cleanly and leave.
    rpc.failAll(() => new Error('The Loupe main process is gone'))
    void close().finally(() => opts.exit(0))
  })

  return {
    get core() {
      return core
    },
    close,
    logError(line: string) {
      core?.logger.log('error', line)
    },
    /** Secrets the core knows, scrubbed (for anything printed outside its log). */
    redact(text: string): string {
      return core ? core.logger.redact(text) : text
    },
  }
}
