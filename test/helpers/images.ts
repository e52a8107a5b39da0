/**
 * Catalogue-like pictures generated at test time, for tests that need "some product pictures"
 * rather than particular ones (bulk add, folder watching, gallery browsing, paging, limits).
 *
 * Picture n is a product — a tee, dress, trousers, bottle, box, bag, shoe or jar — drawn with
 * gradients, a pattern and a printed label (`SKU0042`) on a white background, as a 218 × 255 JPEG:
 * the shape, size and kind of a web-shop catalogue photo (the subject detector finds the product,
 * the white margins are cropped away, the file is small enough to be its own thumbnail).
 * Deterministic (SVGs seeded by n, rendered by sharp, no fonts involved) and distinct: a drawing
 * whose perceptual hash is within MIN_PHASH_DISTANCE bits of an earlier picture's is redrawn, so
 * no two pictures are near duplicates for the bulk add (test/unit/test-helpers/images.test.ts
 * checks that, and that the featurizer tells them apart).
 *
 * The pictures are written once to node_modules/.cache/loupe-test-pictures/ (keyed by the
 * generator's version) so that tests can pass paths around; real photos of real products ship in
 * test/fixtures/grocery (see test/helpers/photos.ts).
 */
import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { hamming, phashRaw } from '../../electron/core/imaging/phash'
import { seededRandom } from '../../electron/core/util/random'

// vitest defines __dirname; benches run as ES modules under tsx, where only import.meta.dirname exists.
const HERE = typeof __dirname === 'string' ? __dirname : import.meta.dirname
const REPO = path.resolve(HERE, '../..')

/** Bump when the drawing changes: cached pictures of another version are not reused. */
const GENERATOR = 'g3'
/** Pictures the tests use (item0000.jpg … item0719.jpg). */
export const CATALOGUE_COUNT = 720
export const CATALOGUE_WIDTH = 218
export const CATALOGUE_HEIGHT = 255

const CACHE = path.join(REPO, 'node_modules', '.cache', 'loupe-test-pictures', GENERATOR)

/** File name of catalogue picture n. */
export function catalogueName(n: number): string {
  return `item${String(n).padStart(4, '0')}.jpg`
}

// ---- drawing --------------------------------------------------------------------------------

/** mulberry32 (the core's seeded generator) on a mixed seed: the same sequences as ever. */
const rng = (seed: number): (() => number) =>
  seededRandom((Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + 0x6d2b79f5) >>> 0)

/** 5 × 7 glyphs, one string of 5 bits per row. */
const FONT: Record<string, string[]> = {
  '0': ['01110', '10001', '10011', '10101', '11001', '10001', '01110'],
  '1': ['00100', '01100', '00100', '00100', '00100', '00100', '01110'],
  '2': ['01110', '10001', '00001', '00010', '00100', '01000', '11111'],
  '3': ['11110', '00001', '00001', '01110', '00001', '00001', '11110'],
  '4': ['00010', '00110', '01010', '10010', '11111', '00010', '00010'],
  '5': ['11111', '10000', '11110', '00001', '00001', '10001', '01110'],
  '6': ['00110', '01000', '10000', '11110', '10001', '10001', '01110'],
  '7': ['11111', '00001', '00010', '00100', '01000', '01000', '01000'],
  '8': ['01110', '10001', '10001', '01110', '10001', '10001', '01110'],
  '9': ['01110', '10001', '10001', '01111', '00001', '00010', '01100'],
  S: ['01111', '10000', '10000', '01110', '00001', '00001', '11110'],
  K: ['10001', '10010', '10100', '11000', '10100', '10010', '10001'],
  U: ['10001', '10001', '10001', '10001', '10001', '10001', '01110'],
}

