import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import sharp from 'sharp'
import { startHeadless } from '../../../../../electron/server/headless'
import { tempDir } from '../../../../helpers/tmp'
import { CATALOGUE_DIR } from '../../../../helpers/images'

const CATALOGUE = CATALOGUE_DIR
const photo = (n: number) =>
  fs.readFileSync(path.join(CATALOGUE, `item${String(n).padStart(4, '0')}.jpg`))

type Reply<T> = { result?: T; error?: { code: string; message: string } }

describe(
  'jobs and bulk domains through the HTTP bridge (real core, local engine)',
  { timeout: 180_000 },
  () => {
    const t = tempDir('loupe-bulk-contract-')
    let h: Awaited<ReturnType<typeof startHeadless>>
    const events: { name: string; payload: Record<string, unknown> }[] = []
    const sse = new AbortController()

    async function call<T = Record<string, unknown>>(
      name: string,
      input: unknown,
    ): Promise<Reply<T>> {
      const res = await fetch(`${h.url}/api/call/${name}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(input),
      })
      return (await res.json()) as Reply<T>
    }
    async function ok<T = Record<string, unknown>>(name: string, input: unknown): Promise<T> {
      const r = await call<T>(name, input)
      expect(r.error, `${name}: ${JSON.stringify(r.error)}`).toBeUndefined()
      return r.result as T
    }
    async function until<T>(
      what: () => Promise<T>,
      done: (v: T) => boolean,
      ms = 90_000,
    ): Promise<T> {
      const end = Date.now() + ms
      for (;;) {
        const v = await what()
        if (done(v)) return v
        if (Date.now() > end) throw new Error(`timed out: ${JSON.stringify(v)}`)
        await new Promise((r) => setTimeout(r, 200))
      }
    }

    beforeAll(async () => {
      h = await startHeadless({ dataDir: t.dir, port: 0, rendererDir: t.dir })
      // the Server-Sent Events stream the renderer listens to
      void (async () => {
        const res = await fetch(`${h.url}/api/events`, { signal: sse.signal })
        const reader = res.body!.getReader()
        let buf = ''
        for (;;) {
          const { value, done } = await reader.read()
          if (done) return
          buf += Buffer.from(value).toString()
          let i
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, i)
            buf = buf.slice(i + 2)
            const data = block.split('\n').find((l) => l.startsWith('data: '))
            if (data) events.push(JSON.parse(data.slice(6)))
          }
        }
      })().catch(() => {})
      // one picture already in the gallery, to be found as a duplicate
      await ok('images.add', {
        image: { base64: photo(40).toString('base64'), name: 'seed.jpg' },
        productId: 'seed',
        picName: 'seed.jpg',
      })
    })
    afterAll(async () => {
      sse.abort()
      await h.close()
      t.cleanup()
    })

    let stageId = ''
    let sources: string[] = []

    it('stages dropped files under the data folder, refusing paths that escape it', async () => {
      const tiny = await sharp({
        create: { width: 40, height: 40, channels: 3, background: { r: 9, g: 9, b: 9 } },
      })
        .png()
        .toBuffer()
      const first = await ok<{ stageId: string; sources: string[]; staged: number }>('bulk.stage', {
        files: [
          { relPath: 'tees/a.jpg', base64: photo(41).toString('base64') },
          { relPath: 'tees/b.jpg', base64: photo(42).toString('base64') },
        ],
      })
      stageId = first.stageId
      const second = await ok<{ sources: string[]; staged: number }>('bulk.stage', {
        stageId,
        files: [
          { relPath: 'tees/again.jpg', base64: photo(40).toString('base64') },
          { relPath: 'tiny.png', base64: tiny.toString('base64') },
        ],
      })
      sources = second.sources
      expect(sources.map((s) => path.relative(t.dir, s))).toEqual([
        path.join('staging', stageId, 'tees'),
        path.join('staging', stageId, 'tiny.png'),
      ])
      expect(fs.readFileSync(path.join(sources[0], 'b.jpg')).equals(photo(42))).toBe(true)
      for (const bad of ['../evil.jpg', '/etc/x.jpg', 'a/../../x.jpg', 'a//b.jpg']) {
        const r = await call('bulk.stage', { stageId, files: [{ relPath: bad, base64: 'AA==' }] })
        expect(r.error?.code, bad).toBe('InvalidArgument')
      }
      expect(fs.existsSync(path.join(t.dir, 'staging', 'evil.jpg'))).toBe(false)
    })

    it('derives ids for a naming rule as it is typed', async () => {
      const r = await ok<{ rows: { productId: string | null; error: string | null }[] }>(
        'bulk.derive',
        {
          naming: '{product}.{ext}',
          samples: [
            { relPath: 'tees/a.jpg', rootName: 'x' },
            { relPath: 'tees/noext', rootName: 'x' },
          ],
        },
      )
      expect(r.rows[0].productId).toBe('a')
      expect(r.rows[1].error).toContain('does not match')
      const bad = await ok<{ error: { code: string } | null }>('bulk.derive', {
        naming: '{nope}',
        samples: [],
      })
      expect(bad.error?.code).toBe('InvalidNamingRule')
    })

    let jobId = 0

    it('previews every picture: ids, outcome, duplicates in the gallery, refusals with reasons', async () => {
      const status = await ok<{ planId: string }>('bulk.plan', { sources, naming: 'folder' })
      const page = await until(
        () =>
          ok<{
            status: { state: string; counts: Record<string, number> }
            rows: Record<string, unknown>[]
          }>('bulk.planPage', { planId: status.planId }),
        (p) => p.status.state !== 'planning',
      )
      expect(page.status.state).toBe('ready')
      const rows = page.rows as {
        index: number
        relPath: string
        productId: string
        action: string
        outcome: string
        reason: { code: string } | null
        duplicate: { kind: string; existing: { productId: string }[] } | null
      }[]
      const by = Object.fromEntries(rows.map((r) => [r.relPath, r]))
      expect(Object.keys(by).sort()).toEqual(['again.jpg', 'a.jpg', 'b.jpg', 'tiny.png'].sort())
      expect(by['a.jpg']).toMatchObject({ productId: 'tees', action: 'add', outcome: 'kept' })
      expect(by['again.jpg']).toMatchObject({ action: 'skip', reason: { code: 'DuplicateImage' } })
      expect(by['again.jpg'].duplicate).toMatchObject({
        kind: 'exact',
        existing: [{ productId: 'seed', picName: 'seed.jpg' }],
      })
      expect(by['tiny.png']).toMatchObject({
        action: 'reject',
        outcome: 'rejected',
        reason: { code: 'UnsupportedPicPixels' },
      })
      expect(page.status.counts).toMatchObject({ add: 2, skip: 1, reject: 1, exact: 1 })

      // add the duplicate anyway, skip b.jpg
      const started = await ok<{ jobId: number; resumed: boolean }>('bulk.start', {
        planId: status.planId,
        duplicates: 'add',
        overrides: [{ index: by['b.jpg'].index, action: 'skip' }],
      })
      expect(started.resumed).toBe(false)
      jobId = started.jobId
      const job = await until(
        () =>
          ok<{ state: string; done: number; failed: number; skipped: number }>('jobs.get', {
            jobId,
          }),
        (j) => j.state === 'done',
      )
      expect(job).toMatchObject({ done: 2, failed: 1, skipped: 1 })
      // the plan is gone once started
      expect((await call('bulk.planPage', { planId: status.planId })).error?.code).toBe(
        'PlanNotFound',
      )
    })

    it('pages items by state with their errors; progress arrives as events; CSV lists failures', async () => {
      const done = await ok<{ items: { productId: string; picName: string }[]; total: number }>(
        'jobs.items',
        { jobId, states: ['done'] },
      )
      expect(done.total).toBe(2)
      expect(done.items.map((i) => `${i.productId}/${i.picName}`).sort()).toEqual([
        'tees/a.jpg',
        'tees/again.jpg',
      ])
      const failed = await ok<{ items: { error: { code: string }; rejected: boolean }[] }>(
        'jobs.items',
        {
          jobId,
          states: ['failed'],
        },
      )
      expect(failed.items[0]).toMatchObject({
        rejected: true,
        error: { code: 'UnsupportedPicPixels' },
      })
      const skipped = await ok<{ items: { error: { code: string } }[] }>('jobs.items', {
        jobId,
        states: ['skipped'],
      })
      expect(skipped.items[0].error.code).toBe('SkippedByUser')

      const progress = events.filter((e) => e.name === 'job.progress' && e.payload.jobId === jobId)
      expect(progress.length).toBeGreaterThan(0)
      expect(progress[progress.length - 1].payload).toMatchObject({
        state: 'done',
        done: 2,
        total: 4,
      })
      // the job's end is notified; a click on the desktop notification opens this job
      await vi.waitFor(() =>
        expect(
          events.find(
            (e) =>
              e.name === 'notification' &&
              (e.payload.target as { id?: number } | undefined)?.id === jobId,
          )?.payload.target,
        ).toEqual({ kind: 'job', id: jobId, profile: 'local' }),
      )

      const csv = await ok<{ csv: string; rows: number; fileName: string }>('jobs.failuresCsv', {
        jobId,
      })
      expect(csv.rows).toBe(1)
      expect(csv.fileName).toBe(`loupe-job-${jobId}-failures.csv`)
      expect(csv.csv).toContain('UnsupportedPicPixels')

      // the gallery cache has the added pictures with thumbnails; searching finds them
      const thumb = await fetch(`${h.url}/thumb/local/tees/a.jpg`)
      expect(thumb.status).toBe(200)
      const s = await ok<{ auctions: { productId: string; picName: string }[] }>('search.byPic', {
        image: { base64: photo(41).toString('base64') },
      })
      expect(`${s.auctions[0].productId}/${s.auctions[0].picName}`).toBe('tees/a.jpg')

      // rejected pictures are not retried
      expect((await ok<{ requeued: number }>('jobs.retryFailed', { jobId })).requeued).toBe(0)
    })

    it('removes a finished job with its staged files', async () => {
      await ok('jobs.remove', { jobId })
      expect((await call('jobs.get', { jobId })).error?.code).toBe('JobNotFound')
      expect(fs.existsSync(path.join(t.dir, 'staging', stageId))).toBe(false)
    })

    it('finishes a bulk add paused and resumed at once while pictures are in flight', async () => {
      const dir = path.join(t.dir, 'src-pause', 'shirts')
      fs.mkdirSync(dir, { recursive: true })
      for (let n = 60; n < 76; n++) fs.writeFileSync(path.join(dir, `${n}.jpg`), photo(n))
      const { jobId: id } = await ok<{ jobId: number }>('bulk.start', {
        sources: [path.dirname(dir)],
        naming: 'folder',
      })
      type J = { state: string; done: number; running: number; total: number; failed: number }
      // Pause and resume right away, twice, each time with pictures being added.
      for (const after of [2, 6]) {
        await until(
          () => ok<J>('jobs.get', { jobId: id }),
          (j) => j.done >= after || j.state === 'done',
          60_000,
        )
        await ok('jobs.pause', { jobId: id })
        await ok('jobs.resume', { jobId: id })
      }
      const job = await until(
        () => ok<J>('jobs.get', { jobId: id }),
        (j) => j.state === 'done',
        60_000,
      )
      expect(job).toMatchObject({ done: 16, failed: 0, total: 16 })
    })

    it('pauses, resumes and cancels a job whose engine cannot be reached', async () => {
      await ok('profiles.create', {
        kind: 'cloud',
        name: 'offline',
        cloud: {
          instanceName: 'nowhere',
          endpoint: '127.0.0.1:9',
          protocol: 'http',
          accessKeyId: 'LTAIofflineKey01',
          accessKeySecret: 'offline-secret-0123456789',
        },
      })
      const dir = path.join(t.dir, 'src')
      fs.mkdirSync(path.join(dir, 'p'), { recursive: true })
      for (const n of [50, 51, 52]) fs.writeFileSync(path.join(dir, 'p', `${n}.jpg`), photo(n))
      const started = await ok<{ jobId: number }>('bulk.start', {
        profile: 'offline',
        sources: [dir],
      })
      const id = started.jobId
      // network errors are retried with backoff: the job keeps running
      await until(
        () => ok<{ state: string; pending: number; total: number }>('jobs.get', { jobId: id }),
        (j) => j.state === 'running' && j.total === 3,
      )
      expect((await ok<{ state: string }>('jobs.pause', { jobId: id })).state).toBe('paused')
      expect((await ok<{ state: string }>('jobs.resume', { jobId: id })).state).toMatch(
        /queued|running/,
      )
      const again = await call('bulk.start', { profile: 'offline', sources: [dir] })
      expect(again.result).toMatchObject({ jobId: id, resumed: true })
      const cancelled = await ok<{ state: string; done: number }>('jobs.cancel', { jobId: id })
      expect(cancelled).toMatchObject({ state: 'cancelled', done: 0 })
      const list = await ok<{ jobs: { jobId: number; profile: string }[] }>('jobs.list', {
        profile: 'offline',
      })
      expect(list.jobs.map((j) => j.jobId)).toEqual([id])
      expect((await ok<{ jobs: unknown[] }>('jobs.list', { active: true })).jobs).toEqual([])

      // the pictures not sent become a new job of the same profile and options, once
      type J = { jobId: number; state: string; total: number; pending: number; running: number }
      type V = J & { continuedBy: number | null; profile: string; sources: string[] }
      const settled = await until(
        () => ok<V>('jobs.get', { jobId: id }),
        (j) => j.running === 0,
      )
      expect(settled.pending).toBe(3)
      expect(settled.continuedBy).toBeNull()
      const more = await ok<{ created: boolean; job: V }>('jobs.addRemaining', { jobId: id })
      expect(more.created).toBe(true)
      expect(more.job.jobId).not.toBe(id)
      expect(more.job).toMatchObject({ profile: 'offline', total: 3, sources: [dir] })
      expect(more.job.state).toMatch(/queued|running/)
      const twice = await ok<{ created: boolean; job: V }>('jobs.addRemaining', { jobId: id })
      expect(twice).toMatchObject({ created: false, job: { jobId: more.job.jobId } })
      expect((await ok<V>('jobs.get', { jobId: id })).continuedBy).toBe(more.job.jobId)
      const items = await ok<{ items: { key: string }[] }>('jobs.items', {
        jobId: more.job.jobId,
      })
      expect(items.items).toHaveLength(3)
      // only a cancelled job has "remaining" pictures
      const notCancelled = await call('jobs.addRemaining', { jobId: more.job.jobId })
      expect(notCancelled.error?.code).toBe('JobNotCancelled')
      await ok('jobs.cancel', { jobId: more.job.jobId })
      // removing the cancelled job keeps the new one working
      await ok('jobs.remove', { jobId: id })
      expect((await ok<V>('jobs.get', { jobId: more.job.jobId })).total).toBe(3)
    })
  },
)
