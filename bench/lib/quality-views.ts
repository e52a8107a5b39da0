/**
 * The general-object proxy of bench/quality.ts: a catalogue picture (product on white) turned into
 * what a phone photo of the same product might look like — cut out from its white background,
 * scaled, rotated, sheared (a cheap perspective), put on a cluttered background (a crop of a
 * Grocery Store shelf photo) or a plain table colour, cropped, colour-cast, relit, blurred and
 * JPEG-compressed. Deterministic: the same (item, view) always gives the same bytes.
 */
import { readFileSync } from 'node:fs'
import sharp from 'sharp'
import { seededRandom } from '../../electron/core/util/random'

/** Small deterministic PRNG (mulberry32, the core's). */
export const prng = seededRandom

const between = (r: () => number, lo: number, hi: number) => lo + (hi - lo) * r()

/**
 * RGBA cut-out of a product photographed on white: the background is the near-white region
 * connected to the border (flood fill), so white parts inside the product stay opaque.
 */
async function cutOut(file: string): Promise<{ data: Buffer; w: number; h: number }> {
  const { data, info } = await sharp(readFileSync(file))
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true })
  const w = info.width
  const h = info.height
  const bg = new Uint8Array(w * h)
  const white = (i: number) => {
    const r = data[i * 3]
    const g = data[i * 3 + 1]
    const b = data[i * 3 + 2]
    return Math.min(r, g, b) >= 232 && Math.max(r, g, b) - Math.min(r, g, b) <= 14
  }
  const stack: number[] = []
  for (let x = 0; x < w; x++) stack.push(x, (h - 1) * w + x)
  for (let y = 0; y < h; y++) stack.push(y * w, y * w + w - 1)
  while (stack.length) {
    const i = stack.pop()!
    if (bg[i] || !white(i)) continue
    bg[i] = 1
    const x = i % w
    const y = (i - x) / w
    if (x > 0) stack.push(i - 1)
    if (x < w - 1) stack.push(i + 1)
    if (y > 0) stack.push(i - w)
    if (y < h - 1) stack.push(i + w)
  }
  const rgba = Buffer.alloc(w * h * 4)
  for (let i = 0; i < w * h; i++) {
    rgba[i * 4] = data[i * 3]
    rgba[i * 4 + 1] = data[i * 3 + 1]
    rgba[i * 4 + 2] = data[i * 3 + 2]
    rgba[i * 4 + 3] = bg[i] ? 0 : 255
  }
  // Soften the cut edge a little, as a real edge against a background would be.
  const soft = await sharp(rgba, { raw: { width: w, height: h, channels: 4 } })
    .blur(0.6)
    .raw()
    .toBuffer()
  return { data: soft, w, h }
}

/**
 * Phone photo `view` (≥ 1) of catalogue picture `file` (number `item`), as JPEG bytes. The views
 * of one item share a scene — the same background, as when one photographs a product several
 * times where it stands — and differ in framing, pose, light and blur. `backgrounds` are shelf
 * photos (any cluttered pictures) to crop backgrounds from.
 */