/** Text drawn as little squares (no font needed: the same on every machine). */
function text(s: string, x: number, y: number, px: number, fill: string): string {
  const rects: string[] = []
  ;[...s].forEach((ch, i) => {
    const g = FONT[ch]
    if (!g) return
    g.forEach((row, r) => {
      for (let c = 0; c < 5; c++) {
        if (row[c] === '1') {
          rects.push(
            `<rect x="${(x + (i * 6 + c) * px).toFixed(1)}" y="${(y + r * px).toFixed(1)}" width="${px}" height="${px}"/>`,
          )
        }
      }
    })
  })
  return `<g fill="${fill}">${rects.join('')}</g>`
}

const hsl = (h: number, s: number, l: number) =>
  `hsl(${Math.round(h) % 360},${Math.round(s)}%,${Math.round(l)}%)`

/** Outline of a product of the given kind in the box (x, y, w, h), as an SVG path. */
function outline(kind: number, x: number, y: number, w: number, h: number): string {
  const X = (f: number) => (x + f * w).toFixed(1)
  const Y = (f: number) => (y + f * h).toFixed(1)
  const P = (pts: [number, number][]) =>
    'M' + pts.map(([a, b]) => `${X(a)},${Y(b)}`).join(' L') + ' Z'
  switch (kind) {
    case 0: // tee
      return P([
        [0.3, 0],
        [0.42, 0.06],
        [0.58, 0.06],
        [0.7, 0],
        [1, 0.18],
        [0.88, 0.36],
        [0.78, 0.3],
        [0.78, 1],
        [0.22, 1],
        [0.22, 0.3],
        [0.12, 0.36],
        [0, 0.18],
      ])
    case 1: // dress
      return P([
        [0.36, 0],
        [0.44, 0],
        [0.46, 0.12],
        [0.54, 0.12],
        [0.56, 0],
        [0.64, 0],
        [0.68, 0.3],
        [0.62, 0.42],
        [1, 1],
        [0, 1],
        [0.38, 0.42],
        [0.32, 0.3],
      ])
    case 2: // trousers
      return P([
        [0.18, 0],
        [0.82, 0],
        [0.9, 1],
        [0.6, 1],
        [0.5, 0.3],
        [0.4, 1],
        [0.1, 1],
      ])
    case 3: // bottle
      return `M${X(0.4)},${Y(0)} L${X(0.6)},${Y(0)} L${X(0.6)},${Y(0.18)} Q${X(1)},${Y(0.24)} ${X(1)},${Y(0.4)} L${X(1)},${Y(0.95)} Q${X(1)},${Y(1)} ${X(0.9)},${Y(1)} L${X(0.1)},${Y(1)} Q${X(0)},${Y(1)} ${X(0)},${Y(0.95)} L${X(0)},${Y(0.4)} Q${X(0)},${Y(0.24)} ${X(0.4)},${Y(0.18)} Z`
    case 4: // box, seen from above and in front
      return P([
        [0, 0.22],
        [0.3, 0],
        [1, 0],
        [1, 0.78],
        [0.7, 1],
        [0, 1],
      ])
    case 5: // bag with a handle
      return `M${X(0.3)},${Y(0.3)} C${X(0.3)},${Y(-0.05)} ${X(0.7)},${Y(-0.05)} ${X(0.7)},${Y(0.3)} L${X(0.63)},${Y(0.3)} C${X(0.63)},${Y(0.06)} ${X(0.37)},${Y(0.06)} ${X(0.37)},${Y(0.3)} Z M${X(0.08)},${Y(0.3)} L${X(0.92)},${Y(0.3)} L${X(1)},${Y(1)} L${X(0)},${Y(1)} Z`
    case 6: // shoe, side view
      return `M${X(0)},${Y(0.35)} L${X(0.3)},${Y(0.35)} Q${X(0.45)},${Y(0.6)} ${X(0.75)},${Y(0.62)} Q${X(1)},${Y(0.66)} ${X(1)},${Y(0.85)} L${X(1)},${Y(1)} L${X(0)},${Y(1)} Z`
    default: // jar / can
      return `M${X(0)},${Y(0.1)} A${(w / 2).toFixed(1)},${(h * 0.1).toFixed(1)} 0 0 1 ${X(1)},${Y(0.1)} L${X(1)},${Y(0.9)} A${(w / 2).toFixed(1)},${(h * 0.1).toFixed(1)} 0 0 1 ${X(0)},${Y(0.9)} Z`
  }
}

