/**
 * A picture checked when the user chooses it (Search, single Add), before any engine call: the
 * imaging pipeline sniffs it from its bytes and decodes it, so a text file named `.jpg` or random
 * bytes named `.png` are refused at once with the pipeline's own error (UnsupportedPicFormat,
 * CorruptImage, EmptyImage…). The work is the pipeline's: a header read, one decode shrunk to the
 * 256 px thumbnail (JPEG shrinks on load) and, only when the picture must change anyway, the
 * encode a search or an add would do — never a second full-size decode.
 */
import type { PreparedImage, PrepareOptions } from '../imaging/types'
import { boundsFor, planFit } from '../imaging/bounds'
import { thumbnailExtension } from '../imaging/sniff'
import type { ServiceType } from '../engines/types'
import type { InspectImageResult } from '../../api/schemas'

interface Imaging {
  prepare(input: Buffer | string, opts: PrepareOptions): Promise<PreparedImage>
}

const BROWSER_FORMATS = new Set(['jpeg', 'png', 'gif', 'webp'])
const MIME = { '.webp': 'image/webp', '.jpg': 'image/jpeg', '.png': 'image/png' } as const

export async function inspectPicture(
  imaging: Imaging,
  src: Buffer | string,
  o: { serviceType: ServiceType; name?: string },
): Promise<InspectImageResult> {
  const opts: PrepareOptions = {
    serviceType: o.serviceType,
    name: o.name,
    thumbnail: true,
    hashes: false,
    // A small picture is not refused here: the user is offered upscale/pad. Upscaled, its
    // thumbnail still shows the picture as it is (padding would add borders).
    smallImage: 'upscale',
  }
  let p: PreparedImage
  try {
    p = await imaging.prepare(src, opts)
  } catch (err) {
    // Too elongated to upscale within the bounds: padding is the one way left.
    if ((err as { code?: string }).code !== 'UnsupportedPicPixels') throw err
    p = await imaging.prepare(src, { ...opts, smallImage: 'pad' })
  }
  const b = boundsFor(o.serviceType)
  const size = { width: p.original.orientedWidth, height: p.original.orientedHeight }
  const small = Math.min(size.width, size.height) < b.min
  const fitted = planFit(size, b, 'pad', o.serviceType, o.name)
  let upscale: { width: number; height: number } | null = null
  if (small) {
    try {
      upscale = planFit(size, b, 'upscale', o.serviceType, o.name).final
    } catch {
      upscale = null
    }
  }
  return {
    format: p.original.format,
    width: size.width,
    height: size.height,
    bytes: p.original.bytes,
    min: b.min,
    max: b.max,
    small,
    downscaled: fitted.downscaled,
    fits: small ? { upscale, pad: fitted.final } : null,
    browserShows: BROWSER_FORMATS.has(p.original.format),
    preview: {
      mime: MIME[thumbnailExtension(p.thumbnail)],
      base64: p.thumbnail.toString('base64'),
    },
  }
}
