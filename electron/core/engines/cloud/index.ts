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

/** The SDK operations the engine uses, by their API names. */
type Action =
  | 'AddImage'
  | 'UpdateImage'
  | 'DeleteImage'
  | 'CheckImageExists'
  | 'SearchImageByPic'
  | 'SearchImageByName'
  | 'SearchImageByFilter'
  | 'SearchImageByText'
  | 'CompareSimilarByImage'
  | 'Detail'
  | 'DumpMeta'
  | 'DumpMetaList'
  | 'IncreaseInstance'
  | 'IncreaseList'
type Method<A extends Action> = `${Uncapitalize<A>}WithOptions`
type SdkRequest<A extends Action> = InstanceType<(typeof sdk)[`${A}Request`]>
/**
 * An operation's own request fields: the SDK request's data properties minus the instance name
 * (the SDK models carry a string index signature and methods; both are left out so that a
 * misspelt field is a type error).
 */
type Fields<A extends Action> = {
  [
    K in keyof SdkRequest<A> as string extends K
      ? never
      : K extends 'instanceName'
        ? never
        : SdkRequest<A>[K] extends (...args: never[]) => unknown
          ? never
          : K
  ]?: SdkRequest<A>[K]
}
type Body<A extends Action> = NonNullable<
  Awaited<ReturnType<ImageSearchClient[Method<A>]>>['body']
