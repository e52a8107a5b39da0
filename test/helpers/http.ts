import http from 'node:http'

/** POST JSON with Node's own http (happy-dom replaces the global fetch with a browser-like one). */
export function postJson(url: string, body: unknown): Promise<unknown> {
  const data = Buffer.from(JSON.stringify(body ?? {}))
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': data.length },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')))
          } catch (e) {
            reject(e)
          }
        })
      },
    )
    req.on('error', reject)
    req.end(data)
  })
}

/**
 * The host's Server-Sent Events (`/api/events`) with Node's own http, as a bridge transport's
 * `subscribe` (happy-dom has no streaming EventSource). Resolves once the stream is open.
 */
export async function subscribeSse(
  url: string,
  listener: (name: string, payload: unknown) => void,
): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, (res) => {
      let buf = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        buf += chunk
        let i
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i)
          buf = buf.slice(i + 2)
          const data = block.split('\n').find((l) => l.startsWith('data: '))
          if (!data) continue
          const { name, payload } = JSON.parse(data.slice(6)) as { name: string; payload: unknown }
          listener(name, payload)
        }
      })
      resolve(() => req.destroy())
    })
    req.on('error', (e) => {
      if ((e as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(e)
    })
  })
}
