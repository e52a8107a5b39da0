/**
 * Staging a batch: the folder the engine reads — every picture at its PicName, and
 * `increment.meta` listing the lines that made it. With `prepare`, each picture goes through
 * imaging first (orientation baked in, pixel and size limits of the service type), and the
 * region is mapped onto the prepared picture; a picture imaging refuses (corrupt, too small, a
 * decompression bomb) is set apart with the reason instead of failing later in the engine.
 * Without `prepare`, pictures are hard-linked (copied across devices) untouched.
 *
 * `stagePicture` stages one picture (one item of the `batch-prepare` job, see prepare.ts);
 * `finishStaging` gives every line its picture's outcome and writes increment.meta.
 */

import fs from 'node:fs'
import path from 'node:path'
import { sha256File } from '../../jobs/bulk-add/plan'
import type { PrepareOptions, PreparedImage } from '../../imaging/types'
import type { ServiceType } from '../../engines/types'
import { META_FILE, formatMetaLine, picNameEscape } from './meta'
import type { BatchLineRecord, BatchStore } from './store'
import { copyPrivateFile, ensurePrivateDir, writePrivateFile } from '../../util/private-fs'

export interface StageDeps {
  prepare?(input: string, opts: PrepareOptions): Promise<PreparedImage>
  /** Keep a thumbnail (content-addressed by SHA-256); returns its path relative to thumbs/. */
  saveThumb?(sha256: string, webp: Buffer): string | null
}

/** The picture of an ADD line, as staging needs it. */
export interface PictureToStage {
  picName: string
  source: string | null
  origin: string
  region?: string
}

export interface StagedPicture {
  source: string
  size: number
  sha256: string | null
  phash: string | null
  thumbnail: string | null
  region?: string
}

export interface StageResult {
  staged: number
  rejected: number
  /** Files in the folder (pictures + increment.meta) and their total size. */
  files: { rel: string; size: number }[]
}

/** A picture that cannot be sent (set apart with this code and message; never retried). */
export class PictureRefused extends Error {
  readonly code: string
  readonly httpStatus = 422
  constructor(code: string, message: string) {
    super(message)
    this.name = 'PictureRefused'
    this.code = code
  }
}

/**
 * The picture as it is: a hard link to the source when it can (the same file, so it keeps the
 * source's own mode — the 0700 staging folder is what keeps others out), else a 0600 copy.
 */
function place(src: string, dst: string): void {
  ensurePrivateDir(path.dirname(dst))
  fs.rmSync(dst, { force: true })
  try {
    fs.linkSync(src, dst)
  } catch {
    copyPrivateFile(src, dst)
  }
}

/** An empty staging folder; returns its real path (escapes are checked against it). */
export function emptyFolder(dir: string): string {
  fs.rmSync(dir, { recursive: true, force: true })
  ensurePrivateDir(dir)
  return fs.realpathSync(dir)
}

/** The pictures of a task to stage: the first ADD line naming each PicName, in plan order. */
export function picturesToStage(store: BatchStore, taskId: number): PictureToStage[] {
  const firsts = new Map<string, PictureToStage>()
  for (const l of store.iterateLines(taskId, ['planned', 'staged'])) {
    const pic = l.meta.PicName ?? ''
    if (l.op !== 'add' || firsts.has(pic)) continue
    firsts.set(pic, {
      picName: pic,
      source: l.source,
      origin: l.origin,
      ...(l.meta.Region ? { region: l.meta.Region } : {}),
    })
  }
  return [...firsts.values()]
}

