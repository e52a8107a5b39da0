/**
 * What a watched folder holds, as the rule sees it: the accepted pictures (sub-folders included)
 * and the entries it cannot take, each with its reason — never dropped silently:
 *
 * - a folder that cannot be opened (EACCES…) is a `failed` problem `sub/` (the rule's own folder:
 *   `./`); the pictures the rule tracked under it are left alone (not "gone") until it is readable;
 * - a picture link that cannot be resolved (broken, a loop: ENOENT, ELOOP…) is a `failed` problem;
 * - a link whose target is outside the folder is a `skipped` problem unless the rule follows such
 *   links; a link to a folder inside the folder is not followed (its pictures are taken under their
 *   own path). A followed link is read through its resolved target.
 *
 * A picture file that exists but cannot be read (chmod 000) is found when it is hashed
 * (reconcile.ts `describeFiles`), with the same code and reason.
 */

import fs from 'node:fs'
import path from 'node:path'

export type Accept = (relPath: string) => boolean

export interface ScannedFile {
  relPath: string
  /** The path read: the file, or the resolved target of a followed link. */
  abs: string
  size: number
  mtimeMs: number
}

export type ProblemCode = 'WatchFileUnreadable' | 'WatchFolderUnreadable' | 'WatchLinkOutside'

/** A file or folder of the watched folder the rule cannot take, and why. */
export interface ScanProblem {
  /** Relative path; a folder's ends with `/`, the watched folder itself is `./`. */
  relPath: string
  dir: boolean
  state: 'failed' | 'skipped'
  error: { code: ProblemCode; message: string; reason: string | null }
}

export interface ScanResult {
  files: ScannedFile[]
  problems: ScanProblem[]
}

export interface ScanOptions {
  /** Follow links whose target is outside the folder (the rule's `followSymlinks`). */
  followSymlinks?: boolean
}

/** The relative path of the watched folder itself as a problem row. */
export const ROOT_REL = './'

const toSlash = (p: string) => p.split(path.sep).join('/')
const MAX_DEPTH = 64

/**
 * The OS reason of a failed file operation, without the path Node puts in its message:
 * `{ reason: 'EACCES', text: 'permission denied (EACCES)' }`.
 */
export function osReason(e: unknown): { reason: string | null; text: string } {
  const err = e as NodeJS.ErrnoException | null
  const code = typeof err?.code === 'string' ? err.code : null
  // Node: "EACCES: permission denied, open '/some/path'"
  const m = /^[A-Z][A-Z0-9_]*: ([^,]+)/.exec(String(err?.message ?? ''))
  const what = m ? m[1].trim() : code ? 'error' : 'cannot be read'
  return { reason: code, text: code ? `${what} (${code})` : what }
}

/** Is `p` the folder `root` or inside it (both real paths)? */
export function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p)
  return (
    rel === '' ||
    (!!rel && !rel.startsWith('..' + path.sep) && rel !== '..' && !path.isAbsolute(rel))
  )
}

/** Which relative path prefixes cannot be seen (folders that failed): tracked rows under them stay. */
export function blockedPrefixes(problems: ScanProblem[]): string[] {
  return problems
    .filter((p) => p.dir && p.state === 'failed')
    .map((p) => (p.relPath === ROOT_REL ? '' : p.relPath))
}

export function folderProblem(rel: string, e: unknown): ScanProblem {
  const r = osReason(e)
  const relPath = rel ? `${rel}/` : ROOT_REL
  return {
    relPath,
    dir: true,
    state: 'failed',
    error: {
      code: 'WatchFolderUnreadable',
      message: `Cannot open the folder ${relPath}: ${r.text}`,
      reason: r.reason,
    },
  }
}

export function fileProblem(rel: string, e: unknown): ScanProblem {
  const r = osReason(e)
  return {
    relPath: rel,
    dir: false,
    state: 'failed',
    error: {
      code: 'WatchFileUnreadable',
      message: `Cannot read ${rel}: ${r.text}`,
      reason: r.reason,
    },
  }
}

function outsideProblem(rel: string, dir: boolean): ScanProblem {
  const relPath = dir ? `${rel}/` : rel
  return {
    relPath,
    dir,
    state: 'skipped',
    error: {
      code: 'WatchLinkOutside',
      message: `${relPath} is a link to ${dir ? 'a folder' : 'a file'} outside the watched folder: not followed`,
      reason: null,
    },
  }
}

type LinkOutcome =
  | { kind: 'file'; file: ScannedFile }
  | { kind: 'dir'; target: string }
  | { kind: 'problem'; problem: ScanProblem }
  | { kind: 'none' }

/** A link found at `rel`: what the rule makes of it. */
async function followLink(
  realRoot: string,
  abs: string,
  rel: string,
  accept: Accept,
  opts: ScanOptions,
): Promise<LinkOutcome> {
  let target: string
  let st: fs.Stats
  try {
    target = await fs.promises.realpath(abs)
    st = await fs.promises.stat(target)
  } catch (e) {
    // A broken link or a loop: worth saying only when it would be a picture.
    return accept(rel) ? { kind: 'problem', problem: fileProblem(rel, e) } : { kind: 'none' }
  }
  const inside = isInside(realRoot, target)
  if (st.isDirectory()) {
    // Inside: its pictures are taken under their own path (following would count them twice).
    if (inside) return { kind: 'none' }
    if (!opts.followSymlinks) return { kind: 'problem', problem: outsideProblem(rel, true) }
    return { kind: 'dir', target }
  }
  if (!st.isFile() || !accept(rel)) return { kind: 'none' }
  if (!inside && !opts.followSymlinks) {
    return { kind: 'problem', problem: outsideProblem(rel, false) }
  }
  return {
    kind: 'file',
    file: { relPath: rel, abs: target, size: st.size, mtimeMs: Math.round(st.mtimeMs) },
  }
}

