import fs from 'node:fs/promises'
import { createHash } from 'node:crypto'
import { CoreError } from '../errors'
import type { Engine } from '../engines/types'
import type { GalleryImage } from '../gallery/types'
import type { Galleries } from '../galleries'
import type { EngineRegistry } from '../engines/registry'

/** A picture of a profile's gallery, by its key. */
export interface PictureRef {
  productId: string
  picName: string
}

/** Which of Loupe's copies a picture came from, best first. */
export type PictureCopy = 'source-file' | 'engine' | 'thumbnail'

export interface ResolvedPicture {
  bytes: Buffer
  copy: PictureCopy
  /** A display name for messages: `productId / picName`. */
  name: string
}

export interface PictureResolverDeps {
  /** The gallery cache entry of a picture (null when the cache does not know it). */
  cached(profile: string, ref: PictureRef): GalleryImage | null
  /** Absolute path of the cached thumbnail, or null. */
  thumbnailFile(profile: string, ref: PictureRef): string | null
  /** The profile's engine (a local engine may keep a copy of every indexed picture). */
  engine(profile: string): Promise<Engine>
}

/** Source files larger than this are not read back (imaging would refuse them anyway). */
const MAX_SOURCE_BYTES = 64 * 1024 * 1024

/**
 * Finds Loupe's own best copy of a gallery picture: the file it was added from when it still has
 * the same SHA-256, else the local engine's stored copy (512 px), else the cached thumbnail
 * (256 px). Throws `NoPictureCopy` when Loupe has none. Only the given profile is looked at.
 */
export function createPictureResolver(d: PictureResolverDeps) {
  async function sourceFile(img: GalleryImage | null): Promise<Buffer | null> {
    if (!img?.sourcePath || !img.sha256) return null
    try {
      const st = await fs.stat(img.sourcePath)
      if (!st.isFile() || st.size > MAX_SOURCE_BYTES) return null
      const bytes = await fs.readFile(img.sourcePath)
      const sha = createHash('sha256').update(bytes).digest('hex')
      return sha === img.sha256 ? bytes : null
    } catch {
      return null
    }
  }

  async function engineCopy(profile: string, ref: PictureRef): Promise<Buffer | null> {
    const engine = (await d.engine(profile)) as Engine & {
      storedPicture?: (productId: string, picName: string) => Buffer | null
    }
    return engine.storedPicture?.(ref.productId, ref.picName) ?? null
  }

  async function thumbnail(profile: string, ref: PictureRef): Promise<Buffer | null> {
    const file = d.thumbnailFile(profile, ref)
    if (!file) return null
    try {
      return await fs.readFile(file)
    } catch {
      return null
    }
  }

  return async function resolve(profile: string, ref: PictureRef): Promise<ResolvedPicture> {
    const name = `${ref.productId} / ${ref.picName}`
    const img = d.cached(profile, ref)
    const fromFile = await sourceFile(img)
    if (fromFile) return { bytes: fromFile, copy: 'source-file', name }
    const fromEngine = await engineCopy(profile, ref)
    if (fromEngine?.length) return { bytes: fromEngine, copy: 'engine', name }
    const thumb = await thumbnail(profile, ref)
    if (thumb?.length) return { bytes: thumb, copy: 'thumbnail', name }
    throw new CoreError('NoPictureCopy', `Loupe has no copy of ${name} in profile "${profile}"`, {
      hint: 'Loupe keeps a copy of the pictures added through it. Compare with the picture file instead (Compare two pictures).',
    })
  }
}

export type PictureResolver = ReturnType<typeof createPictureResolver>

/** The resolver over the core's gallery caches and engines. */
export function galleryPictures(
  galleries: Pick<Galleries, 'get' | 'thumbnailFile'>,
  engines: Pick<EngineRegistry, 'get'>,
): PictureResolver {
  return createPictureResolver({
    cached(profile, ref) {
      try {
        return galleries.get(profile).get(ref.productId, ref.picName)
      } catch {
        return null
      }
    },
    thumbnailFile: (profile, ref) => galleries.thumbnailFile(profile, ref.productId, ref.picName),
    engine: (profile) => engines.get(profile),
  })
}
