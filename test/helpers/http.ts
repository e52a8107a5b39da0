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
