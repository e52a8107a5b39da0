import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { MIGRATIONS, migrate, openGallery, type Gallery } from '../../../../electron/core/gallery'
import type { TaskProgress } from '../../../../electron/core/core-status'
import { cacheWithLocalRows, catalogue, ftsIntact, importWith, later, state } from './catalogue'
import { tempDir, track, writeLines } from './helpers'

/**
 * The gallery's long work never holds the caller: the text index a migration (re)creates is
 * filled in committed slices after opening, dump imports run in a worker thread. Both report
 * progress, answer correctly meanwhile, and survive a kill.
 */

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '../../..')
const CHILD = path.join(here, 'fixtures', 'kill-child.ts')

const COLOURS = ['红色', '黑色', 'Navy', 'white', '卡其色']
const NOUNS = ['连衣裙', 'shirt', '运动鞋', 'Dress']

/** A cache at schema version 3 holding `n` rows, as an older Loupe left it. */
function v3Cache(file: string, n: number): void {
  const db = new Database(file)
  migrate(db, MIGRATIONS.slice(0, 3))
  const ins = db.prepare(`INSERT INTO images (product_id, pic_name, category_id, custom_content,
    str_attr, str_attr2, int_attr, added_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
  db.transaction(() => {
    for (let i = 0; i < n; i++) {
      ins.run(
        `P${Math.floor(i / 4)}`,
        `${i}.jpg`,
        i % 5,
        `${COLOURS[i % 5]}${NOUNS[i % 4]} no.${i}`,
        i % 7 ? 'Nike' : '李宁',
        i % 3 ? null : COLOURS[(i + 2) % 5],
        i,
        i,
        i,
      )
    }
  })()
  db.close()
}

const TEXT = ['product_id', 'pic_name', 'custom_content', 'str_attr', 'str_attr2', 'str_attr3']

/** What a text query must answer, computed from the rows: every term (ASCII case folded) in some
 * text column; optionally within a category. */
function expected(file: string, terms: string[], categoryId?: number): string[] {
  const db = new Database(file, { readonly: true })
  try {
    const rows = db
      .prepare(`SELECT ${TEXT.join(', ')}, category_id FROM images`)
      .raw()
      .all() as (string | number | null)[][]
    return rows
      .filter((r) => categoryId === undefined || r[TEXT.length] === categoryId)
      .filter((r) =>
        terms.every((t) =>
          r.slice(0, TEXT.length).some((v) =>
            String(v ?? '')
              .toLowerCase()
              .includes(t.toLowerCase()),
          ),
        ),
      )
      .map((r) => `${r[0]}/${r[1]}`)
      .sort()
  } finally {
    db.close()
  }
}

/** Every match of a text query, page by page. */
function answered(g: Gallery, terms: string[], categoryId?: number): string[] {
  const keys: string[] = []
  let total = 0
  for (let offset = 0; offset === 0 || offset < total; offset += 1000) {
    const page = g.query({
      text: terms.join(' '),
      categoryId,
      limit: 1000,
      offset,
      sort: 'productId',
    })
    total = page.total
    keys.push(...page.items.map((x) => `${x.productId}/${x.picName}`))
  }
  expect(keys.length).toBe(total)
  return keys.sort()
}

const QUERIES: [string[], number?][] = [
  [['红色']],
  [['色']],
  [['navy']],
  [['DRESS', 'no.1']],
  [['连衣裙'], 3],
  [['李宁', 'shirt']],
  [['P12/']],
  [['no.39']],
]

interface Seen {
  task: string
  stage?: string
  phase: 'running' | 'done' | 'failed'
  done: number
  total: number
}

function recorder(seen: Seen[]): (task: 'gallery-migration' | 'dump-import') => TaskProgress {
  return (task) => ({
    progress: (done, total, stage) => seen.push({ task, stage, phase: 'running', done, total }),
    end: (ok) => seen.push({ task, phase: ok ? 'done' : 'failed', done: -1, total: -1 }),
  })
}

function ftsRows(file: string): { fts: number; images: number } {
  const db = new Database(file, { readonly: true })
  try {
    return {
      fts: db.prepare('SELECT count(*) FROM images_fts_docsize').pluck().get() as number,
      images: db.prepare('SELECT count(*) FROM images').pluck().get() as number,
    }
  } finally {
    db.close()
  }
}

/** FTS5's merge settings and the fill's merge marker: back to the defaults once done. */
function mergeSettings(file: string) {
  const db = new Database(file, { readonly: true })
  try {
    const cfg = (k: string) =>
      db.prepare(`SELECT v FROM images_fts_config WHERE k = ?`).pluck().get(k) as number
    const tidy = db.prepare(`SELECT 1 FROM meta WHERE key = 'fts_tidy'`).pluck().get()
    return { automerge: cfg('automerge'), crisismerge: cfg('crisismerge'), tidy: tidy === 1 }
  } finally {
    db.close()
  }
}

function tables(file: string): string[] {
  const db = new Database(file, { readonly: true })
  try {
    return db
      .prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name`)
      .pluck()
      .all() as string[]
  } finally {
    db.close()
  }
}

