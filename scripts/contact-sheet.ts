/**
 * Contact sheets of the screenshot suite: `LOUPE_SHOTS=/tmp/shots npx vitest run --project e2e
 * test/e2e/layout.test.ts` keeps every state as `<state>__<locale>__<theme>__<w>x<h>.png`, then
 * `npx tsx scripts/contact-sheet.ts /tmp/shots [docs/screenshots]` tiles them, downscaled, into
 * a few labelled PNG sheets: one per window size and group of views, a row per view state and a
 * column per language × theme, each tile labelled "state · locale · theme · size".
 */
import fs from 'node:fs'
import path from 'node:path'
import sharp, { type OverlayOptions } from 'sharp'

const SRC = process.argv[2] ?? process.env.LOUPE_SHOTS
const OUT = path.resolve(process.argv[3] ?? 'docs/screenshots')
/** Tile width in px (the screenshot is downscaled to it). */
const TILE = Number(process.env.TILE ?? 300)
/** Rows (view states) per sheet. */
const ROWS = Number(process.env.ROWS ?? 9)
const LABEL = 22
const GAP = 8
const COLUMNS = [
  ['en-US', 'light'],
  ['en-US', 'dark'],
  ['zh-CN', 'light'],
  ['zh-CN', 'dark'],
] as const

if (!SRC || !fs.existsSync(SRC)) {
  console.error('usage: npx tsx scripts/contact-sheet.ts <screenshots dir> [out dir]')
  process.exit(2)
}

interface Shot {
  file: string
  state: string
  locale: string
  theme: string
  size: string
}
const shots: Shot[] = []
for (const f of fs.readdirSync(SRC).sort()) {
  const m = /^(.+)__(en-US|zh-CN)__(light|dark)__(\d+x\d+)\.png$/.exec(f)
  if (m)
    shots.push({ file: path.join(SRC, f), state: m[1]!, locale: m[2]!, theme: m[3]!, size: m[4]! })
}
if (!shots.length) {
  console.error(`no <state>__<locale>__<theme>__<w>x<h>.png screenshots in ${SRC}`)
  process.exit(1)
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;')
function label(text: string, width: number, height = LABEL, size = 13): Buffer {
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
      `<text x="2" y="${height - 7}" font-family="DejaVu Sans, Arial, sans-serif" font-size="${size}" fill="#222">${esc(text)}</text></svg>`,
  )
}

/** States in the order the suite walked them (the first screenshot of each state). */
const firstAt = new Map<string, number>()
for (const s of shots) {
  const t = fs.statSync(s.file).mtimeMs
  firstAt.set(s.state, Math.min(firstAt.get(s.state) ?? Infinity, t))
}
const order = [...firstAt.keys()].sort((a, b) => firstAt.get(a)! - firstAt.get(b)!)
const sizes = [...new Set(shots.map((s) => s.size))].sort((a, b) => parseInt(b) - parseInt(a))
fs.mkdirSync(OUT, { recursive: true })
for (const f of fs.readdirSync(OUT)) if (/^sheet-.*\.png$/.test(f)) fs.rmSync(path.join(OUT, f))

let total = 0
for (const size of sizes) {
  const [w, h] = size.split('x').map(Number) as [number, number]
  const tileH = Math.round((TILE * h) / w)
  const states = order.filter((st) => shots.some((s) => s.state === st && s.size === size))
  for (let g = 0; g * ROWS < states.length; g++) {
    const rows = states.slice(g * ROWS, (g + 1) * ROWS)
    const width = GAP + COLUMNS.length * (TILE + GAP)
    const height = 34 + rows.length * (LABEL + tileH + GAP)
    const layers: OverlayOptions[] = [
      {
        input: label(
          `Loupe screenshot suite · ${size.replace('x', '×')} · ${rows[0]} … ${rows.at(-1)}`,
          width,
          30,
          16,
        ),
        left: GAP,
        top: 2,
      },
    ]
    for (const [r, state] of rows.entries()) {
      const top = 34 + r * (LABEL + tileH + GAP)
      for (const [c, [locale, theme]] of COLUMNS.entries()) {
        const left = GAP + c * (TILE + GAP)
        const shot = shots.find(
          (s) => s.state === state && s.size === size && s.locale === locale && s.theme === theme,
        )
        layers.push({
          input: label(`${state} · ${locale} · ${theme} · ${size.replace('x', '×')}`, TILE),
          left,
          top,
        })
        if (shot)
          layers.push({
            input: await sharp(shot.file).resize(TILE, tileH).toBuffer(),
            left,
            top: top + LABEL,
          })
      }
    }
    const file = path.join(OUT, `sheet-${size}-${g + 1}.png`)
    await sharp({ create: { width, height, channels: 3, background: '#f4f4f4' } })
      .composite(layers)
      .png({ palette: true, colours: 96, effort: 8 })
      .toFile(file)
    const bytes = fs.statSync(file).size
    total += bytes
    console.log(
      `${path.relative(process.cwd(), file)}: ${rows.length} states, ${(bytes / 1024).toFixed(0)} KB`,
    )
  }
}
console.log(`${shots.length} screenshots, ${(total / 1024 / 1024).toFixed(2)} MB in ${OUT}`)