/** Every accepted picture under `root`, and what cannot be taken (see the file's comment). */
export async function walkFolder(
  root: string,
  accept: Accept,
  opts: ScanOptions = {},
): Promise<ScanResult> {
  const files: ScannedFile[] = []
  const problems: ScanProblem[] = []
  let realRoot: string
  try {
    realRoot = await fs.promises.realpath(root)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { files, problems }
    return { files, problems: [folderProblem('', e)] }
  }
  const followed = new Set<string>([realRoot])

  async function walk(dir: string, rel: string, depth: number): Promise<void> {
    let entries: fs.Dirent[]
    try {
      entries = await fs.promises.readdir(dir, { withFileTypes: true })
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code
      if (code !== 'ENOENT' && code !== 'ENOTDIR') problems.push(folderProblem(rel, e))
      return
    }
    for (const d of entries) {
      if (d.name.startsWith('.')) continue
      const abs = path.join(dir, d.name)
      const r = rel ? `${rel}/${d.name}` : d.name
      if (d.isDirectory()) {
        if (depth < MAX_DEPTH) await walk(abs, r, depth + 1)
        continue
      }
      if (d.isSymbolicLink()) {
        const o = await followLink(realRoot, abs, r, accept, opts)
        if (o.kind === 'file') files.push(o.file)
        else if (o.kind === 'problem') problems.push(o.problem)
        else if (o.kind === 'dir' && !followed.has(o.target) && depth < MAX_DEPTH) {
          followed.add(o.target)
          await walk(o.target, r, depth + 1)
        }
        continue
      }
      if (!d.isFile() || !accept(r)) continue
      try {
        const st = await fs.promises.stat(abs)
        if (st.isFile())
          files.push({ relPath: r, abs, size: st.size, mtimeMs: Math.round(st.mtimeMs) })
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') problems.push(fileProblem(r, e))
      }
    }
  }
  await walk(root, '', 0)
  const byPath = (a: { relPath: string }, b: { relPath: string }) =>
    a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0
  files.sort(byPath)
  problems.sort(byPath)
  return { files, problems }
}

/**
 * One path of the folder after a live change: the picture, a problem, or null (gone, not a
 * picture, or reached through a link the walk does not follow).
 */
export async function scanPath(
  root: string,
  rel: string,
  accept: Accept,
  opts: ScanOptions = {},
): Promise<ScannedFile | ScanProblem | null> {
  const abs = path.join(root, ...rel.split('/'))
  let realRoot: string
  let lst: fs.Stats
  try {
    realRoot = await fs.promises.realpath(root)
    lst = await fs.promises.lstat(abs)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR' || !accept(rel)) return null
    // Shut out by a folder above it: that folder is the problem (its pictures are not gone).
    const segs = rel.split('/').slice(0, -1)
    for (let i = 0; i <= segs.length; i++) {
      const dir = segs.slice(0, i)
      try {
        await fs.promises.access(path.join(root, ...dir), fs.constants.R_OK | fs.constants.X_OK)
      } catch (e2) {
        return folderProblem(dir.join('/'), e2)
      }
    }
    return fileProblem(rel, e)
  }
  // Reached through a link to a folder? Only a followed link outside the folder counts.
  const parent = path.dirname(abs)
  let realParent: string
  try {
    realParent = await fs.promises.realpath(parent)
  } catch {
    return null
  }
  const lexical = path.join(realRoot, path.relative(root, parent))
  if (realParent !== lexical && (isInside(realRoot, realParent) || !opts.followSymlinks)) {
    return null
  }
  if (lst.isSymbolicLink()) {
    const o = await followLink(realRoot, abs, rel, accept, opts)
    return o.kind === 'file' ? o.file : o.kind === 'problem' ? o.problem : null
  }
  if (!lst.isFile() || !accept(rel)) return null
  return { relPath: rel, abs, size: lst.size, mtimeMs: Math.round(lst.mtimeMs) }
}

/** The first `max` accepted pictures under `root`, in name order (naming previews). */
export async function sampleFolder(root: string, accept: Accept, max = 6): Promise<string[]> {
  const out: string[] = []
  async function walk(dir: string): Promise<void> {
    let entries: fs.Dirent[]
    try {
      entries = await fs.promises.readdir(dir, { withFileTypes: true })
    } catch {
      return
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    for (const d of entries) {
      if (out.length >= max) return
      if (d.name.startsWith('.')) continue
      const abs = path.join(dir, d.name)
      if (d.isDirectory()) await walk(abs)
      else if (d.isFile() || d.isSymbolicLink()) {
        const rel = toSlash(path.relative(root, abs))
        if (accept(rel)) out.push(rel)
      }
    }
  }
  await walk(root)
  return out
}
