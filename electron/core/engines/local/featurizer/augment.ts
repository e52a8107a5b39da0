/**
 * Augmented views of a gallery's own pictures: the self-supervised positives a gallery-adapted
 * projection learns from (and is measured on). A view is what another photo of the same thing
 * might look like — a crop at another scale, mirrored or not, another exposure and colour cast,
 * sometimes a margin of background colour around it (the thing photographed from further away),
 * blurred, JPEG-compressed. Deterministic: the same (picture, seed) always gives the same bytes.
 * Used by the engine's gallery-adapted space (../space.ts) and by bench/quality.ts.
 */
import sharp from 'sharp'
import { seededRandom } from '../../../util/random'

/** One augmented view (JPEG bytes) of an encoded picture; `seed` picks the view. */
export async function augmentedView(bytes: Buffer, seed: number): Promise<Buffer> {
  const r = seededRandom(seed * 2654435761 + 99991)
  const between = (lo: number, hi: number) => lo + (hi - lo) * r()
  const { data, info } = await sharp(bytes)
    .rotate()
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true })
  const w = info.width
  const h = info.height
  // A crop keeping 45-100 % of the area, aspect 3:4 … 4:3 of the picture's.
  const area = between(0.45, 1)
  const aspect = Math.exp(between(Math.log(3 / 4), Math.log(4 / 3)))
  const cw = Math.max(8, Math.min(w, Math.round(w * Math.sqrt(area * aspect))))
  const ch = Math.max(8, Math.min(h, Math.round(h * Math.sqrt(area / aspect))))
  const left = Math.floor(r() * (w - cw + 1))
  const top = Math.floor(r() * (h - ch + 1))
  let img = sharp(data, { raw: { width: w, height: h, channels: 3 } }).extract({
    left,
    top,
    width: cw,
    height: ch,
  })
  if (r() < 0.5) img = img.flop()
  // Sometimes a margin of background (photographed from further away).
  if (r() < 0.3) {
    const m = (k: number) => Math.round(k * between(0.05, 0.25))
    const background = { r: between(60, 240), g: between(60, 240), b: between(60, 240) }
    img = img.extend({ top: m(ch), bottom: m(ch), left: m(cw), right: m(cw), background })
  }
  // Another light: exposure, saturation, hue, a per-channel cast; sometimes out of focus.
  const lift = between(-12, 12)
  img = img
    .modulate({
      brightness: between(0.8, 1.2),
      saturation: between(0.75, 1.25),
      hue: Math.round(between(-10, 10)),
    })
    .linear([between(0.9, 1.1), between(0.95, 1.05), between(0.9, 1.1)], [lift, lift, lift])
  const sigma = r() < 0.5 ? between(0.4, 1.4) : 0
  if (sigma >= 0.3) img = img.blur(sigma)
  return img.jpeg({ quality: Math.round(between(60, 90)) }).toBuffer()
}
