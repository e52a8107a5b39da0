import fs from 'node:fs'
import path from 'node:path'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'
import { foreignCode } from '../../domain/errors'
import { PRIVATE_FILE, ensurePrivateDir } from '../util/private-fs'
import { CoreError } from '../errors'

export interface DownloadOptions {
  signal?: AbortSignal
  /** Bytes written so far, and the expected total when known (0 otherwise). */
  onBytes?: (bytes: number, total: number) => void
  /** Whole-download time limit (default 30 minutes). */
  timeoutMs?: number
}

/**
 * Downloads a task file (MetaUrl, ErrorUrl) to `dest`: http(s) URLs by fetch (streamed to disk),
 * file:// URLs (an engine in this process without an HTTP host) by copy. Written to a temp file
 * and renamed, so `dest` is either the whole file or absent. Returns the size in bytes.
 */
export async function downloadFile(url: string, dest: string, o: DownloadOptions = {}) {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    throw new CoreError('DumpDownloadFailed', `Not a URL: ${url.slice(0, 200)}`)
  }
  ensurePrivateDir(path.dirname(dest))
  const tmp = `${dest}.${process.pid}.part`
  const timeout = AbortSignal.timeout(o.timeoutMs ?? 30 * 60_000)
  const signal = o.signal ? AbortSignal.any([o.signal, timeout]) : timeout
  let bytes = 0
  let total = 0
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      bytes += chunk.length
      o.onBytes?.(bytes, total)
      cb(null, chunk)
    },
  })
  try {
    let source: NodeJS.ReadableStream
    if (u.protocol === 'file:') {
      const file = fileURLToPath(u)
      try {
        total = fs.statSync(file).size
      } catch {
        throw new CoreError('DumpFileGone', `The export file ${file} no longer exists`, {
          hint: 'The engine keeps the files of its newest 30 exports only: create a new export.',
        })
      }
      source = fs.createReadStream(file)
    } else if (u.protocol === 'http:' || u.protocol === 'https:') {
      let res: Response
      try {
        res = await fetch(u, { signal, redirect: 'follow' })
      } catch (e) {
        if (signal.aborted) throw abortError(o.signal, timeout)
        const cause = (e as { cause?: { code?: string; message?: string } }).cause
        throw new CoreError(
          cause?.code ? foreignCode(cause.code) : 'DumpDownloadFailed',
          `Could not download the export file from ${u.host}: ${cause?.message ?? (e as Error).message}`,
          { hint: 'Check the network connection and retry.' },
        )
      }
      if (!res.ok || !res.body) {
        const expired = res.status === 403 || res.status === 404 || res.status === 410
        throw new CoreError(
          expired ? 'DumpUrlExpired' : 'DumpDownloadFailed',
          `The export file could not be downloaded: HTTP ${res.status} from ${u.host}`,
          {
            httpStatus: res.status >= 500 ? 500 : 400,
            hint: expired
              ? 'Export links stop working 2 hours after the export finished: create a new export.'
              : 'Retry in a moment.',
          },
        )
      }
      total = Number(res.headers.get('content-length') ?? 0) || 0
      source = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream)
    } else {
      throw new CoreError('DumpDownloadFailed', `Unsupported URL scheme: ${u.protocol}`)
    }
    await pipeline(source, counter, fs.createWriteStream(tmp, { mode: PRIVATE_FILE }), { signal })
    fs.renameSync(tmp, dest)
    return bytes
  } catch (e) {
    fs.rmSync(tmp, { force: true })
    if (signal.aborted && !(e instanceof CoreError)) throw abortError(o.signal, timeout)
    throw e
  }
}

function abortError(user: AbortSignal | undefined, timeout: AbortSignal): CoreError {
  if (user?.aborted) return new CoreError('Aborted', 'The download was cancelled.')
  void timeout
  return new CoreError('ReadTimeout', 'The export file took too long to download.', {
    hint: 'Check the network connection and retry.',
  })
}
