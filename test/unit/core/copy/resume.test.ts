/**
 * `loupe copy` killed with SIGKILL in the middle of a copy to a remote Loupe (a cloud profile, the
 * official SDK's wire API), then run again: the second run resumes the same job and nothing is
 * lost (every picture arrives, the verification finds them all) and nothing is sent twice (the
 * pictures the killed run had finished are untouched on the target; only the calls in flight at
 * the kill may go again — AddImage on the same key overwrites, never duplicates).
 */
import Database from 'better-sqlite3'
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CopyPlan, CopyReport } from '../../../../electron/api/domains/copy'
import { BIN, ROOT, loupeAsync } from '../../../helpers/cli'
import { catalogueItem } from '../../../helpers/images'
import { tempDir } from '../../../helpers/tmp'
import { call, makeCore, until } from '../gallery/service/helpers'
import { remoteProfile, startRemote, type RemoteLoupe } from './helpers'

const N = 24
/** AddImage calls a copy job to a cloud profile keeps in flight (copy/service.ts). */
const IN_FLIGHT = 16
let remote: RemoteLoupe
let t: ReturnType<typeof tempDir>
let dataDir = ''

/** The remote's pictures and when each was last written. */
async function remoteRows(): Promise<Map<string, number>> {
  const e = (await remote.core.engines.get('local')) as unknown as {
    listImages(
      after: number,
      limit: number,
    ): { productId: string; picName: string; utcModified: number }[]
  }
  return new Map(e.listImages(0, 1000).map((r) => [`${r.productId}/${r.picName}`, r.utcModified]))
}

beforeAll(async () => {
  t = tempDir('loupe-copy-resume-')
  remote = await startRemote()
  dataDir = path.join(t.dir, 'data')
  const core = makeCore(dataDir)
  try {
    await call(core.dispatch, 'profiles.create', remoteProfile('shop', remote))
    const src = path.join(t.dir, 'pictures')
    fs.mkdirSync(src)
    for (let i = 0; i < N; i++) {
      const file = path.join(src, `r${i}.jpg`)
      fs.copyFileSync(catalogueItem(100 + i), file)
      await call(core.dispatch, 'images.add', {
        profile: 'local',
        image: { path: file },
        productId: `res-${i}`,
        picName: `r${i}.jpg`,
        intAttr: i,
      })
    }
  } finally {
    await core.close()
  }
}, 240_000)

afterAll(async () => {
  await remote?.close()
  t?.cleanup()
})

describe('loupe copy after kill -9', () => {
  it('prints the plan as JSON on a dry run, sending nothing', async () => {
    // Not spawnSync: the remote Loupe answers from this process.
    const r = await loupeAsync([
      '--data',
      dataDir,
      '--json',
      'copy',
      '--from',
      'local',
      '--to',
      'shop',
      '--dry-run',
    ])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const plan = JSON.parse(r.stdout) as CopyPlan
    expect(plan.counts).toMatchObject({ source: N, target: 0, add: N, noPicture: 0 })
    expect(plan.items).toHaveLength(N)
    expect(plan.sources.sourceFile).toBe(N)
    expect((await remoteRows()).size).toBe(0)
  }, 120_000)

  it('the rerun resumes the same job: nothing lost, nothing twice', async () => {
    const child = spawn(
      process.execPath,
      [BIN, '--data', dataDir, 'copy', '--from', 'local', '--to', 'shop'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let err = ''
    child.stderr!.on('data', (d) => (err += d))
    const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)))
    await until(async () => (await remoteRows()).size >= 8 || child.exitCode !== null, 180_000)
    child.kill('SIGKILL')
    expect(await exited).toBeNull()
    const before = await remoteRows()
    expect(before.size, err).toBeGreaterThanOrEqual(8)
    expect(before.size).toBeLessThan(N)

    // What the killed run had finished, by its own record (jobs.db).
    const db = new Database(path.join(dataDir, 'jobs.db'), { readonly: true })
    const job = db.prepare(`SELECT id FROM jobs WHERE kind = 'gallery-copy'`).get() as {
      id: number
    }
    const done = (
      db.prepare(`SELECT key FROM job_items WHERE job_id = ? AND state = 'done'`).all(job.id) as {
        key: string
      }[]
    ).map((r) => r.key.replace(/^add:/, '').replace('\u0000', '/'))
    db.close()
    expect(done.length).toBeGreaterThan(0)

    const r = await loupeAsync(
      ['--data', dataDir, '--json', 'copy', '--from', 'local', '--to', 'shop'],
      { timeoutMs: 240_000 },
    )
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout) as {
      job: { jobId: number; state: string; total: number; done: number }
      report: CopyReport
    }
    // The same job went on (its items were not planned again as a second job).
    expect(out.job).toMatchObject({ jobId: job.id, state: 'done', total: N, done: N })
    expect(out.report.counts).toMatchObject({ source: N, target: N, copied: N, failed: 0 })
    expect(out.report.missing).toEqual([])

    const after = await remoteRows()
    expect([...after.keys()].sort()).toEqual(
      Array.from({ length: N }, (_, i) => `res-${i}/r${i}.jpg`).sort(),
    )
    // Finished before the kill: never sent again.
    for (const k of done) expect(after.get(k), k).toBe(before.get(k))
    // Only calls in flight at the kill may have gone twice.
    const again = [...before.keys()].filter((k) => after.get(k) !== before.get(k))
    expect(again.length).toBeLessThanOrEqual(IN_FLIGHT)
  }, 420_000)
})
