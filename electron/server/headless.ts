import http from 'node:http'
import https from 'node:https'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { createCore, type Core } from '../core/app'
import { createFileSecretStore } from '../core/profiles/file-secret-store'
import type { SecretStore } from '../core/profiles/secrets'
import { createHttpBridge, isSameOrigin, sendJson } from './http-bridge'
import { safeJoin, sendFile, serveRenderer } from './static'
import { createKeyStore, createWireHandler } from '../core/engines/wire/index'
import { startControlServer, type ControlServer } from '../core/control/server'
import { createTokenStore, type CreatedToken } from '../core/auth/tokens'
import {
  createAuthenticator,
  explained,
  isLoopbackHost,
  SESSION_PATH,
  type AuthOptions,
  type TlsMaterial,
} from './auth/index'

export interface HeadlessOptions {
  dataDir: string
  host?: string
  port?: number
  rendererDir?: string
  version?: string
  log?: (line: string) => void
  /** Where AccessKey secrets are kept (default: the 0600 file `<dataDir>/secrets.json`). */
  secrets?: SecretStore
  /**
   * Serve the contract on the control channel announced in `<dataDir>/control.json`, for `loupe`
   * commands on this data folder (default: true).
   */
  control?: boolean
  /**
   * Who may use the UI and the contract over HTTP. `auto` (default): anyone who reaches a
   * loopback bind; on any other address (remote mode) every HTTP caller signs in with an access
   * token (`loupe tokens`). `required`: remote mode on any address, loopback included.
   */
  auth?: 'auto' | 'required'
  /** Serve HTTPS with this certificate and key (see `loadTls`). */
  tls?: TlsMaterial
  /** Allow plain HTTP on an address other machines can reach (refused otherwise). */
  insecureHttp?: boolean
  /** Session idle/absolute limits and the sign-in failure limit (tests shorten them). */
  sessions?: Pick<AuthOptions, 'limits' | 'signInFailures'>
}

/** How the host lets callers in. */
export interface HeadlessAuth {
  /** Remote mode: every HTTP caller signs in. */
  required: boolean
  /** HTTPS. */
  tls: boolean
  /** The full-access token created because remote mode found none (shown once), else null. */
  createdToken: CreatedToken | null
}

/** Folders of a profile whose files may be downloaded over HTTP (dump exports, task error files). */
const SERVED_FOLDERS = ['dumps', 'exports', 'engine/tasks', 'engine/dumps', 'engine/increase']

export function defaultRendererDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url))
  return path.resolve(here, '../../out/renderer')
}

/**
 * The headless host: the same core, served to a browser on 127.0.0.1 — the renderer, the contract
 * (`/api/call/*`, events on `/api/events`), files of a profile (`/files/*`), and the local engine's
 * Image Search wire API (`POST /`).
 */