export async function phoneView(
  file: string,
  item: number,
  view: number,
  backgrounds: string[],
): Promise<Buffer> {
  const scene = prng(item * 2654435761 + 777)
  const r = prng((item * 16 + view) * 2654435761 + 12345)
  const cut = await cutOut(file)
  // Canvas: a 4:3 or 3:4 phone frame of 360-480 px.
  const portrait = r() < 0.6
  const long = Math.round(between(r, 360, 480))
  const cw = portrait ? Math.round((long * 3) / 4) : long
  const ch = portrait ? long : Math.round((long * 3) / 4)

  // Background: a crop of a shelf photo (clutter) or a plain table/wall colour with a gradient.
  let background: Buffer
  if (scene() < 0.6 && backgrounds.length) {
    const src = backgrounds[Math.floor(scene() * backgrounds.length)]
    const meta = await sharp(src).metadata()
    const bw = meta.width ?? 348
    const bh = meta.height ?? 348
    const fw = Math.round(bw * between(scene, 0.6, 0.8))
    const fh = Math.round(bh * between(scene, 0.6, 0.8))
    const x0 = scene() * (bw - fw)
    const y0 = scene() * (bh - fh)
    const defocus = scene() < 0.5 ? between(scene, 1, 3) : 0.3
    background = await sharp(src)
      .extract({
        left: Math.floor(Math.min(bw - fw, Math.max(0, x0 + between(r, -0.1, 0.1) * bw))),
        top: Math.floor(Math.min(bh - fh, Math.max(0, y0 + between(r, -0.1, 0.1) * bh))),
        width: fw,
        height: fh,
      })
      .resize(cw, ch, { fit: 'fill' })
      .blur(defocus)
      .removeAlpha()
      .raw()
      .toBuffer()
  } else {
    const base = [between(scene, 90, 230), between(scene, 80, 220), between(scene, 70, 210)]
    background = Buffer.alloc(cw * ch * 3)
    const gx = between(r, -40, 40)
    const gy = between(r, -40, 40)
    for (let y = 0; y < ch; y++) {
      for (let x = 0; x < cw; x++) {
        const d = (gx * x) / cw + (gy * y) / ch
        const o = (y * cw + x) * 3
        for (let c = 0; c < 3; c++) background[o + c] = Math.max(0, Math.min(255, base[c] + d))
      }
    }
  }

  // Foreground: scale to 65-95 % of the frame's height, rotate, shear.
  const scale = (between(r, 0.65, 0.95) * ch) / cut.h
  const fw = Math.max(8, Math.round(cut.w * scale))
  const fh = Math.max(8, Math.round(cut.h * scale))
  const shx = between(r, -0.1, 0.1)
  const shy = between(r, -0.06, 0.06)
  const angle = between(r, -12, 12)
  const fg = await sharp(cut.data, { raw: { width: cut.w, height: cut.h, channels: 4 } })
    .resize(fw, fh, { fit: 'fill' })
    .affine(
      [
        [1, shx],
        [shy, 1],
      ],
      { background: { r: 0, g: 0, b: 0, alpha: 0 } },
    )
    .rotate(angle, { background: { r: 0, g: 0, b: 0, alpha: 0 } })
    .png()
    .toBuffer({ resolveWithObject: true })
  // Fit the transformed product inside the frame (it may have grown by rotation and shear).
  let fgBuf = fg.data
  let gw = fg.info.width
  let gh = fg.info.height
  if (gw > cw || gh > ch) {
    const k = Math.min(cw / gw, ch / gh)
    gw = Math.max(8, Math.floor(gw * k))
    gh = Math.max(8, Math.floor(gh * k))
    fgBuf = await sharp(fgBuf).resize(gw, gh, { fit: 'fill' }).png().toBuffer()
  }
  const left = Math.floor(r() * (cw - gw + 1))
  const top = Math.floor(r() * (ch - gh + 1))
  let img = sharp(background, { raw: { width: cw, height: ch, channels: 3 } }).composite([
    { input: fgBuf, left, top },
  ])
  const composed = await img.removeAlpha().raw().toBuffer()

  // The photographer's framing: keep 85-100 % of each side, always most of the product.
  const kw = Math.round(cw * between(r, 0.85, 1))
  const kh = Math.round(ch * between(r, 0.85, 1))
  const cx = Math.min(Math.max(0, left + gw / 2 - kw / 2 + between(r, -0.1, 0.1) * kw), cw - kw)
  const cy = Math.min(Math.max(0, top + gh / 2 - kh / 2 + between(r, -0.1, 0.1) * kh), ch - kh)
  img = sharp(composed, { raw: { width: cw, height: ch, channels: 3 } }).extract({
    left: Math.round(cx),
    top: Math.round(cy),
    width: kw,
    height: kh,
  })

  // Light and colour: exposure, saturation, hue, a per-channel cast (warm/cool light).
  const cast = [between(r, 0.9, 1.1), between(r, 0.95, 1.05), between(r, 0.9, 1.1)]
  const lift = between(r, -10, 10)
  img = sharp(await img.removeAlpha().raw().toBuffer(), {
    raw: { width: kw, height: kh, channels: 3 },
  })
    .modulate({
      brightness: between(r, 0.8, 1.2),
      saturation: between(r, 0.8, 1.2),
      hue: Math.round(between(r, -8, 8)),
    })
    .linear(cast, [lift, lift, lift])
  const sigma = r() < 0.6 ? between(r, 0.4, 1.2) : 0
  if (sigma >= 0.3) img = img.blur(sigma)
  return img.jpeg({ quality: Math.round(between(r, 60, 88)) }).toBuffer()
}
