// Size (≈760 lines), kept for now: issue 10 moves the watchers onto the one background-work runner
// it introduces (lock, start/stop/close, polling of rules changed elsewhere); what stays here after
// that is the `watch` domain, which is the seam to split along then.
/**
 * The `watch` domain: watch rules (folder → profile, naming rule, defaults, on delete, globs)
 * kept in `<dataDir>/watch.db`, and the watchers that run them.
 *
 * - Rules can be added, changed, paused and removed from any process (the UI or the CLI); the
 *   watchers run in ONE process per data folder — the host that called `startWatchers()` first
 *   (lock file `watch-runner.lock`). That process notices rules changed by others within
 *   `pollMs` (SQLite `data_version`).
 * - Sync work goes through the job queue as `bulk-add` jobs (rate limits, retries, resume); each
 *   picture's outcome comes back from the queue's item events into the rule's file table.
 * - Reconcile: a preview (to add / to update / to delete / unchanged / rejected) of any rule, kept
 *   for 10 minutes under a token; apply sends exactly that preview. A process that does not run
 *   the watchers while another one does leaves an apply request for it.
 */

import { ACTIVE_JOB_STATES } from '../../domain'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { CoreError } from '../errors'
import type { ServiceType } from '../engines/types'
import type { EventBus } from '../events'
import type { Galleries } from '../galleries'
import {
  enqueueBulkAdd,
  itemKey,
  mergeFields,
  parseNamingRule,
  type BulkAddFields,
  type PlanItem,
} from '../jobs/bulk-add/index'
import type { JobService } from '../jobs/service'
import type { ItemEvent, JobProgress } from '../jobs/types'
import type { Logger } from '../log'
import type { ProfileStore } from '../profiles/store'
import { lockOwner, tryLock, type LockOwner } from '../util/lock'
import type { StartResult } from '../background'
import {
  describeFiles,
  diffFolder,
  ruleMatcher,
  sampleFolder,
  walkFolder,
  type Described,
  type ReconcilePlan,
} from './reconcile'
import { DEFAULT_TIMINGS, RuleRunner, type WatchTimings } from './runner'
import {
  WatchStore,
  type FileRecord,
  type FileState,
  type OnDelete,
  type PauseReason,
  type RuleRecord,
  type RuleState,
} from './store'

export interface WatchServiceDeps {
  dataDir: string
  profiles: ProfileStore
  galleries: Galleries
  jobs: JobService
  events: EventBus
  logger: Logger
  host: string
  timings?: Partial<WatchTimings>
  /** How often the runner looks at rules changed by another process (default 2000 ms). */
  pollMs?: number
  /** Desktop host: a folder picker dialog. */
  pickFolder?: () => Promise<string | null>
}

export interface RuleInput {
  folder: string
  profile?: string
  naming?: string
  defaults?: BulkAddFields
  onDelete?: OnDelete
  include?: string[]
  exclude?: string[]
}

const PREVIEW_TTL_MS = 10 * 60_000
const PREVIEW_LIST_MAX = 500

function notFound(id: number): CoreError {
  return new CoreError('RuleNotFound', `There is no watch rule ${id}.`, { httpStatus: 404 })
}

