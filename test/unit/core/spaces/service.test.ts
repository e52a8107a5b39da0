/**
 * The gallery-adapted space through the core's contract and the `loupe space` command, on a real
 * core (local engine, real picture model, real SQLite) with 30 real products × 5 shelf photos:
 * learning is a job that survives a pause and a restart of Loupe, its figures come back with the
 * status, switching on and off changes what searches answer, and a cloud profile is refused.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EvalRunView } from '../../../../electron/api/domains/eval'
import type { SpaceStatus } from '../../../../electron/api/domains/space'
import { loupe } from '../../../helpers/cli'
import { productPhotoPath } from '../../../helpers/photos'
import { tempDir } from '../../../helpers/tmp'
import { call, callError, makeCore } from '../gallery/service/helpers'

type Core = ReturnType<typeof makeCore>
interface Job {
  state: string
  done: number
  total: number
  failed: number
}

describe('adapted space: contract, job and CLI', () => {
  const t = tempDir('loupe-space-')
  let core: Core
  const api = <T>(name: string, input: unknown = {}) => call<T>(core.dispatch, name, input)
  async function settle(jobId: number): Promise<Job> {
    for (;;) {
      const r = await api<{ settled: boolean; job: Job }>('jobs.wait', { jobId, timeoutMs: 30_000 })
      if (r.settled) return r.job
    }
  }
  const top = async (p: number, v: number) =>
    (
      await api<{ auctions: { productId: string; picName: string; score: number }[] }>(
        'search.byName',
        { productId: `p${p}`, picName: `${v}.jpg`, num: 5 },
      )
    ).auctions.map((a) => `${a.productId}/${a.picName}:${a.score.toFixed(5)}`)

  beforeAll(async () => {
    core = makeCore(t.dir)
    await core.start()
    for (let p = 0; p < 30; p++)
      for (let v = 0; v < 5; v++)
        await api('images.add', {
          productId: `p${p}`,
          picName: `${v}.jpg`,
          image: { path: productPhotoPath(p, v) },
          crop: false,
        })
  }, 600_000)
  afterAll(async () => {
    await core?.close()
  })

  it('learns as a job that goes on after a pause and a restart, then switches on and off', async () => {
    const st0 = await api<SpaceStatus>('space.status')
    expect(st0).toMatchObject({ active: null, spaces: [], pictures: 150, jobId: null })
    const plain = await top(4, 0)

    const { jobId, spaceId } = await api<{ jobId: number; spaceId: number }>('space.learn')
    expect((await api<SpaceStatus>('space.status')).jobId).toBe(jobId)
    // A second one while it runs: refused, naming the job.
    const busy = await callError(core.dispatch, 'space.learn', {})
    expect(busy.code).toBe('SpaceBusy')
    // Pause once the first slice of views is described; Loupe closes and opens again.
    for (;;) {
      const j = await api<Job>('jobs.get', { jobId })
      if (j.done >= 1) break
      await new Promise((r) => setTimeout(r, 100))
    }
    await api('jobs.pause', { jobId })
    await core.close()
    core = makeCore(t.dir)
    await core.start()
    expect((await api<Job>('jobs.get', { jobId })).state).toBe('paused')
    await api('jobs.resume', { jobId })
    const job = await settle(jobId)
    expect(job).toMatchObject({ state: 'done', failed: 0, total: 4 }) // 3 slices of views + learn

    const st = await api<SpaceStatus>('space.status')
    expect(st.jobId).toBeNull()
    const s = st.spaces[0]
    expect(s).toMatchObject({ id: spaceId, state: 'candidate', pictures: 150 })
    // every view described once (none twice after the restart, none lost)
    expect(s.figures!.views).toBe(150)
    expect(s.figures!.ownProducts?.queries).toBe(150)

    if (!s.figures!.recommended) {
      const e = await callError(core.dispatch, 'space.apply', { spaceId })
      expect(e.code).toBe('SpaceNotRecommended')
    }
    // A quality run says which descriptor it searched with: before, the plain one.
    const profile = ((await api<{ active: string }>('profiles.list')) as { active: string }).active
    const set = path.join(t.dir, 'testset')
    fs.mkdirSync(path.join(set, 'p4'), { recursive: true })
    fs.copyFileSync(productPhotoPath(4, 2), path.join(set, 'p4', 'q.jpg'))
    const evalRun = async () => {
      const r = await api<{ runId: string; jobId: number }>('eval.start', {
        path: set,
        profiles: [profile],
      })
      await settle(r.jobId)
      const runs = await api<{ runs: EvalRunView[] }>('eval.runs', {})
      return runs.runs.find((x) => x.runId === r.runId)!
    }
    expect((await evalRun()).descriptors).toEqual({ [profile]: 0 })

    const on = await api<SpaceStatus>('space.apply', { spaceId, force: true })
    expect(on.active?.id).toBe(spaceId)
    const adapted = await top(4, 0)
    expect(adapted[0]).toBe('p4/0.jpg:1.00000')
    expect(adapted).not.toEqual(plain)
    // … and with the space on, that space
    expect((await evalRun()).descriptors).toEqual({ [profile]: spaceId })
    const off = await api<SpaceStatus>('space.revert')
    expect(off.active).toBeNull()
    expect(await top(4, 0)).toEqual(plain)
  }, 600_000)

  it('a cloud profile is refused with what to do', async () => {
    await api('profiles.create', {
      kind: 'cloud',
      name: 'cloudy',
      cloud: {
        instanceName: 'nowhere',
        endpoint: '127.0.0.1:9',
        protocol: 'http',
        accessKeyId: 'LTAIofflineKey01',
        accessKeySecret: 'offline-secret-0123456789',
      },
    })
    const e = await callError(core.dispatch, 'space.status', { profile: 'cloudy' })
    expect(e.code).toBe('SpaceNeedsLocalEngine')
    expect(e.message).toContain('cloudy')
  })

  it('`loupe space` prints the figures, switches on and back', async () => {
    await core.close()
    const data = ['--data', t.dir]
    const st = loupe([...data, 'space', '--json'])
    expect(st.code, st.stderr).toBe(0)
    const status = JSON.parse(st.stdout) as SpaceStatus
    const id = status.spaces[0].id
    const text = loupe([...data, 'space', 'status'])
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toContain('Searches use the plain descriptor')
    expect(text.stdout).toMatch(/held-out views\s+R@1 \d+\.\d % → \d+\.\d %/)
    expect(text.stdout).toMatch(/own products\s+R@1 /)
    const on = loupe([...data, 'space', 'apply', String(id), '--force'])
    expect(on.code, on.stderr).toBe(0)
    expect(on.stdout).toContain(`Searches use adapted space ${id}`)
    expect(JSON.parse(loupe([...data, 'space', '--json']).stdout).active.id).toBe(id)
    const back = loupe([...data, 'space', 'revert'])
    expect(back.code, back.stderr).toBe(0)
    expect(JSON.parse(loupe([...data, 'space', '--json']).stdout).active).toBeNull()
    const bad = loupe([...data, 'space', 'apply', 'x'])
    expect(bad.code).toBe(2)
    const missing = loupe([...data, 'space', 'apply', '999'])
    expect(missing.code).not.toBe(0)
    expect(missing.stderr).toContain('SpaceNotFound')
  }, 240_000)
})