/** The SVG of catalogue picture n (`attempt` > 0: a redraw, see MIN_PHASH_DISTANCE). */
function catalogueSvg(n: number, attempt: number): string {
  const r = rng(n + Math.imul(attempt, 0x3c6ef372))
  const W = CATALOGUE_WIDTH
  const H = CATALOGUE_HEIGHT
  const kind = Math.floor(r() * 8)
  // Shoes and boxes are wider than tall; garments and bottles taller than wide.
  const wide = kind === 4 || kind === 6
  const w = W * (wide ? 0.62 + r() * 0.28 : 0.4 + r() * 0.34)
  const h = H * (wide ? 0.38 + r() * 0.3 : 0.56 + r() * 0.32)
  const x = 12 + r() * (W - 24 - w)
  const y = 12 + r() * (H - 24 - h)
  const hue = r() * 360
  const sat = 25 + r() * 65
  // Light and dark ends far apart, in either order: the product's shading differs between pictures.
  const darkFirst = r() < 0.5
  const l1 = 8 + r() * 30
  const l2 = 58 + r() * 34
  const c1 = hsl(hue, sat, darkFirst ? l1 : l2)
  const c2 = hsl(hue + 25 + r() * 160, 20 + r() * 70, darkFirst ? l2 : l1)
  const c3 = hsl(hue + 180 + r() * 60, 30 + r() * 60, 15 + r() * 70)
  const angle = Math.round(r() * 360)
  const radial = r() < 0.3
  const grad = radial
    ? `<radialGradient id="g" cx="${(0.2 + r() * 0.6).toFixed(2)}" cy="${(0.2 + r() * 0.6).toFixed(2)}" r="0.8"><stop offset="0" stop-color="${c2}"/><stop offset="1" stop-color="${c1}"/></radialGradient>`
    : `<linearGradient id="g" gradientTransform="rotate(${angle} 0.5 0.5)"><stop offset="0" stop-color="${c1}"/><stop offset="${(0.3 + r() * 0.4).toFixed(2)}" stop-color="${c2}"/><stop offset="1" stop-color="${c1}"/></linearGradient>`
  const shape = outline(kind, x, y, w, h)

  // A pattern inside the product: stripes, dots, checks or a band, in a third colour.
  const motif = Math.floor(r() * 5)
  const step = 6 + r() * 16
  const pat: string[] = []
  const opacity = (0.35 + r() * 0.5).toFixed(2)
  if (motif === 0 || motif === 2) {
    const rot = motif === 0 ? Math.round(r() * 180) : 0
    for (let i = -W; i < W + H; i += step)
      pat.push(
        `<rect x="${i.toFixed(1)}" y="${-H}" width="${(step * 0.4).toFixed(1)}" height="${3 * H}"/>`,
      )
    if (motif === 2)
      for (let i = 0; i < H; i += step)
        pat.push(
          `<rect x="0" y="${i.toFixed(1)}" width="${W}" height="${(step * 0.4).toFixed(1)}"/>`,
        )
    pat.unshift(`<g transform="rotate(${rot} ${W / 2} ${H / 2})">`)
    pat.push('</g>')
  } else if (motif === 1) {
    for (let yy = y; yy < y + h; yy += step)
      for (let xx = x; xx < x + w; xx += step)
        pat.push(
          `<circle cx="${xx.toFixed(1)}" cy="${yy.toFixed(1)}" r="${(step * 0.22).toFixed(1)}"/>`,
        )
  } else if (motif === 3) {
    const by = y + h * (0.2 + r() * 0.5)
    pat.push(
      `<rect x="${x.toFixed(1)}" y="${by.toFixed(1)}" width="${w.toFixed(1)}" height="${(h * (0.08 + r() * 0.15)).toFixed(1)}"/>`,
    )
  }

  // A printed label with the SKU and a little logo.
  const px = 1.2 + r() * 0.6
  const label = `SKU${String(n).padStart(4, '0')}`
  const lw = label.length * 6 * px + 6
  const lh = 7 * px + 6
  const lx = x + (w - lw) * (0.2 + r() * 0.6)
  const ly = y + h * (0.45 + r() * 0.35)
  const dark = r() < 0.5
  const logoR = 5 + r() * 9
  const logoX = x + w * (0.25 + r() * 0.5)
  const logoY = y + h * (0.2 + r() * 0.2)
  const logo =
    r() < 0.5
      ? `<circle cx="${logoX.toFixed(1)}" cy="${logoY.toFixed(1)}" r="${logoR.toFixed(1)}" fill="${c3}" stroke="#fff" stroke-width="1.5"/>`
      : `<path d="M${logoX.toFixed(1)},${(logoY - logoR).toFixed(1)} L${(logoX + logoR).toFixed(1)},${(logoY + logoR).toFixed(1)} L${(logoX - logoR).toFixed(1)},${(logoY + logoR).toFixed(1)} Z" fill="${c3}" stroke="#fff" stroke-width="1.5"/>`

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`,
    `<defs>${grad}<clipPath id="c"><path d="${shape}"/></clipPath></defs>`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<ellipse cx="${(x + w / 2).toFixed(1)}" cy="${Math.min(H - 6, y + h + 2).toFixed(1)}" rx="${(w * 0.45).toFixed(1)}" ry="3" fill="#e4e4e4"/>`,
    `<path d="${shape}" fill="url(#g)" stroke="${c1}" stroke-width="1"/>`,
    `<g clip-path="url(#c)" fill="${c3}" fill-opacity="${opacity}">${pat.join('')}</g>`,
    `<g clip-path="url(#c)">${logo}`,
    `<rect x="${lx.toFixed(1)}" y="${ly.toFixed(1)}" width="${lw.toFixed(1)}" height="${lh.toFixed(1)}" rx="2" fill="${dark ? '#1d1d1f' : '#fbfbf8'}"/>`,
    text(label, lx + 3, ly + 3, px, dark ? '#f4f4f4' : '#202020'),
    '</g></svg>',
  ].join('')
}

