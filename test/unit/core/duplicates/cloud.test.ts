/**
 * A cloud profile's audit: a remote Loupe (a headless host's engine API, the official SDK behind
 * the cloud engine) plays the cloud. The audit compares the gallery cache's thumbnails with the
 * local picture model and says it is approximate; a copy planted under another product id is found,
 * and deleting it through the review goes to the remote engine and the cache together.
 */
import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DuplicateGroup } from '../../../../electron/api/domains/duplicates'
import { createKeyStore } from '../../../../electron/core/engines/wire/keys'
import { startHeadless } from '../../../../electron/server/headless'
import { PRODUCTS, productPhotoPath } from '../../../helpers/photos'
import { call, cleanupTmp, makeCore, tmp } from '../tasks/batch/helpers'

type Core = ReturnType<typeof makeCore>

describe('near-duplicate audit of a cloud profile (a remote Loupe)', { timeout: 600_000 }, () => {
  let core: Core
  let remote: Awaited<ReturnType<typeof startHeadless>>
  const api = <T>(name: string, input: unknown = {}) =>
    call<T>(core.dispatch, name, { profile: 'remote', ...(input as object) })

  beforeAll(async () => {
    const remoteDir = tmp('loupe-dups-remote-')
    remote = await startHeadless({ dataDir: remoteDir, port: 0, rendererDir: remoteDir })
    await call(remote.core.dispatch, 'profiles.create', { kind: 'local', name: 'inst' })
    const key = await createKeyStore(remoteDir).create({ description: 'dups test' })
    core = makeCore(tmp('loupe-dups-client-'), {
      cloudTimeouts: { connectTimeoutMs: 60_000, readTimeoutMs: 120_000 },
    })
    await core.start()
    await call(core.dispatch, 'profiles.create', {
      kind: 'cloud',
      name: 'remote',
      cloud: {
        instanceName: 'inst',
        region: 'cn-shanghai',
        endpoint: `127.0.0.1:${remote.port}`,
        protocol: 'http',
        accessKeyId: key.accessKeyId,
        accessKeySecret: key.accessKeySecret,
      },
    })
    // One photo of each of 8 products, and a re-encoded, resized copy of product 2's under another id.
    for (let p = 0; p < 8; p++) {
      await api('images.add', {
        productId: PRODUCTS[p],
        picName: 'a.jpg',
        image: { path: productPhotoPath(p, 0) },
      })
    }
    const copy = path.join(tmp('loupe-dups-files-'), 'copy.jpg')
    const { width } = await sharp(productPhotoPath(2, 0)).metadata()
    await sharp(productPhotoPath(2, 0))
      .resize({ width: Math.round(width! * 0.85) })
      .jpeg({ quality: 60 })
      .toFile(copy)
    await api('images.add', { productId: 'copy-of-2', picName: 'a.jpg', image: { path: copy } })
    expect(fs.existsSync(copy)).toBe(true)
  })
  afterAll(async () => {
    await core?.close()
    await remote?.close()
    cleanupTmp()
  })

  async function settle(jobId: number) {
    for (;;) {
      const r = await call<{ settled: boolean; job: { state: string; failed: number } }>(
        core.dispatch,
        'jobs.wait',
        { jobId, timeoutMs: 30_000 },
      )
      if (r.settled) return r.job
    }
  }

  it('is approximate, from the thumbnails, and finds the planted copy', async () => {
    const scan = await api<{ jobId: number; approximate: boolean }>('duplicates.scan')
    expect(scan.approximate).toBe(true)
    expect(await settle(scan.jobId)).toMatchObject({ state: 'done', failed: 0 })
    const r = await api<{
      approximate: boolean
      audit: { pictures: number; missing: number }
      groups: DuplicateGroup[]
    }>('duplicates.groups')
    expect(r.approximate).toBe(true)
    expect(r.audit).toMatchObject({ pictures: 9, missing: 0 })
    const g = r.groups.find((x) => x.members.some((m) => m.productId === 'copy-of-2'))
    expect(g?.kind).toBe('across')
    expect(g!.members.map((m) => m.productId).sort()).toEqual(['copy-of-2', PRODUCTS[2]].sort())
    // A second audit describes no thumbnail again (the vectors are kept) and finds the same.
    const again = await api<{ jobId: number }>('duplicates.scan')
    await settle(again.jobId)
    const r2 = await api<{ groups: DuplicateGroup[] }>('duplicates.groups')
    expect(r2.groups.map((x) => x.groupId)).toContain(g!.groupId)
  })

  it('deletes the copy through the write path: the remote engine and the cache', async () => {
    const { groups } = await api<{ groups: DuplicateGroup[] }>('duplicates.groups')
    const g = groups.find((x) => x.members.some((m) => m.productId === 'copy-of-2'))!
    await api('duplicates.plan', {
      actions: [
        {
          groupId: g.groupId,
          action: 'keepOne',
          keep: { productId: PRODUCTS[2], picName: 'a.jpg' },
        },
      ],
    })
    const { jobIds } = await api<{ jobIds: number[] }>('duplicates.apply')
    for (const id of jobIds) expect(await settle(id)).toMatchObject({ state: 'done', failed: 0 })
    const onRemote = await call<{ exist: boolean }>(remote.core.dispatch, 'images.exists', {
      profile: 'inst',
      productId: 'copy-of-2',
      picName: 'a.jpg',
    })
    expect(onRemote.exist).toBe(false)
    expect(
      (await api<{ image: unknown }>('gallery.get', { productId: 'copy-of-2', picName: 'a.jpg' }))
        .image,
    ).toBeNull()
    expect(
      (await api<{ image: unknown }>('gallery.get', { productId: PRODUCTS[2], picName: 'a.jpg' }))
        .image,
    ).not.toBeNull()
  })
})
