import path from 'node:path'
import { pathToFileURL } from 'node:url'
import type { ApiError } from '../../api/errors'
import { toApiError } from '../../api/dispatch'
import { CoreError } from '../errors'
import type { DumpMetaTask } from '../engines/types'
import { Coalescer } from '../jobs/progress'
import { sleep as sleepFor } from '../util/sleep'
import { dumpsDir, type DumpRecord, type DumpRecords } from './dump-records'
import { downloadFile } from './download'
import type { DumpServiceDeps } from './dumps'
import { logf } from '../log-text'

/**
 * Following a metadata export to its file (dumps.ts builds it): `watch` polls DumpMetaList with
 * backoff until SUCCESS or FAIL (`task.status` events, a `notification` at the end) and downloads
 * the file of an export Loupe created right away; `download` fetches a finished export's file
 * into `<profile>/dumps/`. One watch and one download per task at a time; both end when the
 * service stops (`closing()` aborts).
 */

/** A notification about an export (dumps.ts's `notify`). */
export type DumpNotify = (
  level: 'info' | 'success' | 'warning' | 'error',
  title: string,
  body: string,
  key?: string,
  params?: Record<string, string | number>,
  target?: { profile: string; id: number | null },
) => void

export interface DumpFollowDeps {
  d: Pick<
    DumpServiceDeps,
    'profiles' | 'engines' | 'events' | 'logger' | 'newOp' | 'poll' | 'ownFile'
  >
  records: DumpRecords
  /** Aborted when the service stops (a new signal after each start). */
  closing: () => AbortSignal
  /** When a finished export's link stops working (null: never). */
  expiresAt: (profile: string, r: DumpRecord) => number | null
  notify: DumpNotify
  emitStatus: (profile: string, r: DumpRecord) => void
}

/** The key of a task in the maps of running watches and downloads. */
export const wkey = (profile: string, id: number) => `${profile}#${id}`

/** The engine's facts of a task, as recorded. */
export function fromEngine(t: DumpMetaTask): Partial<DumpRecord> {
  return {
    status: t.status,
    code: t.code,
    message: t.message,
    metaUrl: t.metaUrl,
    utcCreate: t.utcCreate,
    utcModified: t.utcModified,
  }
}

export function createDumpFollow({
  d,
  records,
  closing,
  expiresAt,
  notify,
  emitStatus,
}: DumpFollowDeps) {
  const watchers = new Map<string, Promise<DumpRecord | null>>()
  const downloads = new Map<string, Promise<DumpRecord>>()
  const firstMs = d.poll?.firstMs ?? 500
  const factor = d.poll?.factor ?? 1.6
  const maxMs = d.poll?.maxMs ?? 30_000
  const maxFailures = d.poll?.maxFailures ?? 30

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
        const own = await d.ownFile?.(r.metaUrl)
        const bytes = await downloadFile(own ? pathToFileURL(own).href : r.metaUrl, dest, {
          signal: AbortSignal.any([op.ctl.signal, closing()]),
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
        d.logger.log('info', logf`dump ${id} of ${profile} downloaded: ${bytes} bytes → ${dest}`)
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

  const sleep = (ms: number) => sleepFor(ms, closing())

  /**
   * Polls a task until it finishes; resolves with its final record (null if closed first).
   * `maxMs` caps the backoff for an export someone waits on (a copy's dry run): a poll that just
   * missed the end must not leave them waiting half a minute more.
   */
  function watch(
    profile: string,
    id: number,
    o: { maxMs?: number } = {},
  ): Promise<DumpRecord | null> {
    const k = wkey(profile, id)
    const running = watchers.get(k)
    if (running) return running
    const cap = Math.min(maxMs, o.maxMs ?? maxMs)
    const p = (async (): Promise<DumpRecord | null> => {
      let delay = Math.min(firstMs, cap)
      let failures = 0
      let lastError: ApiError | null = null
      let lastStatus = records.get(profile, id)?.status ?? null
      for (;;) {
        await sleep(delay)
        if (closing().aborted) return null
        delay = Math.min(cap, delay * factor)
        let task: DumpMetaTask | undefined
        try {
          const engine = await d.engines.get(profile)
          const res = await engine.dumpMetaList({ id, pageNumber: 1, pageSize: 1 })
          task = res.dumpMetaList.find((t) => t.id === id)
          failures = 0
        } catch (e) {
          if (closing().aborted) return null
          failures++
          lastError = toApiError(e, d.logger.redact)
          d.logger.log(
            'warn',
            logf`dump ${id} of ${profile}: DumpMetaList failed (${failures}/${maxFailures}): ${lastError.code}`,
          )
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
              if (closing().aborted) return records.get(profile, id)
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

  return {
    watch,
    download,
    /** Running watches (resolving with the final record, null if stopped first), by wkey. */
    watchers: watchers as ReadonlyMap<string, Promise<DumpRecord | null>>,
    /** Running downloads, by wkey. */
    downloads: downloads as ReadonlyMap<string, Promise<DumpRecord>>,
  }
}
