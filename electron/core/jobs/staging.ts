/**
 * Staging of files dropped in a browser (headless host): the page uploads them, with their path
 * relative to what was dropped (`webkitRelativePath` or the dropped entry's path), into
 * `<dataDir>/staging/<stageId>/`, and plans the bulk add from there. The desktop app never stages:
 * it passes real paths.
 */

import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { writePrivateFileAsync } from '../util/private-fs'
import { CoreError } from '../errors'

export const STAGING_DIR = 'staging'

const STAGE_ID = /^[a-z0-9-]{8,64}$/

function invalid(message: string): CoreError {
  return new CoreError('InvalidArgument', message, { httpStatus: 400 })
}

/** A relative path as dropped, checked: forward slashes, no empty / `.` / `..` segment, no drive. */
export function checkRelPath(rel: string): string {
  const p = rel.replace(/\\/g, '/').replace(/^\.\//, '')
  if (p.startsWith('/') || /^[A-Za-z]:/.test(p) || p.includes('\0')) {
    throw invalid(`"${rel}" must be a relative path`)
  }
  const parts = p.split('/')
  if (parts.length > 64 || parts.some((s) => s === '' || s === '.' || s === '..')) {
    throw invalid(`"${rel}" has an empty, "." or ".." segment`)
  }
  if (parts.some((s) => Buffer.byteLength(s) > 255)) throw invalid(`"${rel}" has a name too long`)
  return p
}

export function createStaging(dataDir: string) {
  const root = path.join(dataDir, STAGING_DIR)

  function dirOf(stageId: string): string {
    if (!STAGE_ID.test(stageId)) throw invalid(`"${stageId}" is not a stage id`)
    return path.join(root, stageId)
  }

  /** The staged top-level files and folders (the sources to plan), sorted by name. */
  function sources(stageId: string): string[] {
    const dir = dirOf(stageId)
    let names: string[] = []
    try {
      names = fs.readdirSync(dir).filter((n) => !n.startsWith('.'))
    } catch {
      return []
    }
    return names.sort().map((n) => path.join(dir, n))
  }

  return {
    root,
    dirOf,
    sources,
    /** Write files into a stage (a new one without stageId). */
    async put(stageId: string | undefined, files: { relPath: string; base64: string }[]) {
      const id = stageId ?? `${Date.now().toString(36)}-${crypto.randomBytes(6).toString('hex')}`
      const dir = dirOf(id)
      if (stageId && !fs.existsSync(dir)) {
        throw new CoreError('StageNotFound', `There is no staging folder ${stageId}.`, {
          httpStatus: 404,
          hint: 'Drop the files again.',
        })
      }
      const checked = files.map((f) => ({ rel: checkRelPath(f.relPath), base64: f.base64 }))
      let bytes = 0
      for (const f of checked) {
        const target = path.join(dir, ...f.rel.split('/'))
        const data = Buffer.from(f.base64, 'base64')
        bytes += data.length
        await writePrivateFileAsync(target, data)
      }
      return { stageId: id, sources: sources(id), staged: checked.length, bytes }
    },
    discard(stageId: string): void {
      fs.rmSync(dirOf(stageId), { recursive: true, force: true })
    },
    /** The stage id of a path inside the staging folder, else null. */
    stageOf(p: string): string | null {
      const rel = path.relative(root, path.resolve(p))
      if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return null
      const id = rel.split(path.sep)[0]
      return STAGE_ID.test(id) ? id : null
    },
    /** Stage ids on disk with their age in ms. */
    list(): { stageId: string; ageMs: number }[] {
      let names: string[] = []
      try {
        names = fs.readdirSync(root)
      } catch {
        return []
      }
      const now = Date.now()
      return names
        .filter((n) => STAGE_ID.test(n))
        .map((n) => {
          let mtime = now
          try {
            mtime = fs.statSync(path.join(root, n)).mtimeMs
          } catch {
            /* gone */
          }
          return { stageId: n, ageMs: now - mtime }
        })
    },
  }
}

export type Staging = ReturnType<typeof createStaging>
