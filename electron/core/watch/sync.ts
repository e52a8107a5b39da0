/**
 * The watchers' side of the job queue: a sync is a `bulk-add` job; the queue's item events settle
 * the rule's file rows (synced, failed, removed), its progress events show as the rule's state, and
 * `settleFromQueue` catches up with jobs that ran while no watcher listened (a restart).
 */

import path from 'node:path'
import { ACTIVE_JOB_STATES } from '../../domain'
import type { ServiceType } from '../engines/types'
import { enqueueBulkAdd, itemKey, mergeFields, type PlanItem } from '../jobs/bulk-add/index'
import type { ItemEvent, JobProgress } from '../jobs/types'
import { fileRow, type ReconcilePlan } from './reconcile'
import type { FileRecord, PauseReason, RuleRecord, RuleState, WatchStore } from './store'
import type { WatchServiceDeps } from './service'

export interface WatchSyncContext {
  deps: WatchServiceDeps
  db(): WatchStore
  /** The store if it is open (timers firing after close do not reopen it). */
  open(): WatchStore | null
  setState(
    ruleId: number,
    state: RuleState,
    detail: string | null,
    reason?: PauseReason | null,
  ): void
}

export function createWatchSync({ deps, db, open, setState }: WatchSyncContext) {
  const jobRule = new Map<number, number>()
  let queueAttached = false
  const lastProgress = new Map<number, number>()

  function attachQueue() {
    const q = deps.jobs.queue()
    if (!queueAttached) {
      queueAttached = true
      q.on('item', onItem)
      q.on('progress', onProgress)
    }
    return q
  }

  function onItem(e: ItemEvent): void {
    if (e.state !== 'done' && e.state !== 'failed' && e.state !== 'skipped') return
    let files: FileRecord[]
    try {
      files = db().filesOfItem(e.jobId, e.key)
    } catch {
      return
    }
    for (const f of files) settleFile(f, e.state, e.error)
    for (const id of new Set(files.map((f) => f.ruleId))) touch(id)
  }

  /** The rule's counts moved: tell the UI (at most twice a second per rule). */
  const touched = new Map<number, NodeJS.Timeout>()
  function touch(ruleId: number): void {
    if (touched.has(ruleId)) return
    const timer = setTimeout(() => {
      touched.delete(ruleId)
      const r = open()?.rule(ruleId)
      if (r) deps.events.emit('watch.changed', { ruleId, state: r.state, detail: r.detail })
    }, 500)
    timer.unref()
    touched.set(ruleId, timer)
  }

  function settleFile(
    f: FileRecord,
    state: 'done' | 'failed' | 'skipped' | string,
    error: { code: string; message: string } | null,
  ): void {
    const s = db()
    if (f.state === 'deleting') {
      if (state === 'failed') s.setFileState(f.ruleId, f.relPath, 'failed', error)
      else s.removeFile(f.ruleId, f.relPath)
      return
    }
    if (state === 'failed') s.setFileState(f.ruleId, f.relPath, 'failed', error)
    else s.setFileState(f.ruleId, f.relPath, 'synced', null)
  }

  function onProgress(p: JobProgress): void {
    const ruleId = jobRule.get(p.jobId)
    if (ruleId === undefined) return
    const now = Date.now()
    if (now - (lastProgress.get(ruleId) ?? 0) < 250 && p.pending + p.running > 0) return
    lastProgress.set(ruleId, now)
    const finished = p.done + p.failed + p.skipped
    if (p.pending + p.running > 0) setState(ruleId, 'syncing', `${finished}/${p.total}`)
  }

  /** Bring the file table up to date with jobs that ran while nobody listened. */
  function settleFromQueue(): void {
    const q = attachQueue()
    const byJob = new Map<number, FileRecord[]>()
    for (const f of db().unsettled()) {
      const list = byJob.get(f.jobId!) ?? []
      list.push(f)
      byJob.set(f.jobId!, list)
    }
    for (const [jobId, files] of byJob) {
      const job = q.getJob(jobId)
      if (!job) {
        for (const f of files) {
          db().setFileState(f.ruleId, f.relPath, 'failed', {
            code: 'JobLost',
            message: `Job ${jobId} no longer exists; the next scan sends the picture again.`,
          })
        }
        continue
      }
      jobRule.set(jobId, files[0].ruleId)
      const items = new Map(
        q.listItems(jobId, { states: ['done', 'failed', 'skipped'] }).map((i) => [i.key, i]),
      )
      for (const f of files) {
        const it = f.itemKey ? items.get(f.itemKey) : undefined
        if (it) settleFile(f, it.state, it.error)
      }
    }
  }

  function inFlight(f: FileRecord): boolean {
    if (f.jobId === null) return false
    try {
      const job = deps.jobs.queue().getJob(f.jobId)
      return !!job && (ACTIVE_JOB_STATES as readonly string[]).includes(job.state)
    } catch {
      return false
    }
  }

  async function applyPlan(rule: RuleRecord, plan: ReconcilePlan): Promise<number | null> {
    const items: PlanItem[] = []
    const fields = mergeFields(rule.defaults, {})
    for (const d of [...plan.add, ...plan.update]) {
      items.push({
        op: 'add',
        action: 'add',
        source: d.abs,
        origin: null,
        relPath: d.relPath,
        productId: d.productId,
        picName: d.picName,
        fields,
        outcome: null,
        sha256: d.sha256,
        phash: null,
      })
    }
    for (const x of plan.delete) {
      items.push({
        op: 'delete',
        action: 'delete',
        source: null,
        origin: null,
        relPath: x.relPath,
        productId: x.productId,
        picName: x.picName,
        fields: {},
        outcome: null,
        sha256: null,
        phash: null,
      })
    }
    if (items.length === 0) return null
    deps.jobs.startJobs()
    const q = attachQueue()
    const serviceType = (() => {
      try {
        return deps.profiles.get(rule.profile).serviceType as ServiceType
      } catch {
        return 'product' as ServiceType
      }
    })()
    const parts = [
      plan.add.length ? `${plan.add.length} new` : '',
      plan.update.length ? `${plan.update.length} changed` : '',
      plan.delete.length ? `${plan.delete.length} removed` : '',
    ].filter(Boolean)
    const r = await enqueueBulkAdd(q, items, {
      profile: rule.profile,
      title: `Folder ${path.basename(rule.folder)}: ${parts.join(', ')}`,
      serviceType,
      sources: [rule.folder],
    })
    jobRule.set(r.jobId, rule.id)
    const sent = new Set<string>()
    db().transaction(() => {
      for (const d of [...plan.add, ...plan.update]) {
        sent.add(d.relPath)
        db().upsertFile(
          fileRow(rule.id, d, 'pending', {
            jobId: r.jobId,
            itemKey: itemKey(d.productId!, d.picName!),
          }),
        )
      }
      for (const x of plan.delete) {
        if (sent.has(x.relPath)) continue // same file, new ids: the row now tracks the add
        const k = db().file(rule.id, x.relPath)
        db().upsertFile({
          ruleId: rule.id,
          relPath: x.relPath,
          size: k?.size ?? 0,
          mtimeMs: k?.mtimeMs ?? 0,
          sha256: k?.sha256 ?? null,
          productId: x.productId,
          picName: x.picName,
          state: 'deleting',
          jobId: r.jobId,
          itemKey: `delete:${itemKey(x.productId, x.picName)}`,
          errorCode: null,
          errorMessage: null,
        })
      }
    })
    // Items that finished before the rows were written.
    for (const it of q.listItems(r.jobId, { states: ['done', 'failed', 'skipped'] })) {
      for (const f of db().filesOfItem(r.jobId, it.key)) settleFile(f, it.state, it.error)
    }
    return r.jobId
  }

  return {
    attachQueue,
    settleFromQueue,
    inFlight,
    applyPlan,
    /** Stop listening to the queue (the service closes). */
    detach(): void {
      for (const timer of touched.values()) clearTimeout(timer)
      touched.clear()
      if (!queueAttached) return
      queueAttached = false
      try {
        const q = deps.jobs.queue()
        q.off('item', onItem)
        q.off('progress', onProgress)
      } catch {
        /* queue closed */
      }
    },
  }
}

export type WatchSync = ReturnType<typeof createWatchSync>
