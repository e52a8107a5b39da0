import fs from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { JobView } from '../../../../../electron/api/domains/jobs'
import { tempDir } from '../../../../helpers/tmp'
import { call, makeCore, recordEvents, until } from './helpers'

type Core = ReturnType<typeof makeCore>

/** A console export of `n` pictures (large enough that importing it takes a moment). */
function dumpFile(dir: string, n: number): string {
  const file = path.join(dir, `dump-${n}.jsonl`)
  const out: string[] = []
  for (let i = 0; i < n; i++) {
    out.push(
      JSON.stringify({
        ProductId: `p${i % 7000}`,
        PicName: `pic-${i}.jpg`,
        CategoryId: '3',
        IntAttr: i,
        StrAttr: `import ${i}`,
        CustomContent: 'x'.repeat(120),
      }),
    )
  }
  fs.writeFileSync(file, out.join('\n') + '\n')
  return file
}

async function importJob(core: Core): Promise<JobView | undefined> {
  const r = await call<{ jobs: JobView[] }>(core.dispatch, 'jobs.list', { limit: 100 })
  return r.jobs.find((j) => j.kind === 'dump-import')
}

/** Waits until the import job runs and has read part of the file. */
async function importing(core: Core, ev: ReturnType<typeof recordEvents>): Promise<JobView> {
  return until(async () => {
    const j = await importJob(core)
    const read = ev.of('gallery.progress').some((p) => p.kind === 'import' && p.done > 0)
    return j?.state === 'running' && read ? j : null
  }, 60_000)
}

describe('a dump import is a job of the queue', () => {
  const t = tempDir('loupe-dump-job-')
  afterAll(() => t.cleanup())

  it('shows in the Jobs list and survives a restart of the core in the middle of the import', async () => {
    const dataDir = path.join(t.dir, 'restart')
    const n = 120_000
    const file = dumpFile(t.dir, n)
    let core = makeCore(dataDir)
    await core.start()
    const ev = recordEvents(core.events)
    const call1 = call(core.dispatch, 'tasks.dumpImport', { source: { file } }).then(
      () => null,
      (e: { code: string }) => e,
    )
    const job = await importing(core, ev)
    expect(job).toMatchObject({ kind: 'dump-import', profile: 'local', total: 1 })
    expect(job.title).toContain(path.basename(file))
    // Loupe stops: the caller hears why, the cache has none of it (one transaction).
    await core.close()
    expect(await call1).toMatchObject({ code: 'Interrupted' })
    core = makeCore(dataDir)
    try {
      expect(core.galleries.get('local').stats().count).toBe(0)
      expect((await importJob(core))!.state).toBe('running')
      // The next start runs it again, to the end.
      await core.start()
      const done = await until(async () => {
        const j = await importJob(core)
        return j?.state === 'done' ? j : null
      }, 120_000)
      expect(done).toMatchObject({ jobId: job.jobId, done: 1, failed: 0 })
      expect(core.galleries.get('local').stats()).toMatchObject({ count: n, products: 7000 })
    } finally {
      await core.close()
    }
  })

  it('pauses (nothing imported) and resumes; the caller gets the counts once it is done', async () => {
    const dataDir = path.join(t.dir, 'pause')
    const n = 120_000
    const file = dumpFile(t.dir, n)
    const core = makeCore(dataDir)
    try {
      await core.start()
      const ev = recordEvents(core.events)
      const answer = call<{ added: number; file: string }>(core.dispatch, 'tasks.dumpImport', {
        source: { file },
      })
      const job = await importing(core, ev)
      const paused = await call<JobView>(core.dispatch, 'jobs.pause', { jobId: job.jobId })
      expect(paused.state).toBe('paused')
      await until(async () => ((await importJob(core))!.running === 0 ? true : null))
      expect((await importJob(core))!).toMatchObject({ state: 'paused', pending: 1, done: 0 })
      expect(core.galleries.get('local').stats().count).toBe(0)
      await call(core.dispatch, 'jobs.resume', { jobId: job.jobId })
      const r = await answer
      expect(r).toMatchObject({ added: n, file })
      expect((await importJob(core))!).toMatchObject({ state: 'done', done: 1 })
      expect(core.galleries.get('local').stats().count).toBe(n)
      // The import's own notification, not the queue's.
      const notes = ev.of('notification')
      expect(notes.filter((x) => x.key === 'dumps.notify.imported')).toHaveLength(1)
      expect(notes.filter((x) => x.title === job.title)).toHaveLength(0)
    } finally {
      await core.close()
    }
  })
})
