/**
 * CLI commands forwarded to a running headless host.
 *
 * While `loupe serve` runs on a data folder it holds the local engine's lock, so a second core in
 * a CLI process could not open the engine. `serve` therefore announces itself in
 * `<dataDir>/server.json` ({ pid, url, startedAt }), and CLI commands that only call the contract
 * (`ctx.core.api`) send their calls to it over HTTP — the same `POST /api/call/<method>` the
 * renderer's HTTP bridge uses — instead of opening their own core.
 */
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import type { Core } from '../core/app'
import { writeFileAtomic } from '../core/util/fsx'
import { contract } from '../api/contract'
import { createClient, type Transport } from '../api/client'
import type { DispatchReply } from '../api/dispatch'
import { isAlive } from '../core/util/process'

export interface ServerInfo {
  pid: number
  url: string
  startedAt: number
}

/**
 * Commands that touch nothing of the core but `ctx.core.api` (and `ctx.profile()`): they can run
 * in the host. Every other command (jobs, watch, galleries, batch, events, dispatch…) opens its own
 * core as before.
 */
export const FORWARDABLE: ReadonlySet<string> = new Set([
  'profiles list',
  'profiles add',
  'profiles remove',
  'profiles use',
  'detail',
  'add',
  'search',
  'update',
  'delete',
  'exists',
  'compare',
  'jobs list',
  'jobs failures',
  'dump list',
])

export function serverFile(dataDir: string): string {
  return path.join(dataDir, 'server.json')
}

/** The URL a client on this machine uses to reach a host listening on `url` (wildcards → loopback). */
export function localUrl(url: string): string {
  const u = new URL(url)
  if (u.hostname === '0.0.0.0') u.hostname = '127.0.0.1'
  else if (u.hostname === '[::]') u.hostname = '[::1]'
  return u.origin
}

/**
 * Announce a listening host in `<dataDir>/server.json` (atomically, mode 0600). Returns the
 * function removing it again — only while it is still this process's file (a newer host on the
 * same folder may have replaced it).
 */
export function writeServerInfo(dataDir: string, url: string): () => void {
  const file = serverFile(dataDir)
  const info: ServerInfo = { pid: process.pid, url: localUrl(url), startedAt: Date.now() }
  writeFileAtomic(file, JSON.stringify(info) + '\n', 0o600)
  let removed = false
  return () => {
    if (removed) return
    removed = true
    if (readServerInfo(dataDir)?.pid === process.pid) fs.rmSync(file, { force: true })
  }
}

/** The announced host, as written (null when missing or malformed). */
export function readServerInfo(dataDir: string): ServerInfo | null {
  let raw: unknown
  try {
    raw = JSON.parse(fs.readFileSync(serverFile(dataDir), 'utf8'))
  } catch {
    return null
  }
  const o = raw as Partial<ServerInfo> | null
  if (!o || !Number.isInteger(o.pid) || (o.pid as number) <= 0 || typeof o.url !== 'string') {
    return null
  }
  try {
    const u = new URL(o.url)
    if (u.protocol !== 'http:') return null
  } catch {
    return null
  }
  return { pid: o.pid as number, url: o.url, startedAt: Number(o.startedAt ?? 0) }
}

/** Remove `server.json` when it still says exactly `info` (never a file a new host just wrote). */
export function removeStale(dataDir: string, info: ServerInfo): void {
  const now = readServerInfo(dataDir)
  if (now && now.pid === info.pid && now.url === info.url && now.startedAt === info.startedAt) {
    fs.rmSync(serverFile(dataDir), { force: true })
  }
}

/**
 * The live host announced for `dataDir`, or null. A file whose process is gone is stale: it is
 * removed and ignored. (A live pid whose URL refuses connections is found out on the first call.)
 */
export function liveServer(dataDir: string): ServerInfo | null {
  const info = readServerInfo(dataDir)
  if (!info) return null
  if (info.pid === process.pid) return null
  if (!isAlive(info.pid)) {
    removeStale(dataDir, info)
    return null
  }
  return info
}

