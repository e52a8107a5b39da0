import fs from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import os from 'node:os'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { createCore, type Core } from '../core/app'
import { createFileSecretStore } from '../core/profiles/file-secret-store'
import type { SecretStore } from '../core/profiles/secrets'
import { createHttpBridge, MAX_CALL_BODY } from './http-bridge'
import { sendFile, serveRenderer } from './static'
import { confine, createGate, GateError, insideRealPath, parseTarget, type GateRoute } from './gate'
import { STAGING_DIR } from '../core/jobs/staging'
import {
  createKeyStore,
  createWireHandler,
  writeLimitsLikeCloud,
  type WriteAction,
} from '../core/engines/wire/index'
import { startControlServer, type ControlServer } from '../core/control/server'
import { createTokenStore, type CreatedToken } from '../core/auth/tokens'
import {
  createAuthenticator,
  explained,
  isLoopbackHost,
  SESSION_PATH,
  type AuthOptions,
  type Caller,
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
  /**
   * The engine API limits writes as the cloud does (AddImage 5/s, 1/s on instances of 100,000
   * pictures or fewer — the local profile's capacity; UpdateImage and DeleteImage 20/s), answering
   * DeniedRequest past them: a stand-in for an instance when testing a client's pacing.
   */
  cloudWriteLimits?: boolean
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

/** The request target is `/` (with or without a query): the engine API's endpoint. */
function isRoot(url: string | undefined): boolean {
  return url === '/' || (url ?? '').startsWith('/?')
}

/**
 * The Host headers that name this server: the address it listens on and the loopback names; on a
 * wildcard address (0.0.0.0, ::) also every address of this machine and its host name.
 */
export function hostNames(host: string, port: number): Set<string> {
  const names = new Set([host, '127.0.0.1', 'localhost', '::1'])
  if (host === '0.0.0.0' || host === '::') {
    for (const list of Object.values(os.networkInterfaces())) {
      for (const a of list ?? []) names.add(a.address)
    }
    names.add(os.hostname())
  }
  const out = new Set<string>()
  for (const n of names) {
    const h = n.includes(':') ? `[${n}]` : n
    out.add(`${h}:${port}`.toLowerCase())
    if (port === 80) out.add(h.toLowerCase())
  }
  return out
}

/** Replaces the data folder's absolute path in a text by paths relative to it. */
export function dataDirScrubber(dataDir: string): (text: string) => string {
  const roots = new Set([path.resolve(dataDir)])
  try {
    roots.add(fs.realpathSync(dataDir))
  } catch {
    /* not there yet */
  }
  const escaped = [...roots]
    .sort((a, b) => b.length - a.length)
    .map((r) => r.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
  const re = new RegExp(`(?:${escaped.join('|')})(?:[\\\\/]|(?![^\\s"'\`,;)]))`, 'g')
  return (text) => text.replace(re, (m) => (/[\\/]$/.test(m) ? '' : '.'))
}

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
    // The core reads the files it links to itself (in remote mode, HTTP callers must sign in).
    ownFile: async (url) => {
      if (!baseUrl || !url.startsWith(`${baseUrl}/files/`)) return null
      try {
        const { segments } = parseTarget(url.slice(baseUrl.length))
        return await servedFile(segments.slice(1))
      } catch {
        return null
      }
    },
  })
  const staging = path.join(opts.dataDir, STAGING_DIR)
  const bridge = createHttpBridge({
    dispatch: core.dispatch,
    events: core.events,
    // A browser on another machine plans a bulk add from the files it staged (bulk.stage); it is
    // shown paths relative to the data folder and gives them back so.
    remotePathAllowed: (p) => insideRealPath(staging, p),
    scrub: dataDirScrubber(opts.dataDir),
    resolveRemotePath: (p) => path.resolve(opts.dataDir, p),
  })
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
    ...(opts.cloudWriteLimits
      ? {
          writeQps: (name: string, action: WriteAction) =>
            writeLimitsLikeCloud(localProfile(name)?.local?.capacity, action),
        }
      : {}),
    log: (line) => core.logger.log('info', `engine-api ${line}`),
    scrub: dataDirScrubber(opts.dataDir),
  })
  const rendererDir = opts.rendererDir ?? defaultRendererDir()
  let allowedHosts = new Set<string>()
  const auth = createAuthenticator({
    required: authRequired,
    dataDir: opts.dataDir,
    secure: !!opts.tls,
    ...opts.sessions,
    log: (level, line) => core.logger.log(level, line),
  })

  const profileDir = (name: string): string | null => {
    try {
      core.profiles.get(name)
      return core.profiles.dirOf(name)
    } catch {
      return null
    }
  }
  /** The file `/files/<profile>/<folder>/…` serves: inside the profile's SERVED_FOLDERS only. */
  async function servedFile(segments: readonly string[]): Promise<string | null> {
    const [profile, ...rel] = segments
    const dir = profile ? profileDir(profile) : null
    if (!dir || rel.length === 0) return null
    const allowed = SERVED_FOLDERS.map((f) => path.join(dir, ...f.split('/')))
    return confine(dir, rel, allowed)
  }
  const notFound = (what: string) => new GateError('NotFound', `No such ${what}`)
  const ANY = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']
  const routes: GateRoute<Caller>[] = [
    {
      prefix: ['api', 'call'],
      methods: ['POST'],
      maxBody: MAX_CALL_BODY,
      handle: (ctx) => {
        if (ctx.rest.length === 0) throw notFound('method')
        const name = ctx.rest.join('/')
        if (!auth.permits(ctx.caller!, name)) return auth.refuseScope(ctx.res, name)
        return bridge.call(ctx, name)
      },
    },
    {
      prefix: ['api', 'events'],
      exact: true,
      methods: ['GET'],
      handle: (ctx) => {
        auth.endWithSession(ctx.caller!, ctx.res)
        bridge.events(ctx)
      },
    },
    {
      // Sign-in state, sign in (POST {token}), sign out (DELETE): public, it is how one gets in.
      prefix: SESSION_PATH.split('/').filter(Boolean),
      exact: true,
      methods: ['GET', 'HEAD', 'POST', 'DELETE'],
      public: true,
      maxBody: 4096,
      handle: ({ req, res }) => auth.handleSession(req, res),
    },
    {
      prefix: ['api'],
      methods: ANY,
      handle: () => {
        throw notFound('endpoint')
      },
    },
    {
      // /thumb/<profile>/<productId>/<picName>: the gallery cache's thumbnail of a picture.
      prefix: ['thumb'],
      methods: ['GET', 'HEAD'],
      handle: async ({ rest, res }) => {
        if (rest.length !== 3) throw notFound('thumbnail')
        const [profile, productId, picName] = rest
        const dir = profileDir(profile)
        const file = dir ? core.galleries.thumbnailFile(profile, productId, picName) : null
        const real =
          dir && file
            ? await confine(path.dirname(file), [path.basename(file)], [path.join(dir, 'thumbs')])
            : null
        if (real && sendFile(res, real, { 'cache-control': 'private, max-age=60' })) return
        throw notFound('thumbnail')
      },
    },
    {
      // /files/<profile>/<folder>/…: downloads of a profile's exports, dumps and task files.
      prefix: ['files'],
      methods: ['GET', 'HEAD'],
      handle: async ({ rest, res }) => {
        const file = await servedFile(rest)
        if (file && sendFile(res, file, { 'content-disposition': 'attachment' })) return
        throw notFound('file')
      },
    },
    {
      // The renderer: public, it shows the sign-in screen.
      prefix: [],
      methods: ['GET', 'HEAD'],
      public: true,
      handle: ({ segments, res }) => serveRenderer(rendererDir, segments, res),
    },
  ]
  const gate = createGate<Caller>({
    routes,
    /**
     * On a loopback bind the Host must name this server (DNS rebinding); in remote mode the server
     * may be reached under any name, and a rebound page has no session cookie for it: there only
     * a browser's Origin must match the Host (CSRF), which the gate checks on every route.
     */
    hostAllowed: (h) => auth.required || allowedHosts.has(h),
    auth: {
      authenticate: (req) => auth.authenticate(req),
      refuse: (_req, res) => auth.refuseSignIn(res),
    },
    passThrough: (req) => (req.method === 'POST' && isRoot(req.url) ? wire : null),
    log: (level, line) => core.logger.log(level, line),
  })
  const server = opts.tls
    ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key })
    : http.createServer()
  gate.attach(server)

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 7070, host, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  const shownHost = host.includes(':') ? `[${host}]` : host
  baseUrl = `${opts.tls ? 'https' : 'http'}://${shownHost}:${port}`
  allowedHosts = hostNames(host, port)
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
