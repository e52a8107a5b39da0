/**
 * Review actions: staged per group (undoable until applied), then applied through the gallery's
 * normal write path, so the gallery cache and the engine stay in step:
 *
 * - keepOne: the other pictures of the group go into one `gallery-delete` job (the gallery
 *   service's own kind: `images.remove` per picture, through the write-through engine);
 * - moveTo: each picture of another product id is added again under the chosen id (same picture
 *   name, unless that name is taken there; same category, custom content and attributes) and then
 *   deleted under its old id — a `duplicate-move` job, `images.add` + `images.remove`. The picture
 *   comes from its source file when Loupe knows it and it is unchanged, else from the local
 *   engine's stored copy; a cloud picture without its file cannot move (DuplicateMoveNeedsPicture);
 * - notDuplicate: every pair of the group is remembered for the profile and never grouped again.
 */
import fs from 'node:fs'
import type { z } from 'zod'
import type * as D from '../../api/domains/duplicates'
import { ATTR_KEYS } from '../../domain'
import { CoreError } from '../errors'
import type { EngineRegistry } from '../engines/registry'
import type { Galleries } from '../galleries'
import type { GalleryImage } from '../gallery/types'
import { sha256Of } from '../gallery/categories'
import type { ImageWrites } from '../gallery/service'
import { GALLERY_JOB_KINDS } from '../gallery/service'
import type { JobQueue } from '../jobs/queue'
import type { ItemRecord, JobHandler } from '../jobs/types'
import { SkipItem } from '../jobs/queue'
import type { DuplicateStore, Key, StagedRow } from './store'

export const MOVE_KIND = 'duplicate-move'

interface MoveItem extends Key {
  to: string
}

const same = (a: Key, b: Key) => a.productId === b.productId && a.picName === b.picName

/** What the staged actions will do. */
export function stagedSummary(rows: StagedRow[]): z.input<typeof D.StagedSummary> {
  let deletes = 0
  let moves = 0
  let notDuplicate = 0
  for (const { action: a, members } of rows) {
    if (a.action === 'keepOne') deletes += members.filter((m) => !same(m, a.keep)).length
    else if (a.action === 'moveTo')
      moves += members.filter((m) => m.productId !== a.productId).length
    else notDuplicate++
  }
  return { actions: rows.map((r) => r.action), deletes, moves, notDuplicate }
}

/** Applies every staged action (jobs for the writes) and empties the staged list. */
export function applyStaged(
  s: DuplicateStore,
  profile: string,
  q: JobQueue,
): z.input<typeof D.ApplyResult> {
  const rows = s.staged()
  const summary = stagedSummary(rows)
  const deletes = new Map<string, Key>()
  const moves = new Map<string, MoveItem>()
  const marks: [Key, Key][] = []
  for (const { action: a, members } of rows) {
    if (a.action === 'keepOne') {
      for (const m of members)
        if (!same(m, a.keep)) deletes.set(`${m.productId}\u0000${m.picName}`, m)
    } else if (a.action === 'moveTo') {
      for (const m of members) {
        if (m.productId !== a.productId) {
          moves.set(`${m.productId}\u0000${m.picName}`, { ...m, to: a.productId })
        }
      }
    } else {
      for (let i = 0; i < members.length; i++) {
        for (let j = i + 1; j < members.length; j++) marks.push([members[i], members[j]])
      }
    }
  }
  // A picture both deleted (one group) and moved (another): deleting wins.
  for (const k of deletes.keys()) moves.delete(k)
  const jobIds: number[] = []
  const plural = (n: number) => (n === 1 ? '' : 's')
  if (deletes.size) {
    jobIds.push(
      q.createJob({
        kind: GALLERY_JOB_KINDS.delete,
        profile,
        title: `Delete ${deletes.size} near-duplicate picture${plural(deletes.size)}`,
        params: {},
        items: [...deletes].map(([key, payload]) => ({ key, payload })),
      }),
    )
  }
  if (moves.size) {
    jobIds.push(
      q.createJob({
        kind: MOVE_KIND,
        profile,
        title: `Move ${moves.size} near-duplicate picture${plural(moves.size)} to one product`,
        params: {},
        items: [...moves].map(([key, payload]) => ({ key, payload })),
      }),
    )
  }
  s.db.transaction(() => {
    s.markNotDuplicate(marks)
    s.unstage(null)
  })()
  return {
    jobIds,
    deletes: summary.deletes,
    moves: summary.moves,
    notDuplicate: summary.notDuplicate,
  }
}

interface StoredPictures {
  storedPicture(productId: string, picName: string): Buffer | null
}

export function createMoveHandler(d: {
  galleries: Galleries
  engines: EngineRegistry
  images: ImageWrites
}): JobHandler<MoveItem, { picName: string }, void> {
  /** The picture to add again: its unchanged source file, else the local engine's copy. */
  async function pictureOf(profile: string, img: GalleryImage) {
    if (img.sourcePath && img.sha256 && fs.existsSync(img.sourcePath)) {
      if ((await sha256Of(img.sourcePath)) === img.sha256) {
        return { image: { path: img.sourcePath }, original: true }
      }
    }
    const engine = (await d.engines.get(profile)) as unknown as Partial<StoredPictures>
    const bytes = engine.storedPicture?.(img.productId, img.picName) ?? null
    if (bytes) return { image: { base64: bytes.toString('base64') }, original: false }
    throw new CoreError(
      'DuplicateMoveNeedsPicture',
      `${img.productId} / ${img.picName} cannot move to another product id: Loupe has neither its unchanged source file nor a stored copy of it.`,
      {
        hint: 'Add the picture under the product id you want from its file, then delete this one.',
      },
    )
  }

  return {
    opClass: () => 'add',
    async run(item: ItemRecord<MoveItem>, ctx) {
      const { productId, picName, to } = item.payload
      const g = d.galleries.get(ctx.profile)
      const img = g.get(productId, picName)
      if (!img)
        throw new SkipItem(
          'ImageNotFound',
          `${productId} / ${picName} is no longer in the gallery.`,
        )
      let name = picName
      if (g.get(to, name)) name = `${picName}~${productId}`.slice(0, 256)
      if (g.get(to, name)) {
        throw new CoreError(
          'DuplicateMoveNameTaken',
          `Product ${to} already has a picture named ${picName} (and ${name}).`,
        )
      }
      const { image, original } = await pictureOf(ctx.profile, img)
      const fields: Record<string, unknown> = {}
      if (img.categoryId !== null) fields.categoryId = img.categoryId
      if (img.customContent !== null) fields.customContent = img.customContent
      for (const k of ATTR_KEYS) if (img[k] !== null) fields[k] = img[k]
      if (original && img.region) fields.region = img.region
      await d.images.add({ profile: ctx.profile, productId: to, picName: name, image, ...fields })
      await d.images.remove({ profile: ctx.profile, productId, picName })
      return { picName: name }
    },
  }
}
