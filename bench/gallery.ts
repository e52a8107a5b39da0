/**
 * Gallery cache benchmark: `npx tsx bench/gallery.ts [rows]` (default 100,000).
 *
 * Fills a gallery from a synthetic but realistic DumpMeta export (SKU-like product ids, Taobao-like
 * picture names, Chinese and English attributes, URLs in CustomContent, the cloud's categories),
 * then times the gallery's operations and the same questions asked naively in the same run:
 * - import: importDump (staged, one transaction) vs recording line by line, one transaction per
 *   row (measured on a slice, extrapolated to the full file);
 * - browse / text / filter / category / grouping / near duplicates: the gallery vs the same SQL on
 *   an unindexed copy of the table (LIKE scans for text, sorts without indexes, a JS scan of every
 *   hash for near duplicates).
 * Prints p50/p95 per query kind and the naive/gallery ratio. Targets: p95 <= 10 ms, import <= 10 s.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { filterToSql, parseFilter } from '../electron/core/engines/local/filter'
import { openGallery } from '../electron/core/gallery'
import { FILTER_COLUMNS } from '../electron/core/gallery/columns'
import { hamming } from '../electron/core/gallery/phash'

const ROWS = Number(process.argv[2] ?? 100_000)
const NAIVE_IMPORT_ROWS = Math.min(5_000, ROWS)

// ------------------------------------------------------------------ synthetic data

let seed = 0x5eed
function rand(): number {
  seed |= 0
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)]
const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1))
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
const randStr = (n: number) => Array.from({ length: n }, () => pick([...ALNUM])).join('')

const CATEGORIES = [0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 6, 7, 8, 9, 10, 11, 20, 21, 22, 88888888]
const BRANDS = [
  ...[
    '优衣库',
    '李宁',
    '安踏',
    '波司登',
    '海澜之家',
    '太平鸟',
    '森马',
    '美特斯邦威',
    '特步',
    '回力',
  ],
  ...['Nike', 'Adidas', 'Zara', 'Uniqlo', 'Levis', 'Coach', 'Gucci', 'Puma', 'Vans', 'Converse'],
  ...Array.from({ length: 180 }, (_, i) => `Brand${String(i).padStart(3, '0')}`),
]
const COLOURS = ['红色', '黑色', '白色', '蓝色', '灰色', '粉色', '绿色', '黄色', '紫色', '卡其色']
const SIZES = ['S', 'M', 'L', 'XL', 'XXL', '36', '38', '40', '42', '均码']
const SEASONS = ['春季', '夏季', '秋季', '冬季', '四季']
const NOUNS = [
  '连衣裙',
  '衬衫',
  '牛仔裤',
  '运动鞋',
  '双肩包',
  '羽绒服',
  '卫衣',
  '半身裙',
  'T恤',
  '风衣',
]
const ADJ = ['新款', '修身', '宽松', '百搭', '韩版', '复古', '纯棉', '加厚', '透气', '雪纺']

export interface DumpLine {
  ProductId: string
  PicName: string
  CategoryId: string | number
  CustomContent: string
  IntAttr: number
  IntAttr2?: number
  StrAttr: string
  StrAttr2?: string
  StrAttr3?: string
  StrAttr4?: string
}

function makeLines(n: number): DumpLine[] {
  const out: DumpLine[] = []
  let p = 0
  while (out.length < n) {
    p++
    const style = rand()
    const productId =
      style < 0.5
        ? `SKU${int(2019, 2025)}-${String(p).padStart(6, '0')}`
        : style < 0.8
          ? `bag_${100000 + p}`
          : `${pick(['TS', 'DR', 'SH', 'BG'])}${String(p * 7919).padStart(8, '0')}`
    const pics = int(1, 5)
    const cat = pick(CATEGORIES)
    const brand = pick(BRANDS)
    for (let k = 0; k < pics && out.length < n; k++) {
      const picName =
        rand() < 0.5 ? `T1${randStr(14)}_${int(100000, 999999)}.jpg` : `${productId}_${k + 1}.jpg`
      const cc = rand()
      out.push({
        ProductId: productId,
        PicName: picName,
        CategoryId: rand() < 0.5 ? String(cat) : cat,
        CustomContent:
          cc < 0.5
            ? `https://img.shop.example.com/${int(2019, 2025)}/${int(1, 12)}/${picName}`
            : cc < 0.8
              ? `${pick(ADJ)}${pick(ADJ)}${pick(COLOURS)}${pick(NOUNS)} ${brand}`
              : `k1:${randStr(4)},k2:${randStr(6)},k3:${int(1, 999)}`,
        IntAttr: int(9, 5000),
        IntAttr2: int(0, 1000),
        StrAttr: brand,
        StrAttr2: pick(COLOURS),
        StrAttr3: pick(SIZES),
        StrAttr4: pick(SEASONS),
      })
    }
  }
  return out
}

function writeDump(file: string, lines: DumpLine[]): void {
  fs.writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n')
}

function randomPhash(): string {
  return Array.from({ length: 16 }, () => '0123456789abcdef'[int(0, 15)]).join('')
}
function flipBits(h: string, bits: number): string {
  let v = BigInt('0x' + h)
  const used = new Set<number>()
  while (used.size < bits) used.add(int(0, 63))
  for (const b of used) v ^= 1n << BigInt(b)
  return v.toString(16).padStart(16, '0')
}

// ------------------------------------------------------------------ timing

function ms(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6
}
/** [wall ms, cpu ms] of one call. CPU time is what the work costs on an idle machine; wall time
 * also counts waiting for a core on a busy one. */
