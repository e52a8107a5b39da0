/**
 * The self-contained HTML report of a quality run: one file with no external resource (a CSP that
 * allows only inline styles and data: images says so to the browser) — the figures per profile,
 * an inline SVG chart of recall by rank and one of recall@1 per category, and the per-query rows
 * with the query, the expected picture and the first result as data-URI thumbnails.
 */

import type { EvalRunView } from '../../api/domains/eval'
import type { ProfileFigures } from './report'
import type { StoredRow } from './store'
import type { Thumbs } from './thumbs'

/** Rows per profile shown with thumbnails (the rest are listed without). */
export const REPORT_THUMB_ROWS = 1000

const COLORS = [
  '#2563eb',
  '#dc2626',
  '#16a34a',
  '#9333ea',
  '#ea580c',
  '#0891b2',
  '#ca8a04',
  '#db2777',
]

export function esc(s: unknown): string {
  return String(s ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  )
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`
const ms = (v: number | null) => (v === null ? '–' : `${Math.round(v)} ms`)

/** Line chart: recall (0..100 %) by rank 1..N, one line per profile. */
export function recallChart(figs: ProfileFigures[]): string {
  const W = 640
  const H = 260
  const L = 48
  const B = 36
  const T = 16
  // The legend sits right of the plot, never over a line.
  const R = 136
  const n = Math.max(1, ...figs.map((f) => f.recallByRank.length))
  const x = (k: number) => L + (n === 1 ? 0 : ((k - 1) / (n - 1)) * (W - L - R))
  const y = (v: number) => T + (1 - v) * (H - T - B)
  const parts: string[] = []
  for (let g = 0; g <= 4; g++) {
    const v = g / 4
    parts.push(
      `<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e7eb"/>`,
      `<text x="${L - 6}" y="${y(v) + 4}" text-anchor="end" font-size="11">${v * 100}%</text>`,
    )
  }
  for (let k = 1; k <= n; k++) {
    parts.push(
      `<text x="${x(k)}" y="${H - B + 16}" text-anchor="middle" font-size="11">${k}</text>`,
    )
  }
  parts.push(
    `<text x="${(L + W - R) / 2}" y="${H - 4}" text-anchor="middle" font-size="12">rank</text>`,
  )
  figs.forEach((f, i) => {
    const c = COLORS[i % COLORS.length]
    const pts = f.recallByRank.map((v, k) => `${x(k + 1).toFixed(1)},${y(v).toFixed(1)}`)
    parts.push(
      `<polyline class="recall-line" data-profile="${esc(f.profile)}" fill="none" stroke="${c}" stroke-width="2" points="${pts.join(' ')}"/>`,
    )
    for (const p of pts) {
      const [px, py] = p.split(',')
      parts.push(`<circle cx="${px}" cy="${py}" r="3" fill="${c}"/>`)
    }
    parts.push(
      `<rect x="${W - R + 16}" y="${T + i * 18}" width="10" height="10" fill="${c}"/>`,
      `<text x="${W - R + 32}" y="${T + 9 + i * 18}" font-size="12">${esc(f.profile)}</text>`,
    )
  })
  return `<svg class="chart" id="recall-by-rank" role="img" aria-label="Recall by rank" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}">${parts.join('')}</svg>`
}

/** Grouped bars: recall@1 per expected category, one bar per profile. */
export function categoryChart(figs: ProfileFigures[]): string {
  const cats = new Map<number, string>()
  for (const f of figs) for (const c of f.perCategory) cats.set(c.categoryId, c.name)
  const ids = [...cats.keys()].sort((a, b) => a - b)
  const W = Math.max(360, 80 + ids.length * (figs.length * 18 + 24))
  const H = 240
  const L = 48
  const B = 48
  const T = 16
  const y = (v: number) => T + (1 - v) * (H - T - B)
  const parts: string[] = []
  for (let g = 0; g <= 4; g++) {
    const v = g / 4
    parts.push(
      `<line x1="${L}" x2="${W - 8}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e7eb"/>`,
      `<text x="${L - 6}" y="${y(v) + 4}" text-anchor="end" font-size="11">${v * 100}%</text>`,
    )
  }
  const groupW = figs.length * 18 + 24
  ids.forEach((id, gi) => {
    const gx = L + 12 + gi * groupW
    figs.forEach((f, i) => {
      const c = f.perCategory.find((p) => p.categoryId === id)
      if (!c) return
      // At least a hairline, so a recall of 0 is seen as a bar, not as nothing.
      const top = Math.min(y(c.r1), y(0) - 1)
      const x = gx + i * 18
      parts.push(
        `<rect class="category-bar" data-category="${id}" data-profile="${esc(f.profile)}" x="${x}" y="${top.toFixed(1)}" width="14" height="${(y(0) - top).toFixed(1)}" fill="${COLORS[i % COLORS.length]}"><title>${esc(f.profile)} · ${esc(c.name)}: R@1 ${pct(c.r1)} of ${c.queries}</title></rect>`,
        `<text x="${x + 7}" y="${(top - 3).toFixed(1)}" text-anchor="middle" font-size="9">${Math.round(c.r1 * 100)}</text>`,
      )
    })
    parts.push(
      `<text x="${gx + (figs.length * 18) / 2}" y="${H - B + 16}" text-anchor="middle" font-size="11">${esc(cats.get(id))}</text>`,
    )
  })
  return `<svg class="chart" id="recall-by-category" role="img" aria-label="Recall at 1 per category" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}">${parts.join('')}</svg>`
}

