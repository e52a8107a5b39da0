import { ATTR_FIELDS, ATTR_KEYS, attrShape, attrsOrNull } from '../../domain'
import { ATTRIBUTE_KEYS } from './types'
import type {
  AddedRecord,
  CategoryNote,
  GalleryImage,
  ImageKey,
  SyncState,
  UpdatedFields,
} from './types'
import { rowToImage } from './columns'
import type { ImportGate } from './import-gate'
import { normalizePhash, normalizeSha256, phashBands } from './phash'
import type { QueryContext } from './plan'
import { getRow } from './reads'
import { checkKey, checkState, checkThumb, invalid, optInt, optStr } from './validate'

/** The attributes' columns (constants from the domain, never user input). */
const ATTR_SQL = ATTR_FIELDS.join(', ')
const ATTR_SET_SQL = ATTR_FIELDS.map((f) => `${f} = ?`).join(', ')

/**
 * The writes of the gallery cache: records of adds, updates and deletes, sync states,
 * thumbnails and sources. Each goes through the ImportGate: while a dump worker holds the
 * database it is answered at once and applied right after the import.
 */
export class GalleryRecords {
  constructor(
    private readonly ctx: QueryContext,
    private readonly gate: ImportGate,
    private readonly now: () => number,
  ) {}

  private get db() {
    return this.ctx.db
  }

  private stmt(sql: string) {
    return this.ctx.stmt(sql)
  }

  /** Writes the full image (insert or update by key); returns it as stored. */
  private write(img: GalleryImage, id: number | undefined): void {
    const bands = img.phash ? phashBands(img.phash) : [null, null, null, null]
    const values = [
      img.categoryId,
      img.customContent,
      ...ATTR_KEYS.map((k) => img[k]),
      img.region,
      img.sourcePath,
      img.sha256,
      img.phash,
      ...bands,
      img.thumbnail,
      img.syncState,
      img.syncError,
      img.addedAt,
      img.updatedAt,
      img.seenAt,
      img.categoryNote,
    ]
    if (id === undefined) {
      this.stmt(
        `INSERT INTO images (product_id, pic_name, category_id, custom_content, ${ATTR_SQL},
          region, source_path, sha256, phash, ph0, ph1, ph2, ph3, thumbnail, sync_state, sync_error,
          added_at, updated_at, seen_at, category_note)
        VALUES (${Array(27).fill('?').join(', ')})`,
      ).run(img.productId, img.picName, ...values)
    } else {
      this.stmt(
        `UPDATE images SET category_id = ?, custom_content = ?, ${ATTR_SET_SQL}, region = ?, source_path = ?, sha256 = ?, phash = ?, ph0 = ?, ph1 = ?,
          ph2 = ?, ph3 = ?, thumbnail = ?, sync_state = ?, sync_error = ?, added_at = ?,
          updated_at = ?, seen_at = ?, category_note = ?
        WHERE id = ?`,
      ).run(...values, id)
    }
  }

  recordAdded(rec: AddedRecord): GalleryImage {
    const key = checkKey(rec)
    const body = (dry: boolean): GalleryImage => {
      const now = this.now()
      const row = getRow(this.ctx, key.productId, key.picName)
      const old = row ? rowToImage(row) : null
      const state = checkState(rec.syncState ?? 'synced')
      const next: GalleryImage = {
        ...key,
        categoryId: optInt(rec.categoryId, 'categoryId'),
        customContent: optStr(rec.customContent, 'customContent'),
        ...attrShape(
          (k) => optInt(rec[k], k),
          (k) => optStr(rec[k], k),
        ),
        region: optStr(rec.region, 'region'),
        sourcePath: rec.sourcePath === undefined ? (old?.sourcePath ?? null) : rec.sourcePath,
        sha256:
          rec.sha256 === undefined
            ? (old?.sha256 ?? null)
            : rec.sha256
              ? normalizeSha256(rec.sha256)
              : null,
        phash:
          rec.phash === undefined
            ? (old?.phash ?? null)
            : rec.phash
              ? normalizePhash(rec.phash)
              : null,
        thumbnail:
          rec.thumbnail === undefined
            ? (old?.thumbnail ?? null)
            : rec.thumbnail
              ? checkThumb(rec.thumbnail)
              : null,
        syncState: state,
        syncError: state === 'error' ? (rec.syncError ?? 'Unknown error') : null,
        addedAt: old?.addedAt ?? now,
        updatedAt: now,
        seenAt: state === 'synced' ? now : (old?.seenAt ?? null),
        categoryNote: checkNote(rec.categoryNote),
      }
      return this.commit(old, next, row?.id, dry)
    }
    return this.gate.writing(
      () => this.db.transaction(() => body(false)).immediate(),
      () => body(true),
    )
  }

