import { ATTR_WIRE, attrShape } from '../../../domain'
import type {
  AddImageRequest,
  CheckImageExistsRequest,
  CompareSimilarByImageRequest,
  DeleteImageRequest,
  ImageAttributes,
  IncreaseInstanceRequest,
  IncreaseListRequest,
  ListRequest,
  SearchImageByFilterRequest,
  SearchImageByNameRequest,
  SearchImageByPicRequest,
  SearchImageByTextRequest,
  SearchOptions,
  TaskStatus,
} from '../types'
import { gatewayErrors, type RequiredParameter } from './gateway-errors'
import type { ErrorCode } from '../errors'

/**
 * The cloud's PascalCase request parameters (already merged from query and form body) -> domain
 * requests. Only types are checked here (integer, boolean, required); ranges and semantics are the
 * engine's job, so the local engine and the cloud answer alike.
 */
export type WireParams = Record<string, string>

/** Turns a `PicContent` value (base64 or an http(s) URL) into image bytes. */
export type PicLoader = (value: string, param: string) => Promise<Buffer>

const INT_RE = /^[+-]?\d+$/
const FLOAT_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/

function present(p: WireParams, name: string): boolean {
  return p[name] !== undefined && p[name] !== ''
}

export function requireString(p: WireParams, name: RequiredParameter): string {
  if (!present(p, name)) throw gatewayErrors.missingParameter(name)
  return p[name]
}

function optString(p: WireParams, name: string): string | undefined {
  return p[name] === undefined ? undefined : p[name]
}

/** Error code per integer parameter, as the cloud documents them. */
function intErrorCode(name: string): ErrorCode {
  if (name === 'Num') return 'InvalidNumParameter'
  if (name.startsWith('IntAttr')) return 'InvalidIntAttr'
  if (name === 'CategoryId') return 'InvalidCategory'
  return 'BadRequest'
}

function optInt(p: WireParams, name: string): number | undefined {
  if (!present(p, name)) return undefined
  const raw = p[name].trim()
  const n = Number(raw)
  if (!INT_RE.test(raw) || !Number.isSafeInteger(n)) {
    throw gatewayErrors.invalidParameter(
      intErrorCode(name),
      `The specified parameter ${name} ("${p[name].slice(0, 40)}") is not an integer.`,
    )
  }
  return n
}

function optFloat(p: WireParams, name: string): number | undefined {
  if (!present(p, name)) return undefined
  const raw = p[name].trim()
  if (!FLOAT_RE.test(raw)) {
    throw gatewayErrors.invalidParameter(
      'BadRequest',
      `The specified parameter ${name} ("${p[name].slice(0, 40)}") is not a number.`,
    )
  }
  return Number(raw)
}

function optBool(p: WireParams, name: string): boolean | undefined {
  if (!present(p, name)) return undefined
  const v = p[name].trim().toLowerCase()
  if (v === 'true') return true
  if (v === 'false') return false
  throw gatewayErrors.invalidParameter(
    'BadRequest',
    `The specified parameter ${name} ("${p[name].slice(0, 40)}") must be true or false.`,
  )
}

function withoutUndefined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k]
  return o
}

function attributes(p: WireParams): ImageAttributes {
  return withoutUndefined({
    categoryId: optInt(p, 'CategoryId'),
    customContent: optString(p, 'CustomContent'),
    ...attrShape(
      (k) => optInt(p, ATTR_WIRE[k]),
      (k) => optString(p, ATTR_WIRE[k]),
    ),
  })
}

function searchOptions(p: WireParams): SearchOptions {
  return withoutUndefined({
    categoryId: optInt(p, 'CategoryId'),
    num: optInt(p, 'Num'),
    start: optInt(p, 'Start'),
    filter: optString(p, 'Filter'),
    distinctProductId: optBool(p, 'DistinctProductId'),
    scoreThreshold: optFloat(p, 'ScoreThreshold'),
  })
}

