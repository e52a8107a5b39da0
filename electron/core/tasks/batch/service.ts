/**
 * Batch tasks (IncreaseInstance) end to end, for both engines — the `batch` domain:
 *
 *   create → plan the lines (refusing paths that escape the folder) → queued
 *   preparing  — a `batch-prepare` job stages the folder (prepare.ts)
 *   uploading  — cloud only: every picture, then increment.meta, to OSS (upload.ts)
 *   submitting — IncreaseInstance(bucket, path, callback) (submit.ts)
 *   processing — IncreaseList polled until SUCCESS or FAIL; error file; gallery (process.ts)
 *   success | failed | cancelled
 *
 * The stages are driven by the transition table (transitions.ts) in the runner (runner.ts), a
 * BackgroundService started by `core.start()`. Every stage is saved, so a restart resumes where
 * it stopped. See README.md.
 */

import path from 'node:path'
import { CoreError } from '../../errors'
import type { ServiceType } from '../../engines/types'
import type { BulkAddFields } from '../../jobs/bulk-add/types'
import { LOCAL_BUCKET, timestamp, type BatchContext, type BatchServiceDeps } from './context'
import {
  planBatchLines,
  type BatchMetaOptions,
  type BatchSource,
  type MetaLine,
  type PlannedLine,
} from './meta'
import { checkBucketName } from './oss'
import { PREPARE_KIND, prepareHandler } from './prepare'
import { createBatchRunner } from './runner'
import {
  BatchStore,
  FINAL_STATES,
  type BatchLineState,
  type BatchTaskOptions,
  type BatchTaskRecord,
} from './store'
import { CANCELLABLE } from './transitions'
import { sleep } from '../../util/sleep'
import { pageOf } from '../../util/page'

export { LOCAL_BUCKET, type BatchServiceDeps } from './context'

export interface CreateBatchInput {
  profile?: string
  source: BatchSource
  naming?: string
  defaults?: BulkAddFields
  prepare?: boolean
  bucket?: string
  path?: string
  callbackAddress?: string
  ossEndpoint?: string
  title?: string
}

export interface BatchPreview {
  total: number
  adds: number
  deletes: number
  rejected: number
  sample: MetaLine[]
  rejectedLines: { origin: string; code: string; message: string }[]
}

function describeSource(s: BatchTaskRecord['source']): string {
  switch (s.type) {
    case 'folder':
      return s.path
    case 'manifest':
      return s.path
    case 'files':
      return `${s.paths.length} file${s.paths.length === 1 ? '' : 's'}`
    case 'retry':
      return `failed lines of task ${s.of}`
    case 'copy':
      return `gallery copy (${s.items} picture${s.items === 1 ? '' : 's'})`
  }
}

function badRequest(message: string, hint?: string): CoreError {
  return new CoreError('BadRequest', message, hint ? { hint } : {})
}

