import path from 'node:path'
import { SYNC_STATES } from './types'
import type { ImageKey, SyncState } from './types'
import { GalleryError } from './errors'

/** Argument checks of the gallery cache's public calls: each throws InvalidParameter. */

export function closedError(): GalleryError {
  return new GalleryError('GalleryClosed', 'The gallery cache was closed.')
}

export function invalid(message: string): GalleryError {
  return new GalleryError('InvalidParameter', message)
}

export function checkKey(k: ImageKey): ImageKey {
  if (typeof k !== 'object' || k === null)
    throw invalid('An image key {productId, picName} is required')
  if (typeof k.productId !== 'string' || k.productId === '') throw invalid('productId is required')
  if (typeof k.picName !== 'string' || k.picName === '') throw invalid('picName is required')
  return { productId: k.productId, picName: k.picName }
}

export function checkState(s: SyncState): SyncState {
  if (!SYNC_STATES.includes(s)) throw invalid(`syncState must be one of ${SYNC_STATES.join(', ')}`)
  return s
}

export function optInt(v: number | null | undefined, name: string): number | null {
  if (v === undefined || v === null) return null
  if (!Number.isSafeInteger(v)) throw invalid(`${name} must be an integer`)
  return v
}

export function optStr(v: string | null | undefined, name: string): string | null {
  if (v === undefined || v === null || v === '') return null
  if (typeof v !== 'string') throw invalid(`${name} must be a string`)
  return v
}

/** A thumbnail path relative to thumbs/: forward slashes, no empty/`.`/`..` segments. */
export function checkThumb(t: string): string {
  if (typeof t !== 'string') throw invalid('thumbnail must be a relative path')
  const rel = t.replace(/\\/g, '/')
  const segs = rel.split('/')
  if (
    rel === '' ||
    rel.length > 1024 ||
    path.isAbsolute(t) ||
    /^[A-Za-z]:/.test(rel) ||
    segs.some((s) => s === '' || s === '.' || s === '..') ||
    rel.includes('\0')
  ) {
    throw invalid(
      `thumbnail must be a path relative to the thumbs folder, got ${JSON.stringify(t)}`,
    )
  }
  return rel
}
