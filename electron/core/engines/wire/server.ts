import crypto from 'node:crypto'
import type http from 'node:http'
import type { Engine } from '../types'
import { CoreError } from '../../errors'
import { logf } from '../../log-text'
import {
  acs3CanonicalRequest,
  acs3Signature,
  acs3StringToSign,
  parseAcs3Authorization,
  sha256Hex,
  signaturesEqual,
  type HeaderBag,
} from './acs3'
import { DEFAULT_MAX_BODY_BYTES, readBody } from './body'
import { pairsToMap, parsePairs } from './encode'
import * as env from './envelopes'
import { gatewayErrors } from './gateway-errors'
import * as P from './params'
import { loadPicContent } from './pic-content'
import { cloudRateLimits } from '../../jobs/limits'
import {
  checkSkew,
  createNonceCache,
  createQpsLimiter,
  createTokenBuckets,
  parseTimestamp,
  SKEW_MS,
} from './replay'
import {
  RPC_SIGNATURE_METHOD,
  RPC_SIGNATURE_VERSION,
  rpcSignature,
  rpcStringToSign,
} from './rpc-v1'

export const API_VERSION = '2020-12-14'

export interface WireKeyLookup {
  /** The secret of an AccessKey the engine API accepts, or null when unknown (or revoked). */
  lookup(accessKeyId: string): Promise<{ secret: string } | null>
}

export interface WireHandlerOptions {
  resolveEngine(instanceName: string): Promise<Engine | null>
  keys: WireKeyLookup
  /** Queries per second for an instance's search operations; undefined or 0: unlimited. */
  qps?: (instanceName: string) => number | undefined
  /**
   * Calls per second an instance takes of each write (AddImage, UpdateImage, DeleteImage), each
   * counted apart as the cloud's flow control does (its documented limits: `writeLimitsLikeCloud`),
   * a token bucket with one second of burst; past it the call answers DeniedRequest (403) and
   * changes nothing. Undefined or 0: unlimited.
   */
  writeQps?: (instanceName: string, action: WriteAction) => number | undefined
  /** Hosts a `PicContent` URL may be fetched from; default: loopback addresses only. */
  allowedFetchHosts?: string[]
  /** One line per request (action, instance, AccessKey id, status, code, time); never a secret. */
  log?: (line: string) => void
  /** Request body cap (default 16 MB). */
  maxBodyBytes?: number
  /** Clock, for tests (ms since the epoch). */
  now?: () => number
  /**
   * Applied to every error message sent: callers may be other machines, so the host takes its
   * own paths out (e.g. the data folder → paths relative to it).
   */
  scrub?: (text: string) => string
}

export type WireHandler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>

interface Ctx {
  requestId: string
  load: P.PicLoader
}

export type WriteAction = 'AddImage' | 'UpdateImage' | 'DeleteImage'

/**
 * The cloud's documented write limits for an instance of this capacity (jobs/limits.ts:
 * AddImage 5/s, 1/s on 100,000-picture instances; UpdateImage and DeleteImage 20/s).
 */
export function writeLimitsLikeCloud(capacity: number | undefined, action: WriteAction): number {
  const r = cloudRateLimits({ capacity })
  return (action === 'AddImage' ? r.add : action === 'UpdateImage' ? r.update : r.delete) ?? 0
}

interface ActionSpec {
  /** Counted against the instance QPS (the cloud's query QPS). */
  search?: boolean
  /** Counted against the instance's limit for this write. */
  write?: WriteAction
  run(engine: Engine, p: P.WireParams, ctx: Ctx): Promise<env.Json>
}

const ACTIONS: Record<string, ActionSpec> = {
  AddImage: {
    write: 'AddImage',
    run: async (e, p, c) =>
      env.addImageToWire(await e.addImage(await P.addImageParams(p, c.load)), c.requestId),
  },
  UpdateImage: {
    write: 'UpdateImage',
    run: async (e, p, c) => {
      await e.updateImage(P.updateImageParams(p))
      return env.updateImageToWire(c.requestId)
    },
  },
  DeleteImage: {
    write: 'DeleteImage',
    run: async (e, p, c) =>
      env.deleteImageToWire(await e.deleteImage(P.deleteImageParams(p)), c.requestId),
  },
  CheckImageExists: {
    run: async (e, p, c) =>
      env.checkImageExistsToWire(
        await e.checkImageExists(P.checkImageExistsParams(p)),
        c.requestId,
      ),
  },
  SearchImageByPic: {
    search: true,
    run: async (e, p, c) =>
      env.searchToWire(await e.searchImageByPic(await P.searchByPicParams(p, c.load)), c.requestId),
  },
  SearchImageByName: {
    search: true,
    run: async (e, p, c) =>
      env.searchToWire(await e.searchImageByName(P.searchByNameParams(p)), c.requestId),
  },
  SearchImageByFilter: {
    search: true,
    run: async (e, p, c) =>
      env.searchToWire(await e.searchImageByFilter(P.searchByFilterParams(p)), c.requestId),
  },
  SearchImageByText: {
    search: true,
    run: async (e, p, c) =>
      env.searchToWire(await e.searchImageByText(P.searchByTextParams(p)), c.requestId),
  },
  CompareSimilarByImage: {
    search: true,
    run: async (e, p, c) =>
      env.compareToWire(
        await e.compareSimilarByImage(await P.compareParams(p, c.load)),
        c.requestId,
      ),
  },
  Detail: { run: async (e, _p, c) => env.detailToWire(await e.detail(), c.requestId) },
  DumpMeta: { run: async (e, _p, c) => env.dumpMetaToWire(await e.dumpMeta(), c.requestId) },
  DumpMetaList: {
    run: async (e, p, c) =>
      env.dumpMetaListToWire(await e.dumpMetaList(P.listParams(p)), c.requestId),
  },
  IncreaseInstance: {
    run: async (e, p, c) =>
      env.increaseInstanceToWire(
        await e.increaseInstance(P.increaseInstanceParams(p)),
        c.requestId,
      ),
  },
  IncreaseList: {
    run: async (e, p, c) =>
      env.increaseListToWire(await e.increaseList(P.increaseListParams(p)), c.requestId),
  },
}

