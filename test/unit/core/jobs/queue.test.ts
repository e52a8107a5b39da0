import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { EngineError } from '../../../../electron/core/engines/errors'
import { parseCsv } from '../../../../electron/core/jobs/csv'
import { JobQueue, SkipItem } from '../../../../electron/core/jobs/queue'
import type { ItemRecord, JobHandler, JobProgress } from '../../../../electron/core/jobs/types'
import { items, netError, openQueue, sleep, tempDir } from './helpers'

type P = { productId: string; picName: string; source: string }

const open: JobQueue[] = []
function queue(dir: string, opts: Parameters<typeof openQueue>[1] = {}): JobQueue {
  const q = openQueue(dir, opts)
  open.push(q)
  return q
}
afterEach(async () => {
  for (const q of open.splice(0)) await q.close()
})

/** A handler whose run() is a script: `script(item, attempt)` throws or returns. */
function scripted(
  script: (item: ItemRecord<P>, attempt: number) => unknown | Promise<unknown>,
  calls: string[] = [],
): JobHandler<P> {
  return {
    opClass: () => 'add',
    async run(item, ctx) {
      calls.push(item.key)
      await sleep(1)
      return script(item, ctx.attempt)
    },
  }
}

describe('JobQueue', () => {
  it('runs every item once, persists results and counts, and stays done after reopening', async () => {
    const dir = tempDir()
    const calls: string[] = []
    let q = queue(dir)
    q.register(
      't',
      scripted((item) => ({ echoed: item.payload.productId }), calls),
    )
    q.start()
    const id = q.createJob({ kind: 't', profile: 'default', title: 'ten', items: items(10) })
    const job = await q.whenSettled(id)
    expect(job.state).toBe('done')
    expect(job.counts).toEqual({
      total: 10,
      pending: 0,
      running: 0,
      done: 10,
      failed: 0,
      skipped: 0,
    })
    expect([...calls].sort()).toEqual(
      items(10)
        .map((i) => i.key)
        .sort(),
    )
    await q.close()

    q = queue(dir)
    q.register(
      't',
      scripted(() => null, calls),
    )
    q.start()
    await sleep(50)
    expect(calls).toHaveLength(10)
    const again = q.getJob(id)!
    expect(again.state).toBe('done')
    expect(again.title).toBe('ten')
    const it0 = q.listItems(id, { limit: 1 })[0]
    expect(it0.result).toEqual({ echoed: 'p0' })
    expect(it0.attempts).toBe(1)
  })

  it('never runs more items of a job at once than its concurrency', async () => {
    const q = queue(tempDir())
    let now = 0
    let max = 0
    q.register<P, null, void>('t', {
      opClass: () => 'none',
      async run() {
        now++
        max = Math.max(max, now)
        await sleep(3)
        now--
        return null
      },
    })
    q.start()
    const id = q.createJob({ kind: 't', profile: 'x', concurrency: 3, items: items(30) })
    await q.whenSettled(id)
    expect(max).toBeLessThanOrEqual(3)
    expect(max).toBeGreaterThan(1)
  })

  it('retries network errors, timeouts, 5xx and DeniedRequest, then succeeds', async () => {
    const q = queue(tempDir())
    const failures: Record<string, () => unknown> = {
      'p0/img0.jpg': () => netError('ECONNRESET', 'read ECONNRESET'),
      'p1/img1.jpg': () => new Error('socket hang up'),
      'p2/img2.jpg': () => netError('ETIMEDOUT'),
      'p3/img3.jpg': () => new EngineError('InternalError', 'engine failed', { httpStatus: 500 }),
      'p4/img4.jpg': () => new EngineError('DeniedRequest', 'flow control'),
      'p5/img5.jpg': () => netError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1'),
    }
    q.register(
      't',
      scripted((item, attempt) => {
        const f = failures[item.key]
        if (f && attempt <= 2) throw f()
        return { attempt }
      }),
    )
    q.start()
    const id = q.createJob({ kind: 't', profile: 'x', items: items(7) })
    const job = await q.whenSettled(id)
    expect(job.counts.done).toBe(7)
    const byKey = new Map(q.listItems(id).map((i) => [i.key, i]))
    for (const k of Object.keys(failures)) {
      expect(byKey.get(k)!.attempts).toBe(3)
      expect(byKey.get(k)!.result).toEqual({ attempt: 3 })
      expect(byKey.get(k)!.error).toBeNull()
    }
    expect(byKey.get('p6/img6.jpg')!.attempts).toBe(1)
  })

  it('gives up after the bounded number of attempts, keeping the last error', async () => {
    const q = queue(tempDir(), { retry: { maxAttempts: 4 } })
    const calls: string[] = []
    q.register(
      't',
      scripted(() => {
        throw netError('ECONNRESET', 'read ECONNRESET')
      }, calls),
    )
    q.start()
    const id = q.createJob({ kind: 't', profile: 'x', items: items(2) })
    const job = await q.whenSettled(id)
    expect(job.state).toBe('done')
    expect(job.counts.failed).toBe(2)
    expect(calls).toHaveLength(8)
    for (const it of q.listItems(id)) {
      expect(it.state).toBe('failed')
      expect(it.attempts).toBe(4)
      expect(it.error).toEqual({ code: 'ECONNRESET', message: 'read ECONNRESET' })
    }
  })

  it('fails validation errors at once with their code and message', async () => {
    const q = queue(tempDir())
    const calls: string[] = []
    q.register(
      't',
      scripted((item) => {
        if (item.key === 'p1/img1.jpg') {
          throw new EngineError('InvalidCategory', 'The specified category is invalid: 77.')
        }
        return null
      }, calls),
    )
    q.start()
    const id = q.createJob({ kind: 't', profile: 'x', items: items(3) })
    const job = await q.whenSettled(id)
    expect(job.counts).toMatchObject({ done: 2, failed: 1 })
    expect(calls.filter((k) => k === 'p1/img1.jpg')).toHaveLength(1)
    const bad = q.listItems(id, { states: ['failed'] })[0]
    expect(bad.error).toEqual({
      code: 'InvalidCategory',
      message: 'The specified category is invalid: 77.',
    })
  })

  it('slows the limiter down on DeniedRequest and recovers gradually after successes', async () => {
    const q = queue(tempDir(), { rateLimits: () => ({ add: 1000 }), adaptive: { quietMs: 20 } })
    let denials = 12
    const seen: number[] = []
    q.register('t', {
      opClass: () => 'add',
      async run() {
        seen.push(q.limiter('x', 'add').currentRate)
        if (denials > 0) {
          denials--
          throw new EngineError('DeniedRequest', 'Request was denied due to flow control.')
        }
        return null
      },
    })
    q.start()
    const id = q.createJob({ kind: 't', profile: 'x', concurrency: 1, items: items(200) })
    const job = await q.whenSettled(id)
    expect(job.counts.done).toBe(200)
    const lowest = Math.min(...seen)
    expect(lowest).toBeLessThan(1000 * 0.7)
    // recovering: the rate grows again after the denials stop …
    const afterLow = seen.slice(seen.indexOf(lowest))
    expect(Math.max(...afterLow)).toBeGreaterThan(lowest)
    // … gradually, never back to full in one step
    const steps = afterLow.slice(1).map((r, i) => r - afterLow[i])
    expect(Math.max(...steps)).toBeLessThanOrEqual(1000 * 0.02 + 1e-9)
    expect(q.limiter('x', 'add').stats().denied).toBe(12)
  })

  it('pauses the job on credential errors and resumes once fixed', async () => {
    const q = queue(tempDir())
    let keyOk = false
    q.register(
      't',
      scripted(() => {
        if (!keyOk)
          throw new EngineError('InvalidAccessKeyId.NotFound', 'Specified access key is not found.')
        return null
      }),
    )
    q.start()
    const id = q.createJob({ kind: 't', profile: 'x', concurrency: 2, items: items(5) })
    const paused = await q.whenSettled(id)
    expect(paused.state).toBe('paused')
    expect(paused.error?.code).toBe('InvalidAccessKeyId.NotFound')
    expect(paused.counts.failed).toBe(0)
    expect(paused.counts.pending).toBe(5)
    keyOk = true
    q.resume(id)
    const job = await q.whenSettled(id)
    expect(job.state).toBe('done')
    expect(job.error).toBeNull()
    expect(job.counts.done).toBe(5)
  })

  it('pauses, resumes and finishes every item exactly once', async () => {
    const q = queue(tempDir())
    const calls: string[] = []
    q.register(
      't',
      scripted(async () => {
        await sleep(2)
        return null
      }, calls),
    )
    q.start()
    const id = q.createJob({ kind: 't', profile: 'x', concurrency: 2, items: items(60) })
    while (calls.length < 10) await sleep(2)
    q.pause(id)
    const paused = await q.whenSettled(id)
    expect(paused.state).toBe('paused')
    expect(paused.counts.running).toBe(0)
    const callsAtPause = calls.length
    expect(paused.counts.done).toBe(callsAtPause)
    await sleep(30)
    expect(calls.length).toBe(callsAtPause)
    q.resume(id)
    const job = await q.whenSettled(id)
    expect(job.state).toBe('done')
    expect(job.counts.done).toBe(60)
    expect(new Set(calls).size).toBe(60)
    expect(calls).toHaveLength(60)
  })

  it('resumes a job paused with items in flight: pause and resume at random moments, every item runs exactly once', async () => {
    // A seeded generator, so a failure can be replayed.
    let seed = 20261207
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
    const q = queue(tempDir())
    const calls = new Map<number, string[]>()
    q.register('t', {
      opClass: () => 'add',
      async run(item, ctx) {
        calls.get(ctx.jobId)!.push(item.key)
        await sleep(1 + Math.floor(rnd() * 6))
        return null
      },
    })
    q.start()
    for (let trial = 0; trial < 12; trial++) {
      const n = 40
      const id = q.createJob({ kind: 't', profile: 'x', concurrency: 3, items: items(n) })
      calls.set(id, [])
      const cycles = 1 + Math.floor(rnd() * 4)
      for (let c = 0; c < cycles && q.getJob(id)!.state !== 'done'; c++) {
        await sleep(Math.floor(rnd() * 10))
        q.pause(id)
        // Resume at once (items still in flight), after a moment, or after the job settled.
        const wait = rnd()
        if (wait > 0.66) await q.whenSettled(id)
        else if (wait > 0.33) await sleep(Math.floor(rnd() * 3))
        q.resume(id)
        if (rnd() > 0.75) {
          // Twice in a row, as a double click would.
          q.pause(id)
          q.resume(id)
        }
      }
      const job = await Promise.race([q.whenSettled(id), sleep(10_000).then(() => q.getJob(id)!)])
      expect(job.state, `trial ${trial}`).toBe('done')
      expect(job.counts.done).toBe(n)
      expect(calls.get(id)).toHaveLength(n)
      expect(new Set(calls.get(id)).size).toBe(n)
    }
  })

  it('cancels: nothing more is sent, unsent items stay pending, resume does nothing', async () => {
    const q = queue(tempDir())
    const calls: string[] = []
    q.register(
      't',
      scripted(async () => {
        await sleep(2)
        return null
      }, calls),
    )
    q.start()
    const id = q.createJob({ kind: 't', profile: 'x', concurrency: 2, items: items(60) })
    while (calls.length < 6) await sleep(2)
    q.cancel(id)
    const job = await q.whenSettled(id)
    expect(job.state).toBe('cancelled')
    expect(job.counts.pending).toBe(60 - job.counts.done)
    expect(job.counts.done).toBe(calls.length)
    q.resume(id)
    await sleep(30)
    expect(q.getJob(id)!.state).toBe('cancelled')
    expect(calls.length).toBe(job.counts.done)
    expect(() => q.retryFailed(id)).toThrow(/cancelled/)
  })

  it('waits in the limiter without sending while paused, and pause releases claimed items', async () => {
    const q = queue(tempDir(), { rateLimits: () => ({ add: 20 }) })
    const calls: string[] = []
    q.register(
      't',
      scripted(() => null, calls),
    )
    q.start()
    const id = q.createJob({ kind: 't', profile: 'x', concurrency: 4, items: items(40) })
    while (calls.length < 3) await sleep(5)
    q.pause(id)
    const paused = await q.whenSettled(id)
    expect(paused.counts.running).toBe(0)
    expect(paused.counts.done + paused.counts.pending).toBe(40)
    // attempts of items that never got a token are not counted
    for (const it of q.listItems(id, { states: ['pending'] })) expect(it.attempts).toBe(0)
  })

  it('retryFailed re-queues failed items, not those rejected while planning', async () => {
    const q = queue(tempDir())
    let broken = true
    const calls: string[] = []
    q.register(
      't',
      scripted((item) => {
        if (broken && item.key.startsWith('p1'))
          throw new EngineError('UnsupportedPicFormat', 'bad file')
        return null
      }, calls),
    )
    q.start()
    const id = q.createJob({
      kind: 't',
      profile: 'x',
      items: [
        ...items(3),
        {
          key: '!rejected:1',
          payload: { source: 'list.csv:4' },
          state: 'failed',
          error: { code: 'InvalidManifestLine', message: 'list.csv line 4: missing productId' },
        },
      ],
    })
    let job = await q.whenSettled(id)
    expect(job.counts).toMatchObject({ total: 4, done: 2, failed: 2 })
    broken = false
    expect(q.retryFailed(id)).toBe(1)
    job = await q.whenSettled(id)
    expect(job.state).toBe('done')
    expect(job.counts).toMatchObject({ done: 3, failed: 1 })
    expect(q.listItems(id, { states: ['failed'] })[0].key).toBe('!rejected:1')
    expect(calls.filter((k) => k.startsWith('p1'))).toHaveLength(2)
  })

  it('marks items skipped when the handler says so', async () => {
    const q = queue(tempDir())
    q.register(
      't',
      scripted((item) => {
        if (item.key.startsWith('p0')) throw new SkipItem('Unchanged', 'already in the gallery')
        return null
      }),
    )
    q.start()
    const id = q.createJob({ kind: 't', profile: 'x', items: items(2) })
    const job = await q.whenSettled(id)
    expect(job.counts).toMatchObject({ done: 1, skipped: 1 })
    expect(q.listItems(id, { states: ['skipped'] })[0].error?.code).toBe('Unchanged')
  })

  it('keeps a streaming job open until sealed, ignoring repeated keys', async () => {
    const q = queue(tempDir())
    const calls: string[] = []
    q.register(
      't',
      scripted(() => null, calls),
    )
    q.start()
    const id = q.createJob({ kind: 't', profile: 'x', sealed: false, fingerprint: 'fp-1' })
    q.addItems(id, items(5))
    await sleep(30)
    expect(q.getJob(id)!.state).toBe('running')
    expect(q.findResumableJob('fp-1')?.id).toBe(id)
    const again = q.addItems(id, items(8))
    expect(again).toEqual({ added: 3, ignored: 5 })
    q.sealJob(id)
    const job = await q.whenSettled(id)
    expect(job.state).toBe('done')
    expect(calls).toHaveLength(8)
    expect(q.findResumableJob('fp-1')).toBeUndefined()
  })

  it('pauses a job whose filling was interrupted; resume runs what was added', async () => {
    const dir = tempDir()
    let q = queue(dir)
    const id = q.createJob({ kind: 't', profile: 'x', sealed: false })
    q.addItems(id, items(3))
    await q.close() // the process stops before sealJob
    q = queue(dir)
    const calls: string[] = []
    q.register(
      't',
      scripted(() => null, calls),
    )
    q.start()
    const paused = q.getJob(id)!
    expect(paused.state).toBe('paused')
    expect(paused.error?.code).toBe('Interrupted')
    expect(calls).toHaveLength(0)
    q.resume(id)
    const job = await q.whenSettled(id)
    expect(job).toMatchObject({ state: 'done', sealed: true, error: null })
    expect(calls).toHaveLength(3)
  })

  it('resumes queued jobs on start, including a kind registered later', async () => {
    const dir = tempDir()
    let q = queue(dir)
    const id = q.createJob({ kind: 'late', profile: 'x', items: items(4) })
    await q.close()
    q = queue(dir)
    q.start()
    await sleep(20)
    expect(q.getJob(id)!.state).toBe('queued')
    const calls: string[] = []
    q.register(
      'late',
      scripted(() => null, calls),
    )
    const job = await q.whenSettled(id)
    expect(job.state).toBe('done')
    expect(calls).toHaveLength(4)
  })

  it('sends coalesced progress events with rate, ETA and a final event', async () => {
    const events: JobProgress[] = []
    const q = queue(tempDir(), { onProgress: (p) => events.push(p) })
    q.register(
      't',
      scripted(() => null),
    )
    q.start()
    const t0 = Date.now()
    const id = q.createJob({ kind: 't', profile: 'x', concurrency: 4, items: items(300) })
    await q.whenSettled(id)
    const elapsed = Date.now() - t0
    const mine = events.filter((e) => e.jobId === id)
    // at most one per 50 ms interval, plus the immediate state changes (running, done)
    expect(mine.length).toBeLessThanOrEqual(Math.ceil(elapsed / 50) + 4)
    expect(mine.length).toBeLessThan(300)
    const last = mine[mine.length - 1]
    expect(last).toMatchObject({ state: 'done', total: 300, done: 300, pending: 0, running: 0 })
    const mid = mine.find((e) => e.state === 'running' && e.done > 0 && e.pending > 0)
    expect(mid).toBeDefined()
    expect(mid!.rate).toBeGreaterThan(0)
    expect(mid!.etaSeconds).not.toBeNull()
    for (const e of mine)
      expect(e.done + e.failed + e.skipped + e.pending + e.running).toBe(e.total)
  })

  it('exports failures as CSV with proper quoting', async () => {
    const dir = tempDir()
    const q = queue(dir)
    const nasty = 'Bad "quote", comma\nand newline'
    q.register<P, null, void>('t', {
      opClass: () => 'none',
      async run(item) {
        if (item.payload.productId !== 'ok') throw new EngineError('InvalidRegion', nasty)
        return null
      },
    })
    q.start()
    const id = q.createJob({
      kind: 't',
      profile: 'x',
      items: [
        {
          key: 'a,1/x.jpg',
          payload: { productId: 'a,1', picName: 'x "1".jpg', source: '/tmp/a,1/x "1".jpg' },
        },
        { key: 'ok/y.jpg', payload: { productId: 'ok', picName: 'y.jpg', source: '/y.jpg' } },
        { key: '=cmd/z.jpg', payload: { productId: '=cmd', picName: 'z.jpg', source: '/z.jpg' } },
      ],
    })
    await q.whenSettled(id)
    const csv = q.exportFailuresCsv(id)
    const { records, problems } = parseCsv(csv)
    expect(problems).toEqual([])
    expect(records.map((r) => r.fields)).toEqual([
      ['key', 'productId', 'picName', 'source', 'code', 'message', 'attempts'],
      ['a,1/x.jpg', 'a,1', 'x "1".jpg', '/tmp/a,1/x "1".jpg', 'InvalidRegion', nasty, '1'],
      ["'=cmd/z.jpg", "'=cmd", 'z.jpg', '/z.jpg', 'InvalidRegion', nasty, '1'],
    ])
    const file = path.join(dir, 'failures.csv')
    expect(q.writeFailuresCsv(id, file)).toBe(2)
    expect(fs.readFileSync(file, 'utf8')).toBe(csv)
  })
})