export async function startHeadless(opts: HeadlessOptions): Promise<{
  url: string
  port: number
  core: Core
  server: http.Server | https.Server
  auth: HeadlessAuth
  close(): Promise<void>
}> {
  const host = opts.host ?? '127.0.0.1'
  const remoteBind = !isLoopbackHost(host)
  if (remoteBind && !opts.tls && !opts.insecureHttp) {
    throw explained(
      'InsecureHttpRefused',
      `Refusing to serve plain HTTP on ${host}: other machines could read the access tokens and session cookies sent to it`,
    )
  }
  const authRequired = remoteBind || opts.auth === 'required'
  // Remote mode needs a token to sign in with: the first one is created (and shown once).
  let createdToken: CreatedToken | null = null
  if (authRequired) {
    const tokens = createTokenStore(opts.dataDir)
    if (!tokens.list().length) createdToken = tokens.create({ name: 'first token', scope: 'full' })
  }
  let baseUrl = ''
  const core = createCore({
    dataDir: opts.dataDir,
    secrets: opts.secrets ?? createFileSecretStore(opts.dataDir),
    host: 'headless',
    version: opts.version,
    logSink: opts.log,
    fileUrl: (profile, abs) => {
      const rel = path.relative(core.profiles.dirOf(profile), abs).split(path.sep).join('/')
      return `${baseUrl}/files/${encodeURIComponent(profile)}/${rel.split('/').map(encodeURIComponent).join('/')}`
    },
  })
  const bridge = createHttpBridge({ dispatch: core.dispatch, events: core.events })
  const keys = createKeyStore(opts.dataDir)
  const localProfile = (name: string) => {
    try {
      const p = core.profiles.get(name)
      return p.kind === 'local' ? p : null
    } catch {
      return null
    }
  }
  // The local engine's Image Search API: InstanceName selects the local profile of that name.
  const wire = createWireHandler({
    resolveEngine: async (name) => (localProfile(name) ? core.engines.get(name) : null),
    keys,
    qps: (name) => localProfile(name)?.local?.qps || undefined,
    log: (line) => core.logger.log('info', `engine-api ${line}`),
  })
  const rendererDir = opts.rendererDir ?? defaultRendererDir()
  const allowedHosts = new Set<string>()

  const auth = createAuthenticator({
    required: authRequired,
    dataDir: opts.dataDir,
    secure: !!opts.tls,
    ...opts.sessions,
    log: (level, line) => core.logger.log(level, line),
  })
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    handle(req, res).catch((e) => {
      core.logger.log('error', `http: ${(e as Error).stack ?? e}`)
      if (!res.headersSent)
        sendJson(res, 500, { error: { code: 'InternalError', message: 'Internal error' } })
      else res.destroy()
    })
  }
  const server = opts.tls
    ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key }, onRequest)
    : http.createServer(onRequest)

  /**
   * The page's own origin. On a loopback bind the Host must name this server (DNS rebinding); in
   * remote mode the server may be reached under any name, and a rebound page has no session
   * cookie for it, so only a browser's Origin must match the Host (CSRF).
   */
  const sameOrigin = (req: http.IncomingMessage) =>
    auth.required
      ? isSameOrigin(req, new Set([String(req.headers.host ?? '').toLowerCase()]))
      : isSameOrigin(req, allowedHosts)
  const refuseCrossOrigin = (res: http.ServerResponse) =>
    sendJson(res, 403, {
      error: { code: 'Forbidden', message: 'Cross-origin requests to the Loupe API are refused' },
    })

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://x')
    const p = url.pathname
    if (req.method === 'POST' && p === '/') return wire(req, res)
    if (p === SESSION_PATH) {
      if (!sameOrigin(req)) return refuseCrossOrigin(res)
      return auth.handleSession(req, res)
    }
    // Remote mode: everything but the page itself (which shows the sign-in) needs a session.
    const guarded = p.startsWith('/api/') || p.startsWith('/thumb/') || p.startsWith('/files/')
    if (guarded && auth.required && !sameOrigin(req)) return refuseCrossOrigin(res)
    const caller = guarded ? auth.authenticate(req) : null
    if (guarded && !caller) return auth.refuseSignIn(res)
    if (p.startsWith('/api/')) {
      if (!sameOrigin(req)) return refuseCrossOrigin(res)
      if (p === '/api/events') {
        auth.endWithSession(caller!, res)
        return bridge.events(req, res)
      }
      if (p.startsWith('/api/call/')) {
        const name = decodeURIComponent(p.slice(10))
        if (!auth.permits(caller!, name)) return auth.refuseScope(res, name)
        return bridge.call(req, res, name)
      }
      return sendJson(res, 404, { error: { code: 'NotFound', message: `No such endpoint: ${p}` } })
    }
    if (p.startsWith('/thumb/') && req.method === 'GET') {
      const [profile, productId, picName] = p
        .slice(7)
        .split('/')
        .map((x) => {
          try {
            return decodeURIComponent(x)
          } catch {
            return ''
          }
        })
      const file =
        profile && productId && picName
          ? core.galleries.thumbnailFile(profile, productId, picName)
          : null
      if (file && sendFile(res, file, { 'cache-control': 'private, max-age=60' })) return
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
      res.end('No thumbnail\n')
      return
    }
    if (p.startsWith('/files/') && req.method === 'GET') {
      const [, , profileEnc, ...rest] = p.split('/')
      const profile = decodeURIComponent(profileEnc ?? '')
      const rel = rest.join('/')
      const ok = SERVED_FOLDERS.some((f) => decodeURIComponent(rel).startsWith(f + '/'))
      const root = (() => {
        try {
          core.profiles.get(profile)
          return core.profiles.dirOf(profile)
        } catch {
          return null
        }
      })()
      const file = ok && root ? safeJoin(root, rel) : null
      if (file && sendFile(res, file, { 'content-disposition': 'attachment' })) return
      return sendJson(res, 404, { error: { code: 'NotFound', message: 'No such file' } })
    }
    if (req.method === 'GET' || req.method === 'HEAD') return serveRenderer(rendererDir, req, res)
    return sendJson(res, 405, {
      error: { code: 'MethodNotAllowed', message: `${req.method} ${p}` },
    })
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 7070, host, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  const shownHost = host.includes(':') ? `[${host}]` : host
  baseUrl = `${opts.tls ? 'https' : 'http'}://${shownHost}:${port}`
  for (const h of [
    `${shownHost}:${port}`,
    `127.0.0.1:${port}`,
    `localhost:${port}`,
    `[::1]:${port}`,
  ]) {
    allowedHosts.add(h.toLowerCase())
  }
  // The background work of the data folder (the same start as every host: core/app.ts).
  await core.start()
  // Announced before the host reports itself up: CLI commands on this data folder come here.
  let control: ControlServer | null = null
  if (opts.control !== false) {
    control = await startControlServer({
      dataDir: opts.dataDir,
      host: 'headless',
      version: opts.version,
      dispatch: core.dispatch,
      onEvent: (l) => core.events.onAny(l),
      log: (level, line) => core.logger.log(level, line),
    }).catch((e: Error) => {
      core.logger.log('error', `control channel: not started: ${e.message}`)
      return null
    })
  }
  return {
    url: baseUrl,
    port,
    core,
    server,
    auth: { required: auth.required, tls: !!opts.tls, createdToken },
    async close() {
      await control?.close()
      auth.close()
      bridge.close()
      server.closeAllConnections?.()
      await new Promise<void>((r) => server.close(() => r()))
      await core.close()
    },
  }
}
