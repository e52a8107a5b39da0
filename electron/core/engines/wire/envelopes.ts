import { ATTRIBUTES } from '../../../domain'
import type {
  AddImageResult,
  Auction,
  CheckImageExistsResult,
  CompareSimilarByImageResult,
  DeleteImageResult,
  DetailResult,
  DumpMetaListResult,
  DumpMetaResult,
  IncreaseInstanceResult,
  IncreaseListResult,
  SearchResult,
  ServiceType,
} from '../types'

/**
 * Domain results -> the cloud's PascalCase JSON bodies, field for field as Image Search 2020-12-14
 * sends them (and as the official SDK's models read them: numbers stay numbers, `UtcCreate` of
 * Detail and the task lists is a string of milliseconds, `UtcModified` a number).
 */
export type Json = Record<string, unknown>

const OK = { Success: true, Code: 0 } as const

function defined(obj: Json): Json {
  const out: Json = {}
  for (const [k, v] of Object.entries(obj)) if (v !== undefined && v !== null) out[k] = v
  return out
}

export function auctionToWire(a: Auction): Json {
  return defined({
    ProductId: a.productId,
    PicName: a.picName,
    CategoryId: a.categoryId,
    CustomContent: a.customContent,
    Score: a.score,
    SortExprValues: a.sortExprValues,
    ...Object.fromEntries(ATTRIBUTES.map((x) => [x.wire, a[x.key]])),
  })
}

export function searchToWire(r: SearchResult, requestId: string): Json {
  const body: Json = {
    RequestId: requestId,
    ...OK,
    Msg: 'success',
    Auctions: r.auctions.map(auctionToWire),
    Head: {
      DocsFound: r.head.docsFound,
      DocsReturn: r.head.docsReturn,
      SearchTime: r.head.searchTime,
    },
  }
  if (r.picInfo) {
    body.PicInfo = defined({
      CategoryId: r.picInfo.categoryId,
      Region: r.picInfo.region,
      AllCategories: r.picInfo.allCategories.map((c) => ({ Id: c.id, Name: c.name })),
      MultiRegion: r.picInfo.multiRegion.map((region) => ({ Region: region })),
    })
  }
  return body
}

export function addImageToWire(r: AddImageResult, requestId: string): Json {
  return {
    RequestId: requestId,
    ...OK,
    Message: 'success',
    PicInfo: defined({ CategoryId: r.picInfo.categoryId, Region: r.picInfo.region }),
  }
}

export function updateImageToWire(requestId: string): Json {
  return { RequestId: requestId, ...OK, Message: 'success' }
}

export function deleteImageToWire(r: DeleteImageResult, requestId: string): Json {
  return { RequestId: requestId, ...OK, Message: 'success', Data: { PicNames: r.picNames } }
}

export function checkImageExistsToWire(r: CheckImageExistsResult, requestId: string): Json {
  return { RequestId: requestId, ...OK, Msg: 'success', Exists: r.exist }
}

export function compareToWire(r: CompareSimilarByImageResult, requestId: string): Json {
  return { RequestId: requestId, ...OK, Msg: 'success', Score: r.score }
}

/** The cloud's ServiceType numbers (Detail): 0 product, 1 generic, 2 fabric, 3/7 trademark, … */
const SERVICE_TYPE_CODES: Record<string, number> = {
  product: 0,
  generic: 1,
  fabric: 2,
  trademark: 3,
  copyright: 4,
  furniture: 5,
  hardware: 6,
}

export function serviceTypeToWire(t: ServiceType | string): number {
  if (t in SERVICE_TYPE_CODES) return SERVICE_TYPE_CODES[t]
  const n = Number(t)
  return Number.isInteger(n) && n >= 0 ? n : 0
}

export function serviceTypeFromWire(n: number | undefined | null): ServiceType | string {
  switch (n) {
    case 0:
    case undefined:
    case null:
      return 'product'
    case 1:
      return 'generic'
    case 2:
      return 'fabric'
    case 3:
    case 7:
      return 'trademark'
    case 4:
      return 'copyright'
    case 5:
      return 'furniture'
    case 6:
      return 'hardware'
    default:
      return String(n)
  }
}

/** The cloud reports Capacity in units of 10,000 images; the domain counts images. */
export const CAPACITY_UNIT = 10_000

export function detailToWire(r: DetailResult, requestId: string): Json {
  const i = r.instance
  return {
    RequestId: requestId,
    Success: true,
    Instance: defined({
      Name: i.name,
      Capacity: i.capacity / CAPACITY_UNIT,
      TotalCount: i.totalCount,
      Qps: i.qps,
      Region: i.region,
      ServiceType: serviceTypeToWire(i.serviceType),
      UtcCreate: String(i.utcCreate),
      UtcExpireTime: i.utcExpireTime === null ? undefined : String(i.utcExpireTime),
    }),
  }
}

export function dumpMetaToWire(r: DumpMetaResult, requestId: string): Json {
  return {
    RequestId: requestId,
    Success: true,
    Data: { DumpMetaStatus: r.dumpMetaStatus, Id: r.id },
  }
}

export function dumpMetaListToWire(r: DumpMetaListResult, requestId: string): Json {
  return {
    RequestId: requestId,
    Data: {
      PageNumber: r.pageNumber,
      PageSize: r.pageSize,
      TotalCount: r.totalCount,
      DumpMetaList: r.dumpMetaList.map((t) =>
        defined({
          Id: t.id,
          Status: t.status,
          Code: t.code,
          Msg: t.message,
          MetaUrl: t.metaUrl,
          UtcCreate: String(t.utcCreate),
          UtcModified: t.utcModified,
        }),
      ),
    },
  }
}

export function increaseInstanceToWire(r: IncreaseInstanceResult, requestId: string): Json {
  return {
    RequestId: requestId,
    Success: true,
    Data: { IncrementStatus: r.incrementStatus, Id: r.id },
  }
}

export function increaseListToWire(r: IncreaseListResult, requestId: string): Json {
  return {
    RequestId: requestId,
    Data: {
      PageNumber: r.pageNumber,
      PageSize: r.pageSize,
      TotalCount: r.totalCount,
      Increments: {
        Instance: r.increments.map((t) =>
          defined({
            Id: t.id,
            BucketName: t.bucketName,
            Path: t.path,
            Status: t.status,
            Code: t.code,
            Msg: t.message,
            ErrorUrl: t.errorUrl,
            CallbackAddress: t.callbackAddress,
            UtcCreate: String(t.utcCreate),
            UtcModified: t.utcModified,
          }),
        ),
      },
    },
  }
}

/** The error envelope every failed call answers with. */
export function errorToWire(
  e: { code: string; message: string },
  requestId: string,
  hostId: string,
): Json {
  return { RequestId: requestId, HostId: hostId, Code: e.code, Message: e.message }
}
