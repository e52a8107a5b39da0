import type http from 'node:http'
import path from 'node:path'
import { contract } from '../api/contract'
import { lookupMethod, serverPathsOf } from '../api/define'
import type { DispatchReply } from '../api/dispatch'
import type { ApiError } from '../api/errors'
import type { EventBus } from '../core/events'
import { CoreError } from '../core/errors'
import { readLimited, sendJson, tooLargeBody, type GateContext } from './gate'

export { sendJson } from './gate'

/** The largest argument of a contract call (a staged batch of dropped files). */
export const MAX_CALL_BODY = 48 * 1024 * 1024

/**
 * Reads a request body up to `limit` bytes; over it, rejects with `{ status: 413 }` and leaves the
 * rest unread: answer with `sendJson(res, 413, …)`, which closes the connection after the answer.
 */
export async function readBody(req: http.IncomingMessage, limit = MAX_CALL_BODY): Promise<Buffer> {
  const r = await readLimited(req, limit)
  if (r.kind === 'ok') return r.body
  throw Object.assign(
    new Error(
      r.kind === 'tooLarge' ? tooLargeBody(limit).error.message : 'The request was aborted',
    ),
    { status: r.kind === 'tooLarge' ? 413 : 400 },
  )
}

/** Every string of a JSON value mapped through `f` (a new value; the input is not changed). */
function mapStrings(v: unknown, f: (s: string) => string): unknown {
  if (typeof v === 'string') return f(v)
  if (Array.isArray(v)) return v.map((x) => mapStrings(x, f))
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mapStrings(x, f)]))
  }
  return v
}

/** What the bridge knows about a caller (from the gate). */
export type CallContext = Pick<GateContext<unknown>, 'req' | 'res' | 'remote' | 'body'>

/**
 * The contract over HTTP: `POST /api/call/<domain.method>` with the JSON argument answers
 * `{ result }` or `{ error }`; `GET /api/events` streams the core's events as Server-Sent Events.
 * Remote callers (another machine) only send bytes: a method given a path on this machine is
 * refused them (RemotePathRefused) unless `remotePathAllowed` says the host handed the path out,
 * and `scrub` takes this machine's paths out of everything they get (answers, errors, events):
 * paths inside the data folder are shown relative to it. A relative path a remote caller gives
 * back (a staged upload, `staging/<id>/…`) is resolved with `resolveRemotePath`.
 */
export function createHttpBridge(deps: {
  dispatch: (name: string, input: unknown) => Promise<DispatchReply>
  events: EventBus
  remotePathAllowed?: (p: string) => boolean
  scrub?: (text: string) => string
  resolveRemotePath?: (p: string) => string
}) {
  /** Open event streams; true: the caller is remote. */
  const clients = new Map<http.ServerResponse, boolean>()
  const unsub = deps.events.onAny((name, payload) => {
    const line = `event: message\ndata: ${JSON.stringify({ name, payload })}\n\n`
    let remoteLine: string | null = null
    for (const [c, remote] of clients) {
      if (!remote) c.write(line)
      else {
        remoteLine ??= `event: message\ndata: ${JSON.stringify({ name, payload: mapStrings(payload, scrub) })}\n\n`
        c.write(remoteLine)
      }
    }
  })
  const ping = setInterval(() => {
    for (const c of clients.keys()) c.write(': ping\n\n')
  }, 20_000)
  ping.unref()
  const scrub = deps.scrub ?? ((t: string) => t)

  function scrubError(e: ApiError): ApiError {
    const details = e.details
      ? Object.fromEntries(
          Object.entries(e.details).map(([k, v]) => [k, typeof v === 'string' ? scrub(v) : v]),
        )
      : undefined
    return {
      ...e,
      message: scrub(e.message),
      ...(e.hint !== undefined ? { hint: scrub(e.hint) } : {}),
      ...(details ? { details } : {}),
    }
  }

  /**
   * A remote caller's argument with the relative server paths it names (as it was shown them)
   * made absolute: exactly the strings `serverPaths` reports, nothing else.
   */
  function resolvePaths(name: string, input: unknown): unknown {
    const resolve = deps.resolveRemotePath
    if (!resolve) return input
    const relative = new Set(
      serverPathsOf(lookupMethod(contract, name), input).filter((p) => !path.isAbsolute(p)),
    )
    if (relative.size === 0) return input
    return mapStrings(input, (s) => (relative.has(s) ? resolve(s) : s))
  }

  /** RemotePathRefused for the first server path of the call a remote caller may not name. */
  function refusePaths(name: string, input: unknown): ApiError | null {
    const allowed = deps.remotePathAllowed ?? (() => false)
    const refused = serverPathsOf(lookupMethod(contract, name), input).filter((p) => !allowed(p))
    if (refused.length === 0) return null
    return new CoreError(
      'RemotePathRefused',
      `${name} reads or writes a path on the server; from another machine, send the file's bytes instead.`,
      { httpStatus: 403 },
    ).toApiError()
  }

  return {
    async call(ctx: CallContext, name: string): Promise<void> {
      const { req, res } = ctx
      const ctype = String(req.headers['content-type'] ?? '')
      if (!ctype.startsWith('application/json')) {
        return sendJson(res, 415, {
          error: { code: 'UnsupportedMediaType', message: 'Send the argument as application/json' },
        })
      }
      const body = await ctx.body()
      if (body === null) return // answered (413) or the client went away
      let input: unknown
      try {
        input = body.length ? JSON.parse(body.toString('utf8')) : {}
      } catch {
        return sendJson(res, 400, {
          error: { code: 'InvalidJson', message: 'The request body is not valid JSON' },
        })
      }
      if (ctx.remote) {
        input = resolvePaths(name, input)
        const refused = refusePaths(name, input)
        if (refused) return sendJson(res, 403, { error: refused })
      }
      const reply = await deps.dispatch(name, input)
      if ('error' in reply) {
        const status = reply.error.code === 'UnknownMethod' ? 404 : 200
        return sendJson(res, status, ctx.remote ? { error: scrubError(reply.error) } : reply)
      }
      sendJson(res, 200, ctx.remote ? { result: mapStrings(reply.result, scrub) } : reply)
    },
    events(ctx: Pick<CallContext, 'req' | 'res' | 'remote'>): void {
      const { req, res } = ctx
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      })
      res.write(': connected\n\n')
      clients.set(res, ctx.remote)
      req.on('close', () => clients.delete(res))
    },
    close() {
      unsub()
      clearInterval(ping)
      for (const c of clients.keys()) c.end()
      clients.clear()
    },
  }
}