function time(fn: () => unknown): [number, number] {
  const c = process.cpuUsage()
  const t = process.hrtime.bigint()
  fn()
  const wall = ms(t)
  const u = process.cpuUsage(c)
  return [wall, (u.user + u.system) / 1000]
}
function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]
}

interface Row {
  name: string
  p50: number
  p95: number
  cpu50: number
  cpu95: number
  naive50: number
  naive95: number
  note?: string
}
const results: Row[] = []

function measure(
  name: string,
  n: number,
  fast: (i: number) => unknown,
  naiveN: number,
  naive: (i: number) => unknown,
  note?: string,
  /** Run before each timed call, untimed (e.g. a write that empties the gallery's caches). */
  prepare?: (i: number) => void,
): void {
  for (let i = 0; i < 5; i++) fast(i) // warm statement caches
  const a: number[] = []
  const ac: number[] = []
  for (let i = 0; i < n; i++) {
    prepare?.(i)
    const [w, c] = time(() => fast(i))
    a.push(w)
    ac.push(c)
  }
  const b: number[] = []
  naive(0)
  for (let i = 0; i < naiveN; i++) b.push(time(() => naive(i))[0])
  const row = {
    name,
    p50: percentile(a, 50),
    p95: percentile(a, 95),
    cpu50: percentile(ac, 50),
    cpu95: percentile(ac, 95),
    naive50: percentile(b, 50),
    naive95: percentile(b, 95),
    note,
  }
  results.push(row)
  const f = (x: number, d = 2) => x.toFixed(d).padStart(7)
  console.log(
    `${name.padEnd(34)} ${f(row.p50)} ${f(row.p95)} | ${f(row.cpu50)} ${f(row.cpu95)} |` +
      ` ${f(row.naive50, 1)} ${f(row.naive95, 1)} | ${(row.naive50 / Math.max(row.p50, 1e-3)).toFixed(0).padStart(5)}x` +
      (note ? `   ${note}` : ''),
  )
}

// ------------------------------------------------------------------ run

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-bench-gallery-'))
  try {
    await run(dir)
  } finally {
    if (process.env.GALLERY_BENCH_KEEP) console.log(`kept ${dir}`)
    else fs.rmSync(dir, { recursive: true, force: true })
  }
}

