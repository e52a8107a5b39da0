/**
 * Uploading a staged batch folder to OSS with `ali-oss` (V1 signature: HMAC-SHA1 over the verb,
 * Content-MD5, Content-Type, date, x-oss-* headers and /bucket/key).
 *
 * - Small files: PutObject (Content-MD5 sent, so a corrupted body is refused by OSS).
 * - Big files (≥ `multipartThreshold`): multipart upload with a checkpoint saved after every part;
 *   an interrupted upload (error, crash, restart) resumes from the parts already sent.
 * - Retries: network errors, timeouts and 5xx answers, with exponential backoff and jitter; 4xx
 *   answers (bad key, signature, missing bucket, no permission) fail at once with a hint.
 * - Endpoint: `https://oss-<region>.aliyuncs.com` by default (the bucket must be in the
 *   instance's region). An explicit endpoint such as `http://127.0.0.1:PORT` also works: with an
 *   IP address ali-oss keeps the bucket out of the URL (path = the object key) and sends
 *   `Host: <bucket>.oss-<region>.aliyuncs.com`, so a server can read the bucket from the Host
 *   header — this is how the tests point it at a local signature-checking server.
 */

import OSS from 'ali-oss'
import { foreignCode } from '../../../domain/errors'
import { CoreError } from '../../errors'
import { classifyError } from '../../jobs/retry'
import { sleep } from '../../util/sleep'

export interface OssTarget {
  /** `https://oss-cn-shanghai.aliyuncs.com`, `oss-cn-shanghai.aliyuncs.com`, or a test server URL. */
  endpoint: string
  /** Region id of the instance (cn-shanghai). */
  region: string
  bucket: string
  accessKeyId: string
  accessKeySecret: string
  securityToken?: string
  /** Per-request timeout (default 120 s). */
  timeoutMs?: number
}

export interface OssUploadItem {
  file: string
  key: string
  size: number
}

export interface CheckpointStore {
  get(key: string): unknown
  set(key: string, cp: unknown): void
  delete(key: string): void
}

export interface OssUploadOptions {
  /** Files of at least this size go through multipart upload (default 5 MB). */
  multipartThreshold?: number
  /** Part size of multipart uploads (default 1 MB; OSS minimum 100 KB). */
  partSize?: number
  /** Files uploaded at once (default 3). */
  parallel?: number
  /** Parts of one multipart upload sent at once (default 3). */
  partParallel?: number
  /** Attempts per file for transient errors (default 5). */
  attempts?: number
  /** Base delay of the backoff (default 500 ms). */
  backoffMs?: number
  signal?: AbortSignal
  checkpoints?: CheckpointStore
  /** Bytes sent so far for one file (called often); `done` when the file is complete. */
  onProgress?(item: OssUploadItem, bytes: number, done: boolean): void
}

/** The public OSS endpoint of a region. */
export function ossEndpointFor(region: string): string {
  return `https://oss-${region}.aliyuncs.com`
}

/** `imagesearch.cn-shanghai.aliyuncs.com` → `cn-shanghai` (null when the host says nothing). */
export function regionFromEndpoint(endpoint: string | null | undefined): string | null {
  const m = /imagesearch[.-](?:vpc\.)?([a-z]{2}-[a-z0-9-]+?)\.aliyuncs\.com/i.exec(endpoint ?? '')
  return m ? m[1].toLowerCase() : null
}

/** A valid OSS object key prefix from a batch path (`/a/b` → `a/b/`, `/` → ``). */
export function keyPrefix(p: string): string {
  const t = p.replace(/^\/+/, '').replace(/\/+$/, '')
  return t ? `${t}/` : ''
}

const BUCKET_RE = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/

export function checkBucketName(b: string): void {
  if (!BUCKET_RE.test(b)) {
    throw new CoreError(
      'InvalidBucketName',
      `"${b}" is not a valid OSS bucket name: 3-63 lowercase letters, digits and "-", starting and ending with a letter or digit.`,
    )
  }
}

interface OssErrorLike {
  name?: string
  code?: string
  status?: number
  message?: string
  requestId?: string
}

const HINTS: Record<string, string> = {
  InvalidAccessKeyId:
    "OSS does not know the profile's AccessKey id: check it in the Profiles view (a RAM user's key works if it has OSS permissions).",
  SignatureDoesNotMatch:
    "OSS refused the signature: the profile's AccessKey secret does not match its id. Enter the secret again in the Profiles view.",
  AccessDenied:
    'The AccessKey may not write to this bucket: grant it oss:PutObject (and the multipart permissions) on the bucket.',
  NoSuchBucket:
    'Create the bucket first, in the same region as the Image Search instance (batch tasks only read buckets of their region).',
  RequestTimeTooSkewed: "The computer's clock is off by more than 15 minutes: set it right.",
  InvalidBucketName: 'A bucket name has 3-63 lowercase letters, digits and "-".',
}

