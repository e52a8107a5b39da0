/**
 * Running a bulk add through the job queue: each item prepares its picture (imaging), waits for
 * an AddImage token, calls the engine (whose write-through records it in the gallery cache) and
 * stores the result.
 */

import { definedAttrs } from '../../../domain'
import crypto from 'node:crypto'
import type { AddImageRequest } from '../../engines/types'
import type { PreparedImage } from '../../imaging/types'
import type { JobQueue } from '../queue'
import { toItemError } from '../retry'
import type { ItemRecord, JobHandler, JobId, JobInfo, NewItem } from '../types'
import { parseNamingRule } from './naming'
import { itemKey } from './plan'
import { normalizeSource } from './sources'
import type {
  BulkAddOptions,
  BulkAddParams,
  BulkAddPayload,
  BulkAddResult,
  BulkAddRuntime,
  BulkAddSource,
  PlanItem,
} from './types'

export const BULK_ADD_KIND = 'bulk-add'

function stable(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stable)
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v as object)
        .sort()
        .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
        .map((k) => [k, stable((v as Record<string, unknown>)[k])]),
    )
  }
  return v
}

/**
 * The identity of a bulk add: same profile, same sources (resolved paths and types) and same
 * options give the same fingerprint, so a second enqueue resumes the unfinished job.
 */
export function bulkAddFingerprint(
  profile: string,
  sources: BulkAddSource[],
  options: BulkAddOptions,
): string {
  const norm = {
    kind: BULK_ADD_KIND,
    profile,
    sources: sources.map(normalizeSource),
    options: {
      naming: parseNamingRule(options.naming ?? 'folder').text,
      defaults: options.defaults ?? {},
      duplicates: options.duplicates ?? 'skip',
      skipUnchanged: options.skipUnchanged !== false,
      serviceType: options.serviceType ?? 'product',
      smallImage: options.smallImage ?? 'reject',
      recursive: options.recursive !== false,
      idMaxLength: options.idMaxLength,
      categories: options.categories,
    },
  }
  return crypto
    .createHash('sha256')
    .update(JSON.stringify(stable(norm)))
    .digest('hex')
}

/** The unfinished bulk add with the same profile, sources and options, if any. */
export function findResumableBulkAdd(
  queue: JobQueue,
  profile: string,
  sources: BulkAddSource[],
  options: BulkAddOptions,
): JobInfo | undefined {
  return queue.findResumableJob(bulkAddFingerprint(profile, sources, options))
}

function attributes(
  p: BulkAddPayload,
): Omit<AddImageRequest, 'productId' | 'picName' | 'picContent'> {
  const f = p.fields
  const out: Omit<AddImageRequest, 'productId' | 'picName' | 'picContent'> = {}
  if (f.categoryId !== undefined) out.categoryId = f.categoryId
  if (f.customContent !== undefined) out.customContent = f.customContent
  Object.assign(out, definedAttrs(f))
  if (f.crop !== undefined) out.crop = f.crop
  return out
}

/** The queue handler of kind 'bulk-add'. */
export function bulkAddHandler(
  runtime: BulkAddRuntime,
): JobHandler<BulkAddPayload, BulkAddResult, PreparedImage | null> {
  return {
    opClass: (item) => (item.payload.op === 'delete' ? 'delete' : 'add'),

    async prepare(item, ctx) {
      const p = item.payload
      if (p.op !== 'add') return null
      const params = (ctx.params ?? {}) as Partial<BulkAddParams>
      return runtime.imaging.prepare(p.source!, {
        serviceType: params.serviceType ?? 'product',
        smallImage: params.smallImage ?? 'reject',
        ...(p.fields.region ? { region: p.fields.region } : {}),
        thumbnail: true,
        hashes: true,
      })
    },

    async run(item, ctx, prepared) {
      const p = item.payload
      // The registry's engine records each write in the gallery cache (write-through).
      const engine = await runtime.engineFor(ctx.profile)
      if (p.op === 'delete') {
        const ref = { productId: p.productId!, ...(p.picName ? { picName: p.picName } : {}) }
        const res = await engine.deleteImage(ref)
        return { requestId: res.requestId, deleted: res.picNames }
      }
      const pic = prepared!
      const res = await engine.addImage(
        {
          productId: p.productId!,
          picName: p.picName!,
          picContent: pic.data,
          ...attributes(p),
          ...(pic.region ? { region: pic.region } : {}),
        },
        {
          sourcePath: p.source,
          sha256: pic.sha256,
          phash: pic.phash,
          thumbnail: pic.thumbnail,
          geometry: pic.geometry,
        },
      )
      return {
        requestId: res.requestId,
        categoryId: res.picInfo.categoryId,
        region: res.picInfo.region,
        sha256: pic.sha256,
        phash: pic.phash,
        prepared: pic.actions.filter((a) => a.kind !== 'kept').map((a) => a.kind),
      }
    },

    describe(item: ItemRecord<BulkAddPayload>) {
      const p = item.payload ?? ({} as BulkAddPayload)
      return {
        productId: p.productId ?? undefined,
        picName: p.picName ?? undefined,
        source: p.source ?? p.origin ?? p.relPath,
      }
    },
  }
}

