import { afterEach, describe, expect, it } from 'vitest'
import { WorkerPool } from '../../../../electron/core/util/worker-pool'
import type { TestReply, TestRequest } from './fixtures/pool-worker'

const workerUrl = new URL('./fixtures/pool-worker.ts', import.meta.url)

class Closed extends Error {}
class Closing extends Error {}
class Crashed extends Error {}

function pool(size: number, perWorker = 2) {
  return new WorkerPool<TestRequest, TestReply>({
    size,
    workerUrl,
    perWorker,
    errors: {
      closed: () => new Closed('pool closed'),
      closing: () => new Closing('pool closing'),
      crashed: (cause) => new Crashed(`worker died: ${cause.message}`),
    },
  })
}

describe('WorkerPool', () => {
  let p: ReturnType<typeof pool> | null = null
  afterEach(async () => {
    await p?.close()
    p = null
  })

  it('starts workers on demand, up to its size, and spreads requests over them', async () => {
    p = pool(2)
    expect(p.threads).toBe(0)
    const replies = await Promise.all(
      Array.from({ length: 6 }, (_, i) => p!.run({ op: 'wait', ms: 30 + i })),
    )
    expect(replies.map((r) => r.value)).toEqual([30, 31, 32, 33, 34, 35])
    expect(p.threads).toBe(2)
    expect(new Set(replies.map((r) => r.thread)).size).toBe(2)
    expect(p.requests).toBe(6)
  })

  it('moves transferred buffers to the worker instead of copying them', async () => {
    p = pool(1)
    const bytes = new Uint8Array(1 << 20).fill(3)
    const r = await p.run({ op: 'sum', bytes }, [bytes.buffer])
    expect(r.value).toBe(3 << 20)
    // Detached here: the worker owns it now.
    expect(bytes.byteLength).toBe(0)
  })

  it('fails the requests of a worker that dies with the caller’s error, and goes on', async () => {
    p = pool(1, 2)
    const dying = p.run({ op: 'die' })
    const neighbour = p.run({ op: 'wait', ms: 5_000 })
    await expect(dying).rejects.toBeInstanceOf(Crashed)
    await expect(neighbour).rejects.toThrow(/worker died: worker exited with code 3/)
    expect((await p.run({ op: 'echo', value: 'again' })).value).toBe('again')
    expect(p.threads).toBe(1)
  })

  it('close() fails queued and running requests, stops its threads and refuses more', async () => {
    p = pool(1, 1)
    const running = p.run({ op: 'wait', ms: 5_000 })
    const queued = p.run({ op: 'echo', value: 'never' })
    const outcomes = Promise.allSettled([running, queued])
    await new Promise((r) => setTimeout(r, 50))
    await p.close()
    for (const o of await outcomes) {
      expect(o.status).toBe('rejected')
      expect((o as PromiseRejectedResult).reason).toBeInstanceOf(Closing)
    }
    expect(p.threads).toBe(0)
    await expect(p.run({ op: 'echo', value: 'x' })).rejects.toBeInstanceOf(Closed)
  })
})