export function toOssError(e: unknown, item?: OssUploadItem): CoreError {
  if (e instanceof CoreError) return e
  const x = (e ?? {}) as OssErrorLike
  const code =
    x.code && x.code !== 'RequestError'
      ? x.code
      : x.status && x.status > 0
        ? `OssHttp${x.status}`
        : 'OssNetworkError'
  const where = item ? ` (uploading ${item.key})` : ''
  // ali-oss messages may carry a response body; never a secret (signatures are not secrets,
  // and we do not print them either).
  const message = `OSS: ${(x.message ?? String(e)).split('\n')[0].replace(/OSS [A-Za-z0-9]+:[A-Za-z0-9+/=]+/g, 'OSS ***')}${where}`
  return new CoreError(foreignCode(code), message, {
    httpStatus: x.status && x.status >= 400 ? x.status : 502,
    requestId: x.requestId,
    hint:
      HINTS[code] ??
      (transient(x)
        ? 'A network or server problem: Loupe retries by itself; run the task again to resume.'
        : undefined),
  })
}

/** Worth retrying: jobs/retry.ts's classification, plus ali-oss's "no HTTP answer" statuses. */
function transient(x: OssErrorLike): boolean {
  const s = x.status
  if (s === -1 || s === -2 || s === 0) return true
  const c = classifyError(x)
  return c === 'transient' || c === 'throttled'
}

export function createOssClient(t: OssTarget): OSS {
  checkBucketName(t.bucket)
  const endpoint = /^https?:\/\//i.test(t.endpoint) ? t.endpoint : `https://${t.endpoint}`
  return new OSS({
    accessKeyId: t.accessKeyId,
    accessKeySecret: t.accessKeySecret,
    ...(t.securityToken
      ? {
          stsToken: t.securityToken,
          // The profile's token is what we have: "refreshing" returns it (and keeps ali-oss quiet).
          refreshSTSTokenInterval: 24 * 3600_000,
          refreshSTSToken: async () => ({
            accessKeyId: t.accessKeyId,
            accessKeySecret: t.accessKeySecret,
            stsToken: t.securityToken!,
          }),
        }
      : {}),
    bucket: t.bucket,
    endpoint,
    region: `oss-${t.region}`,
    secure: endpoint.startsWith('https:'),
    timeout: t.timeoutMs ?? 120_000,
  } as OSS.Options)
}

/**
 * Upload files to OSS. Resolves when every file is there; rejects with the first file that
 * cannot be uploaded (after retries), an CoreError with the OSS code and a hint.
 */
export async function uploadToOss(
  target: OssTarget,
  items: OssUploadItem[],
  opts: OssUploadOptions = {},
): Promise<void> {
  const threshold = opts.multipartThreshold ?? 5 * 1024 * 1024
  const partSize = Math.max(100 * 1024, opts.partSize ?? 1024 * 1024)
  const attempts = Math.max(1, opts.attempts ?? 5)
  const backoff = opts.backoffMs ?? 500
  const signal = opts.signal
  // Without a store, checkpoints still live for this call: a retry continues the same upload.
  const memory = new Map<string, unknown>()
  const checkpoints: CheckpointStore = opts.checkpoints ?? {
    get: (k) => memory.get(k) ?? null,
    set: (k, cp) => void memory.set(k, cp),
    delete: (k) => void memory.delete(k),
  }
  const client = createOssClient(target)
  const onAbort = () => {
    try {
      client.cancel()
    } catch {
      /* nothing in flight */
    }
  }
  signal?.addEventListener('abort', onAbort, { once: true })

  async function one(item: OssUploadItem): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted()
      try {
        if (item.size >= threshold) {
          const saved = checkpoints.get(item.key) as OSS.Checkpoint | null
          const checkpoint =
            saved && saved.uploadId && (saved as { fileSize?: number }).fileSize === item.size
              ? { ...saved, file: item.file }
              : undefined
          await client.multipartUpload(item.key, item.file, {
            partSize,
            parallel: Math.max(1, opts.partParallel ?? 3),
            ...(checkpoint ? { checkpoint } : {}),
            progress: async (p: number, cp?: OSS.Checkpoint) => {
              if (cp?.uploadId) {
                const { file: _f, ...rest } = cp as OSS.Checkpoint & { file?: unknown }
                checkpoints.set(item.key, { ...rest, file: item.file })
              }
              opts.onProgress?.(item, Math.min(item.size, Math.round(p * item.size)), false)
            },
          } as OSS.MultipartUploadOptions)
          checkpoints.delete(item.key)
        } else {
          await client.put(item.key, item.file, {
            timeout: target.timeoutMs ?? 120_000,
          } as OSS.PutObjectOptions)
        }
        opts.onProgress?.(item, item.size, true)
        return
      } catch (e) {
        if (signal?.aborted) throw signal.reason
        const x = e as OssErrorLike
        if (x.name === 'cancel') throw signal?.reason ?? e
        // An upload id OSS no longer knows: start the file over.
        if (x.status === 404 && x.code === 'NoSuchUpload') checkpoints.delete(item.key)
        if (attempt >= attempts || !(transient(x) || x.code === 'NoSuchUpload')) {
          throw toOssError(e, item)
        }
        const delay = Math.min(30_000, backoff * 2 ** (attempt - 1))
        await sleep(delay / 2 + Math.random() * (delay / 2), signal)
        signal?.throwIfAborted()
      }
    }
  }

  try {
    let next = 0
    let failure: unknown = null
    const workers = Array.from({ length: Math.max(1, opts.parallel ?? 3) }, async () => {
      while (failure === null) {
        const i = next++
        if (i >= items.length) return
        try {
          await one(items[i])
        } catch (e) {
          failure ??= e
        }
      }
    })
    await Promise.all(workers)
    if (failure !== null) throw failure
  } finally {
    signal?.removeEventListener('abort', onAbort)
  }
}