/** The operations this server answers. */
export const WIRE_ACTIONS = Object.keys(ACTIONS)

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name]
  return Array.isArray(v) ? v[0] : v
}

interface Authenticated {
  scheme: 'ACS3' | 'RPCv1'
  accessKeyId: string
  action: string | undefined
  version: string | undefined
  params: P.WireParams
}

/**
 * The Image Search engine API: verifies the caller's signature against its AccessKey, then serves
 * the operation from the instance's Engine with the cloud's envelopes and error codes.
 * Mount it for `POST /`.
 */
export function createWireHandler(opts: WireHandlerOptions): WireHandler {
  const now = opts.now ?? Date.now
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
  const nonces = createNonceCache({ windowMs: SKEW_MS })
  const limiter = createQpsLimiter()
  const writeBuckets = createTokenBuckets()
  const log = opts.log ?? (() => {})

  async function authenticate(
    req: http.IncomingMessage,
    pathname: string,
    query: Record<string, string>,
    body: Buffer,
    bodyParams: Record<string, string>,
    state: { accessKeyId?: string },
  ): Promise<Authenticated> {
    const authorization = header(req, 'authorization')
    if (authorization) {
      const parsed = parseAcs3Authorization(authorization)
      if (!parsed) {
        throw gatewayErrors.incompleteSignature(
          'Expected "ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=…".',
        )
      }
      state.accessKeyId = parsed.accessKeyId
      const key = await opts.keys.lookup(parsed.accessKeyId)
      if (!key) throw gatewayErrors.accessKeyNotFound()
      const headers = (req.headersDistinct ?? req.headers) as HeaderBag
      const mustSign = Object.keys(headers).filter((h) => h === 'host' || h.startsWith('x-acs-'))
      const missing = mustSign.filter((h) => !parsed.signedHeaders.includes(h))
      if (missing.length) {
        throw gatewayErrors.incompleteSignature(`SignedHeaders must include ${missing.join(', ')}.`)
      }
      const hashedPayload = sha256Hex(body)
      const claimed = header(req, 'x-acs-content-sha256')
      if (claimed !== undefined && claimed.toLowerCase() !== hashedPayload) {
        throw gatewayErrors.signatureDoesNotMatch('The body does not match x-acs-content-sha256.')
      }
      const canonical = acs3CanonicalRequest({
        method: req.method ?? 'POST',
        pathname,
        query,
        headers,
        signedHeaders: [...parsed.signedHeaders].sort(),
        hashedPayload,
      })
      const expected = acs3Signature(key.secret, acs3StringToSign(canonical))
      if (!signaturesEqual(expected, parsed.signature)) throw gatewayErrors.signatureDoesNotMatch()
      const ts = parseTimestamp(header(req, 'x-acs-date'))
      const t = now()
      checkSkew(ts, t)
      nonces.use(parsed.accessKeyId, header(req, 'x-acs-signature-nonce') ?? '', ts, t)
      return {
        scheme: 'ACS3',
        accessKeyId: parsed.accessKeyId,
        action: header(req, 'x-acs-action') ?? query.Action,
        version: header(req, 'x-acs-version') ?? query.Version,
        params: { ...query, ...bodyParams },
      }
    }
    if (query.Signature !== undefined) {
      const accessKeyId = query.AccessKeyId
      if (!accessKeyId) throw gatewayErrors.missingParameter('AccessKeyId')
      state.accessKeyId = accessKeyId
      if ((query.SignatureMethod ?? '') !== RPC_SIGNATURE_METHOD) {
        throw gatewayErrors.unsupportedSignatureMethod(query.SignatureMethod ?? '')
      }
      if ((query.SignatureVersion ?? '') !== RPC_SIGNATURE_VERSION) {
        throw gatewayErrors.unsupportedSignatureMethod(`version ${query.SignatureVersion ?? ''}`)
      }
      const key = await opts.keys.lookup(accessKeyId)
      if (!key) throw gatewayErrors.accessKeyNotFound()
      // As the SDK signs: every query parameter but Signature, then the form body over it.
      const all = { ...query, ...bodyParams }
      const expected = rpcSignature(key.secret, rpcStringToSign(req.method ?? 'POST', all))
      if (!signaturesEqual(expected, query.Signature)) throw gatewayErrors.signatureDoesNotMatch()
      const ts = parseTimestamp(query.Timestamp)
      const t = now()
      checkSkew(ts, t)
      nonces.use(accessKeyId, query.SignatureNonce ?? '', ts, t)
      return {
        scheme: 'RPCv1',
        accessKeyId,
        action: query.Action,
        version: query.Version,
        params: all,
      }
    }
    throw gatewayErrors.incompleteSignature(
      'Send an ACS3-HMAC-SHA256 Authorization header or a signature version 1.0 Signature parameter.',
    )
  }

  function send(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    status: number,
    body: env.Json,
    requestId: string,
    close = false,
  ): void {
    if (res.headersSent || res.destroyed) return
    const text = JSON.stringify(body)
    res.writeHead(status, {
      'content-type': 'application/json;charset=utf-8',
      'content-length': Buffer.byteLength(text),
      'x-acs-request-id': requestId,
      ...(close ? { connection: 'close' } : {}),
    })
    res.end(text)
    if (close) res.on('finish', () => req.socket.destroy())
  }

  return async function handle(req, res) {
    const started = now()
    const requestId = crypto.randomUUID().toUpperCase()
    const hostId = header(req, 'host') ?? 'localhost'
    const state: { accessKeyId?: string; action?: string; instance?: string } = {}
    let status = 200
    let code = ''
    let close = false
    try {
      const method = (req.method ?? 'GET').toUpperCase()
      if (method !== 'POST' && method !== 'GET') throw gatewayErrors.methodNotAllowed(method)
      const result = await readBody(req, maxBody)
      if (result.kind === 'aborted') {
        status = 0
        code = 'ClientAborted'
        return
      }
      if (result.kind === 'tooLarge') {
        close = result.mustClose
        throw gatewayErrors.bodyTooLarge(maxBody)
      }
      const body = result.body
      const rawUrl = req.url ?? '/'
      const q = rawUrl.indexOf('?')
      const pathname = q < 0 ? rawUrl : rawUrl.slice(0, q)
      const query = pairsToMap(parsePairs(q < 0 ? '' : rawUrl.slice(q + 1)))
      let bodyParams: Record<string, string> = {}
      if (body.length > 0) {
        const ct = (header(req, 'content-type') ?? '').toLowerCase()
        if (!ct.startsWith('application/x-www-form-urlencoded')) {
          throw gatewayErrors.unsupportedContentType(ct || '(none)')
        }
        bodyParams = pairsToMap(parsePairs(body.toString('utf8')))
      }

      const auth = await authenticate(req, pathname, query, body, bodyParams, state)
      if (!auth.action) throw gatewayErrors.missingAction()
      state.action = auth.action
      if (auth.version !== API_VERSION) throw gatewayErrors.invalidVersion(auth.version ?? '')
      const spec = Object.prototype.hasOwnProperty.call(ACTIONS, auth.action)
        ? ACTIONS[auth.action]
        : undefined
      if (!spec) throw gatewayErrors.actionNotFound(auth.action)

      const instanceName = P.requireString(auth.params, 'InstanceName')
      state.instance = instanceName
      const engine = await opts.resolveEngine(instanceName)
      if (!engine) throw gatewayErrors.invalidInstance(instanceName)

      if (spec.search) {
        const limit = opts.qps?.(instanceName)
        if (limit && limit > 0 && !limiter.take(instanceName, limit, now())) {
          throw gatewayErrors.deniedRequest()
        }
      }
      if (spec.write) {
        const limit = opts.writeQps?.(instanceName, spec.write)
        const key = `${spec.write}\u0000${instanceName}`
        if (limit && limit > 0 && !writeBuckets.take(key, limit, now())) {
          throw gatewayErrors.deniedRequest()
        }
      }

      const ctx: Ctx = {
        requestId,
        load: (value, param) =>
          loadPicContent(value, param, { allowedHosts: opts.allowedFetchHosts }),
      }
      const out = await spec.run(engine, auth.params, ctx)
      send(req, res, 200, out, requestId)
    } catch (e) {
      const err = e instanceof CoreError ? e : null
      if (!err) {
        log(
          logf`wire ${requestId} internal error in ${state.action ?? '-'}: ${
            e instanceof Error ? e.message : String(e)
          }`,
        )
      }
      const out = err ?? gatewayErrors.internal()
      status = out.httpStatus
      code = out.code
      const message = opts.scrub ? opts.scrub(out.message) : out.message
      send(
        req,
        res,
        status,
        env.errorToWire({ code: out.code, message }, requestId, hostId),
        requestId,
        close,
      )
    } finally {
      // Action, InstanceName and AccessKeyId come from the caller, before any check: quoted.
      log(
        logf`wire ${requestId} ${state.action ?? '-'} instance=${state.instance ?? '-'} ak=${
          state.accessKeyId ?? '-'
        } -> ${status || 'aborted'} ${code || 'OK'} ${now() - started}ms`,
      )
    }
  }
}