/** Render an SVG as a catalogue JPEG (4:4:4 like web-shop photos) and its perceptual hash. */
async function render(svg: string): Promise<{ jpeg: Buffer; phash: string }> {
  const jpeg = await sharp(Buffer.from(svg))
    .flatten({ background: '#ffffff' })
    .jpeg({ quality: 90, chromaSubsampling: '4:4:4' })
    .toBuffer()
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true })
  return { jpeg, phash: phashRaw(data, info.width, info.height, info.channels) }
}

// ---- the cached folder ----------------------------------------------------------------------

/**
 * Two catalogue pictures are at least this many bits apart in perceptual hash (the bulk add
 * flags ≤ 6 as a near duplicate by default): a drawing too close to an earlier picture is
 * redrawn with the next attempt's seed.
 */
export const MIN_PHASH_DISTANCE = 10

interface Manifest {
  generator: string
  /** Perceptual hash of each picture, in order (also: how many are complete). */
  phash: string[]
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function readManifest(): Manifest {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(CACHE, 'catalogue.json'), 'utf8')) as Manifest
    if (m.generator === GENERATOR && Array.isArray(m.phash)) return m
  } catch {
    // none yet, or a broken one: start over
  }
  return { generator: GENERATOR, phash: [] }
}

function complete(count: number): boolean {
  return (
    readManifest().phash.length >= count &&
    fs.existsSync(path.join(CACHE, catalogueName(count - 1)))
  )
}

/**
 * Draws pictures hashes.length … count-1 in order, each at least MIN_PHASH_DISTANCE from every
 * earlier one (`hashes` holds the earlier pictures' hashes and grows); `done` gets each picture.
 */
