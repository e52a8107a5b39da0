import { INT_ATTR_KEYS, STR_ATTR_KEYS, attrShape, type AttrInput } from '../../../domain'
import type { sdk as Sdk } from './sdk'
import type {
  Auction,
  DumpMetaTask,
  ImageAttributes,
  IncreaseTask,
  SearchResult,
  TaskStatus,
} from '../types'
import { CAPACITY_UNIT, serviceTypeFromWire } from '../wire/envelopes'

/** SDK models (camelCase, optional everything) -> domain types (complete, typed). */

type SdkAuction = AttrInput & {
  productId?: string
  picName?: string
  categoryId?: number
  customContent?: string
  score?: number
  sortExprValues?: string
}

type SdkSearchBody = {
  requestId?: string
  auctions?: SdkAuction[]
  head?: { docsFound?: number; docsReturn?: number; searchTime?: number }
  picInfo?: {
    categoryId?: number
    region?: string
    allCategories?: { id?: number; name?: string }[]
    multiRegion?: { region?: string }[]
  }
}

export function attributesToSdk(a: ImageAttributes) {
  return {
    categoryId: a.categoryId,
    customContent: a.customContent,
    ...attrShape(
      (k) => a[k],
      (k) => a[k],
    ),
  }
}

export function auctionFromSdk(a: SdkAuction): Auction {
  const out: Auction = {
    productId: a.productId ?? '',
    picName: a.picName ?? '',
    categoryId: a.categoryId ?? 88888888,
    customContent: a.customContent ?? '',
    score: a.score ?? 0,
    sortExprValues: a.sortExprValues ?? '',
  }
  for (const k of INT_ATTR_KEYS) {
    if (typeof a[k] === 'number') out[k] = a[k]
  }
  for (const k of STR_ATTR_KEYS) {
    if (typeof a[k] === 'string') out[k] = a[k]
  }
  return out
}

/**
 * A search body -> SearchResult. SearchImageByFilter's SDK model has no Head: the head is then
 * derived from the page itself.
 */
export function searchFromSdk(body: SdkSearchBody | undefined): SearchResult {
  const auctions = (body?.auctions ?? []).map(auctionFromSdk)
  const h = body?.head
  const pi = body?.picInfo
  return {
    requestId: body?.requestId ?? '',
    auctions,
    head: {
      docsFound: h?.docsFound ?? auctions.length,
      docsReturn: h?.docsReturn ?? auctions.length,
      searchTime: h?.searchTime ?? 0,
    },
    picInfo: pi
      ? {
          categoryId: pi.categoryId ?? null,
          region: pi.region ?? null,
          allCategories: (pi.allCategories ?? []).map((c) => ({
            id: c.id ?? 0,
            name: c.name ?? '',
          })),
          multiRegion: (pi.multiRegion ?? [])
            .map((m) => m.region)
            .filter((r): r is string => typeof r === 'string' && r.length > 0),
        }
      : null,
  }
}

/** Task states as the cloud spells them (NORMAL/FINISHED for done) -> the domain's three. */
export function taskStatusFromSdk(s: string | undefined): TaskStatus {
  const v = (s ?? '').toUpperCase()
  if (v === 'SUCCESS' || v === 'NORMAL' || v === 'FINISHED' || v === 'FINISH') return 'SUCCESS'
  if (v === 'FAIL' || v === 'FAILED' || v === 'ERROR') return 'FAIL'
  return 'PROCESSING'
}

function ms(v: string | number | undefined): number {
  const n = Number(v)
  return Number.isFinite(n) ? n : 0
}

export function dumpTaskFromSdk(
  t: InstanceType<typeof Sdk.DumpMetaListResponseBodyDataDumpMetaList>,
): DumpMetaTask {
  return {
    id: t.id ?? 0,
    status: taskStatusFromSdk(t.status),
    code: t.code ?? null,
    message: t.msg ?? null,
    metaUrl: t.metaUrl ?? null,
    utcCreate: ms(t.utcCreate),
    utcModified: ms(t.utcModified),
  }
}

export function increaseTaskFromSdk(
  t: InstanceType<typeof Sdk.IncreaseListResponseBodyDataIncrementsInstance>,
): IncreaseTask {
  return {
    id: t.id ?? 0,
    bucketName: t.bucketName ?? '',
    path: t.path ?? '',
    status: taskStatusFromSdk(t.status),
    code: t.code ?? null,
    message: t.msg ?? null,
    errorUrl: t.errorUrl ?? null,
    callbackAddress: t.callbackAddress ?? null,
    utcCreate: ms(t.utcCreate),
    utcModified: ms(t.utcModified),
  }
}

export function instanceFromSdk(
  i: InstanceType<typeof Sdk.DetailResponseBodyInstance> | undefined,
  fallbackName: string,
  fallbackRegion: string,
) {
  return {
    name: i?.name ?? fallbackName,
    capacity: (i?.capacity ?? 0) * CAPACITY_UNIT,
    totalCount: i?.totalCount ?? 0,
    qps: i?.qps ?? 0,
    region: i?.region ?? fallbackRegion,
    serviceType: serviceTypeFromWire(i?.serviceType),
    utcCreate: ms(i?.utcCreate),
    utcExpireTime: i?.utcExpireTime ? ms(i.utcExpireTime) : null,
  }
}
