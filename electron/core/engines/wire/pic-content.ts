import dns from 'node:dns/promises'
import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import { EngineError } from '../errors'

/**
 * `PicContent` as the cloud accepts it: base64 image bytes, or an http(s) URL (what the SDK's
 * `*Advance` methods send after their OSS upload). URLs are fetched only from allowed hosts — by
 * default loopback only, checked on the *resolved* address, and the connection is pinned to that
 * address (no DNS rebinding), with no redirects, a size cap and a timeout.
 */
export interface PicFetchOptions {
  /**
   * Hosts URLs may be fetched from (`host` or `host:port`, case-insensitive). Undefined: any host
   * whose every resolved address is loopback (127.0.0.0/8, ::1). An empty list disables URLs.
   */
  allowedHosts?: string[]
  maxBytes?: number
  timeoutMs?: number
}

const BASE64_RE = /^[A-Za-z0-9+/\-_]*={0,2}$/

function bad(message: string): EngineError {
  return new EngineError('BadRequest', message, { httpStatus: 400 })
}

export function isLoopbackAddress(address: string): boolean {
  const family = net.isIP(address)
  if (family === 4) return address.split('.')[0] === '127'
  if (family === 6) {
    const a = address.toLowerCase()
    if (a === '::1' || a === '0:0:0:0:0:0:0:1') return true
    // IPv4-mapped: ::ffff:127.0.0.1 or ::ffff:7f00:1
    const dotted = /^(?:0:0:0:0:0|:):ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a)
    if (dotted) return isLoopbackAddress(dotted[1])
    const hex = /^(?:0:0:0:0:0|:):ffff:([0-9a-f]{1,4}):[0-9a-f]{1,4}$/.exec(a)
    if (hex) return parseInt(hex[1], 16) >> 8 === 127
  }
  return false
}

function hostAllowed(url: URL, allowed: string[]): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase()
  const port = url.port || (url.protocol === 'https:' ? '443' : '80')
  return allowed.some((entry) => {
    const e = entry.trim().toLowerCase()
    if (!e) return false
    if (e === host) return true
    return e === `${host}:${port}` || e === `[${host}]:${port}`
  })
}

async function resolveChecked(
  url: URL,
  opts: PicFetchOptions,
): Promise<{ address: string; family: number }> {
  const host = url.hostname.replace(/^\[|\]$/g, '')
  if (opts.allowedHosts && !hostAllowed(url, opts.allowedHosts)) {
    throw bad(`PicContent URL host "${url.host}" is not in the allowed fetch hosts.`)
  }
  let addrs: { address: string; family: number }[]
  try {
    addrs = net.isIP(host)
      ? [{ address: host, family: net.isIP(host) }]
      : await dns.lookup(host, { all: true, verbatim: true })
  } catch {
    throw bad(`PicContent URL host "${url.host}" cannot be resolved.`)
  }
  if (addrs.length === 0) throw bad(`PicContent URL host "${url.host}" cannot be resolved.`)
  if (!opts.allowedHosts && !addrs.every((a) => isLoopbackAddress(a.address))) {
    throw bad(
      `PicContent URL host "${url.host}" is not a loopback address; only local URLs may be fetched.`,
    )
  }
  return addrs[0]
}

function fetchPinned(
  url: URL,
  target: { address: string; family: number },
  maxBytes: number,
  timeoutMs: number,
): Promise<Buffer> {
  const lib = url.protocol === 'https:' ? https : http
  return new Promise((resolve, reject) => {
    const req = lib.request(
      url,
      {
        method: 'GET',
        // Pin the connection to the address that passed the check.
        lookup: (_h: string, _o: unknown, cb: (...a: unknown[]) => void) => {
          const o = _o as { all?: boolean } | undefined
          if (o && o.all) cb(null, [target])
          else cb(null, target.address, target.family)
        },
        headers: { accept: 'image/*' },
        timeout: timeoutMs,
      } as http.RequestOptions,
      (res) => {
        const status = res.statusCode ?? 0
        if (status < 200 || status >= 300) {
          res.resume()
          reject(bad(`PicContent URL answered HTTP ${status}.`))
          return
        }
        const chunks: Buffer[] = []
        let size = 0
        res.on('data', (c: Buffer) => {
          size += c.length
          if (size > maxBytes) {
            req.destroy()
            reject(bad(`PicContent URL body exceeds ${maxBytes} bytes.`))
            return
          }
          chunks.push(c)
        })
        res.on('end', () => resolve(Buffer.concat(chunks, size)))
        res.on('error', () => reject(bad('PicContent URL download failed.')))
      },
    )
    const timer = setTimeout(() => {
      req.destroy()
      reject(bad(`PicContent URL download took longer than ${timeoutMs} ms.`))
    }, timeoutMs)
    timer.unref()
    req.on('timeout', () => {
      req.destroy()
      reject(bad(`PicContent URL download took longer than ${timeoutMs} ms.`))
    })
    req.on('error', () => reject(bad(`PicContent URL ${url.host} could not be downloaded.`)))
    req.on('close', () => clearTimeout(timer))
    req.end()
  })
}

/** Decode base64 image data, or fetch an allowed http(s) URL. */
export async function loadPicContent(
  value: string,
  param: string,
  opts: PicFetchOptions = {},
): Promise<Buffer> {
  const v = value.trim()
  if (/^https?:\/\//i.test(v)) {
    let url: URL
    try {
      url = new URL(v)
    } catch {
      throw bad(`${param} is not a valid URL.`)
    }
    if (url.username || url.password) throw bad(`${param} URL must not carry credentials.`)
    if (opts.allowedHosts && opts.allowedHosts.length === 0) {
      throw bad(`${param} URLs are disabled on this server; send the image as base64.`)
    }
    const target = await resolveChecked(url, opts)
    return fetchPinned(url, target, opts.maxBytes ?? 10 * 1024 * 1024, opts.timeoutMs ?? 10_000)
  }
  // Line breaks are allowed; a space can only be a '+' that a client forgot to percent-encode.
  const compact = value.replace(/[\r\n\t]+/g, '').replace(/ /g, '+')
  if (!compact || !BASE64_RE.test(compact)) {
    throw bad(`${param} is neither base64 image data nor an http(s) URL.`)
  }
  const buf = Buffer.from(compact, 'base64')
  if (buf.length === 0) throw bad(`${param} is empty.`)
  return buf
}
