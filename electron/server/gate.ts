import fs from 'node:fs'
import type http from 'node:http'
import type https from 'node:https'
import path from 'node:path'
import { isLoopbackAddress } from '../core/engines/wire/index'
import { errorStatus, type ErrorCode } from '../domain/errors'
import { logValue } from '../core/log-text'

/**
 * The one gate every request to the headless host passes (the engine API `POST /` excepted: it
 * checks its own signatures). In order:
 *
 * 1. the request target is parsed once: an absolute-form target, a malformed %-escape, a NUL or a
 *    `.`/`..` segment (encoded or not) is refused with 400 before anything else looks at it;
 * 2. the Host must name this server (DNS rebinding) and a browser's Origin, when sent, must be the
 *    same origin (CSRF) — the same test for every route, the renderer's files included;
 * 3. the route is found by the decoded segments (unknown → 404, wrong method → 405 with Allow);
 * 4. every route but the public ones (the renderer's files, which show the sign-in) asks
 *    `authenticate` for the caller; none → the hook's refusal (401);
 * 5. the route runs; a failure it did not expect is logged in one line (no stack) and answered
 *    500 without details. Bodies are read through `ctx.body()`: over the route's limit the caller
 *    gets 413 first and the connection is closed after it.
 *
 * File routes resolve their files with `confine()`: plain segments only, inside an explicit list
 * of folders, checked again on the real path (symbolic links cannot leave them either).
 */

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>

export interface GateContext<P> {
  req: http.IncomingMessage
  res: http.ServerResponse
  /** Upper-case HTTP method. */
  method: string
  /** The decoded path segments (`/files/a%2Fb/c` → ['files', 'a/b', 'c']). */
  segments: string[]
  /** The segments after the route's prefix. */
  rest: string[]
  query: URLSearchParams
  /** The caller's socket address is not a loopback address. */
  remote: boolean
  /** What `authenticate` said about the caller (null on public routes, or without the hook). */
  caller: P | null
  /** The request body, up to the route's `maxBody`; null when the gate already answered (413). */
  body(): Promise<Buffer | null>
}

export interface GateRoute<P> {
  /** Leading segments this route serves, e.g. ['api', 'call']; [] matches every path. */
  prefix: readonly string[]
  /** The whole path is the prefix (no more segments). */
  exact?: boolean
  methods: readonly string[]
  /** Served without asking `authenticate` (what the sign-in screen needs). */
  public?: boolean
  /** Largest body `ctx.body()` reads (default 0: a route that takes no body). */
  maxBody?: number
  handle(ctx: GateContext<P>): void | Promise<void>
}

export interface GateAuth<P> {
  /** The caller, or null when it must sign in first. */
  authenticate(req: http.IncomingMessage, info: { remote: boolean }): P | null | Promise<P | null>
  /** Answers a request that needs a caller and has none (e.g. 401 SignInRequired). */
  refuse(req: http.IncomingMessage, res: http.ServerResponse): void
}

export interface GateOptions<P> {
  routes: readonly GateRoute<P>[]
  /** Whether a Host header (as sent, lower-cased, with its port) names this server. */
  hostAllowed(host: string): boolean
  /** Whether a browser's Origin is this server's (default: its host is the request's Host). */
  originAllowed?(origin: string, host: string): boolean
  auth?: GateAuth<P>
  /** Whether the caller is on another machine (default: its address is not loopback). */
  isRemote?(req: http.IncomingMessage): boolean
  /**
   * Requests handed on as they are, before the gate looks at them: the engine API (`POST /`),
   * which parses its own target and checks its own signatures.
   */
  passThrough?(req: http.IncomingMessage): Handler | null
  log(level: 'warn' | 'error', line: string): void
}

/** A refusal: a catalogue code (its status is the catalogue's) and a message naming no path. */
export class GateError extends Error {
  readonly status: number
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message)
    this.status = errorStatus(code)
  }
}

const bad = (message: string) => new GateError('InvalidUrl', message)

/**
 * Untrusted text for a log line, at most `max` characters: escaped and quoted as every untrusted
 * value in a log line is (core/log-text.ts: `logValue`).
 */
export function printable(s: string, max = 200): string {
  return logValue(s.length > max ? s.slice(0, max) + '…' : s)
}

/**
 * Answers JSON. A 413 also closes the connection (after a grace, see `answerAndClose`): the body
 * it refuses was not read.
 */
export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (status === 413 && res.req) return answerAndClose(res.req, res, status, body)
  writeJson(res, status, body, headers)
}

function writeJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string>,
): void {
  if (res.headersSent || res.destroyed) return
  const data = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(data),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  })
  res.end(data)
}

export function sendError(
  res: http.ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { error: { code, message, httpStatus: status } }, headers)
}

/**
 * The request target → decoded segments and query. Refused (400): anything but an origin-form
 * target (`/…`), a malformed %-escape, a NUL (raw or encoded), a `.` or `..` segment (after
 * decoding, so `%2e%2e` too), and a segment still holding a %-escape after decoding
 * (double-encoded: `%252e%252e`). Empty segments (`//`, a trailing `/`) are dropped.
 */