/** Register the bulk-add handler (call before queue.start() so resumed jobs find it). */
export function registerBulkAdd(queue: JobQueue, runtime: BulkAddRuntime): void {
  queue.register(BULK_ADD_KIND, bulkAddHandler(runtime))
}

/** The queue item for a plan item. */
export function toQueueItem(item: PlanItem): NewItem<BulkAddPayload> {
  const payload: BulkAddPayload = {
    op: item.op,
    source: item.source,
    origin: item.origin,
    relPath: item.relPath,
    productId: item.productId,
    picName: item.picName,
    fields: item.fields,
    sha256: item.sha256,
    phash: item.phash,
  }
  if (item.action === 'reject' || item.productId === null) {
    return {
      key: `!${item.origin ?? item.source ?? item.relPath}`,
      payload,
      state: 'failed',
      rejected: true,
      error: item.reason ??
        item.outcome?.error ?? { code: 'Rejected', message: 'rejected while planning' },
    }
  }
  const key = itemKey(item.productId, item.picName ?? '')
  if (item.op === 'delete') return { key: `delete:${key}`, payload }
  if (item.action === 'skip') {
    return {
      key,
      payload,
      state: 'skipped',
      error: item.reason ?? { code: 'Skipped', message: 'skipped while planning' },
    }
  }
  return { key, payload }
}

export interface EnqueueBulkAddOptions extends Partial<BulkAddRuntime> {
  profile: string
  title?: string
  /** From bulkAddFingerprint(profile, sources, options): an unfinished job with it is resumed. */
  fingerprint?: string | null
  /** AddImage calls in flight at once for this job. Default 4. */
  concurrency?: number
  serviceType?: BulkAddParams['serviceType']
  smallImage?: BulkAddParams['smallImage']
  /** Source paths, kept in the job's params for display. */
  sources?: string[]
  /** Items written per transaction while the plan streams in. Default 500. */
  chunkSize?: number
}

export interface EnqueueResult {
  jobId: JobId
  /** An unfinished job with the same fingerprint was resumed. */
  resumed: boolean
  added: number
  ignored: number
}

/**
 * Put a plan in the queue as a 'bulk-add' job. The job starts while the plan is still streaming
 * in. With a fingerprint, an unfinished job with the same one is resumed instead: if its items
 * were all written, the plan is not even read; if a crash interrupted the writing, the missing
 * items are added (keys already there are ignored).
 * Pass engineFor + imaging when no handler is registered yet.
 */
export async function enqueueBulkAdd(
  queue: JobQueue,
  plan: Iterable<PlanItem> | AsyncIterable<PlanItem>,
  opts: EnqueueBulkAddOptions,
): Promise<EnqueueResult> {
  if (!queue.hasHandler(BULK_ADD_KIND)) {
    if (!opts.engineFor || !opts.imaging) {
      throw new Error('enqueueBulkAdd: no bulk-add handler registered; pass engineFor and imaging')
    }
    registerBulkAdd(queue, { engineFor: opts.engineFor, imaging: opts.imaging })
  }
  const fp = opts.fingerprint ?? null
  const existing = fp ? queue.findResumableJob(fp) : undefined
  if (existing && existing.sealed) {
    if (existing.state === 'paused') queue.resume(existing.id)
    return { jobId: existing.id, resumed: true, added: 0, ignored: 0 }
  }
  let jobId: JobId
  if (existing) {
    jobId = existing.id
    queue.setFilling(jobId, true)
    if (existing.state === 'paused') queue.resume(jobId)
  } else {
    const params: BulkAddParams = {
      serviceType: opts.serviceType ?? 'product',
      smallImage: opts.smallImage ?? 'reject',
      fingerprint: fp,
      ...(opts.sources ? { sources: opts.sources } : {}),
    }
    jobId = queue.createJob({
      kind: BULK_ADD_KIND,
      profile: opts.profile,
      title: opts.title ?? 'Bulk add',
      params,
      concurrency: opts.concurrency ?? 4,
      fingerprint: fp,
      sealed: false,
    })
  }
  const chunkSize = Math.max(1, opts.chunkSize ?? 500)
  let added = 0
  let ignored = 0
  let chunk: NewItem<BulkAddPayload>[] = []
  const flush = (): void => {
    if (chunk.length === 0) return
    const r = queue.addItems(jobId, chunk)
    added += r.added
    ignored += r.ignored
    chunk = []
  }
  try {
    for await (const item of plan as AsyncIterable<PlanItem>) {
      chunk.push(toQueueItem(item))
      if (chunk.length >= chunkSize) flush()
    }
    flush()
  } catch (e) {
    // Keep what was written; the job waits, paused and unsealed, for the same enqueue to resume.
    flush()
    queue.setFilling(jobId, false)
    queue.pause(jobId, toItemError(e))
    throw e
  }
  queue.sealJob(jobId)
  return { jobId, resumed: !!existing, added, ignored }
}