/** Connection failures where nothing reached the host: the call can safely run elsewhere. */
const NOT_SENT = new Set(['ECONNREFUSED', 'EADDRNOTAVAIL', 'EHOSTUNREACH', 'ENETUNREACH'])

export class HostNotAnswering extends Error {
  constructor(readonly url: string) {
    super(`Nothing answers at ${url}`)
  }
}

/**
 * The contract over HTTP from Node: `POST <url>/api/call/<method>` with the JSON argument, with the
 * headers the host's same-origin guard expects (its Host, and an Origin equal to the host's URL).
 * Resolves `{ result }` or `{ error }`; rejects with HostNotAnswering when the connection was
 * refused (the request was not sent).
 */
export function nodeTransport(url: string): Transport {
  const base = new URL(url)
  return {
    invoke(name, input, { slow }) {
      const body = Buffer.from(JSON.stringify(input ?? {}))
      const target = new URL(`/api/call/${encodeURIComponent(name)}`, base)
      return new Promise<unknown>((resolve, reject) => {
        const req = http.request(target, {
          method: 'POST',
          agent: false,
          headers: {
            'content-type': 'application/json',
            'content-length': body.length,
            origin: base.origin,
          },
          timeout: slow ? 15 * 60_000 : 120_000,
        })
        req.on('timeout', () => {
          req.destroy()
          resolve({ error: { code: 'Timeout', message: `${name} took too long` } })
        })
        req.on('error', (e: NodeJS.ErrnoException) => {
          if (e.code && NOT_SENT.has(e.code)) return reject(new HostNotAnswering(base.origin))
          resolve({
            error: {
              code: 'HostUnreachable',
              message: `The Loupe host at ${base.origin} cannot be reached (${e.code ?? e.message})`,
              hint: 'Is `loupe serve` still running?',
            },
          })
        })
        req.on('response', (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('error', () => {
            resolve({
              error: {
                code: 'HostUnreachable',
                message: `The Loupe host at ${base.origin} hung up`,
              },
            })
          })
          res.on('end', () => {
            let parsed: unknown = null
            try {
              parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'))
            } catch {
              /* not JSON: reported below */
            }
            if (parsed && typeof parsed === 'object' && ('result' in parsed || 'error' in parsed)) {
              return resolve(parsed)
            }
            resolve({
              error: {
                code: 'HttpError',
                message: `HTTP ${res.statusCode} from the Loupe host at ${base.origin}`,
              },
            })
          })
        })
        req.end(body)
      })
    },
    subscribe() {
      // CLI commands that need events are not forwarded.
      return () => {}
    },
  }
}

/**
 * A core for a forwarded command: `api` calls the host at `info.url`. Should the host refuse the
 * first connection (it has stopped; the file is stale), the stale file is removed and this call and
 * every later one run in `local()` — the process's own core — as they would without a host. Any
 * other part of the core is `local()`'s too (forwarded commands use none).
 */
export function forwardedCore(dataDir: string, info: ServerInfo, local: () => Core): Core {
  const remote = nodeTransport(info.url)
  let fallback = false
  const transport: Transport = {
    async invoke(name, input, opts) {
      if (!fallback) {
        try {
          return await remote.invoke(name, input, opts)
        } catch (e) {
          if (!(e instanceof HostNotAnswering)) throw e
          fallback = true
          removeStale(dataDir, info)
        }
      }
      return (await local().dispatch(name, input)) satisfies DispatchReply
    },
    subscribe: () => () => {},
  }
  const api = createClient(contract, transport).api as unknown as Core['api']
  return new Proxy({} as Core, {
    get(_t, prop) {
      if (prop === 'api') return api
      if (typeof prop === 'symbol' || prop === 'then') return undefined
      return Reflect.get(local(), prop)
    },
  })
}
