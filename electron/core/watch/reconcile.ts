/**
 * What a watch rule's folder holds versus what the gallery and the rule know: the pictures to
 * add, to update (same ids, other content), to delete (tracked, now gone), and those unchanged.
 *
 * Content is compared by SHA-256. A file whose size and mtime match what the rule recorded is
 * not read again. The ids come from the rule's naming rule (as in bulk add); a picture the rule
 * cannot name, or whose fields are invalid, is listed as rejected with the reason.
 */

import fs from 'node:fs'
import path from 'node:path'
import picomatch from 'picomatch'
import { isPictureFileName } from '../../domain/picture'
import { CoreError } from '../errors'
import {
  deriveIds,
  itemKey,
  mergeFields,
  parseNamingRule,
  sha256File,
  validateItem,
  type NamingRule,
} from '../jobs/bulk-add/index'
import { blockedPrefixes, osReason, type Accept, type ScanProblem, type ScannedFile } from './scan'
import type { FileRecord, FileState, RuleRecord } from './store'

export {
  sampleFolder,
  scanPath,
  walkFolder,
  type Accept,
  type ScanProblem,
  type ScannedFile,
} from './scan'

/** Which relative paths a rule watches: pictures, not hidden, matching include and not exclude. */
export function ruleMatcher(include: string[], exclude: string[]): Accept {
  const opts = { dot: false, nocase: true }
  let inc: ((s: string) => boolean) | null
  let exc: ((s: string) => boolean) | null
  try {
    inc = include.length ? picomatch(include, opts) : null
    exc = exclude.length ? picomatch(exclude, opts) : null
  } catch (e) {
    throw new CoreError('InvalidGlob', `A glob pattern is invalid: ${(e as Error).message}`)
  }
  return (rel) => {
    const segs = rel.split('/')
    if (segs.some((s) => s.startsWith('.'))) return false
    if (!isPictureFileName(segs[segs.length - 1])) return false
    if (inc && !inc(rel)) return false
    if (exc && exc(rel)) return false
    return true
  }
}

/** A picture of the folder with its ids and hash (or why it cannot be sent). */
export interface Described extends ScannedFile {
  sha256: string | null
  productId: string | null
  picName: string | null
  /** `reason`: the OS error code when the file cannot be read (EACCES…). */
  error: { code: string; message: string; reason?: string | null } | null
}

/** The row that tracks a described picture in the rule's files table (`more` sets job and error). */
export function fileRow(
  ruleId: number,
  d: Described,
  state: FileState,
  more: Partial<
    Pick<FileRecord, 'jobId' | 'itemKey' | 'errorCode' | 'errorMessage' | 'errorReason'>
  > = {},
): Omit<FileRecord, 'updatedAt'> {
  return {
    ruleId,
    relPath: d.relPath,
    size: d.size,
    mtimeMs: d.mtimeMs,
    sha256: d.sha256,
    productId: d.productId,
    picName: d.picName,
    state,
    jobId: null,
    itemKey: null,
    errorCode: null,
    errorMessage: null,
    errorReason: null,
    ...more,
  }
}

/** Hash (unless the rule already knows this size+mtime) and name each file. */
export async function describeFiles(
  rule: Pick<RuleRecord, 'naming' | 'defaults' | 'folder'>,
  files: ScannedFile[],
  known: Map<string, FileRecord>,
  opts: { concurrency?: number; signal?: AbortSignal } = {},
): Promise<Described[]> {
  const naming: NamingRule = parseNamingRule(rule.naming)
  const rootName = path.basename(rule.folder)
  const out: Described[] = new Array(files.length)
  let next = 0
  await Promise.all(
    Array.from({ length: Math.max(1, opts.concurrency ?? 4) }, async () => {
      while (next < files.length) {
        opts.signal?.throwIfAborted()
        const i = next++
        out[i] = await describe(files[i])
      }
    }),
  )
  return out.filter(Boolean)

  async function describe(f: ScannedFile): Promise<Described> {
    const k = known.get(f.relPath)
    let sha256: string | null = null
    let error: Described['error'] = null
    try {
      if (k && k.sha256 && k.size === f.size && k.mtimeMs === f.mtimeMs) {
        // Known content: not hashed again, but still readable? (a later change must be sent)
        await fs.promises.access(f.abs, fs.constants.R_OK)
        sha256 = k.sha256
      } else sha256 = await sha256File(f.abs)
    } catch (e) {
      const r = osReason(e)
      error = {
        code: 'WatchFileUnreadable',
        message: `Cannot read ${f.relPath}: ${r.text}`,
        reason: r.reason,
      }
    }
    const d = deriveIds(f.relPath, naming, { rootName })
    if ('error' in d) {
      return {
        ...f,
        sha256,
        productId: null,
        picName: null,
        error: error ?? { code: 'NamingRuleMismatch', message: d.error },
      }
    }
    const problems = validateItem(d, mergeFields(rule.defaults, {}))
    if (problems.length && !error) {
      error = {
        code: problems[0].code,
        message: `${f.relPath}: ${problems.map((p) => p.message).join('; ')}`,
      }
    }
    return { ...f, sha256, productId: d.productId, picName: d.picName, error }
  }
}