export function parseTarget(raw: string | undefined): {
  segments: string[]
  query: URLSearchParams
} {
  const target = raw ?? '/'
  if (!target.startsWith('/')) throw bad('The request target must be a path')
  const q = target.indexOf('?')
  const rawPath = q < 0 ? target : target.slice(0, q)
  const rawQuery = q < 0 ? '' : target.slice(q + 1)
  const segments: string[] = []
  for (const enc of rawPath.split('/')) {
    if (enc === '') continue
    let s: string
    try {
      s = decodeURIComponent(enc)
    } catch {
      throw bad('The path has a malformed %-escape')
    }
    if (s.includes('\0')) throw bad('The path holds a NUL character')
    if (s === '.' || s === '..') throw bad('The path has a "." or ".." segment')
    if (/%[0-9a-f]{2}/i.test(s)) throw bad('The path is encoded twice')
    segments.push(s)
  }
  let query: URLSearchParams
  try {
    // URLSearchParams replaces a malformed escape silently: check it first.
    decodeURIComponent(rawQuery.replace(/\+/g, ' '))
    query = new URLSearchParams(rawQuery)
  } catch {
    throw bad('The query has a malformed %-escape')
  }
  return { segments, query }
}

/** True when `child` is `parent` or inside it (both absolute and normalised). */
export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child)
  return rel === '' || (!rel.startsWith('..' + path.sep) && rel !== '..' && !path.isAbsolute(rel))
}

/**
 * `p` (absolute) lies inside `root`, also after resolving symbolic links (of its nearest existing
 * ancestor when it does not exist yet).
 */
export function insideRealPath(root: string, p: string): boolean {
  if (!path.isAbsolute(p) || p.includes('\0')) return false
  const full = path.resolve(p)
  if (!isInside(path.resolve(root), full)) return false
  let realRoot: string
  try {
    realRoot = fs.realpathSync(root)
  } catch {
    return false
  }
  let existing = full
  let tail = ''
  for (;;) {
    try {
      return isInside(realRoot, path.join(fs.realpathSync(existing), tail))
    } catch {
      const parent = path.dirname(existing)
      if (parent === existing) return false
      tail = path.join(path.basename(existing), tail)
      existing = parent
    }
  }
}

/**
 * The real path of the regular file `segments` names under `root`, required to be inside one of
 * `allowed` (folders, absolute) after resolving symbolic links; null when there is no such file or
 * it lies elsewhere. A segment that could change the path's meaning — a `/` or `\` inside it, a
 * drive letter — is refused (400) before the file system is asked.
 */
export async function confine(
  root: string,
  segments: readonly string[],
  allowed: readonly string[],
): Promise<string | null> {
  for (const s of segments) {
    if (s.includes('/') || s.includes('\\') || s.includes('\0') || s === '.' || s === '..')
      throw bad('A path segment holds a separator or a "." / ".."')
    if (/^[A-Za-z]:/.test(s)) throw bad('A path segment holds a drive letter')
  }
  const file = path.resolve(root, ...segments)
  const lexical = allowed.map((a) => path.resolve(a))
  if (!lexical.some((a) => isInside(a, file))) return null
  try {
    const real = await fs.promises.realpath(file)
    const roots = await Promise.all(lexical.map((a) => fs.promises.realpath(a).catch(() => null)))
    if (!roots.some((r) => r !== null && isInside(r, real))) return null
    const st = await fs.promises.stat(real)
    return st.isFile() ? real : null
  } catch {
    return null
  }
}

/** Same origin: the Origin's host[:port] is the Host the request was sent to. */
function sameOrigin(origin: string, host: string): boolean {
  try {
    const u = new URL(origin)
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.host.toLowerCase() === host
  } catch {
    return false
  }
}

/**
 * Answers `status` (e.g. 413) before the request body was read, then closes the connection — but
 * only after a short grace in which what the client still sends is read and dropped, so it reads
 * this answer instead of a reset (a socket closed with unread data sends RST).
 */
export function answerAndClose(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  status: number,
  body: unknown,
  graceMs = 2000,
): void {
  const socket = req.socket
  req.removeAllListeners('data')
  req.on('data', () => {})
  req.resume()
  // Node ends a `connection: close` answer with destroySoon(), which destroys the socket as soon
  // as our bytes are written: half-close instead, and destroy after the grace (or when the client
  // closes first).
  socket.destroySoon = function (this: typeof socket) {
    this.end()
    const t = setTimeout(() => this.destroy(), graceMs)
    t.unref()
    this.once('close', () => clearTimeout(t))
  }
  writeJson(res, status, body, { connection: 'close' })
}

