import { EngineError } from '../errors'
import type {
  AddImageRequest,
  AddImageResult,
  CheckImageExistsRequest,
  CompareSimilarByImageRequest,
  DeleteImageRequest,
  Engine,
  IncreaseInstanceRequest,
  IncreaseListRequest,
  ListRequest,
  SearchImageByFilterRequest,
  SearchImageByNameRequest,
  SearchImageByPicRequest,
  SearchImageByTextRequest,
  UpdateImageRequest,
} from '../types'
import { hintFor, isConnectionReset, mapSdkError } from './errors'
import {
  attributesToSdk,
  dumpTaskFromSdk,
  increaseTaskFromSdk,
  instanceFromSdk,
  searchFromSdk,
  taskStatusFromSdk,
} from './map'
import { ImageSearchClient, OpenApi, sdk } from './sdk'

/**
 * Alibaba Cloud Image Search (2020-12-14) through the official SDK, as an Engine.
 *
 * - Endpoint: `imagesearch.<region>.aliyuncs.com`, or an explicit `host[:port]` (+ `protocol`).
 * - Timeouts are set explicitly (the SDK's default is 3 s). Note the SDK's HTTP layer (httpx) uses
 *   the connect timeout as the socket's *idle* timeout too, so it also bounds how long the service
 *   may think before answering; the read timeout bounds the whole exchange, upload included.
 * - HTTP 200 bodies with `Success: false` or `Code != 0` are errors.
 * - A call is retried once on a connection reset (ECONNRESET / socket hang up), nothing more: the
 *   SDK's own retries are off and job-level retries belong to the job queue.
 * - STS: pass `securityToken`; the SDK sends it as `x-acs-security-token`.
 */
export interface CloudEngineOptions {
  instanceName: string
  region?: string
  /** host[:port], without a scheme. Default: imagesearch.<region>.aliyuncs.com */
  endpoint?: string
  protocol?: 'https' | 'http'
  accessKeyId: string
  accessKeySecret: string
  securityToken?: string
  /** Default 10 s (also the idle timeout while the service works). */
  connectTimeoutMs?: number
  /** Default 60 s: a 4 MB image (5.4 MB base64) needs ~45 s at 1 Mbit/s. */
  readTimeoutMs?: number
}

