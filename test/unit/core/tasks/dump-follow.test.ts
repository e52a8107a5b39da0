/**
 * Following an export someone waits for (a copy's dry run): the backoff between two looks is
 * capped, so an export that ends just after a look is seen soon — not after the next 30 s pause.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { createDumpFollow } from '../../../../electron/core/tasks/dump-follow'
import { DumpRecords } from '../../../../electron/core/tasks/dump-records'
import type { ProfileStore } from '../../../../electron/core/profiles/store'
import { tempDir } from '../../../helpers/tmp'

describe('dump watch: how soon the end of an export is seen', () => {
  const t = tempDir()
  afterAll(() => t.cleanup())
  const profiles = {
    get: () => ({ name: 'p', kind: 'local' }),
    dirOf: () => t.dir,
  } as unknown as ProfileStore

  /** An engine whose export `id` ends `ms` after it is asked for; counts DumpMetaList calls. */
  function follow(ms: number) {
    const ready = Date.now() + ms
    let polls = 0
    const engine = {
      dumpMetaList: async ({ id }: { id?: number }) => {
        polls++
        return {
          dumpMetaList: [
            {
              id: id!,
              status: Date.now() >= ready ? 'SUCCESS' : 'PROCESSING',
              code: null,
              message: 'success (3 images)',
              metaUrl: null,
              utcCreate: 0,
              utcModified: 0,
            },
          ],
        }
      },
    }
    const logs: string[] = []
    const f = createDumpFollow({
      d: {
        profiles,
        engines: { get: async () => engine },
        events: { emit: () => {} },
        logger: { log: (_l: string, m: string) => logs.push(m), redact: (s: string) => s },
        newOp: () => ({ id: 'op', ctl: new AbortController(), done: () => {} }),
        // the normal backoff, sped up: 50 ms, ×4, up to 30 s
        poll: { firstMs: 50, factor: 4, maxMs: 30_000 },
      } as never,
      records: new DumpRecords(profiles),
      closing: () => new AbortController().signal,
      expiresAt: () => null,
      notify: () => {},
      emitStatus: () => {},
    })
    return { f, polls: () => polls, logs }
  }

  it('with a cap, the end is seen within one capped pause; without, after the grown one', async () => {
    // ends 1.1 s after creation: uncapped looks at 0.05, 0.25, 1.05, 4.25 s
    const slow = follow(1100)
    let t0 = Date.now()
    const a = await slow.f.watch('p', 1)
    const uncapped = Date.now() - t0
    expect(a?.status).toBe('SUCCESS')
    expect(uncapped).toBeGreaterThan(3000)

    const quick = follow(1100)
    t0 = Date.now()
    const b = await quick.f.watch('p', 2, { maxMs: 300 })
    const capped = Date.now() - t0
    expect(b?.status).toBe('SUCCESS')
    expect(capped).toBeLessThan(2500)
    expect(quick.polls()).toBeGreaterThan(slow.polls())
  })
})
