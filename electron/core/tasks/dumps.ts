import fs from 'node:fs'
import path from 'node:path'
import type { z } from 'zod'
import type * as T from '../../api/domains/tasks'
import type { ApiError } from '../../api/errors'
import { toApiError } from '../../api/dispatch'
import { CoreError } from '../errors'
import type { EngineRegistry } from '../engines/registry'
import type { EventBus } from '../events'
import type { Galleries } from '../galleries'
import { Coalescer } from '../jobs/progress'
import type { JobQueue } from '../jobs/queue'
import type { JobHandler } from '../jobs/types'
import type { BackgroundService, StartResult } from '../background'
import {
  DUMP_IMPORT_KIND,
  dumpImportHandler,
  importAsJob,
  type DumpImportParams,
  type DumpImportResult,
} from './dump-import-job'
import type { Logger } from '../log'
import type { ProfileStore } from '../profiles/store'
import { DumpRecords, type DumpRecord } from './dump-records'
import { createDumpFollow, fromEngine, wkey } from './dump-follow'
import { settlesWithin } from '../util/deadline'
import { logf } from '../log-text'

type In<T extends z.ZodType> = z.output<T>
type Out<T extends z.ZodType> = z.input<T>

/** The cloud's MetaUrl stops working 2 hours after the export finished. */
export const CLOUD_URL_LIFETIME_MS = 2 * 60 * 60 * 1000

export interface DumpServiceDeps {
  profiles: ProfileStore
  engines: EngineRegistry
  galleries: Galleries
  events: EventBus
  logger: Logger
  /** Registers a cancellable operation (shared with gallery.cancel). */
  newOp(opId?: string): { id: string; ctl: AbortController; done: () => void }
  fileUrl?: (profile: string, absPath: string) => string
  /**
   * A URL this host serves (as `fileUrl` makes them) → the file on disk, or null: the core reads
   * its own files instead of fetching them over HTTP, where a remote-mode host asks callers to
   * sign in.
   */
  ownFile?: (url: string) => Promise<string | null>
  /**
   * The persistent job queue: imports run as `dump-import` jobs. Without it (or when another
   * process holds it) they run in the call.
   */
  jobs?: {
    queue(): JobQueue
    register<T, R, P>(kind: string, handler: JobHandler<T, R, P>, o?: { quiet?: boolean }): void
    startJobs(): void
  }
  /** Polling delays (tests): first poll, growth factor, cap. */
  poll?: { firstMs?: number; factor?: number; maxMs?: number; maxFailures?: number }
}

/**
 * Metadata exports (DumpMeta): created through the engine, watched by polling DumpMetaList with
 * backoff until SUCCESS or FAIL (`task.status` events, a `notification` at the end), their file
 * downloaded into `<profile>/dumps/` right away (the cloud's link expires after 2 hours) and kept
 * (watching and downloading: dump-follow.ts), then imported into the gallery cache after a diff
 * preview.
 */
