/**
 * A watch rule as the contract shows it (its counts, and its state as seen from this process),
 * a reconcile preview's rows, and the checks a rule's input goes through.
 */

import fs from 'node:fs'
import path from 'node:path'
import { CoreError } from '../errors'
import { parseNamingRule } from '../jobs/bulk-add/index'
import { ruleMatcher, type Described, type ScanProblem } from './reconcile'
import type { RuleInput, WatchServiceDeps } from './service'
import type { OnDelete, RuleRecord, RuleState, WatchStore } from './store'

export function ruleView(db: () => WatchStore, r: RuleRecord, running: boolean) {
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
    followSymlinks: r.followSymlinks,
    paused: r.paused,
    state,
    pauseReason,
    detail,
    lastScanAt: r.lastScanAt,
    lastSyncAt: r.lastSyncAt,
    nextRetryAt: running ? r.nextRetryAt : null,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    counts: {
      tracked: c.pending + c.synced + c.failed + c.rejected + c.deleting,
      synced: c.synced,
      pending: c.pending + c.deleting,
      failed: c.failed,
      rejected: c.rejected,
      skipped: c.skipped,
      unreadable: db().unreadableCount(r.id),
    },
    applyResult: r.applyResult,
  }
}

export function previewItem(d: Described) {
  return {
    relPath: d.relPath,
    productId: d.productId,
    picName: d.picName,
    size: d.size,
    error: d.error ? rowError(d.error) : null,
  }
}

/** A folder that cannot be opened, or a link not followed, as a preview row. */
export function problemItem(p: ScanProblem) {
  return { relPath: p.relPath, productId: null, picName: null, size: 0, error: rowError(p.error) }
}

function rowError(e: { code: string; message: string; reason?: string | null }) {
  return { code: e.code, message: e.message, ...(e.reason ? { reason: e.reason } : {}) }
}

export function validateRule(
  deps: Pick<WatchServiceDeps, 'profiles'>,
  db: () => WatchStore,
  input: RuleInput,
  exceptId?: number,
) {
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
    followSymlinks: input.followSymlinks ?? false,
  }
}
