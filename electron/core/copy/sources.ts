/**
 * Where a copied picture's bytes come from, tried in this order (the issue's): the file Loupe added
 * it from (bulk add, watch, batch) when it still exists with the same SHA-256 (the source's gallery
 * cache keeps source path and hash); else the copy the local engine stores; else the OSS object a
 * batch task uploaded it to; else none — the item is listed as "no picture available", never
 * skipped in silence. The plan probes (`probe`), the job fetches (`fetch`) and tries again in the
 * same order, so a file changed since the plan falls back instead of sending other bytes.
 */
import fs from 'node:fs'
import { createHash } from 'node:crypto'
import type { Engine } from '../engines/types'
import type { LocalEngine } from '../engines/local/index'
import type { GalleryImage } from '../gallery/types'
import type { PictureHint } from './types'

/** Files larger than this are not read (imaging would refuse them anyway). */
const MAX_SOURCE_BYTES = 64 * 1024 * 1024

export interface OssRef {
  taskId: number
  bucket: string
  key: string
}

export interface SourceDeps {
  /** The source gallery cache's entry of a picture (null when unknown). */
  cached(profile: string, productId: string, picName: string): GalleryImage | null
  /** The profile's engine when it is local (null for a cloud profile). */
  localEngine(profile: string): Promise<Engine | null>
  /** The OSS object a finished batch task of the profile uploaded the picture to, or null. */
  ossObject?(profile: string, productId: string, picName: string): OssRef | null
  /** Reads an OSS object of the profile (null when it is gone). */
  fetchOss?(profile: string, ref: OssRef): Promise<Buffer | null>
}

/** A picture found: its bytes and where they came from. */
export interface FetchedPicture {
  bytes: Buffer
  hint: PictureHint
  /** sourceFile: the file's path (recorded as the target's source path). */
  path?: string
  /** localStore: stored side / indexed side (scales the engine's region onto the copy). */
  scale?: number
}

async function sha256File(file: string): Promise<string | null> {
  try {
    const st = await fs.promises.stat(file)
    if (!st.isFile() || st.size > MAX_SOURCE_BYTES) return null
    const h = createHash('sha256')
    for await (const chunk of fs.createReadStream(file)) h.update(chunk as Buffer)
    return h.digest('hex')
  } catch {
    return null
  }
}

async function readSame(file: string, sha256: string): Promise<Buffer | null> {
  try {
    const st = await fs.promises.stat(file)
    if (!st.isFile() || st.size > MAX_SOURCE_BYTES) return null
    const bytes = await fs.promises.readFile(file)
    return createHash('sha256').update(bytes).digest('hex') === sha256 ? bytes : null
  } catch {
    return null
  }
}

function stored(engine: Engine | null, productId: string, picName: string) {
  const l = engine as Partial<LocalEngine> | null
  return l && typeof l.storedSource === 'function' ? l.storedSource(productId, picName) : null
}

export function createSources(d: SourceDeps) {
  /** The plan's look: where the picture would come from (files are hashed, nothing is sent). */
  async function probe(profile: string, productId: string, picName: string): Promise<PictureHint> {
    const c = d.cached(profile, productId, picName)
    if (c?.sourcePath && c.sha256 && (await sha256File(c.sourcePath)) === c.sha256) {
      return { source: 'sourceFile', path: c.sourcePath, sha256: c.sha256 }
    }
    if (stored(await d.localEngine(profile), productId, picName)) return { source: 'localStore' }
    const oss = d.ossObject?.(profile, productId, picName)
    if (oss) return { source: 'ossObject', oss }
    return { source: 'none' }
  }

  /** The picture's bytes, trying every source in order again (null: none has it). */
  async function fetch(
    profile: string,
    productId: string,
    picName: string,
    hint?: PictureHint,
  ): Promise<FetchedPicture | null> {
    const c = d.cached(profile, productId, picName)
    const file = c?.sourcePath && c.sha256 ? c : hint?.path && hint.sha256 ? hint : null
    if (file) {
      const path = 'sourcePath' in file ? file.sourcePath! : (file as PictureHint).path!
      const bytes = await readSame(path, file.sha256!)
      if (bytes) return { bytes, hint: { source: 'sourceFile', path, sha256: file.sha256! }, path }
    }
    const s = stored(await d.localEngine(profile), productId, picName)
    if (s?.bytes.length) return { bytes: s.bytes, hint: { source: 'localStore' }, scale: s.scale }
    const oss = d.ossObject?.(profile, productId, picName) ?? hint?.oss ?? null
    if (oss && d.fetchOss) {
      const bytes = await d.fetchOss(profile, oss)
      if (bytes?.length) return { bytes, hint: { source: 'ossObject', oss } }
    }
    return null
  }

  return { probe, fetch }
}

export type CopySources = ReturnType<typeof createSources>
