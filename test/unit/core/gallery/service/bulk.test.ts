import { describe, expect, it } from 'vitest'
import { EngineError } from '../../../../../electron/core/engines/errors'
import { runBulk } from '../../../../../electron/core/gallery/bulk'
import { RateLimiter } from '../../../../../electron/core/jobs/limiter'

const keys = Array.from({ length: 10 }, (_, i) => ({ productId: `p${i}`, picName: `${i}.jpg` }))

function run(
  fn: (k: { productId: string }) => Promise<void>,
  signal = new AbortController().signal,
  concurrency = 2,
) {
  const progress: [number, number][] = []
  return runBulk({
    keys,
    run: fn,
    limiter: new RateLimiter({ ratePerSec: null }),
    signal,
    concurrency,
    attempts: 2,
    onProgress: (d, t) => progress.push([d, t]),
  }).then((out) => ({ out, progress }))
}

describe('bulk changes without a job queue (runBulk)', () => {
  it('fails only the images the engine refuses, and lists why', async () => {
    const seen: string[] = []
    const { out } = await run(async (k) => {
      seen.push(k.productId)
      if (k.productId === 'p3' || k.productId === 'p7') {
        throw new EngineError('InvalidParameter', `bad ${k.productId}`)
      }
    })
    expect(seen.sort()).toEqual(keys.map((k) => k.productId).sort())
    expect(out).toMatchObject({
      total: 10,
      done: 8,
      failed: 2,
      skipped: 0,
      stopped: null,
      cancelled: false,
    })
    expect(out.failures.map((f) => [f.productId, f.code, f.message]).sort()).toEqual([
      ['p3', 'InvalidParameter', 'bad p3'],
      ['p7', 'InvalidParameter', 'bad p7'],
    ])
  })

  it('stops at an error every image would hit (credentials) and says so', async () => {
    let calls = 0
    const { out } = await run(async () => {
      calls++
      if (calls >= 3) throw new EngineError('InvalidAccessKeyId.NotFound', 'no such key')
    })
    expect(out.stopped).toMatchObject({ code: 'InvalidAccessKeyId.NotFound' })
    expect(out.done).toBe(2)
    expect(out.failed).toBe(0)
    expect(out.skipped).toBe(8)
    // Not one call per remaining image: it stopped.
    expect(calls).toBeLessThanOrEqual(4)
  })

  it('retries a transient network error, then stops when the engine stays unreachable', async () => {
    const attempts = new Map<string, number>()
    const { out } = await run(
      async (k) => {
        const n = (attempts.get(k.productId) ?? 0) + 1
        attempts.set(k.productId, n)
        if (k.productId === 'p0' && n === 1)
          throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })
        if (k.productId === 'p5')
          throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })
      },
      undefined,
      1,
    )
    expect(attempts.get('p0')).toBe(2)
    expect(out.stopped?.code).toBe('ECONNREFUSED')
    expect(attempts.get('p5')).toBe(2)
    expect(out).toMatchObject({ done: 5, failed: 0, skipped: 5 })
  })

  it('stops when cancelled, counting what was not done', async () => {
    const ctl = new AbortController()
    let calls = 0
    const { out } = await run(async () => {
      if (++calls === 4) ctl.abort()
      await new Promise((r) => setTimeout(r, 5))
    }, ctl.signal)
    expect(out.cancelled).toBe(true)
    expect(out.stopped).toBeNull()
    expect(out.done).toBeGreaterThanOrEqual(3)
    expect(out.done).toBeLessThan(10)
    expect(out.skipped).toBe(10 - out.done)
  })
})
