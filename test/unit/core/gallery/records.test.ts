import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { GalleryError } from '../../../../electron/core/gallery'
import { clock, newGallery } from './helpers'

const SHA = 'ab'.repeat(32)

describe('gallery records', () => {
  it('recordAdded stores every field and is idempotent', () => {
    const c = clock(1000)
    const { g } = newGallery({ now: c.now })
    const rec = {
      productId: 'bag_100000',
      picName: 'T2D4ZUXnlaXXXXXXX_!!117147893.jpg',
      categoryId: 3,
      customContent: 'https://www.aliyun.com/image/2D4ZUXnlaXXXXXXX_!!117147893.jpg',
      intAttr: 123,
      intAttr2: -5,
      intAttr3: 0,
      intAttr4: 2147483647,
      strAttr: '男装',
      strAttr2: 'b',
      strAttr3: 'c',
      strAttr4: 'd',
      region: '280,486,232,351',
      sourcePath: '/photos/bag.jpg',
      sha256: SHA.toUpperCase(),
      phash: '0123456789ABCDEF',
      thumbnail: 'ab/abcd.webp',
    }
    const first = g.recordAdded(rec)
    expect(first).toEqual({
      ...rec,
      sha256: SHA,
      phash: '0123456789abcdef',
      syncState: 'synced',
      syncError: null,
      addedAt: 1000,
      updatedAt: 1000,
      seenAt: 1000,
      categoryNote: null,
    })
    expect(g.get(rec.productId, rec.picName)).toEqual(first)
    const again = g.recordAdded(rec)
    expect(again.updatedAt).toBe(1000)
    expect(again.addedAt).toBe(1000)
    expect(again.seenAt).toBeGreaterThan(1000)
    expect(g.stats().count).toBe(1)
  })

  it('recordAdded overwrites engine attributes but keeps local facts not given again', () => {
    const c = clock(1000)
    const { g } = newGallery({ now: c.now })
    g.recordAdded({
      productId: 'p',
      picName: 'a.jpg',
      intAttr: 1,
      strAttr: 'old',
      sourcePath: '/a.jpg',
      sha256: SHA,
      thumbnail: 't/a.webp',
    })
    const next = g.recordAdded({ productId: 'p', picName: 'a.jpg', strAttr2: 'new' })
    expect(next).toMatchObject({
      intAttr: null,
      strAttr: null,
      strAttr2: 'new',
      sourcePath: '/a.jpg',
      sha256: SHA,
      thumbnail: 't/a.webp',
      addedAt: 1000,
    })
    expect(next.updatedAt).toBeGreaterThan(1000)
  })

  it('recordUpdated changes only the given fields', () => {
    const c = clock(1000)
    const { g } = newGallery({ now: c.now })
    g.recordAdded({
      productId: 'p',
      picName: 'a.jpg',
      intAttr: 1,
      strAttr: 'x',
      customContent: 'cc',
    })
    const u = g.recordUpdated({ productId: 'p', picName: 'a.jpg' }, { intAttr: 2, strAttr2: 'y' })
    expect(u).toMatchObject({ intAttr: 2, strAttr: 'x', strAttr2: 'y', customContent: 'cc' })
    expect(u.updatedAt).toBeGreaterThan(u.addedAt)
    // Same values again: nothing changes, updatedAt stays.
    const same = g.recordUpdated({ productId: 'p', picName: 'a.jpg' }, { intAttr: 2 })
    expect(same.updatedAt).toBe(u.updatedAt)
    // Clearing a field with null.
    expect(g.recordUpdated({ productId: 'p', picName: 'a.jpg' }, { strAttr: null }).strAttr).toBe(
      null,
    )
    // Updating an image the cache did not know records it.
    const fresh = g.recordUpdated({ productId: 'q', picName: 'b.jpg' }, { customContent: 'hi' })
    expect(g.get('q', 'b.jpg')).toEqual(fresh)
    expect(fresh.customContent).toBe('hi')
    // The text index follows updates.
    g.recordUpdated({ productId: 'p', picName: 'a.jpg' }, { customContent: '春季新款' })
    expect(g.query({ text: '新款', limit: 5 }).items.map((i) => i.picName)).toEqual(['a.jpg'])
    expect(g.query({ text: 'cc', limit: 5 }).total).toBe(0)
  })

  it('recordDeleted and recordDeletedByProduct remove rows idempotently', () => {
    const { g } = newGallery()
    for (const [p, n] of [
      ['p1', 'a'],
      ['p1', 'b'],
      ['p1', 'c'],
      ['p2', 'a'],
    ]) {
      g.recordAdded({ productId: p, picName: n, strAttr: `s-${p}-${n}` })
    }
    expect(
      g.recordDeleted([
        { productId: 'p1', picName: 'a' },
        { productId: 'p1', picName: 'zz' },
      ]),
    ).toBe(1)
    expect(g.recordDeleted({ productId: 'p1', picName: 'a' })).toBe(0)
    expect(g.get('p1', 'a')).toBeNull()
    expect(g.query({ text: 's-p1-a', limit: 5 }).total).toBe(0)
    expect(
      g.groupByProduct({ limit: 5 }).items.map((x) => [x.productId, x.count, x.cover.picName]),
    ).toEqual([
      ['p1', 2, 'b'],
      ['p2', 1, 'a'],
    ])
    expect(g.recordDeletedByProduct('p1')).toBe(2)
    expect(g.recordDeletedByProduct('p1')).toBe(0)
    expect(g.stats()).toMatchObject({ count: 1, products: 1 })
    expect(g.groupByProduct({ limit: 5 }).items.map((x) => x.productId)).toEqual(['p2'])
    expect(g.query({ text: 's-p1', limit: 5 }).total).toBe(0)
  })

  it('tracks sync states with their errors', () => {
    const c = clock(1000)
    const { g } = newGallery({ now: c.now })
    const k = { productId: 'p', picName: 'a.jpg' }
    const pending = g.recordAdded({ ...k, syncState: 'pending-add' })
    expect(pending).toMatchObject({ syncState: 'pending-add', seenAt: null })
    expect(g.setSyncState(k, 'error', 'InvalidPicName: too long')).toBe(1)
    expect(g.get(k.productId, k.picName)).toMatchObject({
      syncState: 'error',
      syncError: 'InvalidPicName: too long',
      seenAt: null,
    })
    expect(g.stats().bySyncState).toEqual({
      synced: 0,
      'pending-add': 0,
      'pending-update': 0,
      'pending-delete': 0,
      error: 1,
    })
    expect(g.query({ syncState: 'error', limit: 5 }).total).toBe(1)
    expect(g.query({ syncState: ['synced', 'pending-add'], limit: 5 }).total).toBe(0)
    g.setSyncState([k, { productId: 'nope', picName: 'x' }], 'synced')
    const s = g.get(k.productId, k.picName)!
    expect(s.syncState).toBe('synced')
    expect(s.syncError).toBeNull()
    expect(s.seenAt).not.toBeNull()
    expect(g.query({ syncState: 'synced', limit: 5 }).total).toBe(1)
    expect(() => g.setSyncState(k, 'bogus' as never)).toThrow(GalleryError)
  })

  it('sets thumbnails (relative to thumbs/ only) and sources', () => {
    const { g, dir } = newGallery()
    const k = { productId: 'p', picName: 'a.jpg' }
    g.recordAdded(k)
    expect(g.setThumbnail(k, 'ab\\cd.webp')).toBe(true)
    expect(g.get('p', 'a.jpg')?.thumbnail).toBe('ab/cd.webp')
    expect(g.thumbnailPath('ab/cd.webp')).toBe(path.join(dir, 'thumbs', 'ab', 'cd.webp'))
    for (const bad of ['../x.webp', '/etc/passwd', 'a/../../x', 'C:\\x.webp', '', 'a//b', './a']) {
      expect(() => g.setThumbnail(k, bad), bad).toThrow(GalleryError)
      expect(() => g.thumbnailPath(bad), bad).toThrow(GalleryError)
    }
    expect(g.setThumbnail({ productId: 'nope', picName: 'x' }, 'a.webp')).toBe(false)
    expect(g.setThumbnail(k, null)).toBe(true)
    expect(g.get('p', 'a.jpg')?.thumbnail).toBeNull()

    expect(g.setSource(k, { path: '/photos/a.jpg', sha256: SHA, phash: 'ffffffffffffffff' })).toBe(
      true,
    )
    expect(g.get('p', 'a.jpg')).toMatchObject({
      sourcePath: '/photos/a.jpg',
      sha256: SHA,
      phash: 'ffffffffffffffff',
    })
    expect(g.findBySha256(SHA).map((i) => i.picName)).toEqual(['a.jpg'])
    expect(g.findNearPhash('fffffffffffffffe', 1).map((i) => i.picName)).toEqual(['a.jpg'])
    // Only the path: hashes stay.
    g.setSource(k, { path: '/moved/a.jpg' })
    expect(g.get('p', 'a.jpg')).toMatchObject({ sourcePath: '/moved/a.jpg', sha256: SHA })
    g.setSource(k, { path: null, sha256: null, phash: null })
    expect(g.findBySha256(SHA)).toEqual([])
    expect(g.findNearPhash('ffffffffffffffff', 0)).toEqual([])
    expect(() => g.setSource(k, { path: null, sha256: 'xyz' })).toThrow(TypeError)
    expect(() => g.setSource(k, { path: null, phash: '123' })).toThrow(TypeError)
  })

  it('validates keys and attribute types', () => {
    const { g } = newGallery()
    expect(() => g.recordAdded({ productId: '', picName: 'a' })).toThrow(GalleryError)
    expect(() => g.recordAdded({ productId: 'p', picName: '' })).toThrow(GalleryError)
    expect(() => g.recordAdded({ productId: 'p', picName: 'a', intAttr: 1.5 })).toThrow(/intAttr/)
    expect(() =>
      g.recordUpdated({ productId: 'p', picName: 'a' }, { strAttr: 5 as unknown as string }),
    ).toThrow(/strAttr/)
    expect(g.stats().count).toBe(0)
  })

  it('batch groups writes into one transaction and rolls them back together', () => {
    const { g } = newGallery()
    expect(() =>
      g.batch(() => {
        g.recordAdded({ productId: 'p', picName: '1' })
        g.recordAdded({ productId: 'p', picName: '2' })
        throw new Error('stop')
      }),
    ).toThrow('stop')
    expect(g.stats().count).toBe(0)
    g.batch(() => {
      for (let i = 0; i < 50; i++) g.recordAdded({ productId: `p${i % 5}`, picName: `${i}.jpg` })
    })
    expect(g.stats()).toMatchObject({ count: 50, products: 5 })
  })
})
