import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openGallery, type Gallery } from '../../../../electron/core/gallery/index'
import { createImaging } from '../../../../electron/core/imaging/index'
import type { Imaging } from '../../../../electron/core/imaging/types'
import { collectPlan } from '../../../../electron/core/jobs/bulk-add/plan'
import type { PlanItem } from '../../../../electron/core/jobs/bulk-add/types'
import { copyCatalogue, photoPng128, put, reencoded, solid } from './fixtures/pictures'
import { tempDir } from './helpers'

let imaging: Imaging
let gallery: Gallery
let root: string
let cat: string

beforeAll(async () => {
  imaging = createImaging({ workers: 0 })
  root = tempDir()
  cat = path.join(root, 'cat')
  copyCatalogue(cat, 'P1/a.jpg', 0)
  copyCatalogue(cat, 'P1/b.jpg', 1)
  copyCatalogue(cat, 'P3/copy.jpg', 0) // same bytes as P1/a.jpg
  copyCatalogue(cat, 'P5/dup.jpg', 2) // already in the gallery as OLD/x.jpg
  put(cat, 'P6/n.jpg', await reencoded(3)) // near the gallery's NEAR/n.jpg
  put(cat, 'P7/tiny.png', await solid(50, 50))
  put(cat, 'P8/wide.png', await solid(5000, 200))
  put(cat, 'P9/broken.jpg', Buffer.from('not a picture at all'))
  put(cat, 'P2/c.png', await photoPng128(2))

  gallery = openGallery(path.join(root, 'gallery.db'))
  const hashes = async (file: string) => {
    const p = await imaging.prepare(file, { thumbnail: false })
    return { sha256: p.sha256, phash: p.phash }
  }
  gallery.recordAdded({
    productId: 'OLD',
    picName: 'x.jpg',
    ...(await hashes(path.join(cat, 'P5/dup.jpg'))),
  })
  gallery.recordAdded({
    productId: 'P1',
    picName: 'b.jpg',
    ...(await hashes(path.join(cat, 'P1/b.jpg'))),
  })
  const tmp = copyCatalogue(root, 'orig3.jpg', 3)
  gallery.recordAdded({ productId: 'NEAR', picName: 'n.jpg', ...(await hashes(tmp)) })
})

afterAll(async () => {
  gallery?.close()
  await imaging?.close()
})

function byRel(plan: PlanItem[]): Record<string, PlanItem> {
  return Object.fromEntries(plan.map((p) => [p.relPath, p]))
}

