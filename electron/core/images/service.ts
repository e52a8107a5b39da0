import type { z } from 'zod'
import type * as S from '../../api/schemas'
import type { ProfileStore } from '../profiles/store'
import type { EngineRegistry } from '../engines/registry'
import type { Logger } from '../log'
import type { Action, PreparedImage, PrepareOptions, SmallImagePolicy } from '../imaging/types'
import { regionToOriginal } from '../imaging/region'
import { inspectPicture } from './inspect'
import type { SearchResult } from '../engines/types'
import { CoreError } from '../errors'
import { withKnownImage } from './unknown-image'
import type { PictureResolver } from './gallery-picture'
import { regionOnOriginal as regionOnOriginalOf } from '../gallery/write-through'
import { LruCache, contentHash } from '../util/lru'

type In<T extends z.ZodType> = z.output<T>

/** Prepared query pictures kept for paging: a few, at most 32 MB in all. */
const QUERY_CACHE = { maxEntries: 8, maxBytes: 32 * 1024 * 1024 }

export interface Imaging {
  prepare(input: Buffer | string, opts: PrepareOptions): Promise<PreparedImage>
}

export interface ImageServiceDeps {
  profiles: ProfileStore
  engines: EngineRegistry
  imaging: () => Imaging
  logger: Logger
  /** Loupe's own copy of a gallery picture (compare by product id and picture name). */
  pictures?: PictureResolver
}

/** An image from a caller: base64 bytes, or a file path the imaging worker reads itself. */
export function imageSource(img: In<typeof S.ImageInput>): { src: Buffer | string; name?: string } {
  if ('path' in img) return { src: img.path }
  return { src: Buffer.from(img.base64, 'base64'), name: img.name }
}

/** Short human descriptions of what preprocessing did, e.g. "resized 5000×3000 → 4096×2458". */
export function describeActions(actions: Action[]): string[] {
  return actions.map((a) => {
    switch (a.kind) {
      case 'kept':
        return 'kept as is'
      case 'oriented':
        return `EXIF orientation ${a.orientation} applied`
      case 'first-frame':
        return `first of ${a.frames} frames`
      case 'colour':
        return `colour ${a.from} → sRGB`
      case 'resized':
      case 'upscaled':
      case 'padded':
        return `${a.kind} ${a.from[0]}×${a.from[1]} → ${a.to[0]}×${a.to[1]}`
      case 'converted':
        return `converted ${a.from} → ${a.to} (${a.reason})`
      case 're-encoded':
        return `re-encoded as ${a.format}${a.quality ? ` q${a.quality}` : ''} (${a.reason})`
    }
  })
}

