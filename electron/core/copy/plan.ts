/**
 * The dry run of a copy: the source gallery (narrowed) against the target's, item by item — add,
 * update (attributes, custom content or the picture changed), delete (sync only: what the source
 * no longer has), unchanged — where each picture would come from, whether the target can hold the
 * result and how long it should take at the target's rates. Nothing is written.
 */
import { ATTR_KEYS } from '../../domain'
import type { CopyPlan, CopyPlanItem } from '../../api/domains/copy'
import type { RateLimits } from '../jobs/limits'
import { narrow, type Narrowing } from './enumerate'
import type { CopySources } from './sources'
import { keyOf, type CopyPayload, type CopyRecord, type PictureHint } from './types'

export interface PlanRequest {
  from: string
  to: string
  sync: boolean
  scope: Narrowing
}

export interface PlanDeps {
  read(profile: string, signal?: AbortSignal): Promise<CopyRecord[]>
  sources: Pick<CopySources, 'probe'>
  /** The target's capacity (null: unknown) and picture count. */
  detail(profile: string): Promise<{ capacity: number | null; totalCount: number }>
  /** The SHA-256 a profile's gallery cache keeps for a picture (null: unknown). */
  sha256(profile: string, productId: string, picName: string): string | null
  /** The target's rates per operation class (null/absent: unlimited). */
  rates(profile: string): RateLimits
  /** Files hashed at once while probing picture sources. Default 8. */
  probeConcurrency?: number
}

/** A plan as the service keeps it: the contract's view plus every item to enqueue. */
export interface PlannedCopy {
  view: Omit<CopyPlan, 'planId' | 'createdAt' | 'path' | 'items' | 'resumableJobId'>
  items: PlannedItem[]
}

export interface PlannedItem extends CopyPlanItem {
  payload: CopyPayload | null
}

/** Assumed AddImage rate of an unlimited (local) target, for the estimate only. */
const LOCAL_ADD_PER_SECOND = 10

function sameAttributes(a: CopyRecord, b: CopyRecord): string[] {
  const diff: string[] = []
  if ((a.categoryId ?? null) !== (b.categoryId ?? null)) diff.push('categoryId')
  if ((a.customContent ?? null) !== (b.customContent ?? null)) diff.push('customContent')
  for (const k of ATTR_KEYS) if ((a[k] ?? null) !== (b[k] ?? null)) diff.push(k)
  return diff
}

/** The source has no value for a field the target has: only a new AddImage clears it. */
function unset(rec: CopyRecord, k: string): boolean {
  return (rec as unknown as Record<string, unknown>)[k] === null
}

async function mapLimit<T, R>(items: T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++
        out[i] = await fn(items[i])
      }
    }),
  )
  return out
}

function rate(limits: RateLimits, op: 'add' | 'update' | 'delete'): number {
  const r = limits[op]
  return r && r > 0 ? r : op === 'add' ? LOCAL_ADD_PER_SECOND : LOCAL_ADD_PER_SECOND * 4
}

