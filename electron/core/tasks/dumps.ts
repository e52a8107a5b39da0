import fs from 'node:fs'
import path from 'node:path'
import type { z } from 'zod'
import type * as T from '../../api/domains/tasks'
import type { ApiError } from '../../api/errors'
import { toApiError } from '../../api/dispatch'
import { CoreError } from '../errors'
import type { EngineRegistry } from '../engines/registry'
import type { DumpMetaTask } from '../engines/types'
import type { EventBus } from '../events'
import type { Galleries } from '../galleries'
import { Coalescer } from '../jobs/progress'
import type { JobQueue } from '../jobs/queue'
import type { JobHandler } from '../jobs/types'
import type { BackgroundService, StartResult } from '../background'
import { sleep as sleepFor } from '../util/sleep'
import {
  DUMP_IMPORT_KIND,
  dumpImportHandler,
  importAsJob,
  type DumpImportParams,
  type DumpImportResult,
} from './dump-import-job'
import type { Logger } from '../log'
import type { ProfileStore } from '../profiles/store'
import { DumpRecords, dumpsDir, type DumpRecord } from './dump-records'
import { downloadFile } from './download'
import { settlesWithin } from '../util/deadline'

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
 * downloaded into `<profile>/dumps/` right away (the cloud's link expires after 2 hours) and kept,
 * then imported into the gallery cache after a diff preview.
 */
export function createDumpService(d: DumpServiceDeps) {
  const records = new DumpRecords(d.profiles)
  const watchers = new Map<string, Promise<DumpRecord | null>>()
  const downloads = new Map<string, Promise<DumpRecord>>()
  /** Aborted by stop(): watchers, downloads and waits end (a new one on each start). */
  let closing = new AbortController()
  const firstMs = d.poll?.firstMs ?? 500
  const factor = d.poll?.factor ?? 1.6
  const maxMs = d.poll?.maxMs ?? 30_000
  const maxFailures = d.poll?.maxFailures ?? 30

  const profileOf = (name?: string) => d.profiles.get(name ?? d.profiles.active())
  const wkey = (profile: string, id: number) => `${profile}#${id}`

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

  function fromEngine(t: DumpMetaTask): Partial<DumpRecord> {
    return {
      status: t.status,
      code: t.code,
      message: t.message,
      metaUrl: t.metaUrl,
      utcCreate: t.utcCreate,
      utcModified: t.utcModified,
    }
  }

  function notify(
    level: 'info' | 'success' | 'warning' | 'error',
    title: string,
    body: string,
    key?: string,
    params?: Record<string, string | number>,
    target?: { profile: string; id: number | null },
  ) {
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

  /** Downloads a finished export's file into dumps/ (one download per task at a time). */
  function download(profile: string, id: number, opId?: string): Promise<DumpRecord> {
    const k = wkey(profile, id)
    const running = downloads.get(k)
    if (running) return running
    const p = (async () => {
      const r = records.get(profile, id)
      if (!r || r.status !== 'SUCCESS' || !r.metaUrl) {
        throw new CoreError(
          'DumpNotReady',
          `Export ${id} has no file to download (status ${r?.status ?? 'unknown'})`,
          { hint: 'Wait until the export has finished successfully.' },
        )
      }
      const exp = expiresAt(profile, r)
      if (exp !== null && Date.now() > exp) {
        throw new CoreError(
          'DumpUrlExpired',
          `The link to export ${id} expired at ${new Date(exp).toISOString()}`,
          {
            hint: 'Export links stop working 2 hours after the export finished: create a new export.',
          },
        )
      }
      const dest = path.join(dumpsDir(d.profiles, profile), `meta-${id}.jsonl`)
      const op = d.newOp(opId)
      const co = new Coalescer(100, () => emitProgress())
      let done = 0
      let total = 0
      const emitProgress = (phase: 'running' | 'done' = 'running') =>
        d.events.emit('gallery.progress', {
          profile,
          opId: op.id,
          kind: 'download',
          phase,
          done,
          total,
        })
      try {
        const bytes = await downloadFile(r.metaUrl, dest, {
          signal: AbortSignal.any([op.ctl.signal, closing.signal]),
          onBytes: (b, t) => {
            done = b
            total = t
            co.request()
          },
        })
        co.cancel()
        done = bytes
        total = bytes
        emitProgress('done')
        d.logger.log('info', `dump ${id} of ${profile} downloaded: ${bytes} bytes → ${dest}`)
        const finished = records.put(profile, id, {
          file: { path: dest, bytes, downloadedAt: Date.now() },
          downloadError: null,
        })
        // Same status, new facts (the file): views reload.
        emitStatus(profile, finished)
        return finished
      } catch (e) {
        co.cancel()
        const err = toApiError(e, d.logger.redact)
        records.put(profile, id, { downloadError: err })
        throw e
      } finally {
        op.done()
      }
    })()
    downloads.set(k, p)
    p.then(
      () => downloads.delete(k),
      () => downloads.delete(k),
    )
    return p
  }

  const sleep = (ms: number) => sleepFor(ms, closing.signal)

  /** Polls a task until it finishes; resolves with its final record (null if closed first). */
  function watch(profile: string, id: number): Promise<DumpRecord | null> {
    const k = wkey(profile, id)
    const running = watchers.get(k)
    if (running) return running
    const p = (async (): Promise<DumpRecord | null> => {
      let delay = firstMs
      let failures = 0
      let lastError: ApiError | null = null
      let lastStatus = records.get(profile, id)?.status ?? null
      for (;;) {
        await sleep(delay)
        if (closing.signal.aborted) return null
        delay = Math.min(maxMs, delay * factor)
        let task: DumpMetaTask | undefined
        try {
          const engine = await d.engines.get(profile)
          const res = await engine.dumpMetaList({ id, pageNumber: 1, pageSize: 1 })
          task = res.dumpMetaList.find((t) => t.id === id)
          failures = 0
        } catch (e) {
          if (closing.signal.aborted) return null
          failures++
          lastError = toApiError(e, d.logger.redact)
          if (failures < maxFailures) continue
          const r = records.put(profile, id, {
            message: `Stopped watching: ${lastError.code}: ${lastError.message}`,
          })
          notify(
            'warning',
            `Export ${id}: no answer from the engine`,
            `Loupe stopped watching it after ${failures} failed attempts (${lastError.code}). Refresh the Tasks view later.`,
            'dumps.notify.dumpLost',
            { id, code: lastError.code },
            { profile, id },
          )
          return r
        }
        if (!task) {
          const r = records.put(profile, id, {
            status: 'FAIL',
            code: 'TaskNotFound',
            message: 'The engine no longer lists this export.',
          })
          emitStatus(profile, r)
          return r
        }
        const r = records.put(profile, id, fromEngine(task))
        if (r.status !== lastStatus) {
          lastStatus = r.status
          emitStatus(profile, r)
        }
        if (task.status === 'PROCESSING') continue
        if (task.status === 'SUCCESS') {
          let final = r
          if (r.ours) {
            try {
              final = await download(profile, id)
            } catch (e) {
              if (closing.signal.aborted) return records.get(profile, id)
              const err = toApiError(e, d.logger.redact)
              notify(
                'warning',
                `Export ${id} finished, but its file could not be downloaded`,
                `${err.code}: ${err.message}`,
                'dumps.notify.dumpDownloadFailed',
                { id, code: err.code, message: err.message },
                { profile, id },
              )
              return records.get(profile, id)
            }
          }
          const count = /(\d+) images?/.exec(r.message ?? '')?.[1]
          notify(
            'success',
            `Metadata export ${id} finished`,
            `${count ? `${count} images. ` : ''}Import it into the gallery from the Tasks view.`,
            'dumps.notify.dumpDone',
            { id, profile, count: count ?? '' },
            { profile, id },
          )
          return final
        }
        notify(
          'error',
          `Metadata export ${id} failed`,
          `${r.code ?? ''} ${r.message ?? ''}`.trim(),
          'dumps.notify.dumpFailed',
          { id, profile, message: `${r.code ?? ''} ${r.message ?? ''}`.trim() },
          { profile, id },
        )
        return r
      }
    })()
    watchers.set(k, p)
    p.then(
      () => watchers.delete(k),
      () => watchers.delete(k),
    )
    return p
  }

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
      d.logger.log('info', `dump import into ${profile} from ${file}: ${JSON.stringify(counts)}`)
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
      async dumpCreate(input: { profile?: string }) {
        const p = profileOf(input.profile)
        const engine = await d.engines.get(p.name)
        const res = await engine.dumpMeta()
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
        void watch(p.name, res.id)
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
