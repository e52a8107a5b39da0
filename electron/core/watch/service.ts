/**
 * The `watch` domain: watch rules (folder → profile, naming rule, defaults, on delete, globs)
 * kept in `<dataDir>/watch.db`, and the watchers that run them.
 *
 * - Rules can be added, changed, paused and removed from any process (the UI or the CLI); the
 *   watchers run in ONE process per data folder — the host whose `core.start()` started this
 *   BackgroundService first (lock file `watch-runner.lock`). That process notices rules changed by others within
 *   `pollMs` (SQLite `data_version`).
 * - Sync work goes through the job queue as `bulk-add` jobs (rate limits, retries, resume); each
 *   picture's outcome comes back from the queue's item events into the rule's file table
 *   (sync.ts). A rule's contract view and input checks are in rules.ts.
 * - Reconcile: a preview (to add / to update / to delete / unchanged / rejected) of any rule, kept
 *   for 10 minutes under a token; apply sends exactly that preview. A process that does not run
 *   the watchers while another one does leaves an apply request for it.
 */

import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { CoreError } from '../errors'
import type { EventBus } from '../events'
import type { Galleries } from '../galleries'
import type { BulkAddFields } from '../jobs/bulk-add/index'
import type { JobService } from '../jobs/service'
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
  type ReconcilePlan,
} from './reconcile'
import { DEFAULT_TIMINGS, RuleRunner, type WatchTimings } from './runner'
import { createWatchSync } from './sync'
import { previewItem, problemItem, ruleView, validateRule } from './rules'
import {
  WatchStore,
  type FileState,
  type OnDelete,
  type PauseReason,
  type RuleRecord,
  type RuleState,
} from './store'
import { pageOf } from '../util/page'

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
  /** Follow links whose target is outside the folder (default: no, listed as skipped). */
  followSymlinks?: boolean
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

  const sync = createWatchSync({ deps, db, open: () => store, setState })
  const { settleFromQueue, inFlight, applyPlan } = sync

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
      if (r.rescanRequest !== null) {
        db().updateRule(r.id, { rescanRequest: null })
        runners.get(r.id)?.rescan()
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

  async function computePlan(rule: RuleRecord): Promise<ReconcilePlan> {
    if (!fs.existsSync(rule.folder)) {
      throw new CoreError('FolderNotFound', `The folder ${rule.folder} does not exist.`, {
        hint: 'Reconnect the drive or fix the rule’s folder.',
      })
    }
    const known = db().fileMap(rule.id)
    const scan = await walkFolder(rule.folder, ruleMatcher(rule.include, rule.exclude), {
      followSymlinks: rule.followSymlinks,
    })
    const described = await describeFiles(rule, scan.files, known)
    return diffFolder(
      rule,
      described,
      known,
      deps.galleries.get(rule.profile),
      inFlight,
      scan.problems,
    )
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
          .map((r) => ruleView(db, r, !!owner)),
        runner: owner ? { pid: owner.pid, host: owner.host, self: owner.self } : null,
      }
    },
    async add(input: RuleInput) {
      const v = validateRule(deps, db, input)
      const r = db().addRule(v)
      if (started) void startRunner(r)
      return ruleView(db, r, !!runnerOwner())
    },
    async update(input: { id: number; patch: Omit<RuleInput, 'folder'> & { folder?: string } }) {
      const r = mustRule(input.id)
      const v = validateRule(
        deps,
        db,
        {
          folder: input.patch.folder ?? r.folder,
          profile: input.patch.profile ?? r.profile,
          naming: input.patch.naming ?? r.naming,
          defaults: input.patch.defaults ?? r.defaults,
          onDelete: input.patch.onDelete ?? r.onDelete,
          include: input.patch.include ?? r.include,
          exclude: input.patch.exclude ?? r.exclude,
          followSymlinks: input.patch.followSymlinks ?? r.followSymlinks,
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
      return ruleView(db, after, !!runnerOwner())
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
      return ruleView(db, mustRule(input.id), !!runnerOwner())
    },
    async resume(input: { id: number }) {
      mustRule(input.id)
      db().updateRule(input.id, { paused: false, pauseReason: null, state: 'idle', detail: null })
      deps.events.emit('watch.changed', { ruleId: input.id, state: 'idle', detail: null })
      if (started) await startRunner(mustRule(input.id))
      return ruleView(db, mustRule(input.id), !!runnerOwner())
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
          unreadable:
            plan.unreadable.length + plan.problems.filter((p) => p.state === 'failed').length,
          skipped: plan.problems.filter((p) => p.state === 'skipped').length,
          kept: plan.kept.length,
          inFlight: plan.inFlight.length,
        },
        add: plan.add.slice(0, PREVIEW_LIST_MAX).map(previewItem),
        update: plan.update.slice(0, PREVIEW_LIST_MAX).map(previewItem),
        delete: plan.delete.slice(0, PREVIEW_LIST_MAX),
        rejected: plan.rejected.slice(0, PREVIEW_LIST_MAX).map(previewItem),
        unreadable: [
          ...plan.problems.filter((p) => p.state === 'failed').map(problemItem),
          ...plan.unreadable.map(previewItem),
        ].slice(0, PREVIEW_LIST_MAX),
        skipped: plan.problems
          .filter((p) => p.state === 'skipped')
          .slice(0, PREVIEW_LIST_MAX)
          .map(problemItem),
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
    /**
     * Scan the rule's folder again now: files and folders that could not be read are tried
     * again. Done by the process running the watchers (asked through watch.db when it is another
     * one); `requestedAt`: the rule's `lastScanAt` passes it once the scan (and its sync) is over.
     */
    async rescan(input: { id: number }) {
      const r = mustRule(input.id)
      if (r.paused || (r.state === 'paused' && r.pauseReason === 'mass-delete')) {
        throw new CoreError('WatchRulePaused', `Watch rule ${r.id} is paused.`, {
          hint: r.paused ? 'Resume it first.' : 'Review it with Reconcile, then apply or resume.',
          httpStatus: 409,
        })
      }
      const requestedAt = Date.now()
      const owner = runnerOwner()
      if (!owner) return { running: false, delegated: false, requestedAt }
      if (!owner.self) {
        db().updateRule(r.id, { rescanRequest: requestedAt })
        return { running: true, delegated: true, requestedAt }
      }
      const runner = runners.get(r.id)
      if (runner) runner.rescan()
      else await startRunner(r)
      return { running: true, delegated: false, requestedAt }
    },
    async files(input: { id: number; states?: FileState[]; offset?: number; limit?: number }) {
      mustRule(input.id)
      const r = db().files(input.id, {
        states: input.states,
        ...pageOf(input),
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
          error: f.errorCode
            ? {
                code: f.errorCode,
                message: f.errorMessage ?? '',
                ...(f.errorReason ? { reason: f.errorReason } : {}),
              }
            : null,
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
      sync.detach()
      store?.close()
      store = null
    },
  }
}

export type WatchService = ReturnType<typeof createWatchService>
