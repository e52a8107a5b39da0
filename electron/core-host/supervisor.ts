import type { DispatchReply } from '../api/dispatch'
import type { EventName } from '../api/events'
import type { HostStatus } from '../api/host-status'
import { CORE_RESTARTED, CORE_UNAVAILABLE } from '../api/host-status'
import type { SecretStore } from '../core/profiles/secrets'
import type { CoreInit, CoreRequests, MainRequests, ToCore, ToMain } from './protocol'
import { isMessage } from './protocol'
import { answerSecrets, secretSync } from './remote-secrets'
import { createRpc, RemoteError } from './rpc'

/** One running core process, whatever started it (Electron utilityProcess, Node fork). */
export interface CoreProcess<P> {
  readonly pid: number | undefined
  send(msg: ToCore): void
  onMessage(fn: (msg: ToMain) => void): void
  onExit(fn: (info: { code: number | null; signal?: string | null }) => void): void
  /** A new renderer connection: one end goes to the core process, the other is returned. */
  connect(): P
  /** Ends the process (after a clean shutdown did not, or to test a crash). */
  kill(): void
}

export type CoreLauncher<P> = () => CoreProcess<P>

export interface SupervisorOptions<P> {
  launcher: CoreLauncher<P>
  init: () => Omit<CoreInit, 'secretsSync' | 'revealPath' | 'pickFolder'>
  secrets: SecretStore
  revealPath?: (absPath: string) => void
  pickFolder?: () => Promise<string | null>
  /** Shown to the user when the core cannot be restarted. */
  logFile?: string
  log?: (level: 'info' | 'warn' | 'error', line: string) => void
  restart?: {
    /** Wait before the n-th restart in a row (the last value repeats). */
    delaysMs?: number[]
    /** More crashes than this within `windowMs`: give up. */
    maxQuickCrashes?: number
    windowMs?: number
  }
  /** How long a clean shutdown may take before the process is killed. */
  shutdownTimeoutMs?: number
}

export interface CoreSupervisor<P> {
  start(): void
  readonly status: HostStatus
  readonly pid: number | undefined
  onStatus(fn: (s: HostStatus) => void): () => void
  /** A new core process started (first start and every restart): hand out fresh connections. */
  onSpawn(fn: () => void): () => void
  /** A renderer connection to the current core process; null while none runs. */
  connect(): P | null
  /** A contract call from main (tray, menus): waits while the core (re)starts. */
  call(method: string, input: unknown): Promise<DispatchReply>
  thumbnailFile(profile: string, productId: string, picName: string): Promise<string | null>
  /** The core's events, in main. */
  events: { onAny(fn: (name: EventName, payload: unknown) => void): () => void }
  /** Close the core cleanly (jobs stay resumable, databases closed); no restart afterwards. */
  stop(): Promise<void>
}

const DEFAULT_DELAYS = [500, 1000, 2000, 4000]

/**
 * Keeps the core process running for main: starts it with main's options, answers its requests
 * (secrets from main's store, dialogs, the file manager), forwards its events, and restarts it
 * when it dies — with a growing delay, giving up after too many quick crashes. Electron-free: the
 * launcher decides how the process starts.
 */