export async function addImageParams(p: WireParams, load: PicLoader): Promise<AddImageRequest> {
  const productId = requireString(p, 'ProductId')
  const picName = requireString(p, 'PicName')
  const pic = requireString(p, 'PicContent')
  const attrs = attributes(p)
  const crop = optBool(p, 'Crop')
  const region = optString(p, 'Region')
  return withoutUndefined({
    ...attrs,
    productId,
    picName,
    crop,
    region: region === '' ? undefined : region,
    picContent: await load(pic, 'PicContent'),
  })
}

export function updateImageParams(p: WireParams) {
  return {
    ...attributes(p),
    productId: requireString(p, 'ProductId'),
    picName: requireString(p, 'PicName'),
  }
}

export function deleteImageParams(p: WireParams): DeleteImageRequest {
  const isDeleteByFilter = optBool(p, 'IsDeleteByFilter')
  if (isDeleteByFilter) requireString(p, 'Filter')
  else requireString(p, 'ProductId')
  return withoutUndefined({
    productId: optString(p, 'ProductId'),
    picName: present(p, 'PicName') ? p.PicName : undefined,
    filter: optString(p, 'Filter'),
    isDeleteByFilter,
  })
}

export function checkImageExistsParams(p: WireParams): CheckImageExistsRequest {
  return { productId: requireString(p, 'ProductId'), picName: requireString(p, 'PicName') }
}

export async function searchByPicParams(
  p: WireParams,
  load: PicLoader,
): Promise<SearchImageByPicRequest> {
  const pic = requireString(p, 'PicContent')
  const opts = searchOptions(p)
  const crop = optBool(p, 'Crop')
  const region = optString(p, 'Region')
  return withoutUndefined({
    ...opts,
    crop,
    region: region === '' ? undefined : region,
    picContent: await load(pic, 'PicContent'),
  })
}

export function searchByNameParams(p: WireParams): SearchImageByNameRequest {
  return {
    ...searchOptions(p),
    productId: requireString(p, 'ProductId'),
    picName: requireString(p, 'PicName'),
  }
}

export function searchByFilterParams(p: WireParams): SearchImageByFilterRequest {
  return withoutUndefined({
    filter: requireString(p, 'Filter'),
    num: optInt(p, 'Num'),
    start: optInt(p, 'Start'),
  })
}

export function searchByTextParams(p: WireParams): SearchImageByTextRequest {
  return withoutUndefined({
    text: requireString(p, 'Text'),
    num: optInt(p, 'Num'),
    start: optInt(p, 'Start'),
    filter: optString(p, 'Filter'),
  })
}

export async function compareParams(
  p: WireParams,
  load: PicLoader,
): Promise<CompareSimilarByImageRequest> {
  const a = requireString(p, 'PrimaryPicContent')
  const b = requireString(p, 'SecondaryPicContent')
  return {
    primaryPicContent: await load(a, 'PrimaryPicContent'),
    secondaryPicContent: await load(b, 'SecondaryPicContent'),
  }
}

export function listParams(p: WireParams): ListRequest {
  return withoutUndefined({
    id: optInt(p, 'Id'),
    pageNumber: optInt(p, 'PageNumber'),
    pageSize: optInt(p, 'PageSize'),
  })
}

export function increaseInstanceParams(p: WireParams): IncreaseInstanceRequest {
  return withoutUndefined({
    bucketName: requireString(p, 'BucketName'),
    path: requireString(p, 'Path'),
    callbackAddress: present(p, 'CallbackAddress') ? p.CallbackAddress : undefined,
  })
}

const STATUSES = new Set(['PROCESSING', 'SUCCESS', 'FAIL'])

export function increaseListParams(p: WireParams): IncreaseListRequest {
  const status = present(p, 'Status') ? p.Status.toUpperCase() : undefined
  if (status !== undefined && !STATUSES.has(status)) {
    throw gatewayErrors.invalidParameter(
      'BadRequest',
      `The specified parameter Status ("${p.Status.slice(0, 40)}") must be PROCESSING, SUCCESS or FAIL.`,
    )
  }
  return withoutUndefined({
    ...listParams(p),
    bucketName: present(p, 'BucketName') ? p.BucketName : undefined,
    path: present(p, 'Path') ? p.Path : undefined,
    status: status as TaskStatus | undefined,
  })
}
