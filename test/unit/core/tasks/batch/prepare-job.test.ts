import { afterAll, describe, expect, it } from 'vitest'
import type { BatchTask } from '../../../../../electron/api/domains/batch'
import type { JobView } from '../../../../../electron/api/domains/jobs'
import { call, cleanupTmp, makeCore, place, tmp, until } from './helpers'

// Registered first, so it runs last (after hooks run in reverse order).
afterAll(() => cleanupTmp())

type Core = ReturnType<typeof makeCore>

/** A folder of `n` catalogue pictures under a few product folders. */
function folder(n: number): string {
  const dir = tmp()
  const files: Record<string, number> = {}
  for (let i = 0; i < n; i++) files[`p${i % 5}/pic-${i}.jpg`] = i
  place(dir, files)
  return dir
}

async function prepareJob(core: Core, taskId: number): Promise<JobView | undefined> {
  const r = await call<{ jobs: JobView[] }>(core.dispatch, 'jobs.list', { limit: 100 })
  return r.jobs.find((j) => j.kind === 'batch-prepare' && j.title.includes(`task ${taskId}:`))
}

describe('a batch task’s preparation is a job of the queue', () => {
  it('survives a restart of the core in the middle of preparing, re-doing no finished picture', async () => {
    const dataDir = tmp('loupe-batch-restart-')
    const n = 40
    const dir = folder(n)
    let core = makeCore(dataDir)
    await core.start()
    const task = await call<BatchTask>(core.dispatch, 'batch.create', {
      source: { type: 'folder', path: dir },
    })
    // Some pictures are prepared, not all: stop Loupe now.
    const mid = await until(async () => {
      const j = await prepareJob(core, task.id)
      return j && j.done >= 2 ? j : null
    }, 60_000)
    await core.close()
    core = makeCore(dataDir)
    try {
      const before = await call<BatchTask>(core.dispatch, 'batch.get', { id: task.id })
      expect(before.state).toBe('preparing')
      const stopped = (await prepareJob(core, task.id))!
      expect(stopped.jobId).toBe(mid.jobId)
      expect(stopped.total).toBe(n)
      expect(stopped.done).toBeGreaterThanOrEqual(mid.done)
      expect(stopped.done).toBeLessThan(n)
      const doneBefore = (
        await call<{ items: { key: string }[] }>(core.dispatch, 'jobs.items', {
          jobId: mid.jobId,
          states: ['done'],
          limit: 1000,
        })
      ).items.map((i) => i.key)

      // Started again: the same job resumes and the task runs to the end.
      await core.start()
      const t = (await core.batch.waitFor(task.id)) as BatchTask
      expect(t.state).toBe('success')
      expect(t.linesOk).toBe(n)
      expect(t.linesRejected).toBe(0)
      const job = (await prepareJob(core, task.id))!
      expect(job).toMatchObject({ jobId: mid.jobId, state: 'done', done: n, failed: 0 })
      // What was done before the restart was not done again.
      const items = (
        await call<{ items: { key: string; attempts: number }[] }>(core.dispatch, 'jobs.items', {
          jobId: mid.jobId,
          limit: 1000,
        })
      ).items
      for (const key of doneBefore) {
        expect(items.find((i) => i.key === key)?.attempts).toBe(1)
      }
      expect(core.galleries.get('local').stats().count).toBe(n)
    } finally {
      await core.close()
    }
  })

  it('waits while its job is paused in the Jobs panel and goes on once it is resumed', async () => {
    const dataDir = tmp('loupe-batch-pause-')
    const n = 30
    const dir = folder(n)
    const core = makeCore(dataDir)
    try {
      await core.start()
      const task = await call<BatchTask>(core.dispatch, 'batch.create', {
        source: { type: 'folder', path: dir },
      })
      const job = await until(async () => {
        const j = await prepareJob(core, task.id)
        return j && j.state === 'running' ? j : null
      })
      const paused = await call<JobView>(core.dispatch, 'jobs.pause', { jobId: job.jobId })
      expect(paused.state).toBe('paused')
      const waiting = await until(async () => {
        const t = await call<BatchTask>(core.dispatch, 'batch.get', { id: task.id })
        return t.detail?.startsWith('Preparing paused') ? t : null
      })
      expect(waiting.state).toBe('preparing')
      const held = (await prepareJob(core, task.id))!
      await new Promise((r) => setTimeout(r, 400))
      expect((await prepareJob(core, task.id))!.done).toBe(held.done)
      expect((await call<BatchTask>(core.dispatch, 'batch.get', { id: task.id })).state).toBe(
        'preparing',
      )

      await call(core.dispatch, 'jobs.resume', { jobId: job.jobId })
      const t = (await core.batch.waitFor(task.id)) as BatchTask
      expect(t.state).toBe('success')
      expect(t.linesOk).toBe(n)
      expect((await prepareJob(core, task.id))!.state).toBe('done')
    } finally {
      await core.close()
    }
  })

  it('cancelling the task cancels its preparation; cancelling the job cancels the task', async () => {
    const dataDir = tmp('loupe-batch-cancel-')
    const core = makeCore(dataDir)
    try {
      await core.start()
      const a = await call<BatchTask>(core.dispatch, 'batch.create', {
        source: { type: 'folder', path: folder(30) },
      })
      const ja = await until(() => prepareJob(core, a.id))
      await call(core.dispatch, 'jobs.pause', { jobId: ja.jobId })
      const c = await call<BatchTask>(core.dispatch, 'batch.cancel', { id: a.id })
      expect(c.state).toBe('cancelled')
      expect((await prepareJob(core, a.id))!.state).toBe('cancelled')

      const b = await call<BatchTask>(core.dispatch, 'batch.create', {
        source: { type: 'folder', path: folder(30) },
      })
      const jb = await until(() => prepareJob(core, b.id))
      await call(core.dispatch, 'jobs.cancel', { jobId: jb.jobId })
      const t = (await core.batch.waitFor(b.id)) as BatchTask
      expect(t.state).toBe('cancelled')
    } finally {
      await core.close()
    }
  })
})
