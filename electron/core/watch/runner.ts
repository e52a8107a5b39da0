/**
 * One watched folder, live: chokidar (v4) watches it; a change is taken once the file's size
 * has been stable for a moment (awaitWriteFinish), changes are gathered for a short debounce, then
 * reconciled — only new or changed pictures (by SHA-256) are sent, through the job queue. Deletes
 * follow the rule (remove from the gallery, or keep). Syncs of one rule never overlap: the next
 * waits for the previous job, so an add and a delete of the same picture cannot race.
 *
 * Safety: if the folder itself disappears (unmounted drive, renamed, deleted) the rule pauses
 * (`folder-missing`), drops the pending changes — no mass delete — and resumes by itself when the
 * folder is back. If more than half of the tracked pictures (and over 20) vanish at once, the rule
 * pauses (`mass-delete`) until the user reviews it (Reconcile → apply, or resume).
 *
 * Files and folders that cannot be read are failed rows with the OS reason (scan.ts); while there
 * are any, the whole folder is scanned again every `retryMs` (doubling up to `retryMaxMs` while
 * nothing improves), and at once on `rescan()`. A folder readable again is watched live again.
 */

import fs from 'node:fs'
import path from 'node:path'
import { watch, type FSWatcher } from 'chokidar'
import {
  describeFiles,
  diffFolder,
  fileRow,
  ruleMatcher,
  scanPath,
  walkFolder,
  type Accept,
  type ReconcilePlan,
  type ScanProblem,
  type ScannedFile,
} from './reconcile'
import { blockedPrefixes } from './scan'
import type { FileRecord, PauseReason, RuleRecord, RuleState, WatchStore } from './store'
import { sleep } from '../util/sleep'
import { logf } from '../log-text'

export interface RunnerContext {
  store: WatchStore
  /** Set the live state of a rule (DB + watch.changed event). */
  setState(
    ruleId: number,
    state: RuleState,
    detail: string | null,
    reason?: PauseReason | null,
  ): void
  /** The gallery cache of the rule's profile. */
  gallery(profile: string): {
    get(productId: string, picName: string): { sha256: string | null } | null
  }
  /** Queue the plan's adds, updates and deletes; resolves with the job id (null: nothing sent). */
  apply(rule: RuleRecord, plan: ReconcilePlan): Promise<number | null>
  /** Is this tracked file's last change still in an unfinished job? */
  inFlight(file: FileRecord): boolean
  /** Resolves when a job stops running. */
  whenSettled(jobId: number): Promise<void>
  log(message: string, e?: unknown): void
  timings: WatchTimings
}

export interface WatchTimings {
  /** Quiet time after the last event before a sync (default 200 ms). */
  debounceMs: number
  /** Longest wait after the first event of a burst (default 1500 ms). */
  maxWaitMs: number
  /** awaitWriteFinish: the size must not change for this long (default 250 ms). */
  stabilityMs: number
  /** awaitWriteFinish polling (default 50 ms). */
  pollMs: number
  /** How often the folder's existence is checked (default 3000 ms). */
  folderCheckMs: number
  /** First retry of unreadable files and folders (default 60 s). */
  retryMs: number
  /** Longest wait between retries while nothing becomes readable (default 15 min). */
  retryMaxMs: number
}

export const DEFAULT_TIMINGS: WatchTimings = {
  debounceMs: 200,
  maxWaitMs: 1500,
  stabilityMs: 250,
  pollMs: 50,
  folderCheckMs: 3000,
  retryMs: 60_000,
  retryMaxMs: 15 * 60_000,
}

const MASS_DELETE_MIN = 20

function folderExists(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory()
  } catch {
    return false
  }
}

export class RuleRunner {
  private watcher: FSWatcher | null = null
  private dirty = new Set<string>()
  private timer: NodeJS.Timeout | null = null
  private firstDirtyAt = 0
  private chain: Promise<void> = Promise.resolve()
  private lastJob: number | null = null
  private folderTimer: NodeJS.Timeout | null = null
  private stopped = false
  private missing = false
  private accept: Accept
  private busy = 0
  private retryTimer: NodeJS.Timeout | null = null
  private retryDelay: number
  private fullQueued = false

  constructor(
    private rule: RuleRecord,
    private readonly ctx: RunnerContext,
  ) {
    this.accept = ruleMatcher(rule.include, rule.exclude)
    this.retryDelay = ctx.timings.retryMs
  }

  get id(): number {
    return this.rule.id
  }

