/**
 * The `gallery.*` domain: browsing the cache, the engine's status, bulk changes (as jobs of the
 * queue, or one by one in the call) and exports (export-writer.ts; selections in selection.ts).
 */
import fs from 'node:fs'
import path from 'node:path'
import type { z } from 'zod'
import type * as G from '../../api/domains/gallery'
import type * as S from '../../api/schemas'
import type { ApiError } from '../../api/errors'
import { toApiError } from '../../api/dispatch'
import { foreignCode } from '../../domain/errors'
import { CoreError } from '../errors'
import type { EngineRegistry } from '../engines/registry'
import type { EventBus } from '../events'
import type { Galleries } from '../galleries'
import { RateLimiter } from '../jobs/limiter'
import type { JobQueue } from '../jobs/queue'
import type { ItemRecord, JobHandler, JobProgress } from '../jobs/types'
import type { BackgroundService, StartResult } from '../background'
import { cloudRateLimits } from '../jobs/limits'
import type { Logger } from '../log'
import type { ProfileStore } from '../profiles/store'
import { runBulk } from './bulk'
import { createCategoryOps } from './categories'
import { formatter } from './export-format'
import { MAX_TEXT_EXPORT, exportPages, stamp, writeExport } from './export-writer'
import { selectionKeys, toQuery } from './selection'
import type { ImageKey } from './types'

type In<T extends z.ZodType> = z.output<T>

/** The `images.*` writes a bulk change goes through, so the cache listener records each one. */
export interface ImageWrites {
  add(input: z.input<typeof S.AddImageInput>): Promise<unknown>
  update(input: { profile?: string; productId: string; picName: string } & Attrs): Promise<unknown>
  remove(input: { profile?: string; productId?: string; picName?: string }): Promise<unknown>
}
type Attrs = In<typeof G.BulkUpdateInput>['attributes']

export interface GalleryServiceDeps {
  profiles: ProfileStore
  engines: EngineRegistry
  galleries: Galleries
  images: ImageWrites
  events: EventBus
  logger: Logger
  /** Public URL of a file in a profile's folder (headless host), if the host serves files. */
  fileUrl?: (profile: string, absPath: string) => string
  /** Desktop host: show a file in the system file manager. */
  revealPath?: (absPath: string) => void
  /**
   * The persistent job queue: bulk changes run as jobs there (resumable, shown with the other
   * jobs, paced by the profile's shared limiter). Without it (or when another process holds the
   * queue) they run one by one in the call.
   */
  jobs?: {
    queue(): JobQueue
    /** Registers a job kind's handler (now, so that unfinished jobs of it resume at start). */
    register<T, R, P>(kind: string, handler: JobHandler<T, R, P>): void
    /** Starts running jobs (the enqueueing call does it, as bulk add does). */
    startJobs(): void
    whenSettled(jobId: number): Promise<{
      state: string
      total: number
      done: number
      failed: number
      skipped: number
      pending: number
      error: { code: string; message: string } | null
    }>
  }
}

/** Job kinds of bulk gallery changes. */
export const GALLERY_JOB_KINDS = {
  update: 'gallery-update',
  delete: 'gallery-delete',
  category: 'gallery-category',
} as const
type BulkKind = keyof typeof GALLERY_JOB_KINDS
interface BulkJobParams {
  attributes?: Attrs
  categoryId?: number
}

const STATUS_TTL_ONLINE = 20_000
const STATUS_TTL_OFFLINE = 5_000
const STATUS_TIMEOUT = 8_000

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: ReturnType<typeof setTimeout> | undefined
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      t = setTimeout(
        () =>
          reject(
            new CoreError('ConnectTimeout', `${what} did not answer within ${ms / 1000} s`, {
              hint: 'Check the network and the endpoint.',
            }),
          ),
        ms,
      )
    }),
  ]).finally(() => clearTimeout(t))
}

