/**
 * An HTTP proxy on 127.0.0.1 that injects faults in front of a real server (a remote Loupe's
 * engine API, an OSS server): for each request, `decide` answers in its place (a 5xx, the cloud's
 * DeniedRequest), drops the connection before forwarding (nothing was done), or forwards and then
 * drops the connection instead of answering (the work was done, the answer is lost — a client
 * that retries must not make a duplicate). Requests are forwarded as they came, headers included
 * (signatures cover the Host header), so the server behind checks them as usual.
 */
import crypto from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ProxiedRequest {
  method: string
  url: string
  headers: http.IncomingHttpHeaders
  body: Buffer
  /** The engine API's action (`x-acs-action`, else the `Action` query parameter), if any. */
  action: string | null
  /** 1-based number of this request among those the proxy saw. */
  n: number
}

export type FaultDecision =
  | 'pass'
  /** Close the connection without forwarding. */
  | 'drop'
  /** Forward, wait for the answer, then close the connection without sending it. */
  | 'drop-after'
  | { status: number; code: string; message: string; xml?: boolean }

export interface FaultProxy {
  port: number
  endpoint: string
  /** Every request seen, with what was done. */
  log: {
    action: string | null
    method: string
    url: string
    decision: string
    at: number
    /** The body's SHA-1 (the same request sent again has the same one). */
    digest: string
    /** The status the server behind answered (forwarded requests), when it did. */
    upstream?: number
    /** How long the server behind took to answer (ms). */
    ms?: number
  }[]
  close(): Promise<void>
}

/** The cloud's error envelope (JSON) or OSS's (XML). */
function errorBody(d: { code: string; message: string; xml?: boolean }): [string, string] {
  const id = crypto.randomUUID().toUpperCase()
  if (d.xml) {
    return [
      'application/xml',
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${d.code}</Code><Message>${d.message}</Message><RequestId>${id}</RequestId><HostId>fault-proxy</HostId></Error>\n`,
    ]
  }
  return [
    'application/json;charset=utf-8',
    JSON.stringify({ RequestId: id, HostId: 'fault-proxy', Code: d.code, Message: d.message }),
  ]
}

export async function startFaultProxy(
  targetPort: number,
  /** May answer later (a request held until the test lets it through). */
  decide: (r: ProxiedRequest) => FaultDecision | Promise<FaultDecision>,
): Promise<FaultProxy> {
  const log: FaultProxy['log'] = []
  let n = 0
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', async () => {
      const body = Buffer.concat(chunks)
      const url = req.url ?? '/'
      const action =
        (req.headers['x-acs-action'] as string | undefined) ??
        new URL(url, 'http://x').searchParams.get('Action')
      const r: ProxiedRequest = {
        method: req.method ?? 'GET',
        url,
        headers: req.headers,
        body,
        action,
        n: ++n,
      }
      const d = await decide(r)
      const entry: FaultProxy['log'][number] = {
        action,
        method: r.method,
        url,
        decision: typeof d === 'string' ? d : `${d.status} ${d.code}`,
        at: performance.now(),
        digest: crypto.createHash('sha1').update(body).digest('hex'),
      }
      log.push(entry)
      if (d === 'drop') return req.socket.destroy()
      if (typeof d === 'object') {
        const [type, text] = errorBody(d)
        res.writeHead(d.status, { 'content-type': type, 'content-length': Buffer.byteLength(text) })
        return res.end(text)
      }
      const fwd = http.request(
        {
          host: '127.0.0.1',
          port: targetPort,
          method: req.method,
          path: url,
          headers: req.headers,
        },
        (up) => {
          entry.upstream = up.statusCode
          entry.ms = performance.now() - entry.at
          if (d === 'drop-after') {
            up.resume()
            up.on('end', () => req.socket.destroy())
            return
          }
          res.writeHead(up.statusCode ?? 502, up.headers)
          up.pipe(res)
        },
      )
      fwd.on('error', () => req.socket.destroy())
      fwd.end(body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const port = (server.address() as AddressInfo).port
  return {
    port,
    endpoint: `http://127.0.0.1:${port}`,
    log,
    async close() {
      server.closeAllConnections?.()
      await new Promise<void>((r) => server.close(() => r()))
    },
  }
}

/** Seeded pseudo-random numbers in [0, 1) (a fault pattern that repeats run after run). */
export function seeded(seed = 4242): () => number {
  let s = seed
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff
    return s / 0x7fffffff
  }
}
