import type http from 'node:http'
import type { DispatchReply } from '../api/dispatch'
import type { EventBus } from '../core/events'

const MAX_BODY = 48 * 1024 * 1024

/** Reads a request body up to `limit` bytes. */
export function readBody(req: http.IncomingMessage, limit = MAX_BODY): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > limit) {
        reject(Object.assign(new Error(`Request body larger than ${limit} bytes`), { status: 413 }))
        req.destroy()
        return
      }
      chunks.push(c)
    })
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(data),
    'cache-control': 'no-store',
  })
  res.end(data)
}

/**
 * Requests to the contract must come from the page this server serves: the Host header must name
 * this server (DNS rebinding) and a browser's Origin, when present, must be the same origin (CSRF).
 */
export function isSameOrigin(req: http.IncomingMessage, allowedHosts: Set<string>): boolean {
  const host = req.headers.host ?? ''
  if (!allowedHosts.has(host.toLowerCase())) return false
  const origin = req.headers.origin
  if (origin === undefined) return true
  try {
    return new URL(origin).host.toLowerCase() === host.toLowerCase()
  } catch {
    return false
  }
}

/**
 * The contract over HTTP: `POST /api/call/<domain.method>` with the JSON argument answers
 * `{ result }` or `{ error }`; `GET /api/events` streams the core's events as Server-Sent Events.
 */
export function createHttpBridge(deps: {
  dispatch: (name: string, input: unknown) => Promise<DispatchReply>
  events: EventBus
}) {
  const clients = new Set<http.ServerResponse>()
  const unsub = deps.events.onAny((name, payload) => {
    const line = `event: message\ndata: ${JSON.stringify({ name, payload })}\n\n`
    for (const c of clients) c.write(line)
  })
  const ping = setInterval(() => {
    for (const c of clients) c.write(': ping\n\n')
  }, 20_000)
  ping.unref()

  return {
    async call(req: http.IncomingMessage, res: http.ServerResponse, name: string): Promise<void> {
      if (req.method !== 'POST')
        return sendJson(res, 405, { error: { code: 'MethodNotAllowed', message: 'Use POST' } })
      const ctype = String(req.headers['content-type'] ?? '')
      if (!ctype.startsWith('application/json')) {
        return sendJson(res, 415, {
          error: { code: 'UnsupportedMediaType', message: 'Send the argument as application/json' },
        })
      }
      let input: unknown
      try {
        const body = await readBody(req)
        input = body.length ? JSON.parse(body.toString('utf8')) : {}
      } catch (e) {
        const status = (e as { status?: number }).status ?? 400
        return sendJson(res, status, {
          error: {
            code: status === 413 ? 'PayloadTooLarge' : 'InvalidJson',
            message: (e as Error).message,
          },
        })
      }
      const reply = await deps.dispatch(name, input)
      if ('error' in reply) {
        const status = reply.error.code === 'UnknownMethod' ? 404 : 200
        return sendJson(res, status, reply)
      }
      sendJson(res, 200, reply)
    },
    events(req: http.IncomingMessage, res: http.ServerResponse): void {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      })
      res.write(': connected\n\n')
      clients.add(res)
      req.on('close', () => clients.delete(res))
    },
    close() {
      unsub()
      clearInterval(ping)
      for (const c of clients) c.end()
      clients.clear()
    },
  }
}
