/**
 * A small OSS-compatible HTTP server on 127.0.0.1 for tests: PutObject, multipart upload
 * (initiate, upload part, complete, abort, list parts), HEAD/GET object — and every request's
 * signature checked against the OSS V1 (HMAC-SHA1) specification, written from the spec, not from
 * a client library:
 *
 *   Authorization: OSS <AccessKeyId>:<Signature>
 *   Signature = base64(hmac-sha1(AccessKeySecret,
 *       VERB + "\n" + Content-MD5 + "\n" + Content-Type + "\n" + Date + "\n"
 *       + CanonicalizedOSSHeaders + CanonicalizedResource))
 *
 * - CanonicalizedOSSHeaders: every `x-oss-*` header, lowercase name, trimmed value, sorted by name,
 *   each as `name:value\n`.
 * - CanonicalizedResource: `/<bucket>/<object key>` (the key unescaped), followed by the request's
 *   sub-resources (the spec's list: uploads, uploadId, partNumber, acl, …) sorted by name, `?k=v`
 *   joined with `&` (a sub-resource without a value is `k` alone).
 * - Date: the `x-oss-date` header when present (the spec lets it replace Date, which browsers
 *   cannot set), else the `Date` header; more than 15 minutes off → RequestTimeTooSkewed.
 *
 * The bucket comes from the Host header (`<bucket>.oss-<region>.aliyuncs.com`, virtual-hosted
 * style — what ali-oss sends when its endpoint is an IP address) or from the first path segment
 * when the Host is the server's own address (path style, ali-oss `sldEnable: true`).
 * Content-MD5, when sent, is checked against the body (InvalidDigest).
 */

import crypto from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import type { AddressInfo } from 'node:net'

export const SUB_RESOURCES = new Set([
  'acl',
  'uploads',
  'location',
  'cors',
  'logging',
  'website',
  'referer',
  'lifecycle',
  'delete',
  'append',
  'tagging',
  'objectMeta',
  'uploadId',
  'partNumber',
  'security-token',
  'position',
  'img',
  'style',
  'styleName',
  'replication',
  'replicationProgress',
  'replicationLocation',
  'cname',
  'bucketInfo',
  'comp',
  'qos',
  'live',
  'status',
  'vod',
  'startTime',
  'endTime',
  'symlink',
  'x-oss-process',
  'response-content-type',
  'response-content-language',
  'response-expires',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
  'restore',
  'callback',
  'callback-var',
  'versionId',
  'versioning',
  'sequential',
])

export interface OssRequestLog {
  method: string
  bucket: string
  key: string
  query: Record<string, string>
  status: number
  code?: string
  bytes: number
}

export interface FakeOssOptions {
  keys: Record<string, string>
  /** Folder of a bucket's objects (default `<root>/<bucket>`). */
  bucketDir?: (bucket: string) => string
  root?: string
  /** Answer the n-th UploadPart call (1-based, counted over the server's life) with a 500 error. */
  failPartCalls?: number[]
}

export interface FakeOss {
  endpoint: string
  port: number
  log: OssRequestLog[]
  /** Absolute path of an object on disk. */
  objectPath(bucket: string, key: string): string
  close(): Promise<void>
}

/** The string to sign, per the spec (exported so the test can check one known vector). */
export function stringToSign(
  verb: string,
  headers: Record<string, string | string[] | undefined>,
  bucket: string,
  key: string,
  query: URLSearchParams,
): string {
  const h = (n: string) => {
    const v = headers[n]
    return Array.isArray(v) ? v.join(',') : (v ?? '')
  }
  const date = h('x-oss-date') || h('date')
  const ossHeaders = Object.keys(headers)
    .map((k) => k.toLowerCase())
    .filter((k) => k.startsWith('x-oss-'))
    .sort()
    .map((k) => `${k}:${h(k).trim()}\n`)
    .join('')
  let resource = bucket ? `/${bucket}/${key}` : '/'
  const subs = [...query.keys()].filter((k) => SUB_RESOURCES.has(k)).sort()
  if (subs.length > 0) {
    resource +=
      '?' +
      subs
        .map((k) => {
          const v = query.get(k)
          return v === null || v === '' ? k : `${k}=${v}`
        })
        .join('&')
  }
  return [
    verb.toUpperCase(),
    h('content-md5'),
    h('content-type'),
    date,
    ossHeaders + resource,
  ].join('\n')
}