async function run(dir: string): Promise<void> {
  console.log(
    `gallery bench: ${ROWS.toLocaleString()} images, node ${process.version},`,
    `${os.cpus().length} cpus, load average ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  )
  const lines = makeLines(ROWS)
  const dump1 = path.join(dir, 'dump1.jsonl')
  writeDump(dump1, lines)
  // A later export: 5% changed, 2% gone, 2% new.
  const lines2 = lines
    .filter(() => rand() >= 0.02)
    .map((l) => (rand() < 0.05 ? { ...l, IntAttr: l.IntAttr + 1, StrAttr2: pick(COLOURS) } : l))
  lines2.push(
    ...makeLines(Math.floor(ROWS * 0.02)).map((l) => ({ ...l, ProductId: 'NEW-' + l.ProductId })),
  )
  const dump2 = path.join(dir, 'dump2.jsonl')
  writeDump(dump2, lines2)
  const mb = (f: string) => (fs.statSync(f).size / 1e6).toFixed(1)
  console.log(
    `dump files: ${mb(dump1)} MB (${lines.length} lines), ${mb(dump2)} MB (${lines2.length} lines)\n`,
  )

  // --- import
  const g = openGallery(path.join(dir, 'gallery.db'))
  let events = 0
  const cpuSince = (c: NodeJS.CpuUsage) => {
    const u = process.cpuUsage(c)
    return ((u.user + u.system) / 1e6).toFixed(2)
  }
  let cpu = process.cpuUsage()
  let t = process.hrtime.bigint()
  const c1 = await g.importDump(dump1, { onProgress: () => events++ })
  const importFresh = ms(t)
  const importFreshCpu = cpuSince(cpu)
  cpu = process.cpuUsage()
  t = process.hrtime.bigint()
  const d2 = await g.diffDump(dump2)
  const diffOnly = ms(t)
  const diffCpu = cpuSince(cpu)
  cpu = process.cpuUsage()
  t = process.hrtime.bigint()
  const c2 = await g.importDump(dump2)
  const importDiff = ms(t)
  const importDiffCpu = cpuSince(cpu)

  const naiveG = openGallery(path.join(dir, 'naive-import.db'))
  cpu = process.cpuUsage()
  t = process.hrtime.bigint()
  for (const l of lines.slice(0, NAIVE_IMPORT_ROWS)) {
    naiveG.recordAdded({
      productId: l.ProductId,
      picName: l.PicName,
      categoryId: Number(l.CategoryId),
      customContent: l.CustomContent,
      intAttr: l.IntAttr,
      intAttr2: l.IntAttr2,
      strAttr: l.StrAttr,
      strAttr2: l.StrAttr2,
      strAttr3: l.StrAttr3,
      strAttr4: l.StrAttr4,
    })
  }
  const naiveSlice = ms(t)
  const naiveCpu = cpuSince(cpu)
  naiveG.close()
  const naiveFull = (naiveSlice * lines.length) / NAIVE_IMPORT_ROWS

  console.log(
    `import ${lines.length} lines into an empty cache: ${(importFresh / 1000).toFixed(2)} s`,
    `wall, ${importFreshCpu} s cpu (${JSON.stringify(c1)}, ${events} progress events)`,
  )
  console.log(
    `re-import a later dump (${lines2.length} lines): ${(importDiff / 1000).toFixed(2)} s`,
    `wall, ${importDiffCpu} s cpu (${JSON.stringify(c2)})`,
  )
  console.log(
    `diffDump preview of it: ${(diffOnly / 1000).toFixed(2)} s wall, ${diffCpu} s cpu`,
    `(added ${d2.added}, changed ${d2.changed}, gone ${d2.gone})`,
  )
  console.log(
    `naive import, one transaction per row: ${(naiveSlice / 1000).toFixed(2)} s wall,`,
    `${naiveCpu} s cpu for`,
    `${NAIVE_IMPORT_ROWS} rows -> ~${(naiveFull / 1000).toFixed(1)} s for ${lines.length}`,
    `(ratio ${(naiveFull / importFresh).toFixed(1)}x vs fresh import)\n`,
  )

  // --- perceptual hashes: random, plus clusters of near duplicates
  const keys = g.query({ limit: 0 }).total
  const raw = new Database(path.join(dir, 'gallery.db')) // a second connection (WAL), bench only
  const all = raw
    .prepare('SELECT product_id AS productId, pic_name AS picName FROM images')
    .all() as { productId: string; picName: string }[]
  const probes: string[] = []
  t = process.hrtime.bigint()
  g.batch(() => {
    let base = randomPhash()
    all.forEach((k, i) => {
      if (i % 50 === 0) {
        base = randomPhash()
        if (probes.length < 200) probes.push(flipBits(base, 2))
      }
      const ph = i % 50 < 5 ? flipBits(base, int(0, 8)) : randomPhash()
      g.setSource(k, { path: `/photos/${k.picName}`, phash: ph })
    })
  })
  console.log(`setSource (path + phash) for ${keys} images in one batch: ${ms(t).toFixed(0)} ms\n`)

  // --- naive copy: same rows, no indexes, no FTS
  const naivePath = path.join(dir, 'naive.db')
  raw.exec(`ATTACH '${naivePath}' AS naive;
    CREATE TABLE naive.images AS SELECT * FROM main.images; DETACH naive`)
  raw.close()
  const nv = new Database(naivePath)
  nv.pragma('cache_size = -32000')

  const N = 300
  const deep = (i: number) => Math.floor(ROWS / 2 + ((i * 7919) % Math.floor(ROWS / 2 - 100)))
  const naivePage = (where: string, params: unknown[], order: string, offset: number) => {
    nv.prepare(`SELECT count(*) FROM images i ${where}`).get(...params)
    return nv
      .prepare(`SELECT * FROM images i ${where} ORDER BY ${order} LIMIT 100 OFFSET ?`)
      .all(...params, offset)
  }

  console.log(
    `${''.padEnd(34)}   gallery wall ms |    gallery cpu ms |    naive wall ms | naive/gallery`,
  )
  console.log(
    `${'query (100 per page)'.padEnd(34)}     p50     p95 |     p50     p95 |     p50     p95 | (p50 wall)`,
  )
  measure(
    'browse, newest first, offset 0',
    N,
    () => g.query({ limit: 100 }),
    30,
    () => naivePage('', [], 'i.updated_at DESC, i.id DESC', 0),
  )
  measure(
    'browse, newest first, deep offset',
    N,
    (i) => g.query({ limit: 100, offset: deep(i) }),
    30,
    (i) => naivePage('', [], 'i.updated_at DESC, i.id DESC', deep(i)),
  )
  measure(
    'browse by productId, deep offset',
    N,
    (i) => g.query({ limit: 100, offset: deep(i), sort: 'productId' }),
    30,
    (i) => naivePage('', [], 'i.product_id, i.pic_name', deep(i)),
  )

  const TEXT_COLS = [
    'product_id',
    'pic_name',
    'custom_content',
    'str_attr',
    'str_attr2',
    'str_attr3',
    'str_attr4',
  ]
  const naiveText = (term: string) => {
    const like = `%${term}%`
    const w = `WHERE (${TEXT_COLS.map((c) => `i.${c} LIKE ?`).join(' OR ')})`
    return naivePage(
      w,
      TEXT_COLS.map(() => like),
      'i.updated_at DESC, i.id DESC',
      0,
    )
  }
  const sample = (i: number) => lines[(i * 104729) % lines.length]
  const textTerms = (i: number): string => {
    const l = sample(i)
    switch (i % 5) {
      case 0:
        return l.ProductId.slice(-6) // part of a product id
      case 1:
        return l.PicName.slice(3, 11) // part of a picture name
      case 2:
        return pick(NOUNS) // 3-char Chinese noun (连衣裙)
      case 3:
        return pick(BRANDS.slice(0, 20)) // brand
      default:
        return `${pick(ADJ)} ${pick(COLOURS)}` // two 2-char Chinese terms
    }
  }
  // The gallery remembers how it expanded 1-2 character terms (红色) until the next write. The
  // judged rows are cold: a one-row write (untimed) before each query empties that cache, so
  // every query pays the expansion; the "(repeated)" row shows a query asked again (paging).
  const touched = all[0]
  const coldWrite = () => g.setThumbnail(touched, null)
  measure(
    'text search (mixed terms)',
    N,
    (i) => g.query({ limit: 100, text: textTerms(i) }),
    30,
    (i) => naiveText(textTerms(i).split(' ')[0]),
    undefined,
    coldWrite,
  )
  measure(
    'text search (mixed), repeated',
    N,
    (i) => g.query({ limit: 100, text: textTerms(i % 20) }),
    30,
    (i) => naiveText(textTerms(i % 20).split(' ')[0]),
    'expansions cached',
  )
  measure(
    'text search, 1 CJK char (鞋)',
    50,
    () => g.query({ limit: 100, text: '鞋' }),
    10,
    () => naiveText('鞋'),
    undefined,
    coldWrite,
  )
  measure(
    'text search, 1 Latin char (x)',
    50,
    () => g.query({ limit: 100, text: 'x' }),
    10,
    () => naiveText('x'),
    'LIKE fallback',
    coldWrite,
  )

  const filters = [
    'int_attr>=100 AND int_attr<200',
    `str_attr="${BRANDS[3]}"`,
    'int_attr<50 OR int_attr>4950',
    `str_attr in ("Nike","Adidas") AND int_attr>1000`,
    `str_attr2="红色" AND str_attr3="XL"`,
    'int_attr2=7',
  ]
  measure(
    'filter (engine filter language)',
    N,
    (i) => g.query({ limit: 100, filter: filters[i % filters.length] }),
    30,
    (i) => {
      const f = filterToSql(parseFilter(filters[i % filters.length]), FILTER_COLUMNS)
      return naivePage(`WHERE ${f.sql}`, f.params, 'i.updated_at DESC, i.id DESC', 0)
    },
  )
  const cats = [0, 1, 2, 3, 4, 88888888]
  measure(
    'category, newest first',
    N,
    (i) => g.query({ limit: 100, categoryId: cats[i % cats.length] }),
    30,
    (i) =>
      naivePage(
        'WHERE i.category_id = ?',
        [cats[i % cats.length]],
        'i.updated_at DESC, i.id DESC',
        0,
      ),
  )
  measure(
    'category + text + filter',
    N,
    (i) =>
      g.query({
        limit: 100,
        categoryId: cats[i % cats.length],
        text: COLOURS[(i * 7) % COLOURS.length],
        filter: 'int_attr<2500',
      }),
    30,
    (i) =>
      naivePage(
        `WHERE i.category_id = ? AND (${TEXT_COLS.map((c) => `i.${c} LIKE ?`).join(' OR ')}) AND i.int_attr < 2500`,
        [cats[i % cats.length], ...TEXT_COLS.map(() => `%${pick(COLOURS)}%`)],
        'i.updated_at DESC, i.id DESC',
        0,
      ),
    undefined,
    coldWrite,
  )
  measure(
    'category + text + filter, page 2..5',
    N,
    (i) =>
      g.query({
        limit: 100,
        offset: 100 * (1 + (i % 4)),
        categoryId: cats[i % cats.length],
        text: COLOURS[(i * 7) % COLOURS.length],
        filter: 'int_attr<2500',
      }),
    30,
    (i) =>
      naivePage(
        `WHERE i.category_id = ? AND (${TEXT_COLS.map((c) => `i.${c} LIKE ?`).join(' OR ')}) AND i.int_attr < 2500`,
        [cats[i % cats.length], ...TEXT_COLS.map(() => `%${COLOURS[(i * 7) % COLOURS.length]}%`)],
        'i.updated_at DESC, i.id DESC',
        100 * (1 + (i % 4)),
      ),
    undefined,
    coldWrite,
  )

  measure(
    'category + text + filter, next pages',
    N,
    (i) =>
      g.query({
        limit: 100,
        offset: 100 * (1 + (i % 4)),
        categoryId: cats[Math.floor(i / 4) % cats.length],
        text: COLOURS[(Math.floor(i / 4) * 7) % COLOURS.length],
        filter: 'int_attr<2500',
      }),
    30,
    (i) =>
      naivePage(
        `WHERE i.category_id = ? AND (${TEXT_COLS.map((c) => `i.${c} LIKE ?`).join(' OR ')}) AND i.int_attr < 2500`,
        [
          cats[Math.floor(i / 4) % cats.length],
          ...TEXT_COLS.map(() => `%${COLOURS[(Math.floor(i / 4) * 7) % COLOURS.length]}%`),
        ],
        'i.updated_at DESC, i.id DESC',
        100 * (1 + (i % 4)),
      ),
    'matches cached: paging',
    (i) => {
      // Page 1 of the query (untimed) then pages 2..5 as a user scrolls.
      if (i % 4 === 0) {
        coldWrite()
        g.query({
          limit: 100,
          categoryId: cats[Math.floor(i / 4) % cats.length],
          text: COLOURS[(Math.floor(i / 4) * 7) % COLOURS.length],
          filter: 'int_attr<2500',
        })
      }
    },
  )

  const naiveGroup = (offset: number) => {
    nv.prepare('SELECT count(DISTINCT product_id) FROM images').get()
    return nv
      .prepare(
        `SELECT product_id, count(*), max(updated_at), min(pic_name) FROM images
      GROUP BY product_id ORDER BY product_id LIMIT 100 OFFSET ?`,
      )
      .all(offset)
  }
  const products = g.stats().products
  measure(
    'group by product, offset 0',
    N,
    () => g.groupByProduct({ limit: 100 }),
    30,
    () => naiveGroup(0),
  )
  measure(
    'group by product, deep offset',
    N,
    (i) => g.groupByProduct({ limit: 100, offset: (i * 7919) % (products - 100) }),
    30,
    (i) => naiveGroup((i * 7919) % (products - 100)),
  )
  measure(
    'group by product, category 3',
    N,
    () => g.groupByProduct({ limit: 100, categoryId: 3 }),
    30,
    () => {
      nv.prepare('SELECT count(DISTINCT product_id) FROM images WHERE category_id = 3').get()
      return nv
        .prepare(
          `SELECT product_id, count(*) FROM images WHERE category_id = 3
      GROUP BY product_id ORDER BY product_id LIMIT 100`,
        )
        .all()
    },
  )

  const naiveNear = (ph: string, d: number) =>
    (
      nv.prepare('SELECT id, phash FROM images WHERE phash IS NOT NULL').all() as {
        id: number
        phash: string
      }[]
    ).filter((r) => hamming(ph, r.phash) <= d)
  measure(
    'findNearPhash, <= 6 bits',
    200,
    (i) => g.findNearPhash(probes[i % probes.length], 6),
    10,
    (i) => naiveNear(probes[i % probes.length], 6),
  )
  measure(
    'findNearPhash, <= 10 bits',
    200,
    (i) => g.findNearPhash(probes[i % probes.length], 10),
    10,
    (i) => naiveNear(probes[i % probes.length], 10),
  )
  const shaKeys = all.slice(0, 300)
  g.batch(() =>
    shaKeys.forEach((k, i) =>
      g.setSource(k, { path: null, sha256: i.toString(16).padStart(64, '0') }),
    ),
  )
  measure(
    'findBySha256',
    N,
    (i) => g.findBySha256((i % 300).toString(16).padStart(64, '0')),
    30,
    (i) =>
      nv
        .prepare('SELECT * FROM images WHERE sha256 = ?')
        .all((i % 300).toString(16).padStart(64, '0')),
  )
  measure(
    'stats()',
    50,
    () => g.stats(),
    10,
    () => {
      nv.prepare('SELECT count(*) FROM images').get()
      nv.prepare('SELECT count(DISTINCT product_id) FROM images').get()
      nv.prepare('SELECT category_id, count(*) FROM images GROUP BY category_id').all()
      return nv.prepare('SELECT sync_state, count(*) FROM images GROUP BY sync_state').all()
    },
  )

  // The LIKE fallback and the cached repeat are reported, not judged.
  const judged = results.filter((r) => !r.note)
  const worst = judged.reduce((a, b) => (b.p95 > a.p95 ? b : a))
  const worstCpu = judged.reduce((a, b) => (b.cpu95 > a.cpu95 ? b : a))
  console.log(
    `\nworst p95: ${worst.name} ${worst.p95.toFixed(2)} ms wall;`,
    `worst cpu p95: ${worstCpu.name} ${worstCpu.cpu95.toFixed(2)} ms (target <= 10 ms);`,
    `fresh import ${(importFresh / 1000).toFixed(2)} s (target <= 10 s)`,
  )
  console.log(
    `db size: ${(fs.statSync(path.join(dir, 'gallery.db')).size / 1e6).toFixed(1)} MB` +
      ` (naive copy without indexes/FTS: ${(fs.statSync(naivePath).size / 1e6).toFixed(1)} MB)`,
  )
  console.log(
    `load average at the end: ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  )
  nv.close()
  g.close()
}

await main()