export function createDumpService(d: DumpServiceDeps) {
  const records = new DumpRecords(d.profiles)
  /** Aborted by stop(): watchers, downloads and waits end (a new one on each start). */
  let closing = new AbortController()

  const profileOf = (name?: string) => d.profiles.get(name ?? d.profiles.active())

  function expiresAt(profile: string, r: DumpRecord): number | null {
    if (r.status !== 'SUCCESS' || !r.metaUrl) return null
    if (d.profiles.get(profile).kind === 'local') return null
    return r.utcModified + CLOUD_URL_LIFETIME_MS
  }

  function view(profile: string, r: DumpRecord): Out<typeof T.DumpTask> {
    const file =
      r.file && fs.existsSync(r.file.path)
        ? { ...r.file, url: d.fileUrl ? d.fileUrl(profile, r.file.path) : null }
        : null
    return {
      id: r.id,
      status: r.status,
      code: r.code,
      message: r.message,
      metaUrl: r.metaUrl,
      utcCreate: r.utcCreate,
      utcModified: r.utcModified,
      expiresAt: expiresAt(profile, r),
      watching: watchers.has(wkey(profile, r.id)),
      file,
      downloadError: r.downloadError,
      imported: r.imported,
    }
  }

  /** Exports made for another feature (a gallery copy's fresh dump): it reports on them itself. */
  const quiet = new Set<string>()

  function notify(
    level: 'info' | 'success' | 'warning' | 'error',
    title: string,
    body: string,
    key?: string,
    params?: Record<string, string | number>,
    target?: { profile: string; id: number | null },
  ) {
    if (target && target.id !== null && quiet.has(wkey(target.profile, target.id))) return
    d.events.emit('notification', {
      level,
      title,
      body,
      ...(key ? { key, params } : {}),
      ...(target && target.id !== null
        ? { target: { kind: 'dump' as const, id: target.id, profile: target.profile } }
        : {}),
    })
  }

  function emitStatus(profile: string, r: DumpRecord) {
    d.events.emit('task.status', {
      profile,
      kind: 'dump',
      id: r.id,
      status: r.status,
      message: r.message,
    })
  }

  /** Watching exports to their end and downloading their files (dump-follow.ts). */
  const { watch, download, watchers, downloads } = createDumpFollow({
    d,
    records,
    closing: () => closing.signal,
    expiresAt,
    notify,
    emitStatus,
  })

  /** The file of a dump source: a task's (downloaded first if needed) or a given file. */
  async function sourceFile(
    profile: string,
    src: In<typeof T.DumpSource>,
    opId?: string,
  ): Promise<{ file: string; id: number | null }> {
    if ('file' in src) {
      const file = path.resolve(src.file)
      let st: fs.Stats
      try {
        st = fs.statSync(file)
      } catch {
        throw new CoreError('DumpReadFailed', `No such file: ${file}`)
      }
      if (!st.isFile()) throw new CoreError('DumpReadFailed', `Not a file: ${file}`)
      return { file, id: null }
    }
    let r = records.get(profile, src.id)
    if (!r || r.status !== 'SUCCESS') {
      // Not known yet (e.g. created in the console): ask the engine.
      await refreshOne(profile, src.id)
      r = records.get(profile, src.id)
    }
    if (!r?.file || !fs.existsSync(r.file.path)) r = await download(profile, src.id, opId)
    return { file: r.file!.path, id: src.id }
  }

  async function refreshOne(profile: string, id: number): Promise<DumpRecord> {
    const engine = await d.engines.get(profile)
    const res = await engine.dumpMetaList({ id, pageNumber: 1, pageSize: 1 })
    const t = res.dumpMetaList.find((x) => x.id === id)
    if (!t) {
      const known = records.get(profile, id)
      if (known) return known
      throw new CoreError('TaskNotFound', `The engine has no export with id ${id}`)
    }
    return records.put(profile, id, fromEngine(t))
  }

  function progressEmitter(profile: string, opId: string, kind: 'diff' | 'import') {
    let last = { done: 0, total: 0, phase: 'running' as 'running' | 'applying' | 'done' }
    const co = new Coalescer(100, () =>
      d.events.emit('gallery.progress', { profile, opId, kind, ...last }),
    )
    return {
      update(p: { phase: 'reading' | 'applying' | 'done'; bytesRead: number; totalBytes: number }) {
        last = {
          done: p.bytesRead,
          total: p.totalBytes,
          phase: p.phase === 'reading' ? 'running' : p.phase,
        }
        if (p.phase === 'reading') co.request()
        else co.flush()
      },
      cancel: () => co.cancel(),
    }
  }

  /** The import itself (the `dump-import` job's work, or the call's when there is no queue). */
  async function importNow(
    profile: string,
    params: DumpImportParams,
    signal: AbortSignal,
  ): Promise<DumpImportResult> {
    const { file, id, opId } = params
    const pr = progressEmitter(profile, opId, 'import')
    try {
      const counts = await d.galleries.get(profile).importDump(file, {
        onProgress: (x) => pr.update(x),
        signal,
      })
      const at = Date.now()
      if (id !== null)
        emitStatus(profile, records.put(profile, id, { imported: { ...counts, at } }))
      d.events.emit('gallery.changed', { profile, reason: 'import' })
      d.logger.log(
        'info',
        logf`dump import into ${profile} from ${file}: ` + JSON.stringify(counts),
      )
      notify(
        'success',
        'Gallery cache updated',
        `${counts.added} added, ${counts.changed} changed, ${counts.gone} removed.`,
        'dumps.notify.imported',
        { profile, added: counts.added, changed: counts.changed, gone: counts.gone },
        { profile, id },
      )
      return { ...counts, file, at }
    } finally {
      pr.cancel()
    }
  }
  // Registered now, so an import left unfinished runs again as soon as the queue starts.
  d.jobs?.register(DUMP_IMPORT_KIND, dumpImportHandler(importNow), { quiet: true })

  /** The queue (started: the user asked for work); null when another process has it. */
  function jobQueue(): JobQueue | null {
    if (!d.jobs) return null
    try {
      d.jobs.startJobs()
      return d.jobs.queue()
    } catch (e) {
      d.logger.log(
        'warn',
        `dumps: job queue unavailable, importing in the call: ${(e as Error).message}`,
      )
      return null
    }
  }

  /**
   * Metadata exports as a BackgroundService: `start()` resumes watching the unfinished exports
   * Loupe created (and downloads their files when they finish); imports are jobs of the queue.
   */
  const background: BackgroundService = {
    async start(): Promise<StartResult> {
      if (closing.signal.aborted) closing = new AbortController()
      for (const prof of d.profiles.list().profiles) {
        for (const r of records.all(prof.name)) {
          if (r.ours && r.status === 'PROCESSING') void watch(prof.name, r.id)
        }
      }
      return { ok: true }
    },
    async stop() {
      closing.abort()
      await Promise.allSettled([...watchers.values(), ...downloads.values()])
    },
    async close() {
      await background.stop()
    },
  }

  return {
    records,
    watch,
    download,
    tasks: {
      /**
       * `quiet`: no notification about this export (its caller reports on it). `pollMaxMs`: the
       * longest pause between two looks at it (its caller waits for it).
       */
      async dumpCreate(
        input: { profile?: string },
        opts: { quiet?: boolean; pollMaxMs?: number } = {},
      ) {
        const p = profileOf(input.profile)
        const engine = await d.engines.get(p.name)
        const res = await engine.dumpMeta()
        if (opts.quiet) quiet.add(wkey(p.name, res.id))
        const now = Date.now()
        const r = records.put(p.name, res.id, {
          status: res.dumpMetaStatus,
          code: null,
          message: null,
          metaUrl: null,
          utcCreate: now,
          utcModified: now,
          ours: true,
        })
        emitStatus(p.name, r)
        void watch(p.name, res.id, opts.pollMaxMs ? { maxMs: opts.pollMaxMs } : {})
        return view(p.name, r)
      },
      async dumpList(input: { profile?: string }) {
        const p = profileOf(input.profile)
        let offline: ApiError | null = null
        try {
          const engine = await d.engines.get(p.name)
          const res = await engine.dumpMetaList({ pageNumber: 1, pageSize: 20 })
          for (const t of res.dumpMetaList) {
            const before = records.get(p.name, t.id)
            const r = records.put(p.name, t.id, fromEngine(t))
            if (before && before.status !== r.status) emitStatus(p.name, r)
            // Auto-refresh: anything still running is watched until it finishes.
            if (r.status === 'PROCESSING') void watch(p.name, t.id)
          }
        } catch (e) {
          offline = toApiError(e, d.logger.redact)
        }
        return { items: records.all(p.name).map((r) => view(p.name, r)), offline }
      },
      async dumpGet(input: { profile?: string; id: number }) {
        const p = profileOf(input.profile)
        try {
          return view(p.name, await refreshOne(p.name, input.id))
        } catch (e) {
          const known = records.get(p.name, input.id)
          if (known) return view(p.name, known)
          throw e
        }
      },
      async dumpWait(input: { profile?: string; id: number; timeoutMs: number }) {
        const p = profileOf(input.profile)
        const r = records.get(p.name, input.id) ?? (await refreshOne(p.name, input.id))
        const running =
          watchers.get(wkey(p.name, input.id)) ??
          (r.status === 'PROCESSING' ? watch(p.name, input.id) : null)
        // A watch ended by closing (null) has not settled.
        const settled = running
          ? (await settlesWithin(running, input.timeoutMs)) &&
            (await running.then(
              (x) => x !== null,
              () => true,
            ))
          : true
        return { settled, task: view(p.name, records.get(p.name, input.id) ?? r) }
      },
      async dumpDownload(input: { profile?: string; id: number }) {
        const p = profileOf(input.profile)
        if (records.get(p.name, input.id)?.status !== 'SUCCESS') await refreshOne(p.name, input.id)
        return view(p.name, await download(p.name, input.id))
      },
      async dumpDiff(input: In<(typeof T.dumpTaskMethods)['dumpDiff']['input']>) {
        const p = profileOf(input.profile)
        const { file } = await sourceFile(p.name, input.source)
        const op = d.newOp(input.opId)
        const pr = progressEmitter(p.name, op.id, 'diff')
        try {
          const diff = await d.galleries.get(p.name).diffDump(file, {
            sample: input.sample,
            onProgress: (x) => pr.update(x),
            signal: op.ctl.signal,
          })
          return { ...diff, file }
        } finally {
          pr.cancel()
          op.done()
        }
      },
      async dumpImport(input: In<(typeof T.dumpTaskMethods)['dumpImport']['input']>) {
        const p = profileOf(input.profile)
        const { file, id } = await sourceFile(p.name, input.source)
        const op = d.newOp(input.opId)
        try {
          const params: DumpImportParams = { file, id, opId: op.id }
          const q = jobQueue()
          if (!q) return await importNow(p.name, params, op.ctl.signal)
          return await importAsJob(q, p.name, params, op.ctl.signal, closing.signal)
        } finally {
          op.done()
        }
      },
    },
    ...background,
  }
}

export type DumpService = ReturnType<typeof createDumpService>