> &
  SdkBody

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
    const fail = (e: unknown) =>
      mapSdkError(e, { endpoint, action, secrets, connectTimeoutMs, readTimeoutMs })
    let body: B | undefined
    for (let attempt = 0; ; attempt++) {
      try {
        body = (await fn()).body
        break
      } catch (e) {
        if (attempt === 0 && isConnectionReset(e)) continue
        throw fail(e)
      }
    }
    if (!body) throw fail(new SyntaxError('empty body'))
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

  /**
   * One operation: `action` names both the SDK's request class (`<Action>Request`) and its method
   * (`<action>WithOptions`); each operation states only its own fields (the instance name and the
   * runtime options are added here) and reads the checked body.
   */
  function send<A extends Action>(action: A, fields: Fields<A>): Promise<Body<A>> {
    const method = `${action[0].toLowerCase()}${action.slice(1)}WithOptions` as Method<A>
    const Request = sdk[`${action}Request`] as unknown as new (map: object) => unknown
    const fn = client[method] as unknown as (
      request: unknown,
      rt: unknown,
    ) => Promise<{ body?: Body<A> }>
    return call(action, () => fn.call(client, new Request({ instanceName, ...fields }), runtime()))
  }

  const pic = (b: Buffer) => b.toString('base64')
  const threshold = (n: number | undefined) => (n === undefined ? undefined : String(n))
  /** The paging fields of a list request. */
  const paging = (req: ListRequest) => ({
    id: req.id,
    pageNumber: req.pageNumber,
    pageSize: req.pageSize,
  })
  /** The paging fields of a list answer, defaulting to what was asked. */
  const page = (
    d: { pageNumber?: number; pageSize?: number; totalCount?: number } | undefined,
    req: ListRequest,
  ) => ({
    pageNumber: d?.pageNumber ?? req.pageNumber ?? 1,
    pageSize: d?.pageSize ?? req.pageSize ?? 20,
    totalCount: d?.totalCount ?? 0,
  })
  /** The fields every search operation passes through unchanged. */
  const searchFields = (req: SearchImageByPicRequest | SearchImageByNameRequest) => ({
    categoryId: req.categoryId,
    num: req.num,
    start: req.start,
    filter: req.filter,
    distinctProductId: req.distinctProductId,
    scoreThreshold: threshold(req.scoreThreshold),
  })

  return {
    kind: 'cloud',
    endpoint,
    protocol,

    async addImage(req: AddImageRequest): Promise<AddImageResult> {
      const body = await send('AddImage', {
        productId: req.productId,
        picName: req.picName,
        picContent: pic(req.picContent),
        crop: req.crop,
        region: req.region,
        ...attributesToSdk(req),
      })
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
      const body = await send('UpdateImage', {
        productId: req.productId,
        picName: req.picName,
        ...attrs,
      })
      return { requestId: body.requestId ?? '' }
    },

    async deleteImage(req: DeleteImageRequest) {
      const body = await send('DeleteImage', {
        productId: req.productId,
        picName: req.picName,
        filter: req.filter,
        isDeleteByFilter: req.isDeleteByFilter,
      })
      return { requestId: body.requestId ?? '', picNames: body.data?.picNames ?? [] }
    },

    async checkImageExists(req: CheckImageExistsRequest) {
      const body = await send('CheckImageExists', {
        productId: req.productId,
        picName: req.picName,
      })
      return { requestId: body.requestId ?? '', exist: body.exists === true }
    },

    async searchImageByPic(req: SearchImageByPicRequest) {
      return searchFromSdk(
        await send('SearchImageByPic', {
          picContent: pic(req.picContent),
          crop: req.crop,
          region: req.region,
          ...searchFields(req),
        }),
      )
    },

    async searchImageByName(req: SearchImageByNameRequest) {
      return searchFromSdk(
        await send('SearchImageByName', {
          productId: req.productId,
          picName: req.picName,
          ...searchFields(req),
        }),
      )
    },

    async searchImageByFilter(req: SearchImageByFilterRequest) {
      return searchFromSdk(
        await send('SearchImageByFilter', { filter: req.filter, num: req.num, start: req.start }),
      )
    },

    async searchImageByText(req: SearchImageByTextRequest) {
      return searchFromSdk(
        await send('SearchImageByText', {
          text: req.text,
          num: req.num,
          start: req.start,
          filter: req.filter,
        }),
      )
    },

    async compareSimilarByImage(req: CompareSimilarByImageRequest) {
      const body = await send('CompareSimilarByImage', {
        primaryPicContent: pic(req.primaryPicContent),
        secondaryPicContent: pic(req.secondaryPicContent),
      })
      return { requestId: body.requestId ?? '', score: body.score ?? 0 }
    },

    async detail() {
      const body = await send('Detail', {})
      return {
        requestId: body.requestId ?? '',
        instance: instanceFromSdk(body.instance, instanceName, region),
      }
    },

    async dumpMeta() {
      const body = await send('DumpMeta', {})
      return {
        requestId: body.requestId ?? '',
        dumpMetaStatus: taskStatusFromSdk(body.data?.dumpMetaStatus),
        id: Number(body.data?.id ?? 0),
      }
    },

    async dumpMetaList(req: ListRequest) {
      const body = await send('DumpMetaList', paging(req))
      return {
        requestId: body.requestId ?? '',
        ...page(body.data, req),
        dumpMetaList: (body.data?.dumpMetaList ?? []).map(dumpTaskFromSdk),
      }
    },

    async increaseInstance(req: IncreaseInstanceRequest) {
      const body = await send('IncreaseInstance', {
        bucketName: req.bucketName,
        path: req.path,
        callbackAddress: req.callbackAddress,
      })
      return {
        requestId: body.requestId ?? '',
        incrementStatus: taskStatusFromSdk(body.data?.incrementStatus),
        id: Number(body.data?.id ?? 0),
      }
    },

    async increaseList(req: IncreaseListRequest) {
      const body = await send('IncreaseList', {
        bucketName: req.bucketName,
        path: req.path,
        ...paging(req),
      })
      let increments = (body.data?.increments?.instance ?? []).map(increaseTaskFromSdk)
      // The SDK has no Status parameter: filter the returned page.
      if (req.status) increments = increments.filter((t) => t.status === req.status)
      return { requestId: body.requestId ?? '', ...page(body.data, req), increments }
    },

    async close() {
      /* the SDK keeps no resources of its own beyond Node's shared keep-alive agent */
    },
  }
}
