/**
 * The cloud's limits on a picture (AddImage / SearchImageByPic, shared/seeds): at most 4 MB, each
 * side within the service type's pixel bounds. Shared by the local engine (which refuses what the
 * cloud would refuse) and the imaging pipeline (which fits pictures within them).
 */

export const SERVICE_TYPES = ['product', 'generic', 'fabric', 'trademark'] as const
export type ServiceType = (typeof SERVICE_TYPES)[number]

/** "图片大小要求不超过4 MB" — counted as 4 MiB by the engines. */
export const PICTURE_MAX_BYTES = 4 * 1024 * 1024

export interface PixelBounds {
  min: number
  max: number
  /** Trademark search documents "less than 4096": the max itself is excluded. */
  maxExclusive: boolean
}

export const PIXEL_BOUNDS: Readonly<Record<ServiceType, PixelBounds>> = {
  product: { min: 100, max: 4096, maxExclusive: false },
  generic: { min: 100, max: 4096, maxExclusive: false },
  fabric: { min: 448, max: 4096, maxExclusive: false },
  trademark: { min: 200, max: 4096, maxExclusive: true },
}

/** The bounds of a service type (product's for an unknown one). */
export function pixelBounds(serviceType: string | undefined): PixelBounds {
  return PIXEL_BOUNDS[(serviceType ?? 'product') as ServiceType] ?? PIXEL_BOUNDS.product
}

/**
 * Extensions of the picture files Loupe reads (DESIGN.md: PNG, JPG, BMP, GIF, WebP, TIFF and the
 * PNM family); the pipeline decodes by content, the extension only picks files out of folders,
 * pickers and drops.
 */
export const PICTURE_EXTENSIONS = [
  'jpg',
  'jpeg',
  'png',
  'bmp',
  'gif',
  'webp',
  'tif',
  'tiff',
  'ppm',
  'pgm',
  'pbm',
  'pnm',
] as const

const PICTURE_EXT = new Set<string>(PICTURE_EXTENSIONS)

/** Whether a file name has a picture extension (any case); a bare `.jpg` is a hidden file, not one. */
export function isPictureFileName(name: string): boolean {
  const i = name.lastIndexOf('.')
  return i > 0 && PICTURE_EXT.has(name.slice(i + 1).toLowerCase())
}
