/**
 * Single writes (the Add view, `loupe add`, a watched file) announce `gallery.changed` so an open
 * Gallery view refreshes; a burst of writes is announced once, not once per image.
 */
import fs from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../../../../helpers/tmp'
import { createGalleries, CHANGE_COALESCE_MS } from '../../../../../electron/core/galleries'
import { createLogger } from '../../../../../electron/core/log'
import { ProfileStore } from '../../../../../electron/core/profiles/store'
import { call, makeCore, pic, recordEvents } from './helpers'

const settle = () => new Promise((r) => setTimeout(r, 900))

describe('gallery.changed after single writes', () => {
  const t = tempDir()
  let core: ReturnType<typeof makeCore>

  beforeAll(() => {
    core = makeCore(t.dir)
  })
  afterAll(async () => {
    await core?.close()
    t.cleanup()
  })

  it('announces an add, a burst, an update and a delete', async () => {
    const rec = recordEvents(core.events)
    const d = core.dispatch
    await call(d, 'images.add', { image: { path: pic(3) }, productId: 'p1', picName: 'a.jpg' })
    await settle()
    expect(rec.of('gallery.changed')).toEqual([{ profile: 'local', reason: 'add' }])

    for (const n of [4, 5, 7]) {
      const base64 = fs.readFileSync(pic(n)).toString('base64')
      await call(d, 'images.add', { image: { base64 }, productId: 'p2', picName: `${n}.jpg` })
    }
    await settle()
    expect(rec.of('gallery.changed').at(-1)).toEqual({ profile: 'local', reason: 'add' })
    const listed = await call<{ total: number }>(d, 'gallery.list', {})
    expect(listed.total).toBe(4)

    await call(d, 'images.update', { productId: 'p1', picName: 'a.jpg', intAttr: 9 })
    await settle()
    expect(rec.of('gallery.changed').at(-1)).toEqual({ profile: 'local', reason: 'update' })

    await call(d, 'images.remove', { productId: 'p2' })
    await settle()
    expect(rec.of('gallery.changed').at(-1)).toEqual({ profile: 'local', reason: 'delete' })
    expect((await call<{ total: number }>(d, 'gallery.list', {})).total).toBe(1)
    rec.off()
  })
})

describe('gallery.changed coalescing', () => {
  const t = tempDir()
  afterAll(() => t.cleanup())

  it('announces a burst of writes once, after the window, per profile', async () => {
    const seen: [string, string][] = []
    const galleries = createGalleries({
      profiles: new ProfileStore(t.dir),
      logger: createLogger(t.dir, { file: false }),
      onChanged: (profile, reason) => seen.push([profile, reason]),
    })
    for (let i = 0; i < 50; i++) galleries.sink('local').changed?.('delete')
    expect(seen).toEqual([])
    await new Promise((r) => setTimeout(r, CHANGE_COALESCE_MS + 300))
    expect(seen).toEqual([['local', 'delete']])
    galleries.close()
  })

  it('drops a pending announcement when the profile is closed', async () => {
    const seen: string[] = []
    const galleries = createGalleries({
      profiles: new ProfileStore(t.dir),
      logger: createLogger(t.dir, { file: false }),
      onChanged: (profile) => seen.push(profile),
    })
    galleries.sink('local').changed?.('delete')
    galleries.close('local')
    await new Promise((r) => setTimeout(r, CHANGE_COALESCE_MS + 300))
    expect(seen).toEqual([])
  })
})
