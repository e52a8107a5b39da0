/**
 * What the near-duplicate audit keeps per profile, in `<profile>/duplicates.db` (SQLite, WAL):
 * the last audit and its pairs, the pairs the user marked "not a duplicate" (kept across audits),
 * the staged review actions, and (cloud profiles) the pictures of an audit with the vectors the
 * local model computed from their thumbnails.
 *
 * Pairs are stored by key (productId + picName), the smaller key first, so a pair is the same pair
 * in every audit and in the "not a duplicate" list.
 */
import Database from 'better-sqlite3'
import type { StagedAction } from '../../api/domains/duplicates'
import { preparePrivateDatabase } from '../util/private-fs'

export interface Key {
  productId: string
  picName: string
}

export interface AuditRow {
  id: number
  jobId: number | null
  threshold: number
  floor: number
  acrossOnly: boolean
  approximate: boolean
  pictures: number
  missing: number
  startedAt: number
  finishedAt: number | null
}

export interface PairRow {
  a: Key
  b: Key
  sim: number
}

export interface StagedRow {
  action: StagedAction
  members: Key[]
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS audits (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id INTEGER,
  threshold REAL NOT NULL,
  floor REAL NOT NULL,
  across_only INTEGER NOT NULL DEFAULT 0,
  approximate INTEGER NOT NULL DEFAULT 0,
  pictures INTEGER NOT NULL DEFAULT 0,
  missing INTEGER NOT NULL DEFAULT 0,
  started_at INTEGER NOT NULL,
  finished_at INTEGER
);
CREATE TABLE IF NOT EXISTS pairs (
  audit_id INTEGER NOT NULL,
  a_product TEXT NOT NULL, a_pic TEXT NOT NULL,
  b_product TEXT NOT NULL, b_pic TEXT NOT NULL,
  sim REAL NOT NULL,
  PRIMARY KEY (audit_id, a_product, a_pic, b_product, b_pic)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS pairs_by_sim ON pairs (audit_id, sim);
CREATE TABLE IF NOT EXISTS not_duplicate (
  a_product TEXT NOT NULL, a_pic TEXT NOT NULL,
  b_product TEXT NOT NULL, b_pic TEXT NOT NULL,
  marked_at INTEGER NOT NULL,
  PRIMARY KEY (a_product, a_pic, b_product, b_pic)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS staged (
  group_id TEXT PRIMARY KEY,
  action TEXT NOT NULL,
  members TEXT NOT NULL,
  staged_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_pictures (
  audit_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  product_id TEXT NOT NULL,
  pic_name TEXT NOT NULL,
  thumbnail TEXT,
  PRIMARY KEY (audit_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS thumb_vectors (
  product_id TEXT NOT NULL,
  pic_name TEXT NOT NULL,
  thumbnail TEXT NOT NULL,
  version TEXT NOT NULL,
  vector BLOB NOT NULL,
  PRIMARY KEY (product_id, pic_name)
) WITHOUT ROWID;
`

/** The smaller key first (the order pairs are stored in). */
export function ordered(a: Key, b: Key): [Key, Key] {
  if (a.productId < b.productId) return [a, b]
  if (a.productId > b.productId) return [b, a]
  return a.picName <= b.picName ? [a, b] : [b, a]
}

export const keyText = (k: Key) => `${k.productId}\u0000${k.picName}`

type Raw = Record<string, unknown>
const auditOf = (r: Raw): AuditRow => ({
  id: r.id as number,
  jobId: (r.job_id as number | null) ?? null,
  threshold: r.threshold as number,
  floor: r.floor as number,
  acrossOnly: r.across_only === 1,
  approximate: r.approximate === 1,
  pictures: r.pictures as number,
  missing: r.missing as number,
  startedAt: r.started_at as number,
  finishedAt: (r.finished_at as number | null) ?? null,
})
const pairOf = (r: Raw): PairRow => ({
  a: { productId: r.a_product as string, picName: r.a_pic as string },
  b: { productId: r.b_product as string, picName: r.b_pic as string },
  sim: r.sim as number,
})

export class DuplicateStore {
  readonly db: Database.Database
  private readonly s

  constructor(file: string) {
    preparePrivateDatabase(file)
    this.db = new Database(file)
    this.db.pragma('journal_mode = WAL')
    this.db.pragma('synchronous = NORMAL')
    this.db.pragma('busy_timeout = 5000')
    this.db.exec(SCHEMA)
    const db = this.db
    this.s = {
      last: db.prepare('SELECT * FROM audits ORDER BY id DESC LIMIT 1'),
      audit: db.prepare('SELECT * FROM audits WHERE id = ?'),
      insertPair: db.prepare(`INSERT OR IGNORE INTO pairs
        (audit_id, a_product, a_pic, b_product, b_pic, sim) VALUES (?, ?, ?, ?, ?, ?)`),
      pairsAbove: db.prepare(`SELECT a_product, a_pic, b_product, b_pic, sim FROM pairs
        WHERE audit_id = ? AND sim >= ? ORDER BY sim DESC`),
      countPairs: db.prepare('SELECT count(*) FROM pairs WHERE audit_id = ?').pluck(),
      notDup: db.prepare('SELECT a_product, a_pic, b_product, b_pic FROM not_duplicate'),
      markNotDup: db.prepare(`INSERT OR IGNORE INTO not_duplicate
        (a_product, a_pic, b_product, b_pic, marked_at) VALUES (?, ?, ?, ?, ?)`),
      staged: db.prepare('SELECT action, members FROM staged ORDER BY staged_at, group_id'),
      stage:
        db.prepare(`INSERT INTO staged (group_id, action, members, staged_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (group_id) DO UPDATE SET action = excluded.action, members = excluded.members,
        staged_at = excluded.staged_at`),
      unstage: db.prepare('DELETE FROM staged WHERE group_id = ?'),
      thumbVector: db.prepare(
        'SELECT vector FROM thumb_vectors WHERE product_id = ? AND pic_name = ? AND thumbnail = ? AND version = ?',
      ),
      putThumbVector: db.prepare(`INSERT OR REPLACE INTO thumb_vectors
        (product_id, pic_name, thumbnail, version, vector) VALUES (?, ?, ?, ?, ?)`),
      pictures: db.prepare(`SELECT seq, product_id, pic_name, thumbnail FROM audit_pictures
        WHERE audit_id = ? AND seq >= ? AND seq < ? ORDER BY seq`),
      addPicture:
        db.prepare(`INSERT INTO audit_pictures (audit_id, seq, product_id, pic_name, thumbnail)
        VALUES (?, ?, ?, ?, ?)`),
    }
  }

  close(): void {
    this.db.close()
  }

  lastAudit(): AuditRow | null {
    const r = this.s.last.get() as Raw | undefined
    return r ? auditOf(r) : null
  }

  audit(id: number): AuditRow | null {
    const r = this.s.audit.get(id) as Raw | undefined
    return r ? auditOf(r) : null
  }

  /** A new audit; the older ones (and their pairs and pictures) are dropped. */
  newAudit(a: { threshold: number; floor: number; acrossOnly: boolean; approximate: boolean }) {
    return this.db.transaction(() => {
      this.db.exec('DELETE FROM pairs; DELETE FROM audit_pictures; DELETE FROM audits;')
      const r = this.db
        .prepare(
          `INSERT INTO audits (threshold, floor, across_only, approximate, started_at)
           VALUES (?, ?, ?, ?, ?)`,
        )
        .run(a.threshold, a.floor, a.acrossOnly ? 1 : 0, a.approximate ? 1 : 0, Date.now())
      return Number(r.lastInsertRowid)
    })()
  }

  setAudit(
    id: number,
    patch: Partial<{ jobId: number; pictures: number; missing: number; finishedAt: number }>,
  ) {
    const cols: Record<string, string> = {
      jobId: 'job_id',
      pictures: 'pictures',
      missing: 'missing',
      finishedAt: 'finished_at',
    }
    const keys = Object.keys(patch) as (keyof typeof patch)[]
    if (!keys.length) return
    this.db
      .prepare(
        `UPDATE audits SET ${keys.map((k) => `${cols[k]} = @${k}`).join(', ')} WHERE id = @id`,
      )
      .run({ ...patch, id })
  }

  addPairs(auditId: number, pairs: PairRow[]): void {
    this.db.transaction(() => {
      for (const p of pairs) {
        const [a, b] = ordered(p.a, p.b)
        this.s.insertPair.run(auditId, a.productId, a.picName, b.productId, b.picName, p.sim)
      }
    })()
  }

  pairsAbove(auditId: number, sim: number): PairRow[] {
    return (this.s.pairsAbove.all(auditId, sim) as Raw[]).map(pairOf)
  }

  countPairs(auditId: number): number {
    return this.s.countPairs.get(auditId) as number
  }

  /** The pairs marked "not a duplicate", as `keyText(a) + '\u0001' + keyText(b)`. */
  notDuplicates(): Set<string> {
    const out = new Set<string>()
    for (const r of this.s.notDup.all() as Raw[]) {
      const p = pairOf({ ...r, sim: 0 })
      out.add(pairText(p.a, p.b))
    }
    return out
  }

  markNotDuplicate(pairs: [Key, Key][]): void {
    const now = Date.now()
    this.db.transaction(() => {
      for (const [x, y] of pairs) {
        const [a, b] = ordered(x, y)
        this.s.markNotDup.run(a.productId, a.picName, b.productId, b.picName, now)
      }
    })()
  }

  staged(): StagedRow[] {
    return (this.s.staged.all() as Raw[]).map((r) => ({
      action: JSON.parse(r.action as string) as StagedAction,
      members: JSON.parse(r.members as string) as Key[],
    }))
  }

  stage(rows: StagedRow[]): void {
    const now = Date.now()
    this.db.transaction(() => {
      for (const r of rows) {
        this.s.stage.run(r.action.groupId, JSON.stringify(r.action), JSON.stringify(r.members), now)
      }
    })()
  }

  unstage(groupIds: string[] | null): void {
    if (groupIds === null) this.db.exec('DELETE FROM staged')
    else this.db.transaction(() => groupIds.forEach((g) => this.s.unstage.run(g)))()
  }

  addPictures(auditId: number, rows: (Key & { thumbnail: string | null })[], from: number): void {
    this.db.transaction(() => {
      rows.forEach((r, i) =>
        this.s.addPicture.run(auditId, from + i, r.productId, r.picName, r.thumbnail),
      )
    })()
  }

  pictures(auditId: number, from: number, to: number) {
    return (this.s.pictures.all(auditId, from, to) as Raw[]).map((r) => ({
      seq: r.seq as number,
      productId: r.product_id as string,
      picName: r.pic_name as string,
      thumbnail: (r.thumbnail as string | null) ?? null,
    }))
  }

  thumbVector(k: Key, thumbnail: string, version: string): Float32Array | null {
    const b = this.s.thumbVector.pluck().get(k.productId, k.picName, thumbnail, version) as
      Buffer | undefined
    if (!b) return null
    const out = new Float32Array(b.byteLength / 4)
    new Uint8Array(out.buffer).set(b)
    return out
  }

  putThumbVector(k: Key, thumbnail: string, version: string, v: Float32Array): void {
    this.s.putThumbVector.run(
      k.productId,
      k.picName,
      thumbnail,
      version,
      Buffer.from(v.buffer, v.byteOffset, v.byteLength),
    )
  }
}

export const pairText = (a: Key, b: Key) => {
  const [x, y] = ordered(a, b)
  return `${keyText(x)}\u0001${keyText(y)}`
}
