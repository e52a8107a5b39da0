import http from 'node:http'
import net from 'node:net'

export interface RawReply {
  status: number
  headers: http.IncomingHttpHeaders
  body: Buffer
  text: string
}

/**
 * One request with Node's http, the target sent exactly as given (no URL normalisation: `..`,
 * `%2e`, backslashes reach the server as written) and any Host / Origin header.
 */
export function rawRequest(
  port: number,
  target: string,
  opts: {
    method?: string
    headers?: Record<string, string | number>
    /** The body, or a function writing it (and ending the request) as it likes, e.g. chunked. */
    body?: Buffer | string | ((req: http.ClientRequest) => void)
    host?: string
  } = {},
): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: opts.host ?? '127.0.0.1',
        port,
        path: target,
        method: opts.method ?? 'GET',
        headers: { host: `127.0.0.1:${port}`, ...opts.headers },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const body = Buffer.concat(chunks)
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            text: body.toString(),
          })
        })
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    if (typeof opts.body === 'function') opts.body(req)
    else req.end(opts.body)
  })
}

/** Bytes written on a plain socket as they are (a raw NUL, an absolute-form target); the reply. */
export function rawSocket(port: number, request: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    s.on('data', (c) => chunks.push(c))
    s.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')))
    s.on('error', reject)
    s.setTimeout(5000, () => {
      s.destroy()
      resolve(Buffer.concat(chunks).toString('latin1'))
    })
    s.end(request)
  })
}