/** The Engine plus where it talks to (for display and diagnostics). */
export interface CloudEngine extends Engine {
  readonly kind: 'cloud'
  /** host[:port] the SDK calls. */
  readonly endpoint: string
  readonly protocol: 'https' | 'http'
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000
export const DEFAULT_READ_TIMEOUT_MS = 60_000

type SdkBody = {
  success?: boolean
  code?: number
  message?: string
  msg?: string
  requestId?: string
}

export function createCloudEngine(opts: CloudEngineOptions): CloudEngine {
  if (!opts.instanceName)
    throw new EngineError('MissingInstanceName', 'An instance name is required.')
  if (!opts.accessKeyId || !opts.accessKeySecret) {
    throw new EngineError('InvalidCredentials', 'An AccessKey ID and secret are required.', {
      hint: 'Enter the AccessKey pair in the profile.',
    })
  }
  const region = opts.region ?? 'cn-shanghai'
  const endpoint =
    opts.endpoint?.trim() || (opts.region ? `imagesearch.${opts.region}.aliyuncs.com` : '')
  if (!endpoint) {
    throw new EngineError('MissingEndpoint', 'Give a region (e.g. cn-shanghai) or an endpoint.', {
      hint: 'Regions: cn-shanghai, cn-beijing, cn-hangzhou, cn-shenzhen, cn-hongkong, ap-southeast-1, …',
    })
  }
  if (/^[a-z]+:\/\//i.test(endpoint)) {
    throw new EngineError('InvalidEndpoint', 'The endpoint is host[:port] without a scheme.', {
      hint: 'Use e.g. imagesearch.cn-shanghai.aliyuncs.com and choose http or https separately.',
    })
  }
  const connectTimeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS
  const readTimeoutMs = opts.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS
  const protocol = opts.protocol ?? 'https'
  const secrets = [opts.accessKeySecret, opts.securityToken ?? '']
  const instanceName = opts.instanceName

  const client = new ImageSearchClient(
    new OpenApi.Config({
      accessKeyId: opts.accessKeyId,
      accessKeySecret: opts.accessKeySecret,
      securityToken: opts.securityToken || undefined,
      endpoint,
      protocol,
      regionId: region,
      connectTimeout: connectTimeoutMs,
      readTimeout: readTimeoutMs,
    }) as never,
  )
  const runtime = () =>
    ({ connectTimeout: connectTimeoutMs, readTimeout: readTimeoutMs, autoretry: false }) as never

  /** One SDK call: retried once on a connection reset; 200 bodies checked; errors mapped. */
  async function call<B extends SdkBody>(
    action: string,
    fn: () => Promise<{ body?: B; statusCode?: number }>,
  ): Promise<B> {
    let body: B | undefined
    for (let attempt = 0; ; attempt++) {
      try {
        body = (await fn()).body
        break
      } catch (e) {
        if (attempt === 0 && isConnectionReset(e)) continue
        throw mapSdkError(e, { endpoint, action, secrets, connectTimeoutMs, readTimeoutMs })
      }
    }
    if (!body) {
      throw mapSdkError(new SyntaxError('empty body'), {
        endpoint,
        action,
        secrets,
        connectTimeoutMs,
        readTimeoutMs,
      })
    }
    if (body.success === false || (typeof body.code === 'number' && body.code !== 0)) {
      const msg = body.message ?? body.msg ?? 'The service reported a failure.'
      throw new EngineError(
        'OperationFailed',
        `${action}: ${msg}${typeof body.code === 'number' ? ` (Code ${body.code})` : ''}`,
        { httpStatus: 500, requestId: body.requestId, hint: hintFor('OperationFailed') },
      )
    }
    return body
  }

  const pic = (b: Buffer) => b.toString('base64')
  const threshold = (n: number | undefined) => (n === undefined ? undefined : String(n))

  return {
    kind: 'cloud',
    endpoint,
    protocol,

    async addImage(req: AddImageRequest): Promise<AddImageResult> {
      const body = await call('AddImage', () =>
        client.addImageWithOptions(
          new sdk.AddImageRequest({
            instanceName,
            productId: req.productId,
            picName: req.picName,
            picContent: pic(req.picContent),
            crop: req.crop,
            region: req.region,
            ...attributesToSdk(req),
          }),
          runtime(),
        ),
      )
      return {
        requestId: body.requestId ?? '',
        picInfo: {
          categoryId: body.picInfo?.categoryId ?? req.categoryId ?? 88888888,
          region: body.picInfo?.region ?? null,
        },
      }
    },

    async updateImage(req: UpdateImageRequest) {
      if (req.categoryId !== undefined) {
        throw new EngineError(
          'BadRequest',
          'UpdateImage cannot change the category on the cloud; add the image again instead.',
        )
      }
      const { categoryId: _c, ...attrs } = attributesToSdk(req)
      const body = await call('UpdateImage', () =>
        client.updateImageWithOptions(
          new sdk.UpdateImageRequest({
            instanceName,
            productId: req.productId,
            picName: req.picName,
            ...attrs,
          }),
          runtime(),
        ),
      )
      return { requestId: body.requestId ?? '' }
    },

    async deleteImage(req: DeleteImageRequest) {
      const body = await call('DeleteImage', () =>
        client.deleteImageWithOptions(
          new sdk.DeleteImageRequest({
            instanceName,
            productId: req.productId,
            picName: req.picName,
            filter: req.filter,
            isDeleteByFilter: req.isDeleteByFilter,
          }),
          runtime(),
        ),
      )
      return { requestId: body.requestId ?? '', picNames: body.data?.picNames ?? [] }
    },

    async checkImageExists(req: CheckImageExistsRequest) {
      const body = await call('CheckImageExists', () =>
        client.checkImageExistsWithOptions(
          new sdk.CheckImageExistsRequest({
            instanceName,
            productId: req.productId,
            picName: req.picName,
          }),
          runtime(),
        ),
      )
      return { requestId: body.requestId ?? '', exist: body.exists === true }
    },

    async searchImageByPic(req: SearchImageByPicRequest) {
      const body = await call('SearchImageByPic', () =>
        client.searchImageByPicWithOptions(
          new sdk.SearchImageByPicRequest({
            instanceName,
            picContent: pic(req.picContent),
            categoryId: req.categoryId,
            crop: req.crop,
            region: req.region,
            num: req.num,
            start: req.start,
            filter: req.filter,
            distinctProductId: req.distinctProductId,
            scoreThreshold: threshold(req.scoreThreshold),
          }),
          runtime(),
        ),
      )
      return searchFromSdk(body)
    },

    async searchImageByName(req: SearchImageByNameRequest) {
      const body = await call('SearchImageByName', () =>
        client.searchImageByNameWithOptions(
          new sdk.SearchImageByNameRequest({
            instanceName,
            productId: req.productId,
            picName: req.picName,
            categoryId: req.categoryId,
            num: req.num,
            start: req.start,
            filter: req.filter,
            distinctProductId: req.distinctProductId,
            scoreThreshold: threshold(req.scoreThreshold),
          }),
          runtime(),
        ),
      )
      return searchFromSdk(body)
    },

    async searchImageByFilter(req: SearchImageByFilterRequest) {
      const body = await call('SearchImageByFilter', () =>
        client.searchImageByFilterWithOptions(
          new sdk.SearchImageByFilterRequest({
            instanceName,
            filter: req.filter,
            num: req.num,
            start: req.start,
          }),
          runtime(),
        ),
      )
      return searchFromSdk(body)
    },

    async searchImageByText(req: SearchImageByTextRequest) {
      const body = await call('SearchImageByText', () =>
        client.searchImageByTextWithOptions(
          new sdk.SearchImageByTextRequest({
            instanceName,
            text: req.text,
            num: req.num,
            start: req.start,
            filter: req.filter,
          }),
          runtime(),
        ),
      )
      return searchFromSdk(body)
    },

    async compareSimilarByImage(req: CompareSimilarByImageRequest) {
      const body = await call('CompareSimilarByImage', () =>
        client.compareSimilarByImageWithOptions(
          new sdk.CompareSimilarByImageRequest({
            instanceName,
            primaryPicContent: pic(req.primaryPicContent),
            secondaryPicContent: pic(req.secondaryPicContent),
          }),
          runtime(),
        ),
      )
      return { requestId: body.requestId ?? '', score: body.score ?? 0 }
    },

    async detail() {
      const body = await call('Detail', () =>
        client.detailWithOptions(new sdk.DetailRequest({ instanceName }), runtime()),
      )
      return {
        requestId: body.requestId ?? '',
        instance: instanceFromSdk(body.instance, instanceName, region),
      }
    },

    async dumpMeta() {
      const body = await call('DumpMeta', () =>
        client.dumpMetaWithOptions(new sdk.DumpMetaRequest({ instanceName }), runtime()),
      )
      return {
        requestId: body.requestId ?? '',
        dumpMetaStatus: taskStatusFromSdk(body.data?.dumpMetaStatus),
        id: Number(body.data?.id ?? 0),
      }
    },

    async dumpMetaList(req: ListRequest) {
      const body = await call('DumpMetaList', () =>
        client.dumpMetaListWithOptions(
          new sdk.DumpMetaListRequest({
            instanceName,
            id: req.id,
            pageNumber: req.pageNumber,
            pageSize: req.pageSize,
          }),
          runtime(),
        ),
      )
      const d = body.data
      return {
        requestId: body.requestId ?? '',
        pageNumber: d?.pageNumber ?? req.pageNumber ?? 1,
        pageSize: d?.pageSize ?? req.pageSize ?? 20,
        totalCount: d?.totalCount ?? 0,
        dumpMetaList: (d?.dumpMetaList ?? []).map(dumpTaskFromSdk),
      }
    },

    async increaseInstance(req: IncreaseInstanceRequest) {
      const body = await call('IncreaseInstance', () =>
        client.increaseInstanceWithOptions(
          new sdk.IncreaseInstanceRequest({
            instanceName,
            bucketName: req.bucketName,
            path: req.path,
            callbackAddress: req.callbackAddress,
          }),
          runtime(),
        ),
      )
      return {
        requestId: body.requestId ?? '',
        incrementStatus: taskStatusFromSdk(body.data?.incrementStatus),
        id: Number(body.data?.id ?? 0),
      }
    },

    async increaseList(req: IncreaseListRequest) {
      const body = await call('IncreaseList', () =>
        client.increaseListWithOptions(
          new sdk.IncreaseListRequest({
            instanceName,
            bucketName: req.bucketName,
            path: req.path,
            id: req.id,
            pageNumber: req.pageNumber,
            pageSize: req.pageSize,
          }),
          runtime(),
        ),
      )
      const d = body.data
      let increments = (d?.increments?.instance ?? []).map(increaseTaskFromSdk)
      // The SDK has no Status parameter: filter the returned page.
      if (req.status) increments = increments.filter((t) => t.status === req.status)
      return {
        requestId: body.requestId ?? '',
        pageNumber: d?.pageNumber ?? req.pageNumber ?? 1,
        pageSize: d?.pageSize ?? req.pageSize ?? 20,
        totalCount: d?.totalCount ?? 0,
        increments,
      }
    },

    async close() {
      /* the SDK keeps no resources of its own beyond Node's shared keep-alive agent */
    },
  }
}