describe('planBulkAdd', () => {
  it('derives ids, previews every picture, hashes it and flags duplicates', async () => {
    const plan = await collectPlan([cat], { naming: 'folder' }, { imaging, gallery })
    expect(plan.map((p) => p.relPath)).toEqual([
      'P1/a.jpg',
      'P1/b.jpg',
      'P2/c.png',
      'P3/copy.jpg',
      'P5/dup.jpg',
      'P6/n.jpg',
      'P7/tiny.png',
      'P8/wide.png',
      'P9/broken.jpg',
    ])
    const p = byRel(plan)

    expect(p['P1/a.jpg']).toMatchObject({
      action: 'add',
      productId: 'P1',
      picName: 'a.jpg',
      source: path.join(cat, 'P1', 'a.jpg'),
      outcome: { kind: 'kept' },
    })
    expect(p['P1/a.jpg'].sha256).toMatch(/^[0-9a-f]{64}$/)
    expect(p['P1/a.jpg'].phash).toMatch(/^[0-9a-f]{16}$/)
    expect(p['P2/c.png'].duplicate).toBeUndefined()

    // same id, same picture: nothing to do
    expect(p['P1/b.jpg']).toMatchObject({
      action: 'skip',
      unchanged: true,
      reason: { code: 'Unchanged' },
    })

    expect(p['P2/c.png']).toMatchObject({
      action: 'add',
      productId: 'P2',
      outcome: { kind: 'kept', width: 128 },
    })

    // two identical files of this batch (not in the gallery): both flagged, each naming the
    // other — the first one too, although the copy comes later — and both added
    expect(p['P1/a.jpg'].duplicate).toEqual({
      kind: 'exact',
      existing: [{ productId: 'P3', picName: 'copy.jpg', relPath: 'P3/copy.jpg', inPlan: true }],
    })
    expect(p['P3/copy.jpg'].duplicate).toEqual({
      kind: 'exact',
      existing: [{ productId: 'P1', picName: 'a.jpg', relPath: 'P1/a.jpg', inPlan: true }],
    })
    expect(p['P1/a.jpg'].action).toBe('add')
    expect(p['P3/copy.jpg'].action).toBe('add')
    expect(p['P3/copy.jpg'].reason).toBeUndefined()

    // already in the gallery under another id
    expect(p['P5/dup.jpg'].duplicate).toMatchObject({
      kind: 'exact',
      existing: [{ productId: 'OLD', picName: 'x.jpg' }],
    })
    expect(p['P5/dup.jpg'].action).toBe('skip')
    expect(p['P5/dup.jpg'].reason!.message).toMatch(/already in the gallery as OLD\/x\.jpg/)

    // a re-encoded copy: listed as a near duplicate, still added
    expect(p['P6/n.jpg'].action).toBe('add')
    expect(p['P6/n.jpg'].duplicate?.kind).toBe('near')
    expect(p['P6/n.jpg'].duplicate?.existing[0]).toMatchObject({
      productId: 'NEAR',
      picName: 'n.jpg',
    })
    expect(p['P6/n.jpg'].duplicate!.existing[0].distance).toBeLessThanOrEqual(6)

    expect(p['P7/tiny.png']).toMatchObject({
      action: 'reject',
      outcome: { kind: 'rejected', error: { code: 'UnsupportedPicPixels' } },
    })
    expect(p['P7/tiny.png'].outcome!.reasons[0]).toMatch(/50 × 50/)

    expect(p['P8/wide.png'].action).toBe('add')
    expect(p['P8/wide.png'].outcome!.kind).toBe('resized')
    expect(p['P8/wide.png'].outcome!.reasons.join(' ')).toMatch(/5000 × 200 px to 4096 × 164 px/)

    expect(p['P9/broken.jpg'].action).toBe('reject')
    expect(p['P9/broken.jpg'].outcome!.error!.code).toMatch(/UnsupportedPicFormat|CorruptImage/)
  })

  it('adds duplicates anyway when asked, and previews without a gallery', async () => {
    const plan = byRel(
      await collectPlan([cat], { duplicates: 'add', skipUnchanged: false }, { imaging, gallery }),
    )
    expect(plan['P5/dup.jpg'].action).toBe('add')
    expect(plan['P5/dup.jpg'].duplicate?.kind).toBe('exact')
    expect(plan['P3/copy.jpg'].action).toBe('add')
    expect(plan['P1/b.jpg'].action).toBe('add')

    const bare = byRel(await collectPlan([cat], {}, { imaging }))
    expect(bare['P1/a.jpg'].sha256).toMatch(/^[0-9a-f]{64}$/)
    expect(bare['P1/a.jpg'].phash).toBeNull()
    expect(bare['P5/dup.jpg'].action).toBe('add')
    // in-plan copies are still found without a gallery, and added
    expect(bare['P3/copy.jpg'].action).toBe('add')
    expect(bare['P3/copy.jpg'].duplicate?.existing).toEqual([
      { productId: 'P1', picName: 'a.jpg', relPath: 'P1/a.jpg', inPlan: true },
    ])
    expect(bare['P1/a.jpg'].duplicate?.existing[0]).toMatchObject({ productId: 'P3', inPlan: true })
  })

  it('copies within the batch stay added when one of them is already in the gallery from an earlier run', async () => {
    const dir = tempDir()
    const src = path.join(dir, 'src')
    copyCatalogue(src, 'X/one.jpg', 40)
    copyCatalogue(src, 'Y/two.jpg', 40) // same bytes as X/one.jpg
    copyCatalogue(src, 'Z/three.jpg', 41) // in the gallery as OTHER/o.jpg
    copyCatalogue(src, 'Z/four.jpg', 42)
    const g = openGallery(path.join(dir, 'gallery.db'))
    try {
      const sha = async (rel: string) =>
        (await imaging.prepare(path.join(src, rel), { thumbnail: false })).sha256
      // an earlier run of this same batch added X/one.jpg, then stopped
      g.recordAdded({ productId: 'X', picName: 'one.jpg', sha256: await sha('X/one.jpg') })
      g.recordAdded({ productId: 'OTHER', picName: 'o.jpg', sha256: await sha('Z/three.jpg') })
      const plan = byRel(await collectPlan([src], {}, { imaging, gallery: g }))
      expect(plan['X/one.jpg']).toMatchObject({ action: 'skip', reason: { code: 'Unchanged' } })
      // its copy is not "already in the gallery under another id": the batch gives it its own id
      expect(plan['Y/two.jpg'].action).toBe('add')
      expect(plan['Y/two.jpg'].duplicate?.existing).toEqual([
        { productId: 'X', picName: 'one.jpg', relPath: 'X/one.jpg', inPlan: true },
      ])
      // a copy of a picture another batch added: skipped, unless added anyway
      expect(plan['Z/three.jpg']).toMatchObject({
        action: 'skip',
        reason: { code: 'DuplicateImage' },
        duplicate: { kind: 'exact', existing: [{ productId: 'OTHER', picName: 'o.jpg' }] },
      })
      expect(plan['Z/four.jpg'].action).toBe('add')
      const anyway = byRel(await collectPlan([src], { duplicates: 'add' }, { imaging, gallery: g }))
      expect(anyway['Z/three.jpg'].action).toBe('add')
      expect(anyway['Z/three.jpg'].duplicate?.kind).toBe('exact')
      expect(anyway['Y/two.jpg'].action).toBe('add')
      expect(anyway['X/one.jpg'].action).toBe('skip') // unchanged stays skipped
    } finally {
      g.close()
    }
  })

  it('validates defaults and regions up front, naming the source', async () => {
    const bad = await collectPlan(
      [path.join(cat, 'P1')],
      { defaults: { categoryId: 77, strAttr: 'x'.repeat(200) } },
      { imaging },
    )
    expect(bad.every((p) => p.action === 'reject')).toBe(true)
    expect(bad[0].reason!.code).toBe('InvalidCategory')
    expect(bad[0].reason!.message).toContain(path.join(cat, 'P1', 'a.jpg'))
    expect(bad[0].reason!.message).toMatch(
      /categoryId 77 is not a known category.*strAttr is 200 characters/,
    )

    const region = await collectPlan(
      [path.join(cat, 'P1', 'a.jpg')],
      { defaults: { region: '0,5000,0,10' } },
      { imaging },
    )
    expect(region[0].action).toBe('reject')
    expect(region[0].outcome!.error!.code).toBe('InvalidRegion')
    expect(region[0].outcome!.error!.message).toMatch(/crosses the edge/)

    const ok = await collectPlan(
      [path.join(cat, 'P1', 'a.jpg')],
      { defaults: { region: '10,100,20,200', categoryId: 0 } },
      { imaging },
    )
    expect(ok[0]).toMatchObject({
      action: 'add',
      productId: 'P1',
      fields: { region: '10,100,20,200', categoryId: 0 },
    })
  })

  it('reports naming mismatches, duplicate keys and bad manifest lines as rejected items', async () => {
    const dir = tempDir()
    copyCatalogue(dir, 'pics/SKU1_front.jpg', 10)
    copyCatalogue(dir, 'pics/SKU1_back.jpg', 11)
    copyCatalogue(dir, 'pics/noview.jpg', 12)
    const csv = put(
      dir,
      'list.csv',
      [
        'productId,picName,path,intAttr',
        'M1,a.jpg,pics/SKU1_front.jpg,1',
        'M1,a.jpg,pics/SKU1_back.jpg,2',
        'M2,b.jpg,pics/missing.jpg,x',
      ].join('\n'),
    )
    const plan = await collectPlan(
      [path.join(dir, 'pics'), csv],
      { naming: '{product}_{view}.{ext}' },
      { imaging },
    )
    expect(plan.map((p) => [p.productId, p.picName, p.action])).toEqual([
      ['SKU1', 'SKU1_back.jpg', 'add'],
      ['SKU1', 'SKU1_front.jpg', 'add'],
      [null, null, 'reject'],
      // the manifest points at a picture the folder already gave: a copy in the batch, added
      ['M1', 'a.jpg', 'add'],
      ['M1', 'a.jpg', 'reject'],
      [null, null, 'reject'],
    ])
    expect(plan[2].reason).toMatchObject({ code: 'NamingRuleMismatch' })
    expect(plan[2].reason!.message).toMatch(/"noview\.jpg" does not match the naming rule/)
    expect(plan[3].duplicate!.existing).toEqual([
      { productId: 'SKU1', picName: 'SKU1_front.jpg', relPath: 'SKU1_front.jpg', inPlan: true },
    ])
    expect(plan[1].duplicate!.existing).toEqual([
      { productId: 'M1', picName: 'a.jpg', relPath: 'pics/SKU1_front.jpg', inPlan: true },
    ])
    expect(plan[4].reason).toMatchObject({ code: 'DuplicateKey' })
    expect(plan[4].reason!.message).toMatch(/list\.csv:3: .*already given by list\.csv:2/)
    expect(plan[5].reason).toMatchObject({ code: 'InvalidIntAttr' })
    expect(plan[5].reason!.message).toMatch(/list\.csv line 4: intAttr must be an integer/)
  })
})