  /** Start watching: initial reconcile (automatic adds/updates/deletes per rule), then live. */
  async start(): Promise<void> {
    this.stopped = false
    this.folderTimer = setInterval(() => this.checkFolder(), this.ctx.timings.folderCheckMs)
    this.folderTimer.unref()
    if (!folderExists(this.rule.folder)) {
      this.goMissing()
      return
    }
    await this.startWatcher()
    this.enqueue(() => this.fullSync('initial'))
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    if (this.folderTimer) clearInterval(this.folderTimer)
    this.folderTimer = null
    this.clearRetry()
    await this.closeWatcher()
    await this.chain.catch(() => {})
  }

  /** Resolves when nothing is pending for this rule (no dirty path, no sync, last job settled). */
  async whenIdle(): Promise<void> {
    for (;;) {
      await this.chain.catch(() => {})
      if (this.lastJob !== null) await this.ctx.whenSettled(this.lastJob)
      if (this.dirty.size === 0 && !this.timer && this.busy === 0) return
      await sleep(25)
    }
  }

  /**
   * Scan the whole folder again now (the user asked): unreadable files and folders are tried
   * again, and the retry interval starts over.
   */
  rescan(): void {
    if (this.stopped) return
    this.retryDelay = this.ctx.timings.retryMs
    this.clearRetry()
    if (this.missing) this.checkFolder()
    else this.queueFull('rescan')
  }

  /** A full sync, unless one is already waiting in the chain. */
  private queueFull(why: string): void {
    if (this.fullQueued) return
    this.fullQueued = true
    this.enqueue(() => {
      this.fullQueued = false
      return this.fullSync(why)
    })
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.retryTimer = null
  }

