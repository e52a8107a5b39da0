/**
 * Staging a batch: the folder the engine reads — every picture at its PicName, and
 * `increment.meta` listing the lines that made it. With `prepare`, each picture goes through
 * imaging first (orientation baked in, pixel and size limits of the service type), and the
 * region is mapped onto the prepared picture; a picture imaging refuses (corrupt, too small, a
 * decompression bomb) is set apart with the reason instead of failing later in the engine.
 * Without `prepare`, pictures are hard-linked (copied across devices) untouched.
 */

import fs from 'node:fs'
import path from 'node:path'
import { sha256File } from '../jobs/bulk-add/plan'
import type { PrepareOptions, PreparedImage } from '../imaging/types'
import type { ServiceType } from '../engines/types'
import { META_FILE, formatMetaLine, picNameEscape } from './batch-meta'
import type { BatchLineRecord, BatchStore } from './batch-store'

export interface StageDeps {
  prepare?(input: string, opts: PrepareOptions): Promise<PreparedImage>
  /** Keep a thumbnail (content-addressed by SHA-256); returns its path relative to thumbs/. */
  saveThumb?(sha256: string, webp: Buffer): string | null
}

export interface StageOptions {
  prepare: boolean
  serviceType: ServiceType
  /** Pictures handled at once (default 4). */
  concurrency?: number
  signal?: AbortSignal
  onProgress?(done: number, total: number): void
}

export interface StageResult {
  staged: number
  rejected: number
  /** Files in the folder (pictures + increment.meta) and their total size. */
  files: { rel: string; size: number }[]
}

function place(src: string, dst: string): void {
  fs.mkdirSync(path.dirname(dst), { recursive: true })
  fs.rmSync(dst, { force: true })
  try {
    fs.linkSync(src, dst)
  } catch {
    fs.copyFileSync(src, dst)
  }
}

/** Stage every planned line of a task into `dir` (emptied first) and write increment.meta. */
export async function stageBatch(
  store: BatchStore,
  taskId: number,
  dir: string,
  deps: StageDeps,
  opts: StageOptions,
): Promise<StageResult> {
  fs.rmSync(dir, { recursive: true, force: true })
  fs.mkdirSync(dir, { recursive: true })
  const realDir = fs.realpathSync(dir)
  const lines = store.lines(taskId, { states: ['planned', 'staged'] }).lines
  let done = 0

  const staged = new Map<
    string,
    {
      source: string
      size: number
      sha256: string | null
      phash: string | null
      thumbnail: string | null
      region?: string
    }
  >()

  const failed = new Map<string, { code: string; message: string }>()

  /** Stage the picture of an ADD line (the first line naming it). */
  async function stageOne(l: BatchLineRecord): Promise<void> {
    const pic = l.meta.PicName ?? ''
    const reject = (code: string, message: string) => {
      failed.set(pic, { code, message })
    }
    const dst = path.join(realDir, ...pic.split('/'))
    if (picNameEscape(pic) || !dst.startsWith(realDir + path.sep)) {
      return reject('InvalidPicName', `PicName "${pic}" escapes the folder`)
    }
    if (!l.source) return reject('ImageUnreadable', `${l.origin}: no picture file`)
    try {
      if (opts.prepare && deps.prepare) {
        const p = await deps.prepare(l.source, {
          serviceType: opts.serviceType,
          smallImage: 'reject',
          ...(l.meta.Region ? { region: l.meta.Region } : {}),
          thumbnail: true,
          hashes: true,
        })
        if (p.actions.every((a) => a.kind === 'kept')) place(l.source, dst)
        else {
          fs.mkdirSync(path.dirname(dst), { recursive: true })
          fs.writeFileSync(dst, p.data)
        }
        const thumb = p.sha256 && deps.saveThumb ? deps.saveThumb(p.sha256, p.thumbnail) : null
        staged.set(pic, {
          source: l.source,
          size: fs.statSync(dst).size,
          sha256: p.sha256 || null,
          phash: p.phash || null,
          thumbnail: thumb,
          ...(p.region ? { region: p.region } : {}),
        })
      } else {
        if (!fs.statSync(l.source).isFile()) throw new Error(`${l.source} is not a file`)
        place(l.source, dst)
        staged.set(pic, {
          source: l.source,
          size: fs.statSync(dst).size,
          sha256: await sha256File(dst),
          phash: null,
          thumbnail: null,
        })
      }
    } catch (e) {
      fs.rmSync(dst, { force: true })
      const x = e as { code?: string; message?: string }
      if (x.code === 'ENOENT') {
        return reject('ImageUnreadable', `${l.origin}: the picture ${l.source} does not exist`)
      }
      const code = x.code && /^[A-Z][A-Za-z]+$/.test(x.code) ? x.code : 'ImageUnreadable'
      return reject(code, `${l.origin}: ${x.message ?? String(e)}`)
    }
  }

  function finish(l: BatchLineRecord): void {
    if (l.op === 'delete') return store.updateLine(taskId, l.seq, { state: 'staged' })
    const s = staged.get(l.meta.PicName ?? '')
    if (!s) {
      const f = failed.get(l.meta.PicName ?? '') ?? {
        code: 'ImageUnreadable',
        message: `${l.origin}: the picture was not staged`,
      }
      return store.updateLine(taskId, l.seq, { state: 'rejected', ...f })
    }
    if (s.source !== l.source) {
      return store.updateLine(taskId, l.seq, {
        state: 'rejected',
        code: 'DuplicatePicName',
        message: `${l.origin}: PicName ${l.meta.PicName} already names another picture`,
      })
    }
    store.updateLine(taskId, l.seq, {
      state: 'staged',
      bytes: s.size,
      sha256: s.sha256,
      phash: s.phash,
      thumbnail: s.thumbnail,
      ...(s.region && l.meta.Region ? { meta: { ...l.meta, Region: s.region } } : {}),
    })
  }

  // One picture per PicName, several at once; then every line gets its picture's outcome.
  const firsts = new Map<string, BatchLineRecord>()
  for (const l of lines) {
    if (l.op === 'add' && !firsts.has(l.meta.PicName ?? '')) firsts.set(l.meta.PicName ?? '', l)
  }
  const todo = [...firsts.values()]
  const concurrency = Math.max(1, opts.concurrency ?? 4)
  let next = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < todo.length) {
        opts.signal?.throwIfAborted()
        const l = todo[next++]
        await stageOne(l)
        done++
        opts.onProgress?.(done, todo.length)
      }
    }),
  )
  opts.signal?.throwIfAborted()
  store.transaction(() => {
    for (const l of lines) finish(l)
  })

  // increment.meta: the staged lines in plan order, numbered.
  const stagedLines = [...store.iterateLines(taskId, ['staged'])]
  const out: string[] = []
  store.transaction(() => {
    stagedLines.forEach((l, i) => {
      store.updateLine(taskId, l.seq, { metaLine: i + 1 })
      out.push(formatMetaLine(l.meta))
    })
  })
  const files = new Map<string, number>()
  for (const [pic, s] of staged) files.set(pic, s.size)
  const metaText = out.join('\n') + (out.length ? '\n' : '')
  fs.writeFileSync(path.join(realDir, META_FILE), metaText)
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
