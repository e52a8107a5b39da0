import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { galleryPictures } from '../../../../../electron/core/images/gallery-picture'
import { tempDir } from '../../../../helpers/tmp'
import { call, callError, closedPort, makeCore, pic } from './helpers'

type Score = { score: number }

/**
 * Compare by gallery reference: the core compares its own copy of a picture (the renderer of the
 * desktop app may not fetch thumbnails), best copy first, only within the given profile.
 */
describe('compare with a gallery picture by product id and picture name (real core)', () => {
  const t = tempDir()
  let core: ReturnType<typeof makeCore>
  let d: (name: string, input: unknown) => Promise<unknown>
  const moved = path.join(t.dir, 'moved.jpg')
  const b64 = (n: number) => fs.readFileSync(pic(n)).toString('base64')

  beforeAll(async () => {
    core = makeCore(path.join(t.dir, 'data'))
    d = core.dispatch
    // p1: added from a file that stays; p2: from a file that is changed afterwards; p3: uploaded bytes.
    fs.copyFileSync(pic(21), moved)
    await call(d, 'images.add', { image: { path: pic(20) }, productId: 'p1', picName: 'a.jpg' })
    await call(d, 'images.add', { image: { path: moved }, productId: 'p2', picName: 'b.jpg' })
    fs.copyFileSync(pic(22), moved)
    await call(d, 'images.add', {
      image: { base64: b64(23), name: 'c.jpg' },
      productId: 'p3',
      picName: 'c.jpg',
    })
    await call(d, 'profiles.create', { kind: 'local', name: 'other' })
  })
  afterAll(async () => {
    await core?.close()
    t.cleanup()
  })

  it('takes the source file while it is unchanged, else the local engine’s stored copy', async () => {
    const resolve = galleryPictures(core.galleries, core.engines)
    const a = await resolve('local', { productId: 'p1', picName: 'a.jpg' })
    expect(a.copy).toBe('source-file')
    expect(a.bytes.equals(fs.readFileSync(pic(20)))).toBe(true)
    // The file it was added from changed (other SHA-256): the engine's copy is used instead.
    const b = await resolve('local', { productId: 'p2', picName: 'b.jpg' })
    expect(b.copy).toBe('engine')
    expect(b.bytes.subarray(0, 3).toString('hex')).toBe('ffd8ff')
    const c = await resolve('local', { productId: 'p3', picName: 'c.jpg' })
    expect(c.copy).toBe('engine')
  })

  it('scores the query against the referenced picture, as if its bytes had been sent', async () => {
    const same = await call<Score>(d, 'search.compare', {
      primary: { base64: b64(23) },
      secondary: { productId: 'p3', picName: 'c.jpg' },
    })
    const bytes = await call<Score>(d, 'search.compare', {
      primary: { base64: b64(23) },
      secondary: { base64: b64(23) },
    })
    expect(same.score).toBeGreaterThan(0.99)
    expect(Math.abs(same.score - bytes.score)).toBeLessThan(0.01)
    // p2 was indexed from item 21 (its file now holds item 22): the reference compares item 21.
    const vs21 = await call<Score>(d, 'search.compare', {
      primary: { base64: b64(21) },
      secondary: { productId: 'p2', picName: 'b.jpg' },
    })
    const vs22 = await call<Score>(d, 'search.compare', {
      primary: { base64: b64(22) },
      secondary: { productId: 'p2', picName: 'b.jpg' },
    })
    // (The stored copy is a re-encoded JPEG: close to, not exactly, the original.)
    expect(vs21.score).toBeGreaterThan(0.97)
    expect(vs22.score).toBeLessThan(vs21.score - 0.05)
    // Both sides may be references.
    const both = await call<Score>(d, 'search.compare', {
      primary: { productId: 'p1', picName: 'a.jpg' },
      secondary: { productId: 'p1', picName: 'a.jpg' },
    })
    expect(both.score).toBeGreaterThan(0.99)
  })

  it('answers NoPictureCopy for a picture Loupe has no copy of, and looks only in the given profile', async () => {
    const missing = await callError(d, 'search.compare', {
      primary: { base64: b64(23) },
      secondary: { productId: 'p9', picName: 'nope.jpg' },
    })
    expect(missing.code).toBe('NoPictureCopy')
    expect(missing.message).toBe('Loupe has no copy of p9 / nope.jpg in profile "local"')
    expect(missing.hint).toMatch(/Compare with the picture file instead/)
    // p3 exists in "local", not in "other".
    const elsewhere = await callError(d, 'search.compare', {
      profile: 'other',
      primary: { base64: b64(23) },
      secondary: { productId: 'p3', picName: 'c.jpg' },
    })
    expect(elsewhere.code).toBe('NoPictureCopy')
    expect(elsewhere.message).toContain('in profile "other"')
    const unknown = await callError(d, 'search.compare', {
      profile: 'nobody',
      primary: { base64: b64(23) },
      secondary: { productId: 'p3', picName: 'c.jpg' },
    })
    expect(unknown.code).toBe('ProfileNotFound')
    // A half reference is neither bytes nor a key.
    const half = await callError(d, 'search.compare', {
      primary: { base64: b64(23) },
      secondary: { productId: 'p3' },
    })
    expect(half.code).toBe('InvalidArgument')
    expect(half.message).toContain('secondary')
  })

  it('falls back to the cached thumbnail when the engine keeps no pictures (cloud profile)', async () => {
    const port = await closedPort()
    await call(d, 'profiles.create', {
      kind: 'cloud',
      name: 'away',
      cloud: {
        instanceName: 'inst',
        endpoint: `127.0.0.1:${port}`,
        protocol: 'http',
        accessKeyId: 'LTAI-test-key',
        accessKeySecret: 'secret-for-tests-0123',
      },
    })
    // The cache knows a picture and its thumbnail (as after an add through Loupe).
    const thumb = fs.readFileSync(pic(24))
    const rel = 'ab/thumb-24.jpg'
    const g = core.galleries.get('away')
    fs.mkdirSync(path.dirname(g.thumbnailPath(rel)), { recursive: true })
    fs.writeFileSync(g.thumbnailPath(rel), thumb)
    g.recordAdded({ productId: 'p4', picName: 'd.jpg', thumbnail: rel })
    const resolve = galleryPictures(core.galleries, core.engines)
    const r = await resolve('away', { productId: 'p4', picName: 'd.jpg' })
    expect(r.copy).toBe('thumbnail')
    expect(r.bytes.equals(thumb)).toBe(true)
    await expect(resolve('away', { productId: 'p3', picName: 'c.jpg' })).rejects.toMatchObject({
      code: 'NoPictureCopy',
    })
  })
})
