/**
 * Where the gallery-adapted spaces (space.ts) are kept: two tables of the engine's SQLite file,
 * created when first needed. The stored vectors are never changed by a space: a space is a
 * projection kept beside them, so switching it on re-projects the in-memory index and switching it
 * off drops it — no picture is described again either way. (A Loupe without spaces ignores these
 * tables and searches the plain vectors.)
 */
import type Database from 'better-sqlite3'
import type { Projection } from './featurizer/pca'
import { blobToVector, vectorToBlob } from './store-schema'

/** learning → candidate → active → retired; failed when learning could not finish. */
export type SpaceState = 'learning' | 'candidate' | 'active' | 'retired' | 'failed'

export interface SpaceRow {
  id: number
  /** The featurizer version whose vectors it projects. */
  fversion: string
  state: SpaceState
  /** Ridge of the learned whitening. */
  reg: number
  /** Image ids it learns from and is measured on (whole products, sampled). */
  sample: number[]
  projection: Projection | null
  /** Before / after figures and the verdict (space.ts SpaceFigures), JSON. */
  figures: unknown
  utcCreated: number
  utcModified: number
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS spaces (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  fversion TEXT NOT NULL,
  state TEXT NOT NULL,
  reg REAL NOT NULL,
  sample TEXT NOT NULL,
  dim INTEGER,
  k INTEGER,
  mean BLOB,
  matrix BLOB,
  figures TEXT,
  utc_created INTEGER NOT NULL,
  utc_modified INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS space_views (
  space_id INTEGER NOT NULL REFERENCES spaces (id) ON DELETE CASCADE,
  image_id INTEGER NOT NULL,
  vector BLOB,
  PRIMARY KEY (space_id, image_id)
);
`

interface RawRow {
  id: number
  fversion: string
  state: SpaceState
  reg: number
  sample: string
  dim: number | null
  k: number | null
  mean: Buffer | null
  matrix: Buffer | null
  figures: string | null
  utc_created: number
  utc_modified: number
}

function toRow(r: RawRow): SpaceRow {
  return {
    id: r.id,
    fversion: r.fversion,
    state: r.state,
    reg: r.reg,
    sample: JSON.parse(r.sample) as number[],
    projection:
      r.mean && r.matrix && r.dim && r.k
        ? { dim: r.dim, k: r.k, mean: blobToVector(r.mean), matrix: blobToVector(r.matrix) }
        : null,
    figures: r.figures ? (JSON.parse(r.figures) as unknown) : null,
    utcCreated: r.utc_created,
    utcModified: r.utc_modified,
  }
}

export class SpaceStore {
  constructor(private readonly db: Database.Database) {
    db.exec(SCHEMA)
  }

  create(fversion: string, reg: number, sample: number[]): number {
    const now = Date.now()
    return Number(
      this.db
        .prepare(
          `INSERT INTO spaces (fversion, state, reg, sample, utc_created, utc_modified)
           VALUES (?, 'learning', ?, ?, ?, ?)`,
        )
        .run(fversion, reg, JSON.stringify(sample), now, now).lastInsertRowid,
    )
  }

  get(id: number): SpaceRow | null {
    const r = this.db.prepare('SELECT * FROM spaces WHERE id = ?').get(id) as RawRow | undefined
    return r ? toRow(r) : null
  }

  /** The newest spaces first. */
  list(limit = 20): SpaceRow[] {
    return (
      this.db.prepare('SELECT * FROM spaces ORDER BY id DESC LIMIT ?').all(limit) as RawRow[]
    ).map(toRow)
  }

  active(): SpaceRow | null {
    const r = this.db
      .prepare("SELECT * FROM spaces WHERE state = 'active' ORDER BY id DESC LIMIT 1")
      .get() as RawRow | undefined
    return r ? toRow(r) : null
  }

  setState(id: number, state: SpaceState): void {
    this.db
      .prepare('UPDATE spaces SET state = ?, utc_modified = ? WHERE id = ?')
      .run(state, Date.now(), id)
  }

  /** Makes `id` the only active space (null: none), in one transaction. */
  activate(id: number | null): void {
    const now = Date.now()
    this.db.transaction(() => {
      this.db
        .prepare("UPDATE spaces SET state = 'retired', utc_modified = ? WHERE state = 'active'")
        .run(now)
      if (id !== null)
        this.db
          .prepare("UPDATE spaces SET state = 'active', utc_modified = ? WHERE id = ?")
          .run(now, id)
    })()
  }

  finish(id: number, p: Projection, figures: unknown): void {
    this.db
      .prepare(
        `UPDATE spaces SET state = 'candidate', dim = ?, k = ?, mean = ?, matrix = ?, figures = ?,
           utc_modified = ? WHERE id = ?`,
      )
      .run(
        p.dim,
        p.k,
        vectorToBlob(p.mean),
        vectorToBlob(p.matrix),
        JSON.stringify(figures),
        Date.now(),
        id,
      )
    // The views taught it; they are not needed any more.
    this.db.prepare('DELETE FROM space_views WHERE space_id = ?').run(id)
  }

  fail(id: number, figures: unknown): void {
    this.db
      .prepare("UPDATE spaces SET state = 'failed', figures = ?, utc_modified = ? WHERE id = ?")
      .run(JSON.stringify(figures), Date.now(), id)
    this.db.prepare('DELETE FROM space_views WHERE space_id = ?').run(id)
  }

  /** A view's vector (null: the view could not be described; it is left out). */
  putView(id: number, imageId: number, v: Float32Array | null): void {
    this.db
      .prepare('INSERT OR REPLACE INTO space_views (space_id, image_id, vector) VALUES (?, ?, ?)')
      .run(id, imageId, v ? vectorToBlob(v) : null)
  }

  /** The images whose view was described (or could not be), without reading the vectors. */
  viewIds(id: number): Set<number> {
    return new Set(
      this.db
        .prepare('SELECT image_id FROM space_views WHERE space_id = ?')
        .pluck()
        .all(id) as number[],
    )
  }

  /** The views described so far: image id → vector (null when it could not be described). */
  views(id: number): Map<number, Float32Array | null> {
    const rows = this.db
      .prepare('SELECT image_id AS imageId, vector FROM space_views WHERE space_id = ?')
      .all(id) as { imageId: number; vector: Buffer | null }[]
    return new Map(rows.map((r) => [r.imageId, r.vector ? blobToVector(r.vector) : null]))
  }
}