/** The `gallery.*` domain. */
export function createGalleryService(d: GalleryServiceDeps) {
  const ops = new Map<string, AbortController>()
  const limiters = new Map<string, RateLimiter>()
  const statusCache = new Map<string, In<typeof G.EngineStatus>>()
  let seq = 0

  const profileOf = (name?: string) => d.profiles.get(name ?? d.profiles.active())

  function newOp(opId?: string): { id: string; ctl: AbortController; done: () => void } {
    const id = opId ?? `op-${Date.now().toString(36)}-${++seq}`
    if (ops.has(id)) {
      throw new CoreError('OperationRunning', `An operation with id "${id}" is already running`)
    }
    const ctl = new AbortController()
    ops.set(id, ctl)
    return { id, ctl, done: () => ops.delete(id) }
  }

  const categories = createCategoryOps({
    profiles: d.profiles,
    engines: d.engines,
    galleries: d.galleries,
    addImage: (input) => d.images.add(input),
  })

  /** The rate class of a bulk kind: on the cloud a category is changed by adding again. */
  const rateClass = (kind: BulkKind, cloud: boolean) =>
    kind === 'category' ? (cloud ? 'add' : 'update') : kind

  function limiterFor(profile: string, kind: BulkKind): RateLimiter {
    const p = d.profiles.get(profile)
    const cls = rateClass(kind, p.kind === 'cloud')
    const key = `${profile}:${cls}`
    let l = limiters.get(key)
    if (!l) {
      const rate = p.kind === 'cloud' ? (cloudRateLimits()[cls] ?? null) : null
      l = new RateLimiter({ ratePerSec: rate })
      limiters.set(key, l)
    }
    return l
  }

  async function status(name: string | undefined, refresh = false) {
    const p = profileOf(name)
    const cached = statusCache.get(p.name)
    const now = Date.now()
    if (cached && !refresh) {
      const ttl = cached.online ? STATUS_TTL_ONLINE : STATUS_TTL_OFFLINE
      if (now - cached.checkedAt < ttl) return cached
    }
    let error: ApiError | null = null
    try {
      const engine = await withTimeout(d.engines.get(p.name), STATUS_TIMEOUT, 'The engine')
      if (p.kind === 'cloud') await withTimeout(engine.detail(), STATUS_TIMEOUT, 'The engine')
    } catch (e) {
      error = toApiError(e, d.logger.redact)
    }
    const st = { profile: p.name, kind: p.kind, online: !error, checkedAt: Date.now(), error }
    statusCache.set(p.name, st)
    return st
  }

  function markOffline(profile: string, kind: 'local' | 'cloud', error: ApiError) {
    statusCache.set(profile, { profile, kind, online: false, checkedAt: Date.now(), error })
  }

  /** Refuses a write up front, with the reason, when the engine cannot be reached. */
  async function requireOnline(profile: string) {
    const st = await status(profile, true)
    if (!st.online) {
      const e = st.error!
      throw new CoreError(
        foreignCode(e.code),
        `The engine of profile "${profile}" cannot be reached, so nothing was changed: ${e.message}`,
        {
          httpStatus: e.httpStatus,
          requestId: e.requestId,
          hint:
            (e.hint ? e.hint + ' ' : '') +
            'The gallery cache still browses offline; retry the change when the engine is back.',
        },
      )
    }
  }

  /** The bulk job kinds, registered with the queue when the core is built. */
  for (const kind of ['update', 'delete', 'category'] as const) {
    d.jobs?.register<ImageKey, null, void>(GALLERY_JOB_KINDS[kind], {
      opClass: (_item, ctx) => rateClass(kind, d.profiles.get(ctx.profile).kind === 'cloud'),
      async run(item: ItemRecord<ImageKey>, ctx) {
        const { productId, picName } = item.payload
        if (kind === 'update') {
          const attrs = (ctx.params as BulkJobParams).attributes ?? {}
          await d.images.update({ profile: ctx.profile, productId, picName, ...attrs })
        } else if (kind === 'category') {
          const { categoryId } = ctx.params as BulkJobParams
          await categories.setOne(ctx.profile, { productId, picName }, categoryId!)
        } else {
          await d.images.remove({ profile: ctx.profile, productId, picName })
        }
        return null
      },
      describe: (item) => ({ productId: item.payload.productId, picName: item.payload.picName }),
    })
  }

  /** The queue; null when there is none or another process has it. */
  function jobQueue(): JobQueue | null {
    if (!d.jobs) return null
    try {
      return d.jobs.queue()
    } catch (e) {
      d.logger.log(
        'warn',
        `gallery: job queue unavailable, running in the call: ${(e as Error).message}`,
      )
      return null
    }
  }

  async function runAsJob(
    q: JobQueue,
    kind: BulkKind,
    profile: string,
    keys: ImageKey[],
    params: BulkJobParams,
    op: { id: string; ctl: AbortController },
    emit: (done: number, total: number, phase: 'running' | 'done') => void,
  ): Promise<In<typeof G.BulkResult>> {
    d.jobs!.startJobs()
    const jobId = q.createJob({
      kind: GALLERY_JOB_KINDS[kind],
      profile,
      title: {
        update: `Update attributes of ${keys.length} image${keys.length === 1 ? '' : 's'}`,
        delete: `Delete ${keys.length} image${keys.length === 1 ? '' : 's'}`,
        category: `Set the category of ${keys.length} image${keys.length === 1 ? '' : 's'}`,
      }[kind],
      params,
      items: keys.map((k) => ({ key: `${k.productId}\u0000${k.picName}`, payload: k })),
    })
    const onProgress = (p: JobProgress) => {
      if (p.jobId === jobId) emit(p.done + p.failed, p.total, 'running')
    }
    const onAbort = () => q.cancel(jobId)
    q.on('progress', onProgress)
    op.ctl.signal.addEventListener('abort', onAbort, { once: true })
    try {
      const v = await d.jobs!.whenSettled(jobId)
      const failures: In<typeof G.ItemFailure>[] = []
      for (const item of q.store.iterateItems(jobId, ['failed'])) {
        if (failures.length >= 100) break
        const k = item.payload as ImageKey
        failures.push({
          productId: k.productId,
          picName: k.picName,
          code: item.error?.code ?? 'Error',
          message: d.logger.redact(item.error?.message ?? ''),
        })
      }
      const stopped = v.state === 'paused' || v.state === 'failed' ? v.error : null
      return {
        opId: op.id,
        mode: 'job',
        jobId,
        total: v.total,
        done: v.done,
        failed: v.failed,
        skipped: v.skipped + v.pending,
        failures,
        stopped: stopped ? { code: stopped.code, message: stopped.message } : null,
        cancelled: v.state === 'cancelled',
      }
    } finally {
      q.off('progress', onProgress)
      op.ctl.signal.removeEventListener('abort', onAbort)
    }
  }

  async function bulk(
    kind: BulkKind,
    input: { profile?: string; selection: In<typeof G.Selection>; opId?: string },
    params: BulkJobParams,
    run: (profile: string, key: ImageKey) => Promise<void>,
  ): Promise<In<typeof G.BulkResult>> {
    const p = profileOf(input.profile)
    const op = newOp(input.opId)
    try {
      const keys = selectionKeys(d.galleries.get(p.name), input.selection)
      const emit = (done: number, total: number, phase: 'running' | 'done') =>
        d.events.emit('gallery.progress', {
          profile: p.name,
          opId: op.id,
          kind,
          phase,
          done,
          total,
        })
      emit(0, keys.length, 'running')
      if (keys.length > 0) await requireOnline(p.name)
      const q = keys.length > 0 ? jobQueue() : null
      if (q) {
        const r = await runAsJob(q, kind, p.name, keys, params, op, emit)
        emit(r.done + r.failed, keys.length, 'done')
        if (r.stopped) markOffline(p.name, p.kind, r.stopped)
        if (r.done > 0) d.events.emit('gallery.changed', { profile: p.name, reason: kind })
        return r
      }
      const out = await runBulk({
        keys,
        run: (k) => run(p.name, k),
        limiter: limiterFor(p.name, kind),
        signal: op.ctl.signal,
        onProgress: (done, total) => emit(done, total, 'running'),
        redact: d.logger.redact,
      })
      emit(out.done + out.failed, keys.length, 'done')
      if (out.stopped) markOffline(p.name, p.kind, out.stopped)
      if (out.done > 0) d.events.emit('gallery.changed', { profile: p.name, reason: kind })
      d.logger.log(
        out.stopped ? 'warn' : 'info',
        `gallery ${kind} ${op.id} on ${p.name}: ${out.done} done, ${out.failed} failed, ${out.skipped} skipped` +
          (out.stopped ? ` (stopped: ${out.stopped.code})` : ''),
      )
      return { opId: op.id, mode: 'sequential', jobId: null, ...out }
    } finally {
      op.done()
    }
  }

  async function exportSelection(
    input: In<typeof G.ExportInput>,
  ): Promise<In<typeof G.ExportResult>> {
    const p = profileOf(input.profile)
    const g = d.galleries.get(p.name)
    const op = newOp(input.opId)
    try {
      const sel = input.selection ?? { query: {} }
      const name =
        input.format === 'meta'
          ? 'increment.meta'
          : `gallery-${p.name}-${stamp()}.${formatter(input.format).ext}`
      if (input.to === 'text') {
        const { total, pages } = exportPages(g, sel, input.sort, input.order)
        if (total > MAX_TEXT_EXPORT) {
          throw new CoreError(
            'ExportTooLarge',
            `${total} images are too many to return as text (at most ${MAX_TEXT_EXPORT})`,
            { hint: 'Export to a file instead.' },
          )
        }
        const fmt = formatter(input.format)
        let text = fmt.header
        let count = 0
        for (const items of pages()) {
          for (const img of items) text += fmt.line(img)
          count += items.length
        }
        return { format: input.format, count, fileName: name, text }
      }
      const dir =
        input.format === 'meta'
          ? path.join(
              d.profiles.dirOf(p.name),
              'exports',
              `increment-${stamp()}-${op.id.slice(-6)}`,
            )
          : path.join(d.profiles.dirOf(p.name), 'exports')
      const file = path.join(dir, name)
      const count = await writeExport(g, sel, {
        format: input.format,
        sort: input.sort,
        order: input.order,
        file,
        signal: op.ctl.signal,
        onProgress: (done, total, phase) =>
          d.events.emit('gallery.progress', {
            profile: p.name,
            opId: op.id,
            kind: 'export',
            phase,
            done,
            total,
          }),
      })
      return {
        format: input.format,
        count,
        fileName: name,
        path: file,
        url: d.fileUrl ? d.fileUrl(p.name, file) : null,
      }
    } finally {
      op.done()
    }
  }

  return {
    status,
    /** Registers a cancellable operation (`gallery.cancel` stops it by id). */
    newOp,
    ...background(),
    gallery: {
      async list(input: In<typeof G.ListInput>) {
        const p = profileOf(input.profile)
        const g = d.galleries.get(p.name)
        return g.query({
          ...toQuery(input),
          sort: input.sort,
          order: input.order,
          limit: input.limit,
          offset: input.offset,
        })
      },
      async groups(input: In<typeof G.GroupsInput>) {
        const p = profileOf(input.profile)
        const g = d.galleries.get(p.name)
        return g.groupByProduct({
          ...toQuery(input),
          sort: input.sort,
          order: input.order,
          limit: input.limit,
          offset: input.offset,
        })
      },
      async get(input: { profile?: string; productId: string; picName: string }) {
        const p = profileOf(input.profile)
        return { image: d.galleries.get(p.name).get(input.productId, input.picName) }
      },
      async stats(input: { profile?: string }) {
        const p = profileOf(input.profile)
        return d.galleries.get(p.name).stats()
      },
      async status(input: { profile?: string; refresh?: boolean }) {
        return status(input.profile, !!input.refresh)
      },
      async update(input: In<typeof G.BulkUpdateInput>) {
        return bulk('update', input, { attributes: input.attributes }, async (profile, k) => {
          await d.images.update({ profile, ...k, ...input.attributes })
        })
      },
      async setCategory(input: In<typeof G.SetCategoryInput>) {
        const params = { categoryId: input.categoryId }
        return bulk('category', input, params, (profile, k) =>
          categories.setOne(profile, k, input.categoryId),
        )
      },
      async predictCategories(input: In<typeof G.PredictCategoriesInput>) {
        const p = profileOf(input.profile)
        const op = newOp(input.opId)
        const emit = (done: number, total: number, phase: 'running' | 'done') =>
          d.events.emit('gallery.progress', {
            profile: p.name,
            opId: op.id,
            kind: 'predict',
            phase,
            done,
            total,
          })
        try {
          await requireOnline(p.name)
          const r = await categories.predictRest(p.name, {
            signal: op.ctl.signal,
            onProgress: (done, total) => emit(done, total, 'running'),
          })
          emit(r.total, r.total, 'done')
          if (r.changed.length > 0) {
            d.events.emit('gallery.changed', { profile: p.name, reason: 'category' })
          }
          d.logger.log(
            'info',
            `gallery predict ${op.id} on ${p.name}: ${r.predicted} predicted, ${r.noLabelledNeighbours} without labelled neighbours, ${r.undecided} undecided, ${r.changed.length} changed`,
          )
          const { changed, ...counts } = r
          return { opId: op.id, ...counts, changed: changed.length }
        } finally {
          op.done()
        }
      },
      async remove(input: In<typeof G.BulkDeleteInput>) {
        return bulk('delete', input, {}, async (profile, k) => {
          await d.images.remove({ profile, productId: k.productId, picName: k.picName })
        })
      },
      export: exportSelection,
      async cancel(input: { opId: string }) {
        const c = ops.get(input.opId)
        if (!c) return { cancelled: false }
        c.abort()
        return { cancelled: true }
      },
      async revealSource(input: { profile?: string; productId: string; picName: string }) {
        const p = profileOf(input.profile)
        const img = d.galleries.get(p.name).get(input.productId, input.picName)
        if (!img) {
          throw new CoreError(
            'ImageNotCached',
            `${input.productId} / ${input.picName} is not in the gallery cache of "${p.name}"`,
          )
        }
        if (!img.sourcePath) {
          throw new CoreError(
            'NoSourceFile',
            `Loupe does not know the source file of ${img.productId} / ${img.picName}`,
            { hint: 'Only images added through Loupe from a file on this computer have one.' },
          )
        }
        if (!fs.existsSync(img.sourcePath)) {
          throw new CoreError(
            'SourceFileMissing',
            `The source file ${img.sourcePath} no longer exists`,
            { hint: 'It was moved or deleted after the image was added.' },
          )
        }
        if (d.revealPath) {
          d.revealPath(img.sourcePath)
          return { path: img.sourcePath, revealed: true }
        }
        return { path: img.sourcePath, revealed: false }
      },
    },
  }

  /**
   * Gallery operations as a BackgroundService. Bulk changes are jobs of the queue (persistent,
   * resumed by the queue's own start); what runs in memory only — exports, dump diffs and
   * downloads, bulk changes run in the call when another process holds the queue — is short,
   * tied to the call that asked for it, and stopped here.
   */
  function background(): BackgroundService {
    const stop = async () => {
      for (const c of ops.values()) c.abort()
    }
    return {
      async start(): Promise<StartResult> {
        return { ok: true }
      },
      stop,
      async close() {
        await stop()
        for (const l of limiters.values()) l.close()
        limiters.clear()
      },
    }
  }
}

export type GalleryService = ReturnType<typeof createGalleryService>
