import http from 'node:http'
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
  server: http.Server
  close(): Promise<void>
}> {
  const host = opts.host ?? '127.0.0.1'
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

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e) => {
      core.logger.log('error', `http: ${(e as Error).stack ?? e}`)
      if (!res.headersSent)
        sendJson(res, 500, { error: { code: 'InternalError', message: 'Internal error' } })
      else res.destroy()
    })
  })

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://x')
    const p = url.pathname
    if (req.method === 'POST' && p === '/') return wire(req, res)
    if (p.startsWith('/api/')) {
      if (!isSameOrigin(req, allowedHosts)) {
        return sendJson(res, 403, {
          error: {
            code: 'Forbidden',
            message: 'Cross-origin requests to the Loupe API are refused',
          },
        })
      }
      if (p === '/api/events') return bridge.events(req, res)
      if (p.startsWith('/api/call/')) return bridge.call(req, res, decodeURIComponent(p.slice(10)))
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
  baseUrl = `http://${shownHost}:${port}`
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
    async close() {
      await control?.close()
      bridge.close()
      server.closeAllConnections?.()
      await new Promise<void>((r) => server.close(() => r()))
      await core.close()
    },
  }
}