export function createBatchService(deps: BatchServiceDeps) {
  let store: BatchStore | null = null
  let closed = false
  const db = () => {
    if (closed) throw new Error('batch service is closed')
    return (store ??= new BatchStore(path.join(deps.dataDir, 'batch.db')))
  }
  const lastEmit = new Map<number, number>()

  const log = (msg: string, e?: unknown) =>
    deps.logger.log(
      e ? 'warn' : 'info',
      `batch: ${msg}${e ? `: ${(e as Error)?.stack ?? String(e)}` : ''}`,
    )

  function emit(t: BatchTaskRecord, force = true): void {
    const now = Date.now()
    if (!force && now - (lastEmit.get(t.id) ?? 0) < 100) return
    lastEmit.set(t.id, now)
    deps.events.emit('task.status', {
      profile: t.profile,
      kind: 'batch',
      id: t.id,
      status: t.state,
      message: t.detail,
    })
  }

  const ctx: BatchContext = {
    deps,
    db,
    update(id, patch, force = true) {
      const t = db().update(id, patch)
      emit(t, force)
      return t
    },
    log,
    serviceType: (profile) => deps.profiles.get(profile).serviceType as ServiceType,
  }
  const update = ctx.update
  const runner = createBatchRunner(ctx)
  // Registered now, so a preparation left unfinished resumes as soon as the queue starts.
  deps.jobs.register(PREPARE_KIND, prepareHandler(ctx), { quiet: true })

  function resolveProfile(name?: string): {
    name: string
    kind: 'local' | 'cloud'
    serviceType: ServiceType
  } {
    const n = name ?? deps.profiles.active()
    const p = deps.profiles.get(n)
    return { name: p.name, kind: p.kind, serviceType: p.serviceType as ServiceType }
  }

  function checkCloudTarget(input: { bucket?: string; path?: string; callbackAddress?: string }) {
    if (!input.bucket) {
      throw badRequest(
        'A cloud batch task needs the OSS bucket to upload to.',
        'Give a bucket in the same region as the instance; Loupe uploads the pictures and increment.meta there.',
      )
    }
    checkBucketName(input.bucket)
    if (input.path !== undefined) checkBatchPath(input.path)
    if (input.callbackAddress && !/^https?:\/\//i.test(input.callbackAddress)) {
      throw badRequest('The callback address must start with http:// or https://.')
    }
  }

  function checkBatchPath(p: string) {
    if (!p.startsWith('/')) throw badRequest(`Path "${p}" must start with "/".`)
    if (p.length > 1 && p.endsWith('/')) throw badRequest(`Path "${p}" must not end with "/".`)
    if (
      p
        .split('/')
        .slice(1)
        .some((s) => s === '..' || s === '.' || (s === '' && p !== '/'))
    ) {
      throw badRequest(`Path "${p}" has an empty, "." or ".." segment.`)
    }
  }

  async function plan(source: BatchSource, options: BatchMetaOptions): Promise<PlannedLine[]> {
    return planBatchLines(source, options)
  }

  function view(t: BatchTaskRecord) {
    const { stagingDir: _s, prepareJobId: _j, ...rest } = t
    return { ...rest, sourceText: describeSource(t.source) }
  }

  async function create(input: CreateBatchInput) {
    const p = resolveProfile(input.profile)
    let bucket: string
    let taskPath: string | undefined
    if (p.kind === 'cloud') {
      checkCloudTarget(input)
      bucket = input.bucket!
      taskPath = input.path
    } else {
      if (input.bucket && input.bucket !== LOCAL_BUCKET) {
        throw badRequest(
          `The local engine reads batch tasks from bucket "${LOCAL_BUCKET}" only.`,
          'Leave the bucket empty for a local profile: Loupe puts the folder under the engine’s batch root.',
        )
      }
      bucket = LOCAL_BUCKET
      if (input.callbackAddress && !/^https?:\/\//i.test(input.callbackAddress)) {
        throw badRequest('The callback address must start with http:// or https://.')
      }
    }
    const lines = await plan(input.source, { naming: input.naming, defaults: input.defaults })
    if (lines.length === 0) throw badRequest('The source has no pictures and no lines.')
    const options: BatchTaskOptions = {
      prepare: input.prepare !== false,
      ...(input.naming ? { naming: input.naming } : {}),
      ...(input.defaults ? { defaults: input.defaults } : {}),
      ...(input.callbackAddress ? { callbackAddress: input.callbackAddress } : {}),
      ...(input.ossEndpoint ? { ossEndpoint: input.ossEndpoint } : {}),
    }
    return createTask(p, input.source, options, lines, bucket, taskPath, input.title)
  }

  function createTask(
    p: { name: string; kind: 'local' | 'cloud' },
    source: BatchTaskRecord['source'],
    options: BatchTaskOptions,
    lines: PlannedLine[],
    bucket: string,
    taskPath: string | undefined,
    title?: string,
  ) {
    const s = db()
    const id = s.createTask({
      profile: p.name,
      engineKind: p.kind,
      title: title ?? `Batch: ${describeSource(source)}`,
      source,
      options,
    })
    const finalPath =
      p.kind === 'local' ? `/loupe-${id}` : (taskPath ?? `/loupe/batch-${timestamp()}-${id}`)
    s.setLines(id, lines)
    const counts = s.countLines(id)
    const t = update(id, {
      bucket,
      path: finalPath,
      linesTotal: lines.length,
      linesRejected: counts.rejected,
      detail: 'Queued',
    })
    runner.kick()
    return view(t)
  }

  function get(id: number): BatchTaskRecord {
    const t = db().get(id)
    if (!t) throw new CoreError('NotFound', `There is no batch task ${id}.`, { httpStatus: 404 })
    return t
  }

  const api = {
    async preview(
      input: Omit<CreateBatchInput, 'bucket' | 'path' | 'callbackAddress' | 'ossEndpoint'>,
    ): Promise<BatchPreview> {
      if (input.profile) resolveProfile(input.profile)
      const lines = await plan(input.source, { naming: input.naming, defaults: input.defaults })
      const ok = lines.filter((l) => !l.error)
      const bad = lines.filter((l) => l.error)
      return {
        total: lines.length,
        adds: ok.filter((l) => l.op === 'add').length,
        deletes: ok.filter((l) => l.op === 'delete').length,
        rejected: bad.length,
        sample: ok.slice(0, 20).map((l) => l.meta),
        rejectedLines: bad
          .slice(0, 100)
          .map((l) => ({ origin: l.origin, code: l.error!.code, message: l.error!.message })),
      }
    },
    create,
    async list(input: { profile?: string; limit?: number; offset?: number }) {
      const r = db().list({ profile: input.profile, limit: input.limit, offset: input.offset })
      const owner = runner.owner()
      return {
        tasks: r.tasks.map(view),
        total: r.total,
        runner: owner ? { pid: owner.pid, host: owner.host, self: runner.running } : null,
      }
    },
    async get(input: { id: number }) {
      return view(get(input.id))
    },
    async lines(input: { id: number; states?: BatchLineState[]; offset?: number; limit?: number }) {
      get(input.id)
      const r = db().lines(input.id, {
        states: input.states,
        ...pageOf(input),
      })
      return {
        total: r.total,
        lines: r.lines.map((l) => ({
          seq: l.seq,
          metaLine: l.metaLine,
          op: l.op,
          source: l.source,
          origin: l.origin,
          productId: l.meta.ProductId,
          picName: l.meta.PicName ?? null,
          state: l.state,
          code: l.code,
          message: l.message,
          meta: JSON.stringify(l.meta),
        })),
      }
    },
    async retryFailed(input: { id: number }) {
      const t = get(input.id)
      if (!FINAL_STATES.includes(t.state)) {
        throw badRequest(
          `Task ${t.id} is still ${t.state}; retry its failed lines once it is over.`,
        )
      }
      const failed = [...db().iterateLines(t.id, ['failed', 'rejected'])].filter(
        (l) => l.origin !== 'error file' || l.meta.ProductId,
      )
      if (failed.length === 0) throw badRequest(`Task ${t.id} has no failed lines.`)
      const lines: PlannedLine[] = failed.map((l, i) => ({
        seq: i + 1,
        op: l.op,
        source: l.source,
        origin: l.origin,
        meta: l.meta,
        ...(l.op === 'add' && !l.source
          ? {
              error: {
                code: 'ImageUnreadable',
                message: `${l.origin}: the picture file is unknown`,
              },
            }
          : {}),
      }))
      const p = resolveProfile(t.profile)
      return createTask(
        p,
        { type: 'retry', of: t.id },
        { ...t.options, retryOf: t.id },
        lines,
        t.bucket!,
        t.engineKind === 'cloud'
          ? `${t.path === '/' ? '' : t.path}/retry-${timestamp()}`
          : undefined,
        `Retry of task ${t.id}: ${failed.length} line${failed.length === 1 ? '' : 's'}`,
      )
    },
    async cancel(input: { id: number }) {
      const t = get(input.id)
      if (FINAL_STATES.includes(t.state)) return view(t)
      if (!CANCELLABLE.includes(t.state)) {
        throw new CoreError(
          'TaskRunning',
          `Task ${t.id} was handed to the engine; a submitted batch task cannot be stopped.`,
        )
      }
      return view(await runner.cancel(t))
    },
  }

  /**
   * Core-internal (the gallery copy's fast path, core/copy/fast-path.ts): a task of lines planned
   * by the caller — each ADD line's picture at an absolute path, its PicName checked by the caller
   * (one file per PicName, no escape) — tagged so the caller finds it again after a restart.
   */
  function createFromLines(input: {
    profile: string
    tag: string
    lines: PlannedLine[]
    items: number
    bucket?: string
    path?: string
    ossEndpoint?: string
    prepare?: boolean
    title?: string
  }) {
    const p = resolveProfile(input.profile)
    if (p.kind === 'cloud') checkCloudTarget(input)
    else if (input.bucket && input.bucket !== LOCAL_BUCKET) {
      throw badRequest(`The local engine reads batch tasks from bucket "${LOCAL_BUCKET}" only.`)
    }
    if (input.lines.length === 0) throw badRequest('A batch task needs at least one line.')
    const options: BatchTaskOptions = {
      prepare: input.prepare !== false,
      ...(input.ossEndpoint ? { ossEndpoint: input.ossEndpoint } : {}),
    }
    return createTask(
      p,
      { type: 'copy', tag: input.tag, items: input.items },
      options,
      input.lines,
      p.kind === 'cloud' ? input.bucket! : LOCAL_BUCKET,
      input.path,
      input.title,
    )
  }

  return {
    api,
    createFromLines,
    /** Tasks a gallery copy made with this tag, oldest first (with their store records). */
    tagged: (tag: string) => db().tagged(tag),
    /** The store (tests, CLI). */
    store: db,
    /** BackgroundService: run the tasks of this data folder here (see runner.ts). */
    start: runner.start,
    stop: runner.stop,
    async close(): Promise<void> {
      await runner.close()
      closed = true
      store?.close()
      store = null
    },
    /** Who runs the tasks (this process, another one, or nobody). */
    runner: runner.owner,
    /** Wait until a task reaches one of `states` (or a final state). */
    async waitFor(
      id: number,
      states: string[] = [],
      pollMs = 200,
    ): Promise<ReturnType<typeof view>> {
      for (;;) {
        const t = get(id)
        if (FINAL_STATES.includes(t.state) || states.includes(t.state)) return view(t)
        await sleep(pollMs)
      }
    },
  }
}

export type BatchService = ReturnType<typeof createBatchService>
