/**
 * The queue paces a cloud profile by what its instance says about itself (Detail: QPS bought and
 * capacity), not by one fixed guess: AddImage 1/s on a 100,000-image instance and 5/s above,
 * searches at the instance's QPS. Learned from every Detail answer and, the first time the queue
 * needs a cloud profile's limits, asked for by itself. A second Loupe acts as the cloud (its
 * local engine answers Detail with its capacity and QPS through the official SDK).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHeadless } from '../../../../electron/server/headless'
import { createKeyStore } from '../../../../electron/core/engines/wire/keys'
import { call, cleanupTmp, makeCore, tmp, until } from '../tasks/batch/helpers'

afterAll(() => cleanupTmp())

let remote: Awaited<ReturnType<typeof startHeadless>>
let core: ReturnType<typeof makeCore>
const d = <T>(name: string, input: unknown = {}) => call<T>(core.dispatch, name, input)
const setRemote = (name: string, local: { capacity: number; qps: number }) =>
  call(remote.core.dispatch, 'profiles.update', { name, patch: { local } })

beforeAll(async () => {
  const dir = tmp('loupe-limits-remote-')
  remote = await startHeadless({ dataDir: dir, port: 0, rendererDir: dir, log: () => {} })
  const k = await createKeyStore(dir).create({ description: 'limits test' })
  await call(remote.core.dispatch, 'profiles.create', { kind: 'local', name: 'big' })
  await setRemote('big', { capacity: 2_000_000, qps: 10 })
  core = makeCore(tmp('loupe-limits-client-'))
  await core.start()
  for (const inst of ['local', 'big'])
    await d('profiles.create', {
      kind: 'cloud',
      name: `cloud-${inst}`,
      cloud: {
        instanceName: inst,
        region: 'cn-shanghai',
        endpoint: `127.0.0.1:${remote.port}`,
        protocol: 'http',
        accessKeyId: k.accessKeyId,
        accessKeySecret: k.accessKeySecret,
      },
    })
})
afterAll(async () => {
  await core?.close()
  await remote?.close()
})

describe("the queue follows each cloud instance's own limits", () => {
  it('asks the instance the first time, then paces by its capacity and QPS', async () => {
    // Before any answer: the documented defaults (AddImage 5/s, searches 1/s) — and a Detail is asked.
    expect(core.jobs.rateLimits('cloud-local')).toMatchObject({ add: 5, search: 1 })
    // The remote's `local` is a 100,000-image instance with no QPS set: AddImage 1/s.
    await until(() => core.jobs.rateLimits('cloud-local').add === 1 || null, 30_000)
    expect(core.jobs.rateLimits('cloud-local')).toMatchObject({ add: 1, search: 1, update: 20 })
    // `big`: 2,000,000 images, 10 QPS bought.
    core.jobs.rateLimits('cloud-big')
    await until(() => core.jobs.rateLimits('cloud-big').search === 10 || null, 30_000)
    expect(core.jobs.rateLimits('cloud-big')).toMatchObject({ add: 5, search: 10 })
  })

  it("the queue's limiters change with the next Detail answer (Instance view, copy plan…)", async () => {
    const q = core.jobs.queue()
    expect(q.limiter('cloud-local', 'add').configuredRate).toBe(1)
    await setRemote('local', { capacity: 1_000_000, qps: 5 })
    await d('instance.detail', { profile: 'cloud-local' })
    expect(core.jobs.rateLimits('cloud-local')).toMatchObject({ add: 5, search: 5 })
    expect(q.limiter('cloud-local', 'add').configuredRate).toBe(5)
    expect(q.limiter('cloud-local', 'search').configuredRate).toBe(5)
  })

  it('forgets what it learned when the profile points at another instance', async () => {
    expect(core.jobs.rateLimits('cloud-big').search).toBe(10)
    await d('profiles.update', { name: 'cloud-big', patch: { cloud: { instanceName: 'local' } } })
    // not the 10 QPS of `big`: the defaults until `local` answers (5 QPS, 1,000,000 images)
    await until(() => core.jobs.rateLimits('cloud-big').search === 5 || null, 30_000)
    expect(core.jobs.rateLimits('cloud-big')).toMatchObject({ add: 5, search: 5 })
  })

  it("a local profile's QPS, changed in its settings, paces the queue at once", async () => {
    const q = core.jobs.queue()
    expect(q.limiter('local', 'search').unlimited).toBe(true)
    await d('profiles.update', { name: 'local', patch: { local: { qps: 3 } } })
    expect(q.limiter('local', 'search').configuredRate).toBe(3)
    await d('profiles.update', { name: 'local', patch: { local: { qps: 0 } } })
    expect(q.limiter('local', 'search').unlimited).toBe(true)
  })
})