  /** Keeps updatedAt (and the write) when nothing but seenAt would change: idempotent records. */
  private commit(
    old: GalleryImage | null,
    next: GalleryImage,
    id: number | undefined,
    dry = false,
  ): GalleryImage {
    if (old) {
      const changed =
        ATTRIBUTE_KEYS.some((k) => old[k] !== next[k]) ||
        old.region !== next.region ||
        old.categoryNote !== next.categoryNote ||
        old.sha256 !== next.sha256 ||
        old.phash !== next.phash ||
        old.sourcePath !== next.sourcePath ||
        old.thumbnail !== next.thumbnail
      if (!changed) next.updatedAt = old.updatedAt
      if (!changed && old.syncState === next.syncState && old.syncError === next.syncError) {
        if (old.seenAt === next.seenAt) return old
      }
    }
    if (!dry) this.write(next, id)
    return next
  }

  recordUpdated(key: ImageKey, fields: UpdatedFields): GalleryImage {
    const k = checkKey(key)
    if (typeof fields !== 'object' || fields === null) throw invalid('fields must be an object')
    const body = (dry: boolean): GalleryImage => {
      const now = this.now()
      const row = getRow(this.ctx, k.productId, k.picName)
      const old = row ? rowToImage(row) : null
      const base: GalleryImage = old ?? {
        ...k,
        categoryId: null,
        customContent: null,
        ...attrsOrNull({}),
        region: null,
        sourcePath: null,
        sha256: null,
        phash: null,
        thumbnail: null,
        syncState: 'synced',
        syncError: null,
        addedAt: now,
        updatedAt: now,
        seenAt: null,
        categoryNote: null,
      }
      const next: GalleryImage = { ...base, updatedAt: now }
      for (const a of ATTRIBUTE_KEYS) {
        if (fields[a] === undefined) continue
        if (a === 'categoryId' || a.startsWith('int')) {
          ;(next as unknown as Record<string, number | null>)[a] = optInt(fields[a] as number, a)
        } else {
          ;(next as unknown as Record<string, string | null>)[a] = optStr(fields[a] as string, a)
        }
      }
      if (fields.region !== undefined) next.region = optStr(fields.region, 'region')
      // A note belongs to the category it was given with.
      if (fields.categoryNote !== undefined) next.categoryNote = checkNote(fields.categoryNote)
      else if (next.categoryId !== base.categoryId) next.categoryNote = null
      const state = checkState(fields.syncState ?? 'synced')
      next.syncState = state
      next.syncError = state === 'error' ? (fields.syncError ?? 'Unknown error') : null
      if (state === 'synced') next.seenAt = now
      return this.commit(old, next, row?.id, dry)
    }
    return this.gate.writing(
      () => this.db.transaction(() => body(false)).immediate(),
      () => body(true),
    )
  }

  recordDeleted(keys: ImageKey | ImageKey[]): number {
    const list = (Array.isArray(keys) ? keys : [keys]).map(checkKey)
    return this.gate.writing(
      () => {
        const del = this.stmt(`DELETE FROM images WHERE product_id = ? AND pic_name = ?`)
        return this.db
          .transaction(() => {
            let n = 0
            for (const k of list) n += del.run(k.productId, k.picName).changes
            return n
          })
          .immediate()
      },
      () => this.existing(list),
    )
  }

