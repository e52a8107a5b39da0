import Database from 'better-sqlite3'
import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { JobStore } from '../../../../electron/core/jobs/store'
import { sleep, tempDir } from './helpers'

const here = path.dirname(fileURLToPath(import.meta.url))
const worker = path.join(here, 'fixtures', 'crash-worker.ts')
const root = path.resolve(here, '../../..')
const N = 300
const CONCURRENCY = 4

function run(dir: string): {
  child: ChildProcess
  exited: Promise<number | null>
  started: Promise<void>
} {
  const child = spawn(process.execPath, ['--import', 'tsx', worker, dir, String(N), '400'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let err = ''
  child.stderr!.on('data', (d) => (err += d))
  const started = new Promise<void>((resolve) =>
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('started')) resolve()
    }),
  )
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      if (code !== 0 && code !== null) console.error(err)
      resolve(code)
    }),
  )
  return { child, exited, started }
}

function adds(dir: string): Map<string, number> {
  const db = new Database(path.join(dir, 'target.db'), { readonly: true, fileMustExist: true })
  try {
    const rows = db.prepare('SELECT key, n FROM adds').all() as { key: string; n: number }[]
    return new Map(rows.map((r) => [r.key, r.n]))
  } catch {
    return new Map()
  } finally {
    db.close()
  }
}

describe('crash resume', () => {
  it('after kill -9 at several moments, every item lands, none skipped, re-sends bounded', async () => {
    const dir = tempDir()
    const killAt = [0, 40, 130, 220]
    for (const threshold of killAt) {
      const { child, exited, started } = run(dir)
      await started
      if (threshold > 0) {
        for (;;) {
          let count = 0
          try {
            count = adds(dir).size
          } catch {
            /* target not created yet */
          }
          if (count >= threshold) break
          await sleep(5)
        }
      }
      child.kill('SIGKILL')
      expect(await exited).toBeNull()
    }
    const before = adds(dir)
    expect(before.size).toBeGreaterThanOrEqual(220)
    expect(before.size).toBeLessThan(N)

    const last = run(dir)
    expect(await last.exited).toBe(0)

    const landed = adds(dir)
    // none skipped
    for (let i = 0; i < N; i++)
      expect(landed.get(`p${i}/img${i}.jpg`), `item ${i}`).toBeGreaterThanOrEqual(1)
    expect(landed.size).toBe(N)
    // only items in flight at a kill may have been sent twice
    const extra = [...landed.values()].reduce((a, b) => a + b, 0) - N
    expect(extra).toBeLessThanOrEqual(killAt.length * CONCURRENCY)

    const store = new JobStore(path.join(dir, 'jobs.db'))
    try {
      const [job] = store.listJobs({ kind: 'record' })
      expect(job.state).toBe('done')
      expect(job.counts).toEqual({
        total: N,
        pending: 0,
        running: 0,
        done: N,
        failed: 0,
        skipped: 0,
      })
      expect(store.listJobs()).toHaveLength(1)
    } finally {
      store.close()
    }
  })
})
