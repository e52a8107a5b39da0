/**
 * Small JPEG thumbnails (data URLs) of a row's pictures for the Quality view and the HTML report:
 * the query from its file, the expected picture and the first result from Loupe's own copies —
 * the gallery cache's thumbnail, else the file it was added from or the local engine's copy
 * (images/gallery-picture.ts). A picture Loupe has no copy of has no thumbnail (null).
 */

import fs from 'node:fs/promises'
import sharp from 'sharp'
import { configureSharp } from '../imaging/sharp-config'
import type { PictureResolver } from '../images/gallery-picture'

export const THUMB_PX = 128

/** A JPEG data URL at most `px` on its longer side, or null when the bytes do not decode. */
export async function thumbDataUrl(bytes: Buffer, px = THUMB_PX): Promise<string | null> {
  configureSharp()
  try {
    const out = await sharp(bytes, { failOn: 'none' })
      .rotate()
      .resize(px, px, { fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: 72 })
      .toBuffer()
    return `data:image/jpeg;base64,${out.toString('base64')}`
  } catch {
    return null
  }
}

export interface ThumbSource {
  /** The cached thumbnail file of a gallery picture, or null. */
  thumbnailFile(profile: string, productId: string, picName: string): string | null
  /** Loupe's best copy of a gallery picture (throws when it has none). */
  pictures?: PictureResolver
}

/** Thumbnails of files and gallery pictures, remembered (a report asks for the same ones often). */
export function createThumbs(src: ThumbSource, max = 2000) {
  const memo = new Map<string, Promise<string | null>>()
  const remember = (key: string, make: () => Promise<string | null>) => {
    let p = memo.get(key)
    if (!p) {
      p = make()
      memo.set(key, p)
      if (memo.size > max) memo.delete(memo.keys().next().value!)
    }
    return p
  }
  return {
    file(path: string): Promise<string | null> {
      return remember(`f\u0000${path}`, async () => {
        try {
          return await thumbDataUrl(await fs.readFile(path))
        } catch {
          return null
        }
      })
    },
    picture(profile: string, productId: string, picName: string): Promise<string | null> {
      return remember(`p\u0000${profile}\u0000${productId}\u0000${picName}`, async () => {
        const file = src.thumbnailFile(profile, productId, picName)
        if (file) {
          const fromThumb = await fs
            .readFile(file)
            .then((b) => thumbDataUrl(b))
            .catch(() => null)
          if (fromThumb) return fromThumb
        }
        if (!src.pictures) return null
        try {
          return await thumbDataUrl((await src.pictures(profile, { productId, picName })).bytes)
        } catch {
          return null
        }
      })
    },
    clear(): void {
      memo.clear()
    },
  }
}

export type Thumbs = ReturnType<typeof createThumbs>
