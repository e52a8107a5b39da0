import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LocalEngine } from '../../../../../electron/core/engines/local/index'
import { harness, productPhoto, rejection, type Harness } from './helpers'

// The gallery-adapted space on a real gallery: 30 real products × 5 shelf photos (150 pictures,
// the real featurizer). Learned, measured on the gallery itself, switched on, kept across a
// reopen, switched off — and the searches a user makes follow each switch.
const PRODUCTS = 30
const VIEWS = 5

describe('local engine: gallery-adapted space', () => {
  let h: Harness
  let engine: LocalEngine
  const scores = async (e: LocalEngine, p: number, v: number) =>
    (await e.searchImageByName({ productId: `p${p}`, picName: `${v}.jpg`, num: 10 })).auctions.map(
      (a) => `${a.productId}/${a.picName}:${a.score.toFixed(6)}`,
    )

  beforeAll(async () => {
    h = await harness()
    engine = h.engine
    // Too few pictures: refused, saying how many it has and needs.
    for (let v = 0; v < 2; v++)
      await engine.addImage({
        productId: 'p0',
        picName: `${v}.jpg`,
        picContent: productPhoto(0, v),
        crop: false,
      })
  }, 600_000)
  afterAll(async () => {
    await h?.cleanup()
  })

  it('refuses to learn from a gallery of a few pictures, saying how many it has', async () => {
    const e = await rejection(Promise.resolve().then(() => engine.spaces.begin()))
    expect(e.code).toBe('SpaceTooFewPictures')
    expect(e.message).toContain('2 pictures')
    expect(engine.spaces.status()).toMatchObject({ active: null, spaces: [], pictures: 2 })
  })

  it('learns from the gallery, measures it before → after, switches on and off', async () => {
    for (let p = 0; p < PRODUCTS; p++)
      for (let v = 0; v < VIEWS; v++)
        await engine.addImage({
          productId: `p${p}`,
          picName: `${v}.jpg`,
          picContent: productPhoto(p, v),
          crop: false,
        })
    const plain = await scores(engine, 3, 1)
    const s = engine.spaces.begin()
    expect(s.state).toBe('learning')
    expect(s.pictures).toBe(PRODUCTS * VIEWS) // whole products, all of them
    // Not learned yet: cannot be switched on.
    expect((await rejection(engine.spaces.apply(s.id))).code).toBe('SpaceNotReady')
    // A job describes the views in slices; a slice done twice describes nothing again.
    const todo = engine.spaces.undescribed(s.id)
    expect(todo).toHaveLength(PRODUCTS * VIEWS)
    await engine.spaces.describeViews(s.id, todo.slice(0, 40))
    expect(engine.spaces.undescribed(s.id)).toHaveLength(PRODUCTS * VIEWS - 40)
    expect(await engine.spaces.describeViews(s.id, engine.spaces.undescribed(s.id))).toBe(0)
    const learned = await engine.spaces.learn(s.id)
    expect(learned.state).toBe('candidate')
    const f = learned.figures!
    expect(f.learnedFrom).toBe(75)
    expect(f.heldOutViews.queries).toBe(75)
    // every product has 5 pictures: each of the 150 is an own-products query
    expect(f.ownProducts?.queries).toBe(150)
    for (const m of [f.heldOutViews, f.ownProducts!]) {
      expect(m.before).toBeGreaterThan(0.3)
      expect(m.after).toBeGreaterThan(0.3)
      // the paired counts explain the difference exactly
      expect(Math.round((m.after - m.before) * m.queries)).toBe(m.better - m.worse)
    }
    // The verdict follows the rule: views better and own products not worse.
    const views = f.heldOutViews.after > f.heldOutViews.before
    const own = f.ownProducts!.after >= f.ownProducts!.before
    expect(f.recommended).toBe(views && own)
    expect(f.reason).toBe(!views ? 'viewsNotBetter' : own ? 'improves' : 'ownProductsWorse')
    if (!f.recommended)
      expect((await rejection(engine.spaces.apply(s.id))).code).toBe('SpaceNotRecommended')

    await engine.spaces.apply(s.id, { force: true })
    expect(engine.spaces.status().active?.id).toBe(s.id)
    const adapted = await scores(engine, 3, 1)
    expect(adapted).not.toEqual(plain)
    // the picture itself still scores 1, and every score is a similarity in 0..1
    expect(adapted[0]).toBe('p3/1.jpg:1.000000')
    // A picture added while the space is on is found like the others (identical: score 1).
    await engine.addImage({
      productId: 'new',
      picName: 'n.jpg',
      picContent: productPhoto(29, 4),
      crop: false,
    })
    const same = await engine.searchImageByPic({ picContent: productPhoto(29, 4), crop: false })
    expect(same.auctions.slice(0, 2).map((a) => a.score.toFixed(4))).toEqual(['1.0000', '1.0000'])

    // Reopened: the space is still on, the results the same.
    await engine.close()
    engine = await h.open()
    expect(engine.spaces.status().active?.id).toBe(s.id)
    expect(await scores(engine, 3, 1)).toEqual(adapted)

    // Switched off: exactly the plain results again; the space stays, and can go on again.
    await engine.spaces.revert()
    expect(engine.spaces.status().active).toBeNull()
    expect(await scores(engine, 3, 1)).toEqual(plain)
    expect(engine.spaces.status().spaces[0]).toMatchObject({ id: s.id, state: 'retired' })
    await engine.spaces.apply(s.id, { force: true })
    expect(await scores(engine, 3, 1)).toEqual(adapted)
  }, 600_000)

  it('a space learned for another picture model is switched off when the engine opens', async () => {
    const active = engine.spaces.status().active!
    expect(active).not.toBeNull()
    engine.spaces.status()
    await engine.close()
    // The picture model changed since (as after an upgrade of Loupe's featurizer).
    const { Store } = await import('../../../../../electron/core/engines/local/store')
    const path = await import('node:path')
    const st = new Store(path.join(h.dir, 'engine.db'))
    st.db.prepare('UPDATE spaces SET fversion = ? WHERE id = ?').run('older-model', active.id)
    st.close()
    engine = await h.open()
    expect(engine.spaces.status().active).toBeNull()
    expect(engine.spaces.status().spaces[0]).toMatchObject({ id: active.id, state: 'retired' })
    expect((await rejection(engine.spaces.apply(active.id, { force: true }))).code).toBe(
      'SpaceNotReady',
    )
  })
})
