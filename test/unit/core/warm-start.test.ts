/**
 * The picture model is warmed when the core starts (issue 12): with a local profile, `start()`
 * loads the model in the featurizer's workers before any request, reported as the `model-load`
 * task, so the first search does not wait for it.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createCore, type Core } from '../../../electron/core/app'
import type { CoreStatus } from '../../../electron/core/core-status'
import { createMemorySecretStore } from '../../../electron/core/profiles/secrets'
import { catalogueBytes } from '../../helpers/images'
import { tempDir } from '../../helpers/tmp'

const b64 = (b: Buffer) => ({ base64: b.toString('base64'), name: 'q.jpg' })

describe('warm start of the picture model', () => {
  let core: Core | null = null
  let cleanup: (() => void) | null = null
  afterEach(async () => {
    await core?.close()
    core = null
    cleanup?.()
  })

  function start(warmModel?: boolean) {
    const t = tempDir()
    cleanup = t.cleanup
    core = createCore({
      dataDir: t.dir,
      secrets: createMemorySecretStore(),
      host: 'headless',
      featurizerWorkers: 1,
      imagingWorkers: 1,
      ...(warmModel === undefined ? {} : { warmModel }),
    })
    const status: CoreStatus[] = []
    core.events.onAny((name, payload) => {
      if (name === 'core.status') status.push(payload as CoreStatus)
    })
    const modelLoad = () => status.filter((s) => s.task === 'model-load')
    return { core, modelLoad }
  }

  it('loads the model at start, before any request; the first search reports no load', async () => {
    const { core, modelLoad } = start()
    expect(core.profiles.list().profiles.some((p) => p.kind === 'local')).toBe(true)
    await core.start()
    // A window that connects now, after the event was sent, learns of the load from app.tasks.
    // start() does not wait for the warm-up: it is running, and a window connecting now (after
    // the event was sent) learns of it from app.tasks.
    expect(modelLoad().at(-1)?.phase).toBe('running')
    expect((await core.api.app.tasks({})).tasks).toContainEqual(
      expect.objectContaining({ profile: '', task: 'model-load', phase: 'running' }),
    )
    // No request has been made: the load running now is the warm-up's.
    await expect.poll(() => modelLoad().at(-1)?.phase, { timeout: 60_000 }).toBe('done')
    expect((await core.api.app.tasks({})).tasks).toEqual([])
    expect(modelLoad()[0]).toMatchObject({ profile: '', phase: 'running' })
    const before = modelLoad().length
    await core.api.images.add({ productId: 'P1', picName: '1.jpg', image: b64(catalogueBytes(1)) })
    const r = await core.api.search.byPic({ image: b64(catalogueBytes(1)), num: 3 })
    expect(r.auctions[0]).toMatchObject({ productId: 'P1', picName: '1.jpg' })
    expect(modelLoad()).toHaveLength(before)
  }, 90_000)

  it('with warmModel false, nothing loads until the first picture', async () => {
    const { core, modelLoad } = start(false)
    await core.start()
    await new Promise((r) => setTimeout(r, 300))
    expect(modelLoad()).toHaveLength(0)
    await core.api.images.add({ productId: 'P1', picName: '1.jpg', image: b64(catalogueBytes(1)) })
    expect(modelLoad().map((s) => s.phase)).toEqual(['running', 'done'])
  }, 90_000)
})