function summaryTable(figs: ProfileFigures[]): string {
  const head = [
    'Profile',
    'Queries',
    'R@1',
    'R@5',
    'MRR',
    'Not found',
    'Errors',
    'p50',
    'p95',
    'API calls',
  ]
  const rows = figs.map((f) => {
    const s = f.summary
    return [
      esc(f.profile),
      s.queries,
      pct(s.r1),
      pct(s.r5),
      s.mrr.toFixed(3),
      s.notFound,
      s.errors,
      ms(s.p50Ms),
      ms(s.p95Ms),
      s.apiCalls,
    ]
  })
  return `<table class="summary"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`
}

const img = (src: string | null, alt: string) =>
  src ? `<img src="${src}" alt="${esc(alt)}" width="96">` : `<span class="none">–</span>`

async function rowsTable(f: ProfileFigures, thumbs: Thumbs): Promise<string> {
  const out: string[] = []
  let i = 0
  for (const r of f.rows) {
    const withThumbs = i++ < REPORT_THUMB_ROWS
    const first = r.top[0]
    const [q, e, t] = withThumbs
      ? await Promise.all([
          thumbs.file(r.source),
          r.expected ? thumbs.picture(f.profile, r.expected.productId, r.expected.picName) : null,
          first ? thumbs.picture(f.profile, first.productId, first.picName) : null,
        ])
      : [null, null, null]
    out.push(
      `<tr class="${rowClass(r)}"><td>${r.index + 1}</td><td>${img(q, r.query.file)}<div class="small">${esc(r.query.file)}</div></td><td>${img(e, r.query.productId)}<div class="small">${esc(r.query.productId)}</div></td><td>${img(t, first ? first.productId : '')}<div class="small">${first ? `${esc(first.productId)} · ${first.score.toFixed(3)}` : ''}</div></td><td>${r.state === 'done' ? (r.rank ?? `&gt;${f.recallByRank.length}`) : esc(r.state)}</td><td>${esc(r.error ? `${r.error.code}: ${r.error.message}` : (r.reasonDetail ?? ''))}</td><td>${ms(r.latencyMs)}</td></tr>`,
    )
  }
  return `<table class="rows"><thead><tr><th>#</th><th>Query</th><th>Expected</th><th>First result</th><th>Rank</th><th>Why</th><th>Latency</th></tr></thead><tbody>${out.join('')}</tbody></table>`
}

const rowClass = (r: StoredRow) =>
  r.state !== 'done' ? 'err' : r.rank === 1 ? 'hit' : r.rank === null ? 'miss' : 'low'

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#111}h1{font-size:20px}h2{font-size:16px;margin-top:28px}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f4f6}.small{font-size:11px;color:#555;max-width:140px;word-break:break-all}.none{color:#999}
tr.hit td:nth-child(5){color:#15803d}tr.miss td:nth-child(5),tr.err td:nth-child(5){color:#b91c1c}.charts{display:flex;flex-wrap:wrap;gap:24px}
.meta{color:#444}`

export async function renderHtml(
  run: EvalRunView,
  figs: ProfileFigures[],
  thumbs: Thumbs,
): Promise<string> {
  const o = run.options
  const opts = [
    `crop ${o.crop ? 'on' : 'off'}`,
    `num ${o.num}`,
    o.categoryId !== undefined ? `category ${o.categoryId}` : null,
    o.filter ? `filter ${o.filter}` : null,
  ].filter(Boolean)
  const sections: string[] = []
  for (const f of figs) {
    sections.push(`<h2>Queries on ${esc(f.profile)}</h2>${await rowsTable(f, thumbs)}`)
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>${esc(run.name)} — Loupe quality report</title><style>${STYLE}</style></head>
<body><h1>${esc(run.name)}</h1>
<p class="meta">Test set ${esc(run.testSet)} (naming ${esc(run.naming)}) · ${esc(opts.join(' · '))} · ${esc(new Date(run.createdAt).toISOString())} · state ${esc(run.state)}</p>
${summaryTable(figs)}
<div class="charts"><figure><figcaption>Recall by rank</figcaption>${recallChart(figs)}</figure>
<figure><figcaption>Recall@1 per category</figcaption>${categoryChart(figs)}</figure></div>
${sections.join('\n')}
</body></html>
`
}