  recordDeletedByProduct(productId: string): number {
    if (typeof productId !== 'string' || productId === '') throw invalid('productId is required')
    return this.gate.writing(
      () => this.stmt(`DELETE FROM images WHERE product_id = ?`).run(productId).changes,
      () =>
        this.stmt(`SELECT count(*) FROM images WHERE product_id = ?`)
          .pluck()
          .get(productId) as number,
    )
  }

  /** How many of these keys are in the cache (each key once when `distinct`, as a delete counts). */
  private existing(keys: ImageKey[], distinct = true): number {
    const has = this.stmt(`SELECT 1 FROM images WHERE product_id = ? AND pic_name = ?`).pluck()
    const seen = new Set<string>()
    let n = 0
    for (const k of keys) {
      const id = JSON.stringify([k.productId, k.picName])
      if (distinct && seen.has(id)) continue
      seen.add(id)
      if (has.get(k.productId, k.picName) !== undefined) n++
    }
    return n
  }

  setSyncState(keys: ImageKey | ImageKey[], state: SyncState, error?: string | null): number {
    const list = (Array.isArray(keys) ? keys : [keys]).map(checkKey)
    checkState(state)
    const err = state === 'error' ? (error ?? 'Unknown error') : null
    return this.gate.writing(
      () => {
        const upd = this.stmt(
          `UPDATE images SET sync_state = ?, sync_error = ?,
            seen_at = CASE WHEN ? = 'synced' THEN ? ELSE seen_at END
          WHERE product_id = ? AND pic_name = ?`,
        )
        return this.db
          .transaction(() => {
            const now = this.now()
            let n = 0
            for (const k of list)
              n += upd.run(state, err, state, now, k.productId, k.picName).changes
            return n
          })
          .immediate()
      },
      () => this.existing(list, false),
    )
  }

  setThumbnail(key: ImageKey, thumbnail: string | null): boolean {
    const k = checkKey(key)
    const t = thumbnail === null ? null : checkThumb(thumbnail)
    return this.gate.writing(
      () =>
        this.stmt(`UPDATE images SET thumbnail = ? WHERE product_id = ? AND pic_name = ?`).run(
          t,
          k.productId,
          k.picName,
        ).changes > 0,
      () => this.existing([k]) > 0,
    )
  }

  setSource(
    key: ImageKey,
    source: { path: string | null; sha256?: string | null; phash?: string | null },
  ): boolean {
    const k = checkKey(key)
    if (typeof source !== 'object' || source === null) throw invalid('source must be an object')
    if (source.path !== null && typeof source.path !== 'string') {
      throw invalid('source.path must be a string or null')
    }
    const sets = ['source_path = ?']
    const params: unknown[] = [source.path]
    if (source.sha256 !== undefined) {
      sets.push('sha256 = ?')
      params.push(source.sha256 === null ? null : normalizeSha256(source.sha256))
    }
    if (source.phash !== undefined) {
      const p = source.phash === null ? null : normalizePhash(source.phash)
      sets.push('phash = ?, ph0 = ?, ph1 = ?, ph2 = ?, ph3 = ?')
      params.push(p, ...(p ? phashBands(p) : [null, null, null, null]))
    }
    return this.gate.writing(
      () =>
        this.stmt(`UPDATE images SET ${sets.join(', ')} WHERE product_id = ? AND pic_name = ?`).run(
          ...params,
          k.productId,
          k.picName,
        ).changes > 0,
      () => this.existing([k]) > 0,
    )
  }
}

/** A category note as recorded: the one known value, or none. */
function checkNote(v: unknown): CategoryNote | null {
  if (v === undefined || v === null) return null
  if (v === 'noLabelledNeighbours') return v
  throw invalid(`categoryNote must be 'noLabelledNeighbours' or null, got ${JSON.stringify(v)}`)
}
