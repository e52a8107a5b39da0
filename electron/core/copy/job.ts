/**
 * The `gallery-copy` job kind: one item per picture to add, update or delete on the target (the
 * job's profile, so the queue's per-profile limiter paces AddImage at the target's rate). An item
 * first finds its picture again in the issue's order (sources.ts) and prepares it for the target's
 * limits (imaging), then makes the one call; the registry's write-through engine records it in the
 * target's gallery cache. A crash re-sends only the items that were in flight (AddImage on the same
 * key overwrites; a delete of a gone picture deletes nothing): nothing lost, nothing twice.
 */
import { definedAttrs, formatRegion, regionBox, type ServiceType } from '../../domain'
import { CoreError } from '../errors'
import type { Engine, AddImageRequest } from '../engines/types'
import type { Imaging } from '../imaging/types'
import type { HandlerContext, ItemRecord, JobHandler, NewItem } from '../jobs/types'
import type { FastPath, ReadyPicture } from './path'
import type { PlannedItem } from './plan'
import type { CopySources } from './sources'
import {
  keyOf,
  type CopyItemResult,
  type CopyParams,
  type CopyPayload,
  type CopyRecord,
} from './types'

export interface CopyJobDeps {
  /** The registry's engine of a profile (write-through to its gallery cache). */
  engine(profile: string): Promise<Engine>
  sources: Pick<CopySources, 'fetch'>
  imaging(): Imaging
  serviceType(profile: string): ServiceType
  /** The source gallery cache's region and SHA-256 of a picture (original-picture space). */
  cachedFacts(
    profile: string,
    productId: string,
    picName: string,
  ): {
    region: string | null
    sha256: string | null
  } | null
  fastPath?: FastPath | null
}

/** A region on the indexed picture, on the stored copy `scale` times its size. */
function scaleRegion(region: string, scale: number): string | null {
  const b = regionBox(region)
  if (!b) return null
  const s = (v: number) => Math.max(0, Math.round(v * scale))
  return formatRegion({ x1: s(b.x1), x2: s(b.x2), y1: s(b.y1), y2: s(b.y2) }, { round: true })
}

const needsPicture = (p: CopyPayload) => p.op === 'add' || (p.op === 'update' && !!p.picture)

function attributes(r: CopyRecord): Omit<AddImageRequest, 'productId' | 'picName' | 'picContent'> {
  return {
    ...(r.categoryId !== null ? { categoryId: r.categoryId } : {}),
    ...(r.customContent !== null ? { customContent: r.customContent } : {}),
    ...definedAttrs(r),
  }
}

function noPicture(p: { productId: string; picName: string }, from: string): CoreError {
  return new CoreError(
    'CopyNoPicture',
    `No picture is available for ${p.productId} / ${p.picName} in profile "${from}".`,
  )
}

/** The queue item of a planned item (null for an unchanged one: nothing to do). */
export function toJobItem(i: PlannedItem, from: string): NewItem<CopyPayload> | null {
  if (!i.payload) return null
  const key = `${i.payload.op}:${keyOf(i.productId, i.picName)}`
  if (i.action === 'noPicture') {
    const e = noPicture(i, from)
    return {
      key,
      payload: i.payload,
      state: 'failed',
      rejected: true,
      error: { code: e.code, message: e.message },
    }
  }
  return { key, payload: i.payload }
}

export function copyJobHandler(
  d: CopyJobDeps,
): JobHandler<CopyPayload, CopyItemResult, ReadyPicture | null> {
  const params = (ctx: HandlerContext) => ctx.params as CopyParams

  async function ready(item: ItemRecord<CopyPayload>, ctx: HandlerContext): Promise<ReadyPicture> {
    const p = item.payload
    const { from, to } = params(ctx)
    const got = await d.sources.fetch(from, p.productId, p.picName, p.hint)
    if (!got) throw noPicture(p, from)
    const cached = d.cachedFacts(from, p.productId, p.picName)
    const region =
      got.hint.source === 'sourceFile'
        ? (cached?.region ?? p.record?.region ?? null)
        : got.hint.source === 'localStore' && p.record?.storeRegion && got.scale
          ? scaleRegion(p.record.storeRegion, got.scale)
          : null
    // The stored copy's region is on the copy itself, not on an original.
    const pic = await d.imaging().prepare(got.bytes, {
      serviceType: d.serviceType(to),
      ...(region ? { region } : {}),
      thumbnail: true,
      hashes: true,
      name: `${p.productId} / ${p.picName}`,
    })
    return {
      data: pic.data,
      ...(pic.region ? { region: pic.region } : {}),
      facts: {
        sourcePath: got.path ?? null,
        // The source's identity of the picture, so a later sync sees it unchanged.
        sha256: cached?.sha256 ?? pic.sha256,
        phash: pic.phash,
        thumbnail: pic.thumbnail,
      },
    }
  }

  return {
    opClass(item, ctx) {
      const p = item.payload
      if (p.op === 'delete') return 'delete'
      if (!needsPicture(p)) return 'update'
      return params(ctx).path === 'batch' && d.fastPath ? 'none' : 'add'
    },

    async prepare(item, ctx) {
      return needsPicture(item.payload) ? ready(item, ctx) : null
    },

    async run(item, ctx, pic) {
      const p = item.payload
      const key = { productId: p.productId, picName: p.picName }
      if (p.op === 'delete') {
        const engine = await d.engine(ctx.profile)
        const res = await engine.deleteImage(key)
        return { requestId: res.requestId, op: 'delete' }
      }
      if (!pic) {
        const engine = await d.engine(ctx.profile)
        const res = await engine.updateImage({ ...key, ...attributes(p.record!) })
        return { requestId: res.requestId, op: 'update' }
      }
      if (params(ctx).path === 'batch' && d.fastPath) return d.fastPath.send(item, ctx, pic)
      const engine = await d.engine(ctx.profile)
      const res = await engine.addImage(
        {
          ...key,
          picContent: pic.data,
          ...attributes(p.record!),
          ...(pic.region ? { region: pic.region } : {}),
        },
        pic.facts,
      )
      return {
        requestId: res.requestId,
        op: p.op,
        source: p.hint?.source,
        categoryId: res.picInfo.categoryId,
      }
    },

    describe(item) {
      const p = item.payload
      return {
        productId: p?.productId,
        picName: p?.picName,
        source: p ? `${p.op}${p.hint?.path ? ` ${p.hint.path}` : ''}` : undefined,
      }
    },
  }
}
