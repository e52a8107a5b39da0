import type { ServiceType } from '../engines/types'
import type { Box } from '../engines/local/featurizer/types'

export type { Box }

/** Formats the pipeline reads. The cloud accepts exactly these (its docs: PNG, JPG, BMP, GIF, WebP, TIFF, PPM). */
export type ImageFormat = 'jpeg' | 'png' | 'gif' | 'webp' | 'tiff' | 'bmp' | 'ppm'

/** Formats the pipeline writes. */
export type OutputFormat = 'jpeg' | 'png'

export interface Size {
  width: number
  height: number
}

/** What to do with an image smaller than the service type's minimum side. Never silent. */
export type SmallImagePolicy = 'reject' | 'upscale' | 'pad'

/**
 * Which pixel grid a region given with the image refers to: `oriented` = the picture as it is
 * displayed (EXIF orientation applied, as browsers and the renderer show it), `stored` = the pixel
 * grid stored in the file (before orientation).
 */
export type RegionSpace = 'oriented' | 'stored'

export interface PrepareOptions {
  /** The profile's service type: decides the pixel bounds (default `product`). */
  serviceType?: ServiceType
  /** Images smaller than the minimum side: refuse (default), upscale, or pad (with white or transparency). */
  smallImage?: SmallImagePolicy
  /** Region on the original image: `x1,x2,y1,y2` or a box; mapped onto the processed image. */
  region?: string | Box | null
  /** The grid the region refers to (default `oriented`). */
  regionSpace?: RegionSpace
  /** Largest output in bytes (default 4,000,000: under the cloud's 4 MB whichever way it is counted). */
  maxBytes?: number
  /** Decompression-bomb guard: most pixels an input may declare (default 100,000,000). */
  limitInputPixels?: number
  /**
   * Formats passed through untouched when nothing else needs changing (default jpeg, png, webp,
   * gif, tiff). BMP and PPM are always converted: the local engine cannot read them and they are
   * uncompressed.
   */
  keepFormats?: ImageFormat[]
  /** Make the 256 px WebP thumbnail (default true). */
  thumbnail?: boolean
  /** Compute SHA-256 and the perceptual hash (default true). */
  hashes?: boolean
  /**
   * A picture kept as it is, with neither thumbnail nor hashes asked for, is still decoded once to
   * prove it decodes (default true). False leaves that to the caller: the local engine decodes
   * every search picture itself, so a search need not decode it twice.
   */
  verify?: boolean
  /** A name for the input used in messages when it is a buffer (a path names itself). */
  name?: string
}

export interface OriginalInfo {
  format: ImageFormat
  /** Stored size (EXIF orientation not applied). */
  width: number
  height: number
  /** Size as displayed (EXIF orientation applied). */
  orientedWidth: number
  orientedHeight: number
  bytes: number
  /** EXIF orientation when the file carries one (1 = upright). */
  orientation?: number
  /** Frames/pages in the file when more than one (animated GIF, multi-page TIFF…). */
  frames?: number
  /** Colour space when it is not plain RGB/grey, e.g. `cmyk`. */
  space?: string
  /** Bits per sample when above 8, e.g. 16. */
  bitDepth?: number
  hasAlpha: boolean
}

/**
 * How the processed image relates to the original: orientation, scale to `resized`, then padding.
 * Everything needed to map a region either way (see `region.ts`).
 */
export interface Geometry {
  /** Stored size of the original (before orientation). */
  stored: Size
  /** EXIF orientation applied (1 = none). */
  orientation: number
  /** Size of the original after orientation, before scaling. */
  oriented: Size
  /** Size of the picture content after scaling (before padding). */
  resized: Size
  /** Padding added around the content (pad policy). */
  pad: { left: number; top: number; right: number; bottom: number }
  /** Final size. */
  final: Size
}

export type Action =
  | { kind: 'kept' }
  | { kind: 'oriented'; orientation: number }
  | { kind: 'first-frame'; frames: number }
  | { kind: 'colour'; from: string; to: 'srgb' }
  | { kind: 'resized'; from: [number, number]; to: [number, number] }
  | { kind: 'upscaled'; from: [number, number]; to: [number, number] }
  | { kind: 'padded'; from: [number, number]; to: [number, number] }
  | { kind: 'converted'; from: ImageFormat; to: OutputFormat; reason: string }
  | {
      kind: 're-encoded'
      format: OutputFormat
      quality?: number
      palette?: boolean
      reason: string
    }

export interface PreparedImage {
  /** The bytes to send to an engine (the original bytes when `actions` is `[{kind:'kept'}]`). */
  data: Buffer
  format: ImageFormat
  width: number
  height: number
  original: OriginalInfo
  actions: Action[]
  geometry: Geometry
  /** The region mapped onto `data`, as `x1,x2,y1,y2` (when one was given). */
  region?: string
  /**
   * At most 256 px on the longest side, oriented like `data` (empty when `thumbnail: false`): a
   * WebP, or a copy of `data` itself when the prepared picture is already within 256 px, JPEG,
   * PNG or WebP, and at most `THUMB_REUSE_MAX_BYTES` (`thumbnailExtension()` names its type).
   */
  thumbnail: Buffer
  /** SHA-256 of the original bytes, hex (empty when `hashes: false`). */
  sha256: string
  /** 64-bit DCT perceptual hash of the picture, 16 hex chars (empty when `hashes: false`). */
  phash: string
}

export interface PreviewError {
  code: string
  message: string
  hint?: string
}

export type PreviewOutcome =
  | {
      ok: true
      actions: Action[]
      /** Human sentences for `actions`. */
      summary: string[]
      format: ImageFormat
      width: number
      height: number
      bytes: number
      original: OriginalInfo
      region?: string
    }
  | { ok: false; error: PreviewError }

export interface Imaging {
  prepare(input: Buffer | string, opts?: PrepareOptions): Promise<PreparedImage>
  preview(input: Buffer | string, opts?: PrepareOptions): Promise<PreviewOutcome>
  close(): Promise<void>
  /**
   * Pictures handed to imaging so far (prepare and preview calls that reached the pipeline, in a
   * worker or in process). Tests and benchmarks count work with it.
   */
  readonly requests: number
}