/** Stage one picture at its PicName under `realDir`; throws PictureRefused when it cannot go. */
export async function stagePicture(
  realDir: string,
  pic: PictureToStage,
  deps: StageDeps,
  opts: { prepare: boolean; serviceType: ServiceType },
): Promise<StagedPicture> {
  const dst = path.join(realDir, ...pic.picName.split('/'))
  if (picNameEscape(pic.picName) || !dst.startsWith(realDir + path.sep)) {
    throw new PictureRefused('InvalidPicName', `PicName "${pic.picName}" escapes the folder`)
  }
  if (!pic.source) throw new PictureRefused('ImageUnreadable', `${pic.origin}: no picture file`)
  const source = pic.source
  try {
    if (opts.prepare && deps.prepare) {
      const p = await deps.prepare(source, {
        serviceType: opts.serviceType,
        smallImage: 'reject',
        ...(pic.region ? { region: pic.region } : {}),
        thumbnail: true,
        hashes: true,
      })
      if (p.actions.every((a) => a.kind === 'kept')) place(source, dst)
      else writePrivateFile(dst, p.data)
      const thumb = p.sha256 && deps.saveThumb ? deps.saveThumb(p.sha256, p.thumbnail) : null
      return {
        source,
        size: fs.statSync(dst).size,
        sha256: p.sha256 || null,
        phash: p.phash || null,
        thumbnail: thumb,
        ...(p.region ? { region: p.region } : {}),
      }
    }
    if (!fs.statSync(source).isFile()) throw new Error(`${source} is not a file`)
    place(source, dst)
    return {
      source,
      size: fs.statSync(dst).size,
      sha256: await sha256File(dst),
      phash: null,
      thumbnail: null,
    }
  } catch (e) {
    fs.rmSync(dst, { force: true })
    const x = e as { code?: string; message?: string }
    if (x.code === 'ENOENT') {
      throw new PictureRefused(
        'ImageUnreadable',
        `${pic.origin}: the picture ${source} does not exist`,
      )
    }
    const code = x.code && /^[A-Z][A-Za-z]+$/.test(x.code) ? x.code : 'ImageUnreadable'
    throw new PictureRefused(code, `${pic.origin}: ${x.message ?? String(e)}`)
  }
}

/**
 * Every planned line gets its picture's outcome (`staged` with the picture's facts, or `rejected`
 * with the reason); then increment.meta lists the staged lines in plan order, numbered.
 */
export function finishStaging(
  store: BatchStore,
  taskId: number,
  realDir: string,
  outcomes: Map<string, StagedPicture | { code: string; message: string }>,
): StageResult {
  const lines = store.lines(taskId, { states: ['planned', 'staged'] }).lines
  const finish = (l: BatchLineRecord): void => {
    if (l.op === 'delete') return store.updateLine(taskId, l.seq, { state: 'staged' })
    const o = outcomes.get(l.meta.PicName ?? '')
    if (!o || !('size' in o)) {
      const f = o ?? {
        code: 'ImageUnreadable',
        message: `${l.origin}: the picture was not staged`,
      }
      return store.updateLine(taskId, l.seq, { state: 'rejected', ...f })
    }
    if (o.source !== l.source) {
      return store.updateLine(taskId, l.seq, {
        state: 'rejected',
        code: 'DuplicatePicName',
        message: `${l.origin}: PicName ${l.meta.PicName} already names another picture`,
      })
    }
    store.updateLine(taskId, l.seq, {
      state: 'staged',
      bytes: o.size,
      sha256: o.sha256,
      phash: o.phash,
      thumbnail: o.thumbnail,
      ...(o.region && l.meta.Region ? { meta: { ...l.meta, Region: o.region } } : {}),
    })
  }
  store.transaction(() => {
    for (const l of lines) finish(l)
  })

  const stagedLines = [...store.iterateLines(taskId, ['staged'])]
  const out: string[] = []
  store.transaction(() => {
    stagedLines.forEach((l, i) => {
      store.updateLine(taskId, l.seq, { metaLine: i + 1 })
      out.push(formatMetaLine(l.meta))
    })
  })
  const files = new Map<string, number>()
  for (const [pic, o] of outcomes) if ('size' in o) files.set(pic, o.size)
  const metaText = out.join('\n') + (out.length ? '\n' : '')
  writePrivateFile(path.join(realDir, META_FILE), metaText)
  const counts = store.countLines(taskId)
  return {
    staged: counts.staged,
    rejected: counts.rejected,
    files: [
      ...[...files].map(([rel, size]) => ({ rel, size })),
      { rel: META_FILE, size: Buffer.byteLength(metaText) },
    ],
  }
}