function xmlError(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n  <Code>${code}</Code>\n  <Message>${message}</Message>\n  <RequestId>${crypto.randomUUID().toUpperCase()}</RequestId>\n  <HostId>127.0.0.1</HostId>\n</Error>\n`
}

export async function startFakeOss(opts: FakeOssOptions): Promise<FakeOss> {
  const root = opts.root ?? fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-oss-'))
  const bucketDir = opts.bucketDir ?? ((b: string) => path.join(root, b))
  const uploads = new Map<string, { bucket: string; key: string; parts: Map<number, Buffer> }>()
  const log: OssRequestLog[] = []
  let partCalls = 0
  let ownHost = ''

  const objectPath = (bucket: string, key: string) => {
    const dir = path.resolve(bucketDir(bucket))
    const file = path.resolve(dir, ...key.split('/'))
    if (!file.startsWith(dir + path.sep)) throw new Error('key escapes the bucket')
    return file
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      const url = new URL(req.url ?? '/', 'http://x')
      const query = url.searchParams
      const host = String(req.headers.host ?? '').toLowerCase()
      let bucket = ''
      let rawPath = url.pathname.slice(1)
      if (host !== ownHost && host.includes('.oss-')) {
        bucket = host.slice(0, host.indexOf('.oss-'))
      } else {
        const i = rawPath.indexOf('/')
        bucket = i < 0 ? rawPath : rawPath.slice(0, i)
        rawPath = i < 0 ? '' : rawPath.slice(i + 1)
      }
      const key = decodeURIComponent(rawPath)
      const entry: OssRequestLog = {
        method: req.method ?? '',
        bucket,
        key,
        query: Object.fromEntries(query),
        status: 200,
        bytes: body.length,
      }
      log.push(entry)
      const send = (status: number, text: string, headers: Record<string, string> = {}) => {
        entry.status = status
        res.writeHead(status, {
          'content-type': 'application/xml',
          'x-oss-request-id': crypto.randomUUID().toUpperCase(),
          ...headers,
        })
        res.end(text)
      }
      const fail = (status: number, code: string, message: string) => {
        entry.code = code
        send(status, xmlError(code, message))
      }

      // --- signature ---
      const auth = String(req.headers.authorization ?? '')
      const m = /^OSS ([^:]+):(.+)$/.exec(auth)
      if (!m) return fail(403, 'AccessDenied', 'Missing or malformed Authorization header.')
      const secret = opts.keys[m[1]]
      if (secret === undefined)
        return fail(403, 'InvalidAccessKeyId', 'The OSS Access Key Id you provided does not exist.')
      const sts = stringToSign(req.method ?? '', req.headers, bucket, key, query)
      const expected = crypto.createHmac('sha1', secret).update(sts, 'utf8').digest('base64')
      const given = Buffer.from(m[2])
      const want = Buffer.from(expected)
      if (given.length !== want.length || !crypto.timingSafeEqual(given, want)) {
        return fail(
          403,
          'SignatureDoesNotMatch',
          'The request signature we calculated does not match the signature you provided.',
        )
      }
      const date = Date.parse(String(req.headers['x-oss-date'] ?? req.headers.date ?? ''))
      if (!Number.isFinite(date) || Math.abs(Date.now() - date) > 15 * 60_000) {
        return fail(
          403,
          'RequestTimeTooSkewed',
          'The difference between the request time and the current time is too large.',
        )
      }
      const md5 = req.headers['content-md5']
      if (md5 && crypto.createHash('md5').update(body).digest('base64') !== md5) {
        return fail(400, 'InvalidDigest', 'The Content-MD5 you specified is not valid.')
      }
      if (!bucket || !/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(bucket)) {
        return fail(400, 'InvalidBucketName', 'The specified bucket is not valid.')
      }

      // --- operations ---
      const etag = (b: Buffer) =>
        `"${crypto.createHash('md5').update(b).digest('hex').toUpperCase()}"`
      try {
        if (req.method === 'PUT' && query.has('partNumber') && query.has('uploadId')) {
          partCalls++
          if (opts.failPartCalls?.includes(partCalls)) {
            return fail(500, 'InternalError', 'We encountered an internal error. Please try again.')
          }
          const up = uploads.get(query.get('uploadId')!)
          if (!up) return fail(404, 'NoSuchUpload', 'The specified upload does not exist.')
          up.parts.set(Number(query.get('partNumber')), body)
          return send(200, '', { etag: etag(body) })
        }
        if (req.method === 'PUT') {
          const file = objectPath(bucket, key)
          fs.mkdirSync(path.dirname(file), { recursive: true })
          fs.writeFileSync(file, body)
          return send(200, '', { etag: etag(body) })
        }
        if (req.method === 'POST' && query.has('uploads')) {
          const id = crypto.randomBytes(16).toString('hex').toUpperCase()
          uploads.set(id, { bucket, key, parts: new Map() })
          return send(
            200,
            `<?xml version="1.0" encoding="UTF-8"?>\n<InitiateMultipartUploadResult><Bucket>${bucket}</Bucket><Key>${key}</Key><UploadId>${id}</UploadId></InitiateMultipartUploadResult>`,
          )
        }
        if (req.method === 'POST' && query.has('uploadId')) {
          const up = uploads.get(query.get('uploadId')!)
          if (!up) return fail(404, 'NoSuchUpload', 'The specified upload does not exist.')
          const nums = [...body.toString('utf8').matchAll(/<PartNumber>(\d+)<\/PartNumber>/g)].map(
            (x) => Number(x[1]),
          )
          const missing = nums.filter((n) => !up.parts.has(n))
          if (missing.length > 0) return fail(400, 'InvalidPart', `Part ${missing[0]} is missing.`)
          const whole = Buffer.concat(nums.map((n) => up.parts.get(n)!))
          const file = objectPath(bucket, key)
          fs.mkdirSync(path.dirname(file), { recursive: true })
          fs.writeFileSync(file, whole)
          uploads.delete(query.get('uploadId')!)
          return send(
            200,
            `<?xml version="1.0" encoding="UTF-8"?>\n<CompleteMultipartUploadResult><Bucket>${bucket}</Bucket><Key>${key}</Key><ETag>${etag(whole)}</ETag></CompleteMultipartUploadResult>`,
          )
        }
        if (req.method === 'DELETE' && query.has('uploadId')) {
          uploads.delete(query.get('uploadId')!)
          return send(204, '')
        }
        if (req.method === 'GET' && query.has('uploadId')) {
          const up = uploads.get(query.get('uploadId')!)
          if (!up) return fail(404, 'NoSuchUpload', 'The specified upload does not exist.')
          const parts = [...up.parts]
            .sort((a, b) => a[0] - b[0])
            .map(
              ([n, b]) =>
                `<Part><PartNumber>${n}</PartNumber><ETag>${etag(b)}</ETag><Size>${b.length}</Size></Part>`,
            )
            .join('')
          return send(
            200,
            `<?xml version="1.0" encoding="UTF-8"?>\n<ListPartsResult><Bucket>${bucket}</Bucket><Key>${key}</Key><UploadId>${query.get('uploadId')}</UploadId><IsTruncated>false</IsTruncated>${parts}</ListPartsResult>`,
          )
        }
        if (req.method === 'GET' || req.method === 'HEAD') {
          const file = objectPath(bucket, key)
          if (!fs.existsSync(file))
            return fail(404, 'NoSuchKey', 'The specified key does not exist.')
          const data = fs.readFileSync(file)
          entry.status = 200
          res.writeHead(200, { 'content-length': data.length, etag: etag(data) })
          return res.end(req.method === 'GET' ? data : undefined)
        }
        return fail(405, 'MethodNotAllowed', 'The specified method is not allowed.')
      } catch (e) {
        return fail(400, 'InvalidObjectName', (e as Error).message)
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const port = (server.address() as AddressInfo).port
  ownHost = `127.0.0.1:${port}`
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    log,
    objectPath,
    async close() {
      server.closeAllConnections?.()
      await new Promise<void>((r) => server.close(() => r()))
      if (!opts.root && !opts.bucketDir) fs.rmSync(root, { recursive: true, force: true })
    },
  }
}
