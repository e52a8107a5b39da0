import fs from 'node:fs'
import path from 'node:path'
import { EngineError } from '../errors'

/**
 * Batch folders of the local engine. The cloud reads `increment.meta` + images from an OSS bucket
 * and a path in it; the local engine reads them from a folder on disk, its *batch root*
 * (`<engine dir>/../batch` unless configured). The batch root is exposed under one bucket name:
 *
 *   bucketName `local`  →  the batch root;   path `/a/b`  →  `<batch root>/a/b`
 *
 * Nothing may escape the root: `..`, `.`, empty segments, backslashes and NUL are refused in the
 * path, PicName must be a plain relative path under the task folder, and every file is checked
 * again after resolving symlinks (a link pointing outside the root is refused).
 */
export const LOCAL_BUCKET = 'local'

export function batchPathError(message: string): EngineError {
  return new EngineError('BadRequest', message, {
    hint: `Put a folder holding increment.meta and its images under the batch root, then use bucket "${LOCAL_BUCKET}" and path "/<folder>".`,
  })
}

/** Checks the bucket name and the path's syntax; returns the task folder (not yet resolved). */
export function taskFolder(root: string, bucketName: unknown, p: unknown): string {
  // Messages name the bucket and the caller's path, never the batch root's place on disk: the
  // caller may be another machine (the engine API).
  if (bucketName !== LOCAL_BUCKET) {
    throw batchPathError(
      `Unknown bucket "${String(bucketName)}": the local engine reads batch tasks from bucket "${LOCAL_BUCKET}" (its batch root folder).`,
    )
  }
  if (typeof p !== 'string' || p === '') throw batchPathError('Path is required.')
  if (!p.startsWith('/')) throw batchPathError(`Path "${p}" must start with a forward slash (/).`)
  if (p.length > 1 && p.endsWith('/')) {
    throw batchPathError(`Path "${p}" must not end with a forward slash (/).`)
  }
  if (p.includes('\\') || p.includes('\0')) {
    throw batchPathError(`Path "${p}" contains a backslash or NUL character.`)
  }
  const segments = p === '/' ? [] : p.slice(1).split('/')
  for (const s of segments) {
    if (s === '' || s === '.' || s === '..') {
      throw batchPathError(
        `Path "${p}" has an empty, "." or ".." segment; it must stay inside the bucket.`,
      )
    }
  }
  return path.join(root, ...segments)
}

/** Checks a PicName from increment.meta and returns its path under the task folder. */
export function picturePath(folder: string, picName: string): string {
  if (picName.startsWith('/') || picName.endsWith('/')) {
    throw batchPathError(
      `PicName "${picName}" must be relative to the task folder, without a leading or trailing slash.`,
    )
  }
  if (picName.includes('\\') || picName.includes('\0') || /^[A-Za-z]:/.test(picName)) {
    throw batchPathError(`PicName "${picName}" contains a backslash, NUL or drive letter.`)
  }
  for (const s of picName.split('/')) {
    if (s === '' || s === '.' || s === '..') {
      throw batchPathError(
        `PicName "${picName}" has an empty, "." or ".." segment; it must stay inside the task folder.`,
      )
    }
  }
  return path.join(folder, ...picName.split('/'))
}

/** True when `child` is `parent` or inside it (both already resolved). */
export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child)
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))
}

/**
 * Why a file system call failed, without the path Node puts in its messages (`EACCES:
 * permission denied, open '/abs/path'`): the error's code and its reason.
 */
export function fsReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException
  if (typeof err?.code !== 'string') return 'unknown error'
  const reason = /^[A-Z]+: ([^,]+)/.exec(err.message ?? '')?.[1]
  return reason ? `${err.code}: ${reason}` : err.code
}

/** realpath of `p`, required to be inside the (resolved) root; throws BadRequest otherwise. */
export function realInside(realRoot: string, p: string, what: string): string {
  let real: string
  try {
    real = fs.realpathSync(p)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new EngineError('BadRequest', `${what} does not exist.`)
    }
    throw new EngineError('BadRequest', `${what} cannot be read (${fsReason(e)}).`)
  }
  if (!isInside(realRoot, real)) {
    throw batchPathError(
      `${what} resolves outside the batch root (through a symbolic link); refused.`,
    )
  }
  return real
}
