/**
 * The `gallery-copy` job kind: one item per picture to add, update or delete on the target (the
 * job's profile, so the queue's per-profile limiter paces AddImage at the target's rate). An item
 * first finds its picture again in the issue's order (sources.ts), then either prepares it for the
 * target's limits (imaging) and makes the one call — the registry's write-through engine records it
 * in the target's gallery cache — or, on a `batch`-path job, hands its picture file to the fast
 * path (batch-send.ts → fast-path.ts), which sends the job's items as increment.meta tasks. A crash
 * re-sends only the items that were in flight (AddImage on the same key overwrites; a delete of a
 * gone picture deletes nothing; a batch task is found again by its tag): nothing lost, nothing
 * twice.
 */
import { definedAttrs, formatRegion, regionBox, type ServiceType } from '../../domain'
import { CoreError } from '../errors'
import type { Engine, AddImageRequest, PictureFacts } from '../engines/types'
import type { Imaging } from '../imaging/types'
import type { HandlerContext, ItemRecord, JobHandler, NewItem } from '../jobs/types'
import type { BulkAddFields } from '../jobs/bulk-add/types'
import { copyTag, outcomeError, type BatchSender } from './batch-send'
import type { PlannedItem } from './plan'
import type { CopySources, FetchedPicture } from './sources'
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
  ): { region: string | null; sha256: string | null } | null
  /** The fast path's sender (batch-path jobs). */
  batch?: BatchSender | null
}

/** A picture ready for AddImage (prepared) or for a batch task (a file). */
type Ready =
  | { kind: 'add'; data: Buffer; region?: string; facts: PictureFacts }
  | { kind: 'file'; file: string; fields: BulkAddFields; got: FetchedPicture }

const needsPicture = (p: CopyPayload) => p.op === 'add' || (p.op === 'update' && !!p.picture)

/** A region on the indexed picture, on the stored copy `scale` times its size. */
function scaleRegion(region: string, scale: number): string | null {
  const b = regionBox(region)
  if (!b) return null
  const s = (v: number) => Math.max(0, Math.round(v * scale))
  return formatRegion({ x1: s(b.x1), x2: s(b.x2), y1: s(b.y1), y2: s(b.y2) }, { round: true })
}

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
): JobHandler<CopyPayload, CopyItemResult, Ready | null> {
  const params = (ctx: HandlerContext) => ctx.params as CopyParams
  const batchPath = (ctx: HandlerContext) =>
    params(ctx).path === 'batch' && !!params(ctx).batch && !!d.batch

  /** The picture, found again in order, and its region on the bytes found. */
  async function find(p: CopyPayload, from: string) {
    const got = await d.sources.fetch(from, p.productId, p.picName, p.hint)
    if (!got) throw noPicture(p, from)
    const cached = d.cachedFacts(from, p.productId, p.picName)
    // A source file: the cache's region is on it. The engine's copy: its own region, scaled.
    const region =
      got.hint.source === 'sourceFile'
        ? (cached?.region ?? p.record?.region ?? null)
        : got.hint.source === 'localStore' && p.record?.storeRegion && got.scale
          ? scaleRegion(p.record.storeRegion, got.scale)
          : null
    return { got, region, sha256: cached?.sha256 ?? null }
  }

  async function prepared(p: CopyPayload, ctx: HandlerContext): Promise<Ready> {
    const { from, to } = params(ctx)
    const { got, region, sha256 } = await find(p, from)
    const pic = await d.imaging().prepare(got.bytes, {
      serviceType: d.serviceType(to),
      ...(region ? { region } : {}),
      thumbnail: true,
      hashes: true,
      name: `${p.productId} / ${p.picName}`,
    })
    return {
      kind: 'add',
      data: pic.data,
      ...(pic.region ? { region: pic.region } : {}),
      facts: {
        sourcePath: got.path ?? null,
        // The source's identity of the picture, so a later sync sees it unchanged.
        sha256: sha256 ?? pic.sha256,
        phash: pic.phash,
        thumbnail: pic.thumbnail,
        geometry: pic.geometry,
      },
    }
  }

  async function asFile(item: ItemRecord<CopyPayload>, ctx: HandlerContext): Promise<Ready> {
    const p = item.payload
    const { got, region } = await find(p, params(ctx).from)
    const file = got.path ?? d.batch!.stage(ctx.jobId, item.key, p.picName, got.bytes)
    const fields: BulkAddFields = { ...attributes(p.record!), ...(region ? { region } : {}) }
    return { kind: 'file', file, fields, got }
  }

  async function addImage(p: CopyPayload, ctx: HandlerContext, pic: Ready & { kind: 'add' }) {
    const engine = await d.engine(ctx.profile)
    const res = await engine.addImage(
      {
        productId: p.productId,
        picName: p.picName,
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
  }

  return {
    opClass(item, ctx) {
      const p = item.payload
      if (p.op === 'delete') return 'delete'
      if (!needsPicture(p)) return 'update'
      // The fast path paces itself (one batch task at a time per instance).
      return batchPath(ctx) ? 'none' : 'add'
    },

    async prepare(item, ctx) {
      if (!needsPicture(item.payload)) return null
      return batchPath(ctx) ? asFile(item, ctx) : prepared(item.payload, ctx)
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
        // The category is unchanged here (a changed one sends the picture again): UpdateImage
        // on the cloud refuses one.
        const { categoryId: _same, ...fields } = attributes(p.record!)
        const res = await engine.updateImage({ ...key, ...fields })
        return { requestId: res.requestId, op: 'update' }
      }
      if (pic.kind === 'add') return addImage(p, ctx, pic)
      const c = params(ctx)
      const outcome = await d.batch!.send(
        ctx.jobId,
        { profile: ctx.profile, ...c.batch!, tag: copyTag(ctx.jobId) },
        { key: item.key, ...key, file: pic.file, fields: pic.fields },
        ctx.signal,
        c.batchWindow ?? 1000,
      )
      if (outcome.state === 'done') {
        return { requestId: `batch-${outcome.taskId}`, op: p.op, source: pic.got.hint.source }
      }
      if (outcome.state === 'failed') throw outcomeError(outcome)
      // A picture a batch folder cannot hold goes by AddImage.
      return addImage(p, ctx, (await prepared(p, ctx)) as Ready & { kind: 'add' })
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