/** The `images.*` and `search.*` domains: every image goes through imaging before an engine sees it. */
export function createImageService(d: ImageServiceDeps) {
  const profileOf = (name?: string) => d.profiles.get(name ?? d.profiles.active())

  /** A picture to add: with the thumbnail and hashes the gallery cache keeps. */
  async function prepare(
    profile: string,
    img: In<typeof S.ImageInput> | { src: Buffer | string; name?: string },
    region?: string,
    smallImage?: SmallImagePolicy,
  ) {
    const p = d.profiles.get(profile)
    const { src, name } = 'src' in img ? img : imageSource(img)
    return d.imaging().prepare(src, {
      serviceType: p.serviceType,
      region: region ?? null,
      smallImage: smallImage ?? 'reject',
      name,
      thumbnail: true,
      hashes: true,
    })
  }

  /**
   * Prepared query pictures by content hash (+ service type and region): "load more" sends the
   * same picture for every page, and the next pages reuse its preparation (no decode).
   */
  const queries = new LruCache<string, PreparedImage>({
    ...QUERY_CACHE,
    sizeOf: (p) => p.data.length + 4096,
  })

  /**
   * A picture to search with or compare: no thumbnail, no hashes (nothing would use them).
   * `verify: false`: a picture kept as it is is not decoded (the caller's engine decodes it).
   */
  async function prepareQuery(
    profile: string,
    img: In<typeof S.ImageInput> | { src: Buffer | string; name?: string },
    region?: string,
    smallImage: SmallImagePolicy = 'reject',
    verify = true,
  ): Promise<PreparedImage> {
    const p = d.profiles.get(profile)
    const { src, name } = 'src' in img ? img : imageSource(img)
    const opts = {
      serviceType: p.serviceType,
      region: region ?? null,
      smallImage,
      name,
      thumbnail: false,
      hashes: false,
      verify,
    }
    // A path is read by the imaging worker itself: only bytes in hand are hashed and cached.
    if (typeof src === 'string') return d.imaging().prepare(src, opts)
    const key = `${await contentHash(src)}|${p.serviceType}|${region ?? ''}|${smallImage}|${verify ? 1 : 0}`
    const hit = queries.get(key)
    if (hit) return hit
    const prepared = await d.imaging().prepare(src, opts)
    queries.set(key, prepared)
    return prepared
  }

  function mapBack(r: SearchResult, prepared: PreparedImage) {
    const back = (reg: string | null) => {
      if (!reg) return null
      try {
        return regionToOriginal(reg, prepared.geometry)
      } catch {
        return null
      }
    }
    return {
      ...r,
      original: {
        width: prepared.geometry.oriented.width,
        height: prepared.geometry.oriented.height,
        region: back(r.picInfo?.region ?? null),
        multiRegion: (r.picInfo?.multiRegion ?? []).map(back).filter((x): x is string => !!x),
      },
    }
  }

  return {
    images: {
      async add(input: In<typeof S.AddImageInput>) {
        const p = profileOf(input.profile)
        const {
          image,
          profile: _p,
          crop,
          region,
          smallImage,
          productId,
          picName,
          ...attributes
        } = input
        const prepared = await prepare(p.name, image, region, smallImage)
        const engine = await d.engines.get(p.name)
        // The registry's engine records the picture in the gallery cache (write-through).
        const res = await engine.addImage(
          {
            ...attributes,
            productId,
            picName,
            picContent: prepared.data,
            crop: region ? false : (crop ?? true),
            ...(prepared.region ? { region: prepared.region } : {}),
          },
          {
            sourcePath: 'path' in image ? image.path : null,
            sha256: prepared.sha256,
            phash: prepared.phash,
            thumbnail: prepared.thumbnail,
            geometry: prepared.geometry,
          },
        )
        const regionOnOriginal = regionOnOriginalOf(res.picInfo.region, prepared.geometry)
        return {
          requestId: res.requestId,
          picInfo: res.picInfo,
          regionOnOriginal,
          preprocessing: describeActions(prepared.actions),
        }
      },
      async update(input: In<typeof S.UpdateImageInput>) {
        const p = profileOf(input.profile)
        const { profile: _p, ...req } = input
        const engine = await d.engines.get(p.name)
        return withKnownImage(engine, req, () => engine.updateImage(req))
      },
      async remove(input: In<typeof S.DeleteImageInput>) {
        const p = profileOf(input.profile)
        return (await d.engines.get(p.name)).deleteImage({
          productId: input.productId,
          picName: input.picName,
          filter: input.filter,
          isDeleteByFilter: !!input.filter,
        })
      },
      /** A picture checked as it is chosen (images/inspect.ts): no engine call. */
      async inspect(input: In<typeof S.InspectImageInput>) {
        const p = profileOf(input.profile)
        const { src, name } = imageSource(input.image)
        return inspectPicture(d.imaging(), src, { serviceType: p.serviceType, name })
      },
      async exists(input: { profile?: string; productId: string; picName: string }) {
        const p = profileOf(input.profile)
        return (await d.engines.get(p.name)).checkImageExists({
          productId: input.productId,
          picName: input.picName,
        })
      },
    },
    search: {
      async byPic(input: In<typeof S.SearchByPicInput>) {
        const p = profileOf(input.profile)
        const { image, profile: _p, crop, region, smallImage, ...opts } = input
        // The local engine decodes the search picture itself (one featurizer request, one
        // decode): imaging need not decode a picture it keeps as it is only to prove it decodes.
        // Should the engine then fail to decode it, imaging's own decode says why, as before.
        const verify = p.kind !== 'local'
        const prepared = await prepareQuery(p.name, image, region, smallImage, verify)
        const engine = await d.engines.get(p.name)
        try {
          const res = await engine.searchImageByPic({
            ...opts,
            picContent: prepared.data,
            crop: region ? false : (crop ?? true),
            ...(prepared.region ? { region: prepared.region } : {}),
          })
          return mapBack(res, prepared)
        } catch (e) {
          if (!verify && (e as { code?: unknown }).code === 'UnsupportedPicFormat')
            await prepareQuery(p.name, image, region, smallImage, true)
          throw e
        }
      },
      async byName(input: In<typeof S.SearchByNameInput>) {
        const p = profileOf(input.profile)
        const { profile: _p, ...req } = input
        const engine = await d.engines.get(p.name)
        return withKnownImage(engine, req, () => engine.searchImageByName(req))
      },
      async byFilter(input: In<typeof S.SearchByFilterInput>) {
        const p = profileOf(input.profile)
        const { profile: _p, ...req } = input
        return (await d.engines.get(p.name)).searchImageByFilter(req)
      },
      async byText(input: In<typeof S.SearchByTextInput>) {
        const p = profileOf(input.profile)
        const { profile: _p, ...req } = input
        return (await d.engines.get(p.name)).searchImageByText(req)
      },
      async compare(input: In<typeof S.CompareInput>) {
        const p = profileOf(input.profile)
        // A gallery picture (by key) is compared from Loupe's own copy of it.
        const side = async (img: In<typeof S.CompareImage>) => {
          if (!('productId' in img)) return img
          if (!d.pictures) throw new CoreError('NoPictureCopy', 'This host keeps no pictures')
          const r = await d.pictures(p.name, img)
          return { src: r.bytes, name: r.name }
        }
        const [a, b] = await Promise.all([
          side(input.primary).then((i) => prepareQuery(p.name, i, undefined, input.smallImage)),
          side(input.secondary).then((i) => prepareQuery(p.name, i, undefined, input.smallImage)),
        ])
        return (await d.engines.get(p.name)).compareSimilarByImage({
          primaryPicContent: a.data,
          secondaryPicContent: b.data,
        })
      },
    },
  }
}