function fillMarker(file: string): { next: number; upto: number } | null {
  const db = new Database(file, { readonly: true })
  try {
    const v = db.prepare(`SELECT value FROM meta WHERE key = 'fts_fill'`).pluck().get()
    return v === undefined ? null : (JSON.parse(v as string) as { next: number; upto: number })
  } finally {
    db.close()
  }
}

/** Runs kill-child.ts and kills it (SIGKILL) once it prints `when`. */
function killWhen(args: string[], when: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    child.stderr!.on('data', (d) => (err += d))
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.includes(when) && child.exitCode === null) child.kill('SIGKILL')
    })
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve()
      else reject(new Error(`child exited (${code}) before "${when}": ${out} ${err}`))
    })
  })
}

describe('filling the text index after a migration', () => {
  it('fills in slices with progress; text queries answer the same rows before, during and after', async () => {
    const dir = tempDir()
    const file = path.join(dir, 'gallery.db')
    v3Cache(file, 6000)
    const seen: Seen[] = []
    const g = track(openGallery(file, { status: recorder(seen) }))
    // The migration ran; its index is not filled yet.
    expect(g.schemaVersion).toBe(MIGRATIONS.length)
    expect(g.filling).toBe(true)
    const marker = fillMarker(file)!
    expect(marker.next).toBeLessThan(marker.upto)
    for (const [terms, cat] of QUERIES)
      expect(answered(g, terms, cat)).toEqual(expected(file, terms, cat))

    // Writes meanwhile, to rows filled and not filled yet, and a new one.
    g.recordUpdated({ productId: 'P1499', picName: '5999.jpg' }, { customContent: 'zebra 斑马' })
    g.recordDeleted({ productId: 'P1499', picName: '5998.jpg' })
    g.recordUpdated({ productId: 'P0', picName: '1.jpg' }, { strAttr2: 'zebra stripe' })
    g.recordAdded({ productId: 'NEW', picName: 'n.jpg', customContent: '斑马 new', categoryId: 3 })
    expect(answered(g, ['zebra'])).toEqual(['P0/1.jpg', 'P1499/5999.jpg'])

    await g.idle()
    expect(g.filling).toBe(false)
    expect(fillMarker(file)).toBeNull()
    for (const [terms, cat] of [...QUERIES, [['斑马']], [['斑马'], 3], [['zebra']]] as const) {
      expect(answered(g, [...terms], cat)).toEqual(expected(file, [...terms], cat))
    }
    expect(answered(g, ['斑马'])).toEqual(['NEW/n.jpg', 'P1499/5999.jpg'])
    // Every row indexed exactly once, and the index is sound.
    expect(ftsRows(file)).toEqual({ fts: 6000, images: 6000 })
    ftsIntact(file)
    expect(mergeSettings(file)).toEqual({ automerge: 4, crisismerge: 16, tidy: false })
    // The index the migration replaced is dropped when the gallery closes.
    expect(tables(file)).toContain('images_fts_retired')
    g.close()
    expect(tables(file).filter((t) => t.startsWith('images_fts'))).toEqual([
      'images_fts',
      'images_fts_config',
      'images_fts_data',
      'images_fts_docsize',
      'images_fts_idx',
      'images_fts_vocab',
    ])

    // Progress: one task, counts rising to the total, then done.
    const fill = seen.filter((s) => s.task === 'gallery-migration')
    const running = fill.filter((s) => s.phase === 'running')
    expect(running.length).toBeGreaterThan(1)
    // The rows to index, counted once the fill starts (one of them was deleted by then).
    expect(new Set(running.map((s) => s.total))).toEqual(new Set([5999]))
    expect(running.map((s) => s.done)).toEqual(running.map((s) => s.done).sort((a, b) => a - b))
    expect(fill.at(-1)?.phase).toBe('done')
    expect(fill.filter((s) => s.phase !== 'running')).toHaveLength(1)
  })

  it('a small cache is filled before openGallery returns', () => {
    const dir = tempDir()
    const file = path.join(dir, 'gallery.db')
    v3Cache(file, 40)
    const seen: Seen[] = []
    const g = track(openGallery(file, { status: recorder(seen) }))
    expect(g.filling).toBe(false)
    expect(seen).toEqual([{ task: 'gallery-migration', phase: 'done', done: -1, total: -1 }])
    expect(answered(g, ['红色'])).toEqual(expected(file, ['红色']))
  })

  it('a kill in the middle of the fill: the next open resumes it and the index ends complete', async () => {
    const dir = tempDir()
    const file = path.join(dir, 'gallery.db')
    v3Cache(file, 12_000)
    await killWhen(['fill', file], 'filling')
    const left = fillMarker(file)!
    expect(left.next).toBeGreaterThan(0)
    expect(left.next).toBeLessThan(left.upto)
    const seen: Seen[] = []
    const g = track(openGallery(file, { status: recorder(seen) }))
    await g.idle()
    expect(fillMarker(file)).toBeNull()
    // Resumed where the kill left it: the progress starts past zero.
    expect(seen[0]).toMatchObject({ task: 'gallery-migration', phase: 'running', total: 12_000 })
    expect(seen[0].done).toBeGreaterThanOrEqual(left.next - 128)
    expect(ftsRows(file)).toEqual({ fts: 12_000, images: 12_000 })
    ftsIntact(file)
    expect(mergeSettings(file)).toEqual({ automerge: 4, crisismerge: 16, tidy: false })
    for (const [terms, cat] of QUERIES)
      expect(answered(g, terms, cat)).toEqual(expected(file, terms, cat))
  })
})