async function draw(
  hashes: string[],
  count: number,
  done: (n: number, jpeg: Buffer) => void,
): Promise<void> {
  const LOOKAHEAD = 8
  for (let base = hashes.length; base < count; base += LOOKAHEAD) {
    const firsts = await Promise.all(
      Array.from({ length: Math.min(LOOKAHEAD, count - base) }, (_, k) =>
        render(catalogueSvg(base + k, 0)),
      ),
    )
    for (let k = 0; k < firsts.length; k++) {
      const n = base + k
      let pic = firsts[k]
      for (
        let attempt = 1;
        hashes.some((h) => hamming(h, pic.phash) < MIN_PHASH_DISTANCE);
        attempt++
      ) {
        if (attempt > 200) throw new Error(`could not draw a distinct catalogue picture ${n}`)
        pic = await render(catalogueSvg(n, attempt))
      }
      hashes.push(pic.phash)
      done(n, pic.jpeg)
    }
  }
}

/** Catalogue pictures 0 … count-1 drawn in memory, without the cache (what the cache holds). */
export async function drawCatalogue(count: number): Promise<Buffer[]> {
  const out: Buffer[] = []
  await draw([], count, (n, jpeg) => (out[n] = jpeg))
  return out
}

/** Adds pictures m.phash.length … count-1 to the cache folder, saving the manifest as it goes. */
async function extend(m: Manifest, count: number, lock: string): Promise<void> {
  const manifest = path.join(CACHE, 'catalogue.json')
  await draw(m.phash, count, (n, jpeg) => {
    const file = path.join(CACHE, catalogueName(n))
    fs.writeFileSync(`${file}.tmp`, jpeg)
    fs.renameSync(`${file}.tmp`, file)
    if ((n + 1) % 8 === 0 || n === count - 1) {
      fs.writeFileSync(`${manifest}.tmp`, JSON.stringify(m))
      fs.renameSync(`${manifest}.tmp`, manifest)
      fs.utimesSync(lock, new Date(), new Date())
    }
  })
}

/**
 * Makes sure catalogue pictures 0 … count-1 are in the cache folder and returns it. Safe to call
 * from parallel test processes: one draws (under a lock folder), the others wait for it.
 */
export async function ensureCatalogue(count = CATALOGUE_COUNT): Promise<string> {
  if (complete(count)) return CACHE
  fs.mkdirSync(CACHE, { recursive: true })
  const lock = CACHE + '.lock'
  for (;;) {
    try {
      fs.mkdirSync(lock)
      break
    } catch {
      if (complete(count)) return CACHE
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? 0)
      if (age > 60_000) fs.rmSync(lock, { recursive: true, force: true })
      else await sleep(100)
    }
  }
  try {
    await extend(readManifest(), count, lock)
  } finally {
    fs.rmSync(lock, { recursive: true, force: true })
  }
  return CACHE
}
/** Folder holding item0000.jpg … item0719.jpg (generated on first use). */
export const CATALOGUE_DIR = await ensureCatalogue()

/**
 * The real catalogue photos (catalogue-hm of the shared datasets: LOUPE_DATASETS, else
 * ../shared/datasets beside the checkout) when they are there, else the generated look-alikes of
 * CATALOGUE_DIR (same names, size and kind).
 */
export function realCatalogueDir(): string {
  for (const c of [process.env.LOUPE_DATASETS, path.resolve(REPO, '../shared/datasets')]) {
    if (c && fs.existsSync(path.join(c, 'catalogue-hm', catalogueName(0))))
      return path.join(c, 'catalogue-hm')
  }
  return CATALOGUE_DIR
}

/** Path of catalogue picture n (n < CATALOGUE_COUNT). */
export function catalogueItem(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n >= CATALOGUE_COUNT) {
    throw new Error(`catalogue picture ${n} does not exist (0 … ${CATALOGUE_COUNT - 1})`)
  }
  return path.join(CATALOGUE_DIR, catalogueName(n))
}

/** Bytes of catalogue picture n. */
export function catalogueBytes(n: number): Buffer {
  return fs.readFileSync(catalogueItem(n))
}
