import type http from 'node:http'

export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024

export type BodyResult =
  | { kind: 'ok'; body: Buffer }
  /** Over the cap; the rest was drained (or the connection must close when `mustClose`). */
  | { kind: 'tooLarge'; mustClose: boolean }
  /** The client went away before the body ended. */
  | { kind: 'aborted' }

/**
 * Read a request body (content-length or chunked) up to `maxBytes`. Past the cap the rest is
 * drained — up to four times the cap — so the client still reads our error reply instead of a
 * reset connection; beyond that the caller answers and closes the socket.
 */
export function readBody(req: http.IncomingMessage, maxBytes: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    const declared = Number(req.headers['content-length'])
    const chunks: Buffer[] = []
    let size = 0
    let over = false
    let settled = false
    const hardCap = maxBytes * 4
    const done = (r: BodyResult) => {
      if (settled) return
      settled = true
      cleanup()
      resolve(r)
    }
    const onData = (c: Buffer) => {
      size += c.length
      if (size > maxBytes) {
        over = true
        chunks.length = 0
        if (size > hardCap) {
          req.pause()
          done({ kind: 'tooLarge', mustClose: true })
        }
        return
      }
      chunks.push(c)
    }
    const onEnd = () => {
      if (over) done({ kind: 'tooLarge', mustClose: false })
      else done({ kind: 'ok', body: Buffer.concat(chunks, size) })
    }
    const onAborted = () => done({ kind: 'aborted' })
    const onClose = () => {
      if (!req.complete) done({ kind: 'aborted' })
    }
    const cleanup = () => {
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('aborted', onAborted)
      req.off('error', onAborted)
      req.off('close', onClose)
    }
    if (Number.isFinite(declared) && declared > hardCap) {
      done({ kind: 'tooLarge', mustClose: true })
      return
    }
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('aborted', onAborted)
    req.on('error', onAborted)
    req.on('close', onClose)
  })
}