  /**
   * While files or folders cannot be read, scan again later (after a full sync: from now; after a
   * live change: unless a retry is already planned).
   */
  private planRetry(afterFull: boolean): void {
    if (this.stopped || this.missing) return
    const n = this.ctx.store.unreadableCount(this.rule.id)
    if (n === 0) {
      this.clearRetry()
      this.retryDelay = this.ctx.timings.retryMs
      if (this.rule.nextRetryAt !== null) {
        this.rule = this.ctx.store.updateRule(this.rule.id, { nextRetryAt: null }) ?? this.rule
      }
      return
    }
    if (this.retryTimer && !afterFull) return
    this.clearRetry()
    const delay = this.retryDelay
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      this.queueFull('retry')
    }, delay)
    this.retryTimer.unref()
    this.rule =
      this.ctx.store.updateRule(this.rule.id, { nextRetryAt: Date.now() + delay }) ?? this.rule
  }

  private async startWatcher(): Promise<void> {
    const root = this.rule.folder
    const w = watch(root, {
      ignoreInitial: true,
      persistent: true,
      // Links to folders outside are watched only when the rule follows them (scan.ts decides).
      followSymlinks: this.rule.followSymlinks,
      awaitWriteFinish: {
        stabilityThreshold: this.ctx.timings.stabilityMs,
        pollInterval: this.ctx.timings.pollMs,
      },
      ignored: (p: string, stats?: fs.Stats) => {
        const rel = path.relative(root, p)
        if (!rel) return false
        if (rel.split(path.sep).some((s) => s.startsWith('.'))) return true
        return !!stats?.isFile() && !this.accept(rel.split(path.sep).join('/'))
      },
    })
    const onPath = (p: string) => {
      const rel = path.relative(root, p).split(path.sep).join('/')
      if (!rel || rel.startsWith('..')) return
      this.markDirty(rel)
    }
    w.on('add', onPath)
    w.on('change', onPath)
    w.on('unlink', onPath)
    w.on('unlinkDir', (p: string) => {
      if (path.resolve(p) === path.resolve(root)) this.checkFolder()
      else this.markDirtyDir(path.relative(root, p).split(path.sep).join('/'))
    })
    let ready = false
    w.on('error', (e: unknown) => {
      this.ctx.log(`watch rule ${this.rule.id}: watcher error`, e)
      this.checkFolder()
      // A folder (or file) it cannot read: a full scan records it as failed, with the reason.
      const code = (e as NodeJS.ErrnoException)?.code
      if (ready && (code === 'EACCES' || code === 'EPERM')) this.queueFull('unreadable')
    })
    await new Promise<void>((resolve) => w.once('ready', () => resolve()))
    ready = true
    this.watcher = w
  }

  private async closeWatcher(): Promise<void> {
    const w = this.watcher
    this.watcher = null
    if (w) await w.close().catch(() => {})
  }

  private markDirty(rel: string): void {
    if (this.stopped || this.missing) return
    if (this.dirty.size === 0) this.firstDirtyAt = Date.now()
    this.dirty.add(rel)
    this.schedule()
  }

  /** A sub-folder went away: every tracked file under it is dirty. */
  private markDirtyDir(relDir: string): void {
    const prefix = relDir + '/'
    for (const rel of this.ctx.store.fileMap(this.rule.id).keys()) {
      if (rel.startsWith(prefix)) this.markDirty(rel)
    }
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer)
    const { debounceMs, maxWaitMs } = this.ctx.timings
    const wait = Math.max(0, Math.min(debounceMs, this.firstDirtyAt + maxWaitMs - Date.now()))
    this.timer = setTimeout(() => {
      this.timer = null
      const paths = [...this.dirty]
      this.dirty.clear()
      this.enqueue(() => this.partialSync(paths))
    }, wait)
  }

  /**
   * Run `fn` in this rule's sync order (after the running sync and its job), e.g. applying a
   * reconcile while the rule is live, so that it never races a sync of the same pictures.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.enqueue(async () => {
        try {
          const r = await fn()
          resolve(r)
          const job = (r as { jobId?: number | null } | undefined)?.jobId
          if (typeof job === 'number') this.lastJob = job
        } catch (e) {
          reject(e)
        }
      }, true)
    })
  }

  private enqueue(fn: () => Promise<void>, always = false): void {
    this.busy++
    this.chain = this.chain
      .then(async () => {
        if (this.stopped && !always) return
        // one sync at a time per rule: wait for the previous job to be over
        if (this.lastJob !== null) await this.ctx.whenSettled(this.lastJob)
        if (this.stopped && !always) return
        await fn()
      })
      .catch((e) => {
        this.ctx.log(`watch rule ${this.rule.id}: sync failed`, e)
        this.ctx.setState(this.rule.id, 'error', (e as Error).message ?? String(e))
      })
      .finally(() => {
        this.busy--
      })
  }

  private checkFolder(): void {
    if (this.stopped) return
    const exists = folderExists(this.rule.folder)
    if (!exists && !this.missing) this.goMissing()
    else if (exists && this.missing) {
      this.missing = false
      this.ctx.log(logf`watch rule ${this.rule.id}: folder ${this.rule.folder} is back`)
      void this.startWatcher().then(() => this.enqueue(() => this.fullSync('folder back')))
    }
  }

  private goMissing(): void {
    this.missing = true
    this.dirty.clear()
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    void this.closeWatcher()
    this.ctx.setState(
      this.rule.id,
      'paused',
      `The folder ${this.rule.folder} does not exist (any more): the rule is paused until it is back. Nothing was removed from the gallery.`,
      'folder-missing',
    )
  }

  private refresh(): RuleRecord {
    const r = this.ctx.store.rule(this.rule.id)
    if (r) this.rule = r
    return this.rule
  }

  /** Reconcile the whole folder and send what changed. */
  private async fullSync(why: string): Promise<void> {
    const rule = this.refresh()
    if (this.missing || !folderExists(rule.folder)) return this.goMissing()
    this.ctx.setState(rule.id, 'scanning', `Scanning (${why})`)
    const known = this.ctx.store.fileMap(rule.id)
    const before = this.ctx.store.unreadableCount(rule.id)
    const opts = { followSymlinks: rule.followSymlinks }
    let scan = await walkFolder(rule.folder, this.accept, opts)
    // A folder that could not be opened can be now: watch it live (a new watcher sees into it).
    const wasBlocked = [...known.values()]
      .filter((k) => k.state === 'failed' && k.errorCode === 'WatchFolderUnreadable')
      .map((k) => k.relPath)
    const blocked = new Set(scan.problems.filter((p) => p.dir).map((p) => p.relPath))
    if (wasBlocked.some((rel) => !blocked.has(rel)) && this.watcher) {
      this.ctx.log(`watch rule ${rule.id}: a folder that could not be read can be now`)
      await this.closeWatcher()
      if (this.stopped) return
      await this.startWatcher()
      scan = await walkFolder(rule.folder, this.accept, opts)
    }
    await this.send(rule, scan.files, known, true, known.size, scan.problems)
    this.ctx.store.updateRule(rule.id, { lastScanAt: Date.now() })
    // Retrying while nothing improves: wait longer each time (up to retryMaxMs).
    const after = this.ctx.store.unreadableCount(rule.id)
    const { retryMs, retryMaxMs } = this.ctx.timings
    if (after === 0 || after < before || why === 'rescan') this.retryDelay = retryMs
    else if (why === 'retry') this.retryDelay = Math.min(retryMaxMs, this.retryDelay * 2)
    this.planRetry(true)
  }

  /** Reconcile only the given paths (live changes). */
  private async partialSync(paths: string[]): Promise<void> {
    const rule = this.refresh()
    // The folder itself vanished: its files' unlink events are not deletions.
    if (!folderExists(rule.folder)) return this.goMissing()
    const all = this.ctx.store.fileMap(rule.id)
    const known = new Map([...all].filter(([rel]) => paths.includes(rel)))
    const files: ScannedFile[] = []
    const problems: ScanProblem[] = []
    for (const rel of paths) {
      // null: gone (a delete), or not the rule's
      const r = await scanPath(rule.folder, rel, this.accept, {
        followSymlinks: rule.followSymlinks,
      })
      if (r && 'state' in r) problems.push(r)
      else if (r) files.push(r)
    }
    await this.send(rule, files, known, false, all.size, problems)
    this.planRetry(false)
  }

  private async send(
    rule: RuleRecord,
    files: ScannedFile[],
    known: Map<string, FileRecord>,
    full: boolean,
    trackedTotal = known.size,
    problems: ScanProblem[] = [],
  ): Promise<void> {
    const described = await describeFiles(rule, files, known)
    const plan = diffFolder(
      rule,
      described,
      known,
      this.ctx.gallery(rule.profile),
      (k) => this.ctx.inFlight(k),
      problems,
    )
    const blocked = blockedPrefixes(problems)
    // Remember unchanged and rejected pictures (hash cache, reasons) without sending anything.
    this.ctx.store.transaction(() => {
      for (const d of plan.unchanged) {
        this.ctx.store.upsertFile(fileRow(rule.id, d, 'synced'))
      }
      for (const d of plan.rejected) {
        this.ctx.store.upsertFile(
          fileRow(rule.id, d, 'rejected', {
            errorCode: d.error?.code ?? 'Rejected',
            errorMessage: d.error?.message ?? null,
          }),
        )
      }
      // Unreadable files and folders, links not followed: failed or skipped, with the reason.
      for (const d of plan.unreadable) {
        const k = known.get(d.relPath)
        this.ctx.store.upsertFile(
          fileRow(rule.id, { ...d, sha256: d.sha256 ?? k?.sha256 ?? null }, 'failed', {
            errorCode: d.error!.code,
            errorMessage: d.error!.message,
            errorReason: d.error!.reason ?? null,
          }),
        )
      }
      for (const p of plan.problems) {
        const k = known.get(p.relPath)
        this.ctx.store.upsertFile({
          ruleId: rule.id,
          relPath: p.relPath,
          size: k?.size ?? 0,
          mtimeMs: k?.mtimeMs ?? 0,
          sha256: k?.sha256 ?? null,
          productId: k?.productId ?? null,
          picName: k?.picName ?? null,
          state: p.state,
          jobId: null,
          itemKey: null,
          errorCode: p.error.code,
          errorMessage: p.error.message,
          errorReason: p.error.reason,
        })
      }
      for (const rel of plan.forget) this.ctx.store.removeFile(rule.id, rel)
    })
    if (plan.problems.length || plan.unreadable.length) {
      this.ctx.log(
        `watch rule ${rule.id}: ${plan.unreadable.length + plan.problems.filter((p) => p.state === 'failed').length} cannot be read, ${plan.problems.filter((p) => p.state === 'skipped').length} links not followed`,
      )
    }
    // Tracked pictures under a folder that cannot be opened are not counted as vanished.
    if (blocked.includes('')) trackedTotal = 0
    else if (blocked.length) {
      trackedTotal -= [...known.keys()].filter((r) => blocked.some((b) => r.startsWith(b))).length
    }
    if (
      plan.delete.length > MASS_DELETE_MIN &&
      plan.delete.length > trackedTotal / 2 &&
      rule.onDelete === 'remove'
    ) {
      this.ctx.setState(
        rule.id,
        'paused',
        `${plan.delete.length} of ${trackedTotal} pictures disappeared from the folder at once; nothing was removed. Review them with Reconcile, then apply.`,
        'mass-delete',
      )
      this.stopped = true
      await this.closeWatcher()
      return
    }
    const n = plan.add.length + plan.update.length + plan.delete.length
    if (n === 0) {
      this.ctx.setState(rule.id, 'watching', this.failedDetail(rule.id))
      if (full) this.ctx.store.updateRule(rule.id, { lastSyncAt: Date.now() })
      return
    }
    this.ctx.setState(rule.id, 'syncing', `0/${n}`)
    const jobId = await this.ctx.apply(rule, plan)
    this.lastJob = jobId
    if (jobId !== null) await this.ctx.whenSettled(jobId)
    if (this.stopped || this.missing) return
    this.ctx.store.updateRule(rule.id, { lastSyncAt: Date.now() })
    this.ctx.setState(rule.id, 'watching', this.failedDetail(rule.id))
  }

  private failedDetail(ruleId: number): string | null {
    const failed = this.ctx.store.counts(ruleId).failed
    const unreadable = this.ctx.store.unreadableCount(ruleId)
    if (!failed) return null
    return unreadable ? `${failed} failed (${unreadable} cannot be read)` : `${failed} failed`
  }
}
