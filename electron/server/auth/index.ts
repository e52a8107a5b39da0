import fs from 'node:fs'
import type http from 'node:http'
import { scopeAllows, type AccessScope } from '../../api/access'
import { createTokenStore, TOKENS_FILE, type TokenStore } from '../../core/auth/tokens'
import { CoreError } from '../../core/errors'
import type { ErrorCode, ErrorDetails } from '../../domain/errors'
import { readBody, sendJson } from '../http-bridge'
import {
  createFailureLimiter,
  createSessions,
  DEFAULT_SESSION_LIMITS,
  type SessionLimits,
} from './sessions'

export { explained, isLoopbackHost, loadTls, type TlsFiles, type TlsMaterial } from './tls'

/** The path of the sign-in endpoint (GET: state, POST `{token}`: sign in, DELETE: sign out). */
export const SESSION_PATH = '/auth/session'

export interface AuthOptions {
  /** Remote mode: every HTTP caller signs in with an access token. */
  required: boolean
  dataDir: string
  /** Served over TLS: the cookie is `Secure` (and `__Host-` prefixed). */
  secure: boolean
  tokens?: TokenStore
  limits?: Partial<SessionLimits>
  /** Failed sign-ins allowed per address within the window (default 10 per 15 minutes). */
  signInFailures?: { max: number; windowMs: number }
  log?: (level: 'info' | 'warn', line: string) => void
}

/** Who is calling: what they may do and, in remote mode, their session. */
export interface Caller {
  scope: AccessScope
  sessionId: string | null
}

/** What `GET /auth/session` answers. */
export interface SessionState {
  required: boolean
  signedIn: boolean
  scope: AccessScope | null
}

export interface Authenticator {
  readonly required: boolean
  /** The caller of a request, or null when it must sign in first. */
  authenticate(req: http.IncomingMessage): Caller | null
  /** Whether the caller may call the contract method `name` (its scope, METHOD_SCOPES). */
  permits(caller: Caller, name: string): boolean
  /** Answers `/auth/session`. */
  handleSession(req: http.IncomingMessage, res: http.ServerResponse): Promise<void>
  /** 401 SignInRequired. */
  refuseSignIn(res: http.ServerResponse): void
  /** 403 TokenScopeTooNarrow for the method `name`. */
  refuseScope(res: http.ServerResponse, name: string): void
  /** Ends `res` (an event stream) when the caller's session ends (sign-out, expiry, revoke). */
  endWithSession(caller: Caller, res: http.ServerResponse): void
  close(): void
}

function apiError(code: ErrorCode, message: string, details?: ErrorDetails) {
  return { error: new CoreError(code, message, details ? { details } : {}).toApiError() }
}

function cookieValue(req: http.IncomingMessage, name: string): string | null {
  const header = req.headers.cookie
  if (!header) return null
  for (const part of header.split(';')) {
    const i = part.indexOf('=')
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim()
  }
  return null
}

/**
 * Whom failed sign-ins are counted against: an IPv4 address, or an IPv6 /64 (one host usually
 * holds a whole /64 and could otherwise try again from a fresh address each time).
 */
export function clientKey(address: string | undefined): string {
  if (!address) return 'unknown'
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  if (v4) return v4[1]!
  if (!address.includes(':')) return address
  const [head, tail = ''] = address.toLowerCase().split('::')
  const left = head ? head.split(':') : []
  const right = tail ? tail.split(':') : []
  const groups = address.includes('::')
    ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right]
    : left
  return (
    groups
      .slice(0, 4)
      .map((g) => g.replace(/^0+(?=.)/, ''))
      .join(':') + '::/64'
  )
}