export function createCoreSupervisor<P>(opts: SupervisorOptions<P>): CoreSupervisor<P> {
  const delays = opts.restart?.delaysMs ?? DEFAULT_DELAYS
  const maxQuick = opts.restart?.maxQuickCrashes ?? 3
  const windowMs = opts.restart?.windowMs ?? 60_000
  const log = opts.log ?? (() => {})
  const statusFns = new Set<(s: HostStatus) => void>()
  const spawnFns = new Set<() => void>()
  const eventFns = new Set<(name: EventName, payload: unknown) => void>()
  const readyWaiters: (() => void)[] = []
  const crashes: number[] = []
  const answerSecret = answerSecrets(opts.secrets)

  let status: HostStatus = { state: 'starting' }
  let proc: CoreProcess<P> | null = null
  let rpc: ReturnType<typeof makeRpc> | null = null
  let fatal: string | null = null
  let stopping: Promise<void> | null = null
  let restartTimer: ReturnType<typeof setTimeout> | null = null
  let exited: (() => void) | null = null

  function setStatus(s: HostStatus) {
    status = s
    for (const fn of statusFns) safe(() => fn(s))
    if (s.state === 'ready' || s.state === 'failed') {
      for (const w of readyWaiters.splice(0)) w()
    }
  }

  function makeRpc(p: CoreProcess<P>) {
    return createRpc<CoreRequests, MainRequests>((m) => p.send(m), {
      secrets: (a) => answerSecret(a),
      revealPath: ({ path }) => {
        if (!opts.revealPath) throw new RemoteError({ message: 'Not available here' })
        opts.revealPath(path)
        return null
      },
      pickFolder: () => {
        if (!opts.pickFolder) throw new RemoteError({ message: 'Not available here' })
        return opts.pickFolder()
      },
    })
  }

  function launch() {
    restartTimer = null
    fatal = null
    let p: CoreProcess<P>
    try {
      p = opts.launcher()
    } catch (e) {
      onExit(null, { code: null, signal: `spawn failed: ${(e as Error).message}` })
      return
    }
    proc = p
    const r = (rpc = makeRpc(p))
    setStatus({ state: 'starting' })
    p.onMessage((m) => {
      if (p !== proc || !isMessage(m)) return
      if (r.handle(m)) return
      if (m.t === 'ready') {
        log('info', `core process ${m.pid} ready`)
        setStatus({ state: 'ready' })
      } else if (m.t === 'event') {
        for (const fn of eventFns) safe(() => fn(m.name as EventName, m.payload))
      } else if (m.t === 'fatal') {
        fatal = m.message
        log('error', `core process could not start: ${m.message}`)
      }
    })
    p.onExit((info) => onExit(p, info))
    p.send({
      t: 'init',
      init: {
        ...opts.init(),
        secretsSync: secretSync(opts.secrets),
        revealPath: !!opts.revealPath,
        pickFolder: !!opts.pickFolder,
      },
    })
    for (const fn of spawnFns) safe(() => fn())
  }

  function onExit(p: CoreProcess<P> | null, info: { code: number | null; signal?: string | null }) {
    if (p && p !== proc) return
    proc = null
    rpc?.failAll(
      () =>
        new RemoteError({
          code: CORE_RESTARTED,
          message: 'Loupe’s engine stopped while this was running; it is restarting',
        }),
    )
    rpc = null
    exited?.()
    if (stopping) {
      setStatus({ state: 'failed', reason: 'stopped' })
      return
    }
    const reason = fatal ?? (info.signal ? `signal ${info.signal}` : `exit code ${info.code}`)
    const now = Date.now()
    crashes.push(now)
    while (crashes.length && now - crashes[0] > windowMs) crashes.shift()
    if (fatal || crashes.length > maxQuick) {
      log('error', `core process stopped (${reason}); not restarting`)
      setStatus({ state: 'failed', reason, ...(opts.logFile ? { logFile: opts.logFile } : {}) })
      return
    }
    const delay = delays[Math.min(crashes.length - 1, delays.length - 1)] ?? 1000
    log('warn', `core process stopped (${reason}); restarting in ${delay} ms`)
    setStatus({ state: 'restarting', reason })
    restartTimer = setTimeout(launch, delay)
  }

  function whenReady(): Promise<void> {
    if (status.state === 'ready' || status.state === 'failed' || stopping) return Promise.resolve()
    return new Promise((r) => readyWaiters.push(r))
  }

  async function request<K extends keyof CoreRequests & string>(
    op: K,
    args: CoreRequests[K]['args'],
  ): Promise<CoreRequests[K]['result']> {
    await whenReady()
    if (!rpc || status.state !== 'ready' || stopping) {
      throw new RemoteError({
        code: CORE_UNAVAILABLE,
        message: 'Loupe’s engine is not running',
        ...(status.reason ? { hint: status.reason } : {}),
      })
    }
    return rpc.request(op, args)
  }

  return {
    start() {
      if (!proc && !restartTimer && !stopping) launch()
    },
    get status() {
      return status
    },
    get pid() {
      return proc?.pid
    },
    onStatus(fn) {
      statusFns.add(fn)
      return () => statusFns.delete(fn)
    },
    onSpawn(fn) {
      spawnFns.add(fn)
      return () => spawnFns.delete(fn)
    },
    connect() {
      return proc && !stopping ? proc.connect() : null
    },
    async call(method, input) {
      try {
        return await request('dispatch', { method, input })
      } catch (e) {
        const err = e as RemoteError
        return { error: { code: err.code ?? 'InternalError', message: err.message } }
      }
    },
    async thumbnailFile(profile, productId, picName) {
      try {
        return await request('thumbnailFile', { profile, productId, picName })
      } catch {
        return null
      }
    },
    events: {
      onAny(fn) {
        eventFns.add(fn)
        return () => eventFns.delete(fn)
      },
    },
    stop() {
      stopping ??= (async () => {
        if (restartTimer) clearTimeout(restartTimer)
        restartTimer = null
        const p = proc
        if (!p) {
          setStatus({ state: 'failed', reason: 'stopped' })
          return
        }
        const gone = new Promise<void>((r) => (exited = r))
        const timeout = opts.shutdownTimeoutMs ?? 10_000
        const timer = setTimeout(() => {
          log('warn', 'core process did not close in time; killing it')
          p.kill()
        }, timeout)
        try {
          if (rpc) await rpc.request('shutdown', {})
        } catch {
          /* it may already be gone */
        }
        await gone
        clearTimeout(timer)
      })()
      return stopping
    },
  }
}

function safe(fn: () => void) {
  try {
    fn()
  } catch {
    /* one listener must not break the others */
  }
}