/** Reads a body up to `limit` bytes; 'tooLarge' as soon as it is known (Content-Length first). */
export function readLimited(
  req: http.IncomingMessage,
  limit: number,
): Promise<{ kind: 'ok'; body: Buffer } | { kind: 'tooLarge' } | { kind: 'aborted' }> {
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve({ kind: 'tooLarge' })
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let size = 0
    let settled = false
    const done = (r: Parameters<typeof resolve>[0]) => {
      if (settled) return
      settled = true
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', onAbort)
      req.off('close', onClose)
      resolve(r)
    }
    const onData = (c: Buffer) => {
      size += c.length
      if (size > limit) {
        chunks.length = 0
        req.pause()
        done({ kind: 'tooLarge' })
        return
      }
      chunks.push(c)
    }
    const onEnd = () => done({ kind: 'ok', body: Buffer.concat(chunks, size) })
    const onAbort = () => done({ kind: 'aborted' })
    const onClose = () => {
      if (!req.complete) done({ kind: 'aborted' })
    }
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', onAbort)
    req.on('close', onClose)
  })
}

export function tooLargeBody(limit: number) {
  return {
    error: {
      code: 'PayloadTooLarge',
      message: `The request body is larger than ${limit} bytes`,
      httpStatus: 413,
    },
  }
}

function matches(route: GateRoute<unknown>, segments: string[]): boolean {
  if (segments.length < route.prefix.length) return false
  if (route.exact && segments.length !== route.prefix.length) return false
  return route.prefix.every((p, i) => segments[i] === p)
}

/** The gate: a request listener for an http(s) server. */
export function createGate<P>(opts: GateOptions<P>) {
  const isRemote =
    opts.isRemote ??
    ((req: http.IncomingMessage) => !isLoopbackAddress(req.socket.remoteAddress ?? ''))
  const originAllowed = opts.originAllowed ?? sameOrigin

  async function pass(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase()
    const { segments, query } = parseTarget(req.url)
    const host = String(req.headers.host ?? '').toLowerCase()
    if (!host || !opts.hostAllowed(host)) {
      throw new GateError('Forbidden', 'This server does not answer to that host name')
    }
    const origin = req.headers.origin
    if (origin !== undefined && !originAllowed(origin, host)) {
      throw new GateError('Forbidden', 'Cross-origin requests to Loupe are refused')
    }
    // The routes with the longest matching prefix; the others do not see the request.
    const matching = opts.routes.filter((r) => matches(r as GateRoute<unknown>, segments))
    const longest = Math.max(-1, ...matching.map((r) => r.prefix.length))
    const candidates = matching.filter((r) => r.prefix.length === longest)
    if (candidates.length === 0) throw new GateError('NotFound', 'Not found')
    const route = candidates.find((r) => r.methods.includes(method))
    if (!route) {
      const allow = [...new Set(candidates[0].methods)].join(', ')
      throw Object.assign(new GateError('MethodNotAllowed', `Use ${allow} here`), { allow })
    }
    const remote = isRemote(req)
    let caller: P | null = null
    if (opts.auth && !route.public) {
      caller = await opts.auth.authenticate(req, { remote })
      if (caller === null) {
        opts.auth.refuse(req, res)
        return
      }
    }
    const limit = route.maxBody ?? 0
    // A client waiting for `100 Continue` gets it only now, past every check, with a body the
    // route takes; a declared body over the limit gets 413 instead (and is never sent).
    if (req.headers.expect?.toLowerCase() === '100-continue') {
      const declared = Number(req.headers['content-length'])
      if (Number.isFinite(declared) && declared > limit) {
        return answerAndClose(req, res, 413, tooLargeBody(limit))
      }
      res.writeContinue()
    }
    await route.handle({
      req,
      res,
      method,
      segments,
      rest: segments.slice(route.prefix.length),
      query,
      remote,
      caller,
      async body() {
        const r = await readLimited(req, limit)
        if (r.kind === 'ok') return r.body
        if (r.kind === 'tooLarge') answerAndClose(req, res, 413, tooLargeBody(limit))
        return null
      },
    })
  }

  function listener(req: http.IncomingMessage, res: http.ServerResponse): void {
    const through = opts.passThrough?.(req)
    const run = through
      ? async () => {
          if (req.headers.expect?.toLowerCase() === '100-continue') res.writeContinue()
          await through(req, res)
        }
      : () => pass(req, res)
    Promise.resolve()
      .then(run)
      .catch((e: unknown) => {
        if (e instanceof GateError) {
          const allow = (e as GateError & { allow?: string }).allow
          return sendError(res, e.status, e.code, e.message, allow ? { allow } : {})
        }
        const err = e instanceof Error ? `${e.name}: ${e.message}` : String(e)
        opts.log(
          'error',
          `http: ${printable(req.method ?? '-', 16)} ${printable(req.url ?? '', 200)} failed: ${printable(err, 300)}`,
        )
        if (!res.headersSent) sendError(res, 500, 'InternalError', 'Internal error')
        else res.destroy()
      })
  }

  return {
    listener,
    /**
     * Serve `server` through the gate: its requests, and those that wait for `100 Continue`
     * (answered 413 instead when the declared body is too large).
     */
    attach(server: http.Server | https.Server): void {
      server.on('request', listener)
      server.on('checkContinue', listener)
    },
  }
}