export function createAuthenticator(opts: AuthOptions): Authenticator {
  const tokens = opts.tokens ?? createTokenStore(opts.dataDir)
  const limits = { ...DEFAULT_SESSION_LIMITS, ...opts.limits }
  const sessions = createSessions(limits)
  const limiter = createFailureLimiter(
    opts.signInFailures?.max ?? 10,
    opts.signInFailures?.windowMs ?? 15 * 60_000,
  )
  const cookieName = opts.secure ? '__Host-loupe_session' : 'loupe_session'
  const log = opts.log ?? (() => {})
  const tokenAlive = (id: string) => {
    try {
      return tokens.get(id) !== null
    } catch {
      return false // a damaged token file signs everyone out
    }
  }

  // A revoke (`loupe tokens revoke` edits the file) ends the token's sessions at once, their event
  // streams included; expired sessions are swept now and then.
  const sweep = () => {
    const n = sessions.sweep(tokenAlive)
    if (n) log('info', `auth: ${n} session(s) ended (token revoked or session expired)`)
  }
  let watcher: fs.FSWatcher | null = null
  let timer: NodeJS.Timeout | null = null
  if (opts.required) {
    try {
      watcher = fs.watch(opts.dataDir, (_ev, name) => {
        if (!name || String(name) === TOKENS_FILE) sweep()
      })
      watcher.on('error', () => {})
    } catch {
      /* every request checks its token anyway */
    }
    timer = setInterval(sweep, 30_000)
    timer.unref()
  }

  function sessionOf(req: http.IncomingMessage) {
    const id = cookieValue(req, cookieName)
    if (!id) return null
    const s = sessions.use(id)
    if (!s) return null
    if (!tokenAlive(s.tokenId)) {
      sessions.end(s.id)
      return null
    }
    return s
  }

  function state(req: http.IncomingMessage): SessionState {
    if (!opts.required) return { required: false, signedIn: false, scope: 'full' }
    const s = sessionOf(req)
    return { required: true, signedIn: !!s, scope: s?.scope ?? null }
  }

  function cookie(value: string, maxAgeS: number): string {
    return `${cookieName}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${opts.secure ? '; Secure' : ''}`
  }

  async function signIn(req: http.IncomingMessage, res: http.ServerResponse) {
    const from = req.socket.remoteAddress ?? 'unknown'
    const addr = clientKey(req.socket.remoteAddress)
    const wait = limiter.blockedFor(addr)
    if (wait > 0) {
      res.setHeader('retry-after', String(wait))
      return sendJson(
        res,
        429,
        apiError(
          'TooManySignInAttempts',
          `Too many failed sign-ins from ${addr}; try again in ${wait} s`,
          { retryAfterSeconds: wait },
        ),
      )
    }
    // JSON only: a cross-site form cannot send it (with SameSite=Strict and the Origin check).
    if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) {
      return sendJson(res, 415, apiError('UnsupportedMediaType', 'Send {"token": "…"} as JSON'))
    }
    let token: unknown
    try {
      const body = await readBody(req, 4096)
      token = (JSON.parse(body.toString('utf8')) as { token?: unknown } | null)?.token
    } catch (e) {
      const status = (e as { status?: number }).status ?? 400
      return sendJson(
        res,
        status,
        apiError(status === 413 ? 'PayloadTooLarge' : 'InvalidJson', 'Send {"token": "…"} as JSON'),
      )
    }
    const t = typeof token === 'string' ? tokens.verify(token) : null
    if (!t) {
      limiter.fail(addr)
      log('warn', `auth: failed sign-in from ${from}`)
      return sendJson(
        res,
        401,
        apiError('InvalidToken', 'No access token of this server matches the one given'),
      )
    }
    limiter.succeed(addr)
    // A session id is never reused: a sign-in replaces the browser's earlier session.
    const old = cookieValue(req, cookieName)
    if (old) sessions.end(old)
    const s = sessions.create(t.id, t.scope)
    tokens.touch(t.id)
    log('info', `auth: signed in from ${from} with token ${t.id} (${t.scope})`)
    res.setHeader('set-cookie', cookie(s.id, Math.floor(limits.maxMs / 1000)))
    sendJson(res, 200, { required: true, signedIn: true, scope: s.scope } satisfies SessionState)
  }

  return {
    required: opts.required,
    authenticate(req) {
      if (!opts.required) return { scope: 'full', sessionId: null }
      const s = sessionOf(req)
      return s ? { scope: s.scope, sessionId: s.id } : null
    },
    permits(caller, name) {
      return scopeAllows(caller.scope, name)
    },
    async handleSession(req, res) {
      if (req.method === 'GET' || req.method === 'HEAD') return sendJson(res, 200, state(req))
      if (req.method === 'POST') {
        if (!opts.required) return sendJson(res, 200, state(req))
        return signIn(req, res)
      }
      if (req.method === 'DELETE') {
        const id = cookieValue(req, cookieName)
        if (id) sessions.end(id)
        if (opts.required) res.setHeader('set-cookie', cookie('', 0))
        return sendJson(res, 200, {
          ...state(req),
          signedIn: false,
          scope: opts.required ? null : 'full',
        })
      }
      res.setHeader('allow', 'GET, POST, DELETE')
      sendJson(res, 405, apiError('MethodNotAllowed', `${req.method} ${SESSION_PATH}`))
    },
    refuseSignIn(res) {
      sendJson(res, 401, apiError('SignInRequired', 'Sign in with an access token first'))
    },
    refuseScope(res, name) {
      sendJson(
        res,
        403,
        apiError(
          'TokenScopeTooNarrow',
          `${name} changes data: a read-only access token cannot call it`,
          {
            method: name,
          },
        ),
      )
    },
    endWithSession(caller, res) {
      if (!caller.sessionId) return
      const off = sessions.onEnd(caller.sessionId, () => res.end())
      res.on('close', off)
    },
    close() {
      watcher?.close()
      if (timer) clearInterval(timer)
      sessions.clear()
    },
  }
}