/** Plans a copy (or a sync) of `from` onto `to`. */
export async function planCopy(
  d: PlanDeps,
  req: PlanRequest,
  signal?: AbortSignal,
): Promise<PlannedCopy> {
  const [allSource, allTarget, detail] = await Promise.all([
    d.read(req.from, signal),
    d.read(req.to, signal),
    d.detail(req.to),
  ])
  const source = narrow(allSource, req.scope)
  const target = new Map(
    narrow(allTarget, req.scope).map((r) => [keyOf(r.productId, r.picName), r]),
  )

  type Draft = { rec: CopyRecord; op: 'add' | 'update'; picture: boolean; changed: string[] }
  const drafts: Draft[] = []
  const unchanged: CopyRecord[] = []
  for (const rec of source) {
    const k = keyOf(rec.productId, rec.picName)
    const there = target.get(k)
    target.delete(k)
    if (!there) {
      drafts.push({ rec, op: 'add', picture: true, changed: [] })
      continue
    }
    const changed = sameAttributes(rec, there)
    const a = d.sha256(req.from, rec.productId, rec.picName)
    const b = d.sha256(req.to, rec.productId, rec.picName)
    const pictureChanged = !!a && !!b && a !== b
    if (pictureChanged) changed.push('picture')
    if (changed.length === 0) unchanged.push(rec)
    // UpdateImage cannot change a category on the cloud, nor unset a field: the picture goes
    // again with those.
    else
      drafts.push({
        rec,
        op: 'update',
        picture:
          pictureChanged ||
          changed.some((k) => k === 'categoryId' || (k !== 'picture' && unset(rec, k))),
        changed,
      })
  }
  const deletes = req.sync ? [...target.values()] : []

  const hints = await mapLimit(drafts, d.probeConcurrency ?? 8, (x) =>
    x.picture
      ? d.sources.probe(req.from, x.rec.productId, x.rec.picName)
      : Promise.resolve<PictureHint>({ source: 'none' }),
  )
  signal?.throwIfAborted()

  const items: PlannedItem[] = []
  const sources = { sourceFile: 0, localStore: 0, ossObject: 0, none: 0 }
  const counts = {
    source: source.length,
    target: detail.totalCount,
    add: 0,
    update: 0,
    delete: deletes.length,
    unchanged: unchanged.length,
    noPicture: 0,
  }
  drafts.forEach((x, i) => {
    const hint = hints[i]
    const key = { productId: x.rec.productId, picName: x.rec.picName }
    const detailText = x.op === 'update' ? `changed: ${x.changed.join(', ')}` : undefined
    if (x.picture && hint.source === 'none') {
      counts.noPicture++
      sources.none++
      items.push({
        ...key,
        action: 'noPicture',
        source: 'none',
        detail: x.op === 'update' ? `${detailText}; no picture available` : 'no picture available',
        payload: { op: x.op, ...key, record: x.rec, picture: true, hint },
      })
      return
    }
    counts[x.op]++
    if (x.picture) sources[hint.source]++
    items.push({
      ...key,
      action: x.op,
      source: x.picture ? hint.source : 'none',
      ...(hint.path ? { detail: detailText ? `${detailText}; ${hint.path}` : hint.path } : {}),
      ...(!hint.path && detailText ? { detail: detailText } : {}),
      payload: { op: x.op, ...key, record: x.rec, picture: x.picture, hint },
    })
  })
  for (const r of deletes) {
    const key = { productId: r.productId, picName: r.picName }
    items.push({ ...key, action: 'delete', source: 'none', payload: { op: 'delete', ...key } })
  }
  for (const r of unchanged) {
    items.push({
      productId: r.productId,
      picName: r.picName,
      action: 'unchanged',
      source: 'none',
      payload: null,
    })
  }

  const newKeys = counts.add
  const afterCopy = detail.totalCount + newKeys - counts.delete
  const short = detail.capacity === null ? 0 : Math.max(0, afterCopy - detail.capacity)
  const limits = d.rates(req.to)
  const pictureSends = items.filter((i) => i.payload?.picture && i.action !== 'noPicture').length
  const attrUpdates =
    counts.update - items.filter((i) => i.action === 'update' && i.payload?.picture).length
  const estimateSeconds =
    pictureSends / rate(limits, 'add') +
    attrUpdates / rate(limits, 'update') +
    counts.delete / rate(limits, 'delete')
  return {
    view: {
      from: req.from,
      to: req.to,
      sync: req.sync,
      counts,
      sources,
      capacity: {
        target: detail.capacity,
        used: detail.totalCount,
        afterCopy,
        fits: short === 0,
        short,
      },
      rate: { qps: limits.add ?? 0, estimateSeconds: Math.ceil(estimateSeconds) },
      deletes: deletes.map((r) => ({ productId: r.productId, picName: r.picName })),
    },
    items,
  }
}
