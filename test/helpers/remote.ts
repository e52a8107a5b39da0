import http from 'node:http'
import https from 'node:https'
import os from 'node:os'

/** This machine's first non-loopback IPv4 address, if it has one. */
export function lanAddress(): string | null {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (!a.internal && a.family === 'IPv4') return a.address
  }
  return null
}

export interface Reply {
  status: number
  headers: http.IncomingHttpHeaders
  text: string
  json: { error?: { code: string; message: string }; result?: unknown } & Record<string, unknown>
}

/** One HTTP(S) request with Node's own client (cookies, Origin and Host set by hand). */
export function request(
  url: string,
  o: {
    method?: string
    headers?: Record<string, string>
    body?: unknown
    ca?: Buffer
  } = {},
): Promise<Reply> {
  const data =
    o.body === undefined
      ? undefined
      : Buffer.from(typeof o.body === 'string' ? o.body : JSON.stringify(o.body))
  const mod = url.startsWith('https:') ? https : http
  return new Promise((resolve, reject) => {
    const req = mod.request(
      url,
      {
        method: o.method ?? (data ? 'POST' : 'GET'),
        headers: {
          ...(data
            ? { 'content-type': 'application/json', 'content-length': String(data.length) }
            : {}),
          ...o.headers,
        },
        ...(o.ca ? { ca: o.ca } : {}),
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          let json = {}
          try {
            json = JSON.parse(text)
          } catch {
            /* not JSON */
          }
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: json as Reply['json'],
          })
        })
      },
    )
    req.on('error', reject)
    req.end(data)
  })
}

/** The `name=value` of a Set-Cookie answer, for the next request's Cookie header. */
export function cookieOf(r: Reply): string {
  const c = r.headers['set-cookie']?.[0]
  if (!c) throw new Error(`no cookie in ${r.status} ${r.text}`)
  return c.split(';')[0]!
}