export function createWatchService(deps: WatchServiceDeps) {
  let store: WatchStore | null = null
  const db = () => (store ??= new WatchStore(path.join(deps.dataDir, 'watch.db')))
  const timings: WatchTimings = { ...DEFAULT_TIMINGS, ...deps.timings }
  const lockFile = path.join(deps.dataDir, 'watch-runner.lock')
  let releaseLock: (() => void) | null = null
  let started = false
  let closed = false
  let pollTimer: NodeJS.Timeout | null = null
  let lastVersion = -1
  const runners = new Map<number, RuleRunner>()
  const previews = new Map<string, { ruleId: number; plan: ReconcilePlan; at: number }>()
  const jobRule = new Map<number, number>()
  let queueAttached = false
  const lastProgress = new Map<number, number>()

  const log = (msg: string, e?: unknown) =>
    deps.logger.log(
      e ? 'warn' : 'info',
      `watch: ${msg}${e ? `: ${(e as Error)?.message ?? e}` : ''}`,
    )

  function mustRule(id: number): RuleRecord {
    const r = db().rule(id)
    if (!r) throw notFound(id)
    return r
  }

  function setState(
    ruleId: number,
    state: RuleState,
    detail: string | null,
    reason: PauseReason | null = null,
  ): void {
    const r = db().rule(ruleId)
    if (!r) return
    if (r.state === state && r.detail === detail && r.pauseReason === reason) return
    db().updateRule(ruleId, { state, detail, pauseReason: state === 'paused' ? reason : null })
    deps.events.emit('watch.changed', { ruleId, state, detail })
    if (state === 'paused' && reason === 'mass-delete') {
      const runner = runners.get(ruleId)
      runners.delete(ruleId)
      void runner?.stop()
    }
  }

  // ------------------------------------------------------------- the queue

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
      const r = store?.rule(ruleId)
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
        db().upsertFile({
          ruleId: rule.id,
          relPath: d.relPath,
          size: d.size,
          mtimeMs: d.mtimeMs,
          sha256: d.sha256,
          productId: d.productId,
          picName: d.picName,
          state: 'pending',
          jobId: r.jobId,
          itemKey: itemKey(d.productId!, d.picName!),
          errorCode: null,
          errorMessage: null,
        })
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

  const runnerContext = {
    get store() {
      return db()
    },
    setState,
    gallery: (profile: string) => deps.galleries.get(profile),
    apply: applyPlan,
    inFlight,
    whenSettled: async (jobId: number) => {
      await deps.jobs.whenSettled(jobId).catch(() => {})
    },
    log,
    timings,
  }

  // ------------------------------------------------------------- runners

  async function startRunner(rule: RuleRecord): Promise<void> {
    if (runners.has(rule.id) || rule.paused) return
    try {
      deps.profiles.get(rule.profile)
    } catch {
      setState(rule.id, 'error', `The profile "${rule.profile}" does not exist.`)
      return
    }
    const r = new RuleRunner(rule, runnerContext)
    runners.set(rule.id, r)
    try {
      await r.start()
    } catch (e) {
      runners.delete(rule.id)
      setState(rule.id, 'error', (e as Error).message)
    }
  }

  async function stopRunner(id: number): Promise<void> {
    const r = runners.get(id)
    runners.delete(id)
    await r?.stop()
  }

  /** Follow changes made by other processes (rules added, paused, removed; apply requests). */
  async function poll(): Promise<void> {
    if (!started || closed) return
    const v = db().dataVersion()
    if (v === lastVersion) return
    lastVersion = v
    const rules = db().rules()
    const ids = new Set(rules.map((r) => r.id))
    for (const id of [...runners.keys()]) if (!ids.has(id)) await stopRunner(id)
    for (const r of rules) {
      if (r.paused && runners.has(r.id)) {
        await stopRunner(r.id)
        setState(r.id, 'paused', null, 'user')
      } else if (!r.paused && !runners.has(r.id) && r.pauseReason !== 'mass-delete') {
        await startRunner(r)
      }
      if (r.applyRequest) {
        db().updateRule(r.id, { applyRequest: null })
        try {
          const res = await applyNow(r.id)
          db().updateRule(r.id, { applyResult: { at: Date.now(), ...res } })
        } catch (e) {
          db().updateRule(r.id, {
            applyResult: {
              at: Date.now(),
              jobId: null,
              add: 0,
              update: 0,
              delete: 0,
              error: (e as Error).message,
            },
          })
        }
      }
    }
  }

  function runnerOwner(): (LockOwner & { self: boolean }) | null {
    if (started) return { pid: process.pid, host: deps.host, since: 0, self: true }
    const o = lockOwner(lockFile)
    return o ? { ...o, self: false } : null
  }

  // ------------------------------------------------------------- views

  function view(r: RuleRecord, running: boolean) {
    const c = db().counts(r.id)
    let state: RuleState = r.state
    let detail = r.detail
    let pauseReason = r.pauseReason
    if (r.paused) {
      state = 'paused'
      pauseReason = 'user'
      detail = null
    } else if (!running && state !== 'paused') {
      state = 'idle'
      detail = 'No Loupe host is watching folders right now.'
    }
    return {
      id: r.id,
      folder: r.folder,
      profile: r.profile,
      naming: r.naming,
      defaults: r.defaults,
      onDelete: r.onDelete,
      include: r.include,
      exclude: r.exclude,
      paused: r.paused,
      state,
      pauseReason,
      detail,
      lastScanAt: r.lastScanAt,
      lastSyncAt: r.lastSyncAt,
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
      counts: {
        tracked: c.pending + c.synced + c.failed + c.rejected + c.deleting,
        synced: c.synced,
        pending: c.pending + c.deleting,
        failed: c.failed,
        rejected: c.rejected,
      },
      applyResult: r.applyResult,
    }
  }

  function previewItem(d: Described) {
    return {
      relPath: d.relPath,
      productId: d.productId,
      picName: d.picName,
      size: d.size,
      error: d.error,
    }
  }

  async function computePlan(rule: RuleRecord): Promise<ReconcilePlan> {
    if (!fs.existsSync(rule.folder)) {
      throw new CoreError('FolderNotFound', `The folder ${rule.folder} does not exist.`, {
        hint: 'Reconnect the drive or fix the rule’s folder.',
      })
    }
    const known = db().fileMap(rule.id)
    const files = await walkFolder(rule.folder, ruleMatcher(rule.include, rule.exclude))
    const described = await describeFiles(rule, files, known)
    return diffFolder(rule, described, known, deps.galleries.get(rule.profile), inFlight)
  }

  async function applyNow(id: number, token?: string) {
    const rule = mustRule(id)
    let plan: ReconcilePlan | null = null
    if (token) {
      const p = previews.get(token)
      if (p && p.ruleId === id && Date.now() - p.at < PREVIEW_TTL_MS) plan = p.plan
      previews.delete(token)
    }
    const run = async () => {
      plan ??= await computePlan(rule)
      // forget what needs no job (as a sync would)
      db().transaction(() => {
        for (const rel of plan!.forget) db().removeFile(id, rel)
      })
      return { jobId: await applyPlan(rule, plan) }
    }
    // A live rule applies in its own sync order, never racing a sync of the same pictures.
    const runner = runners.get(id)
    const { jobId } = runner ? await runner.exclusive(run) : await run()
    if (rule.pauseReason === 'mass-delete' && !rule.paused) {
      db().updateRule(id, { pauseReason: null, state: 'idle', detail: null })
      if (started) void startRunner(db().rule(id)!)
    }
    return {
      jobId,
      add: plan!.add.length,
      update: plan!.update.length,
      delete: plan!.delete.length,
    }
  }

  function validateInput(input: RuleInput, exceptId?: number) {
    const folder = path.resolve(input.folder)
    let st: fs.Stats | null = null
    try {
      st = fs.statSync(folder)
    } catch {
      /* below */
    }
    if (!st?.isDirectory()) {
      throw new CoreError('FolderNotFound', `The folder ${folder} does not exist.`, {
        hint: 'Give the full path of an existing folder.',
      })
    }
    const profile = input.profile ?? deps.profiles.active()
    deps.profiles.get(profile)
    const naming = parseNamingRule(input.naming ?? 'folder').text
    const include = input.include ?? []
    const exclude = input.exclude ?? []
    ruleMatcher(include, exclude)
    const dup = db()
      .rules()
      .find((r) => r.folder === folder && r.profile === profile && r.id !== exceptId)
    if (dup) {
      throw new CoreError(
        'RuleExists',
        `Rule ${dup.id} already watches ${folder} for profile "${profile}".`,
        { httpStatus: 409 },
      )
    }
    return {
      folder,
      profile,
      naming,
      defaults: input.defaults ?? {},
      onDelete: input.onDelete ?? ('keep' as OnDelete),
      include,
      exclude,
    }
  }

  const api = {
    async pickFolder(_input: object = {}) {
      if (!deps.pickFolder) return { supported: false, path: null }
      return { supported: true, path: await deps.pickFolder() }
    },
    async samples(input: { folder: string; include?: string[]; exclude?: string[] }) {
      const folder = path.resolve(input.folder)
      if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) {
        return { exists: false, files: [] }
      }
      const rels = await sampleFolder(folder, ruleMatcher(input.include ?? [], input.exclude ?? []))
      return {
        exists: true,
        files: rels.map((relPath) => ({ relPath, rootName: path.basename(folder) })),
      }
    },
    async list(_input: Record<string, never> | object = {}) {
      const owner = runnerOwner()
      return {
        rules: db()
          .rules()
          .map((r) => view(r, !!owner)),
        runner: owner ? { pid: owner.pid, host: owner.host, self: owner.self } : null,
      }
    },
    async add(input: RuleInput) {
      const v = validateInput(input)
      const r = db().addRule(v)
      if (started) void startRunner(r)
      return view(r, !!runnerOwner())
    },
    async update(input: { id: number; patch: Omit<RuleInput, 'folder'> & { folder?: string } }) {
      const r = mustRule(input.id)
      const v = validateInput(
        {
          folder: input.patch.folder ?? r.folder,
          profile: input.patch.profile ?? r.profile,
          naming: input.patch.naming ?? r.naming,
          defaults: input.patch.defaults ?? r.defaults,
          onDelete: input.patch.onDelete ?? r.onDelete,
          include: input.patch.include ?? r.include,
          exclude: input.patch.exclude ?? r.exclude,
        },
        r.id,
      )
      const moved = v.folder !== r.folder || v.profile !== r.profile
      await stopRunner(r.id)
      db().transaction(() => {
        // another folder or profile: what the rule tracked no longer applies
        if (moved) for (const rel of db().fileMap(r.id).keys()) db().removeFile(r.id, rel)
        db().updateRule(r.id, { ...v })
      })
      const after = db().rule(r.id)!
      if (started) void startRunner(after)
      deps.events.emit('watch.changed', { ruleId: r.id, state: after.state, detail: after.detail })
      return view(after, !!runnerOwner())
    },
    async remove(input: { id: number }) {
      mustRule(input.id)
      await stopRunner(input.id)
      db().removeRule(input.id)
      deps.events.emit('watch.changed', { ruleId: input.id, state: 'removed', detail: null })
      return { ok: true as const }
    },
    async pause(input: { id: number }) {
      mustRule(input.id)
      await stopRunner(input.id)
      db().updateRule(input.id, { paused: true })
      setState(input.id, 'paused', null, 'user')
      return view(mustRule(input.id), !!runnerOwner())
    },
    async resume(input: { id: number }) {
      mustRule(input.id)
      db().updateRule(input.id, { paused: false, pauseReason: null, state: 'idle', detail: null })
      deps.events.emit('watch.changed', { ruleId: input.id, state: 'idle', detail: null })
      if (started) await startRunner(mustRule(input.id))
      return view(mustRule(input.id), !!runnerOwner())
    },
    async reconcile(input: { id: number }) {
      const rule = mustRule(input.id)
      const plan = await computePlan(rule)
      const token = crypto.randomUUID()
      const now = Date.now()
      for (const [k, p] of previews) if (now - p.at > PREVIEW_TTL_MS) previews.delete(k)
      previews.set(token, { ruleId: rule.id, plan, at: now })
      return {
        token,
        ruleId: rule.id,
        counts: {
          add: plan.add.length,
          update: plan.update.length,
          delete: plan.delete.length,
          unchanged: plan.unchanged.length,
          rejected: plan.rejected.length,
          kept: plan.kept.length,
          inFlight: plan.inFlight.length,
        },
        add: plan.add.slice(0, PREVIEW_LIST_MAX).map(previewItem),
        update: plan.update.slice(0, PREVIEW_LIST_MAX).map(previewItem),
        delete: plan.delete.slice(0, PREVIEW_LIST_MAX),
        rejected: plan.rejected.slice(0, PREVIEW_LIST_MAX).map(previewItem),
        kept: plan.kept.slice(0, PREVIEW_LIST_MAX),
      }
    },
    async apply(input: { id: number; token?: string }) {
      mustRule(input.id)
      const owner = runnerOwner()
      if (owner && !owner.self) {
        // Another process runs the watchers (and the job queue): leave it the request.
        const at = Date.now()
        db().updateRule(input.id, { applyRequest: { at } })
        return { delegated: true, jobId: null, add: 0, update: 0, delete: 0, requestedAt: at }
      }
      const r = await applyNow(input.id, input.token)
      return { delegated: false, ...r, requestedAt: null }
    },
    async files(input: { id: number; states?: FileState[]; offset?: number; limit?: number }) {
      mustRule(input.id)
      const r = db().files(input.id, {
        states: input.states,
        offset: input.offset ?? 0,
        limit: Math.min(input.limit ?? 100, 1000),
      })
      return {
        total: r.total,
        files: r.files.map((f) => ({
          relPath: f.relPath,
          productId: f.productId,
          picName: f.picName,
          state: f.state,
          size: f.size,
          jobId: f.jobId,
          error: f.errorCode ? { code: f.errorCode, message: f.errorMessage ?? '' } : null,
          updatedAt: f.updatedAt,
        })),
      }
    },
  }

  return {
    api,
    store: db,
    /**
     * Run the watch rules of this data folder in this process (the hosts call it). Returns
     * `{ ok: false, owner }`, running nothing, when another live process runs them.
     */
    async start(): Promise<StartResult> {
      if (closed) throw new Error('watch service is closed')
      if (started) return { ok: true }
      const l = tryLock(lockFile, deps.host)
      if (!l.ok) return l
      try {
        // Syncs are jobs of the queue: it runs here too, or the watchers do not.
        const jobs = await deps.jobs.start()
        if (!jobs.ok) {
          l.release()
          return jobs
        }
        settleFromQueue()
      } catch (e) {
        l.release()
        throw e
      }
      releaseLock = l.release
      started = true
      lastVersion = db().dataVersion()
      for (const r of db().rules()) {
        if (r.paused) setState(r.id, 'paused', null, 'user')
        else if (r.pauseReason !== 'mass-delete') await startRunner(r)
      }
      pollTimer = setInterval(() => {
        poll().catch((e) => log('poll failed', e))
      }, deps.pollMs ?? 2000)
      pollTimer.unref()
      return { ok: true }
    },
    runner: runnerOwner,
    /** Resolves when the rule has nothing pending (tests, benchmarks, CLI). */
    async whenIdle(ruleId: number): Promise<void> {
      await runners.get(ruleId)?.whenIdle()
    },
    async stop(): Promise<void> {
      if (!started) return
      started = false
      if (pollTimer) clearInterval(pollTimer)
      pollTimer = null
      await Promise.all([...runners.keys()].map((id) => stopRunner(id)))
      releaseLock?.()
      releaseLock = null
    },
    async close(): Promise<void> {
      await this.stop()
      closed = true
      for (const timer of touched.values()) clearTimeout(timer)
      touched.clear()
      if (queueAttached) {
        try {
          const q = deps.jobs.queue()
          q.off('item', onItem)
          q.off('progress', onProgress)
        } catch {
          /* queue closed */
        }
      }
      store?.close()
      store = null
    },
  }
}

export type WatchService = ReturnType<typeof createWatchService>