export interface GalleryView {
  get(productId: string, picName: string): { sha256: string | null } | null
}

export interface DeleteEntry {
  relPath: string
  productId: string
  picName: string
}

export interface ReconcilePlan {
  add: Described[]
  update: Described[]
  unchanged: Described[]
  rejected: Described[]
  /** Pictures of the folder that cannot be read (failed, with the OS reason; retried). */
  unreadable: Described[]
  /** Folders that cannot be opened, links not followed or broken (see scan.ts). */
  problems: ScanProblem[]
  /** Tracked pictures gone from the folder (or renamed) that the gallery still has. */
  delete: DeleteEntry[]
  /** Gone pictures left in the gallery because the rule keeps them (on delete: keep). */
  kept: DeleteEntry[]
  /** Tracked entries to forget (gone, and not in the gallery, or rejected before). */
  forget: string[]
  /** Pictures whose last change is still in a running job (not sent twice). */
  inFlight: Described[]
}

/**
 * Compare the folder (described, and the scan's problems) with the rule's tracked files and the
 * gallery. What the rule tracked under a folder that cannot be opened is neither deleted nor
 * forgotten: it cannot be seen, which is not gone.
 */
export function diffFolder(
  rule: Pick<RuleRecord, 'onDelete'>,
  described: Described[],
  known: Map<string, FileRecord>,
  gallery: GalleryView,
  inFlight: (k: FileRecord) => boolean = () => false,
  problems: ScanProblem[] = [],
): ReconcilePlan {
  const plan: ReconcilePlan = {
    inFlight: [],
    add: [],
    update: [],
    unchanged: [],
    rejected: [],
    unreadable: [],
    problems,
    delete: [],
    kept: [],
    forget: [],
  }
  const keys = new Map<string, string>()
  // A problem (cannot be read, a link not followed) is there: not gone, whatever it gave before.
  const seenProblems = new Set<string>(problems.map((p) => p.relPath))
  const present = new Set<string>(seenProblems)
  const blocked = blockedPrefixes(problems)
  for (const d of described) {
    present.add(d.relPath)
    if (d.error?.code === 'WatchFileUnreadable') {
      plan.unreadable.push(d)
      continue
    }
    if (d.error || !d.productId || !d.picName || !d.sha256) {
      plan.rejected.push(d)
      continue
    }
    const key = itemKey(d.productId, d.picName)
    const other = keys.get(key)
    if (other) {
      plan.rejected.push({
        ...d,
        error: {
          code: 'DuplicateKey',
          message: `${d.relPath} gives productId ${d.productId} and picName ${d.picName}, as ${other} does`,
        },
      })
      continue
    }
    keys.set(key, d.relPath)
    const k = known.get(d.relPath)
    if (
      k &&
      k.state === 'pending' &&
      k.sha256 === d.sha256 &&
      k.productId === d.productId &&
      k.picName === d.picName &&
      inFlight(k)
    ) {
      plan.inFlight.push(d)
      continue
    }
    const g = gallery.get(d.productId, d.picName)
    if (!g) plan.add.push(d)
    else if (
      g.sha256 === d.sha256 ||
      (g.sha256 === null && k?.state === 'synced' && k.sha256 === d.sha256)
    ) {
      plan.unchanged.push(d)
    } else plan.update.push(d)
  }
  for (const [rel, k] of known) {
    if (seenProblems.has(rel)) continue
    const renamedIds =
      present.has(rel) &&
      k.productId !== null &&
      !described.some(
        (d) => d.relPath === rel && d.productId === k.productId && d.picName === k.picName,
      )
    if (present.has(rel) && !renamedIds) continue
    if (!present.has(rel) && blocked.some((b) => rel.startsWith(b))) continue
    if (!k.productId || !k.picName || k.state === 'rejected') {
      if (!present.has(rel)) plan.forget.push(rel)
      continue
    }
    // Another file of the folder now gives the same ids: it replaces this one, nothing to delete.
    if (keys.has(itemKey(k.productId, k.picName))) {
      if (!present.has(rel)) plan.forget.push(rel)
      continue
    }
    const entry = { relPath: rel, productId: k.productId, picName: k.picName }
    if (!gallery.get(k.productId, k.picName)) {
      if (!present.has(rel)) plan.forget.push(rel)
      continue
    }
    if (rule.onDelete === 'remove') plan.delete.push(entry)
    else {
      plan.kept.push(entry)
      if (!present.has(rel)) plan.forget.push(rel)
    }
  }
  return plan
}
