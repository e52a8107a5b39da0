/**
 * Pixel bounds per service type, and the fitting plan for a picture (pure).
 *
 * From the cloud's AddImage/SearchImageByPic docs (shared/seeds): product and generic 100–4096 px
 * per side; fabric (cloth) 448–4096; trademark at least 200 and "less than 4096" (so 4095).
 */
import { PIXEL_BOUNDS, SERVICE_TYPES, type ServiceType } from '../../domain'
import { cannotFit, tooSmall } from './errors'
import type { Size, SmallImagePolicy } from './types'

export interface Bounds {
  min: number
  max: number
}

/** The domain's PIXEL_BOUNDS with an inclusive maximum ("less than 4096" → 4095). */
export const SERVICE_BOUNDS = Object.fromEntries(
  SERVICE_TYPES.map((t) => {
    const b = PIXEL_BOUNDS[t]
    return [t, { min: b.min, max: b.maxExclusive ? b.max - 1 : b.max }]
  }),
) as Record<ServiceType, Bounds>

export function boundsFor(serviceType: ServiceType | string | undefined): Bounds {
  return SERVICE_BOUNDS[(serviceType ?? 'product') as ServiceType] ?? SERVICE_BOUNDS.product
}

export interface FitPlan {
  /** Size of the picture content after scaling. */
  resized: Size
  /** Padding (pad policy only). */
  pad: { left: number; top: number; right: number; bottom: number }
  final: Size
  downscaled: boolean
  upscaled: boolean
  padded: boolean
}

/**
 * How to bring an (oriented) picture within `b`: downscale when a side exceeds the maximum; when a
 * side is below the minimum, refuse, upscale or pad as `policy` says.
 */
export function planFit(
  size: Size,
  b: Bounds,
  policy: SmallImagePolicy,
  serviceType: string,
  name?: string,
): FitPlan {
  const { width: W, height: H } = size
  const none = { left: 0, top: 0, right: 0, bottom: 0 }
  let w = W
  let h = H
  let shrunk = false
  if (Math.max(W, H) > b.max) {
    const s = b.max / Math.max(W, H)
    w = Math.max(1, Math.min(b.max, Math.round(W * s)))
    h = Math.max(1, Math.min(b.max, Math.round(H * s)))
    shrunk = true
  }
  const flags = { downscaled: shrunk, upscaled: false, padded: false }
  if (Math.min(w, h) >= b.min) {
    return { resized: { width: w, height: h }, pad: none, final: { width: w, height: h }, ...flags }
  }
  const why = shrunk ? `it would be ${w} × ${h} px once fitted within ${b.max} px` : undefined
  if (policy === 'reject') throw tooSmall(size, b.min, serviceType, name, why)
  if (policy === 'upscale') {
    if (shrunk) throw cannotFit(size, b.min, b.max, serviceType, name)
    const s = b.min / Math.min(W, H)
    const uw = W <= H ? b.min : Math.round(W * s)
    const uh = H < W ? b.min : Math.round(H * s)
    if (Math.max(uw, uh) > b.max) throw cannotFit(size, b.min, b.max, serviceType, name)
    return {
      resized: { width: uw, height: uh },
      pad: none,
      final: { width: uw, height: uh },
      ...flags,
      upscaled: true,
    }
  }
  const fw = Math.max(w, b.min)
  const fh = Math.max(h, b.min)
  const left = Math.floor((fw - w) / 2)
  const top = Math.floor((fh - h) / 2)
  return {
    resized: { width: w, height: h },
    pad: { left, top, right: fw - w - left, bottom: fh - h - top },
    final: { width: fw, height: fh },
    ...flags,
    padded: true,
  }
}