describe('dump import in a worker thread', () => {
  it('the cache answers from before the import meanwhile; writes made then are applied after it', async () => {
    const dir = tempDir()
    const file = cacheWithLocalRows(dir, 'g.db')
    const d1 = catalogue(3000, 1)
    const g = track(openGallery(file))
    await g.importDump(writeLines(path.join(dir, 'd1.jsonl'), d1))
    const before = g.stats().count
    const d2 = [...later(d1, 2), ...catalogue(2000, 3, 'Q')]
    const seen: Seen[] = []
    const progress: string[] = []
    let during: { count: number; added: unknown; deleted: number; batch: number } | null = null
    const status = recorder(seen)
    const imp = track(
      openGallery(file, {
        status: (task) => {
          const t = status(task)
          return {
            end: t.end,
            progress(done, total, stage) {
              t.progress(done, total, stage)
              // The worker holds the database: reads see the cache as it was, writes wait.
              if (stage === 'applying' && !during) {
                during = {
                  count: imp.stats().count,
                  added: imp.recordAdded({ productId: 'HELD', picName: 'a.jpg', strAttr: '留住' }),
                  deleted: imp.recordDeleted({ productId: 'local', picName: 'pending.jpg' }),
                  batch: imp.batch(() => {
                    imp.recordAdded({ productId: 'HELD', picName: 'b.jpg' })
                    imp.setSyncState({ productId: 'HELD', picName: 'b.jpg' }, 'pending-update')
                    return 7
                  }),
                }
              }
            },
          }
        },
      }),
    )
    const counts = await imp.importDump(writeLines(path.join(dir, 'd2.jsonl'), d2), {
      onProgress: (p) => progress.push(p.phase),
    })
    expect(during).not.toBeNull()
    expect(during!.count).toBe(before)
    expect(during!.added).toMatchObject({ productId: 'HELD', picName: 'a.jpg', strAttr: '留住' })
    expect(during!.deleted).toBe(1)
    expect(during!.batch).toBe(7)
    // After it: the import's rows and the held-back writes.
    const after = imp.stats()
    expect(after.count).toBe(before + counts.added - counts.gone + 2 - 1)
    expect(imp.get('HELD', 'a.jpg')).toMatchObject({ strAttr: '留住', syncState: 'synced' })
    expect(imp.get('HELD', 'b.jpg')?.syncState).toBe('pending-update')
    expect(imp.get('local', 'pending.jpg')).toBeNull()
    expect(imp.query({ text: '留住', limit: 5 }).items.map((x) => x.picName)).toEqual(['a.jpg'])
    // Progress: reading, then applying steps, then done; one final event.
    expect(progress[0]).toBe('reading')
    expect(progress.slice(-2)).toEqual(['applying', 'done'])
    const stages = seen.filter((s) => s.phase === 'running').map((s) => s.stage)
    expect(stages.indexOf('applying')).toBeGreaterThan(stages.lastIndexOf('reading'))
    const steps = seen.filter((s) => s.stage === 'applying')
    expect(steps.at(-1)!.done).toBe(steps.at(-1)!.total)
    expect(seen.at(-1)).toMatchObject({ task: 'dump-import', phase: 'done' })
    ftsIntact(file)
  })

  it('leaves the same cache as the same import on the calling thread', async () => {
    const dir = tempDir()
    const a = cacheWithLocalRows(dir, 'worker.db')
    const b = cacheWithLocalRows(dir, 'inline.db')
    const d1 = catalogue(2500, 1)
    const dumps = [
      writeLines(path.join(dir, 'd1.jsonl'), d1),
      writeLines(path.join(dir, 'd2.jsonl'), later(d1, 2)),
    ]
    let now = 20_000
    for (const d of dumps) {
      now += 1000
      const at = now
      const g = openGallery(a, { now: () => at })
      const viaWorker = await g.importDump(d)
      g.close()
      expect(viaWorker).toEqual(await importWith(b, d, 'auto', now))
      expect(state(a)).toEqual(state(b))
    }
  })

  it('a kill while the worker writes leaves the cache exactly as before; the import can run again', async () => {
    const dir = tempDir()
    const file = cacheWithLocalRows(dir, 'g.db')
    const d1 = catalogue(2000, 4)
    const g0 = openGallery(file)
    await g0.importDump(writeLines(path.join(dir, 'd1.jsonl'), d1))
    g0.close()
    const before = state(file)
    const dump = writeLines(path.join(dir, 'd2.jsonl'), [...catalogue(30_000, 5, 'K')])
    await killWhen(['import', file, dump], 'applying')
    expect(state(file)).toEqual(before)
    ftsIntact(file)
    const g = track(openGallery(file))
    const counts = await g.importDump(dump)
    expect(counts).toMatchObject({ added: 30_000, gone: 2000 })
    expect(g.stats().count).toBe(30_000 + 1) // + the pending local row
  })

  it('closing the gallery during an import stops it: nothing imported', async () => {
    const dir = tempDir()
    const file = cacheWithLocalRows(dir, 'g.db')
    const before = state(file)
    const g = openGallery(file, {
      status: () => ({
        progress: (_d, _t, stage) => {
          if (stage === 'applying') g.close()
        },
        end() {},
      }),
    })
    const r = g.importDump(writeLines(path.join(dir, 'd.jsonl'), catalogue(20_000, 6)))
    await expect(r).rejects.toThrow(/stopped|closed/)
    // The worker's connection is gone with it: its transaction rolled back.
    await new Promise((res) => setTimeout(res, 200))
    expect(state(file)).toEqual(before)
  })
})
