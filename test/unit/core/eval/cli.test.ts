/**
 * `loupe eval` as a user runs it: in the host running on the data folder (over its control
 * channel) while `loupe serve` runs, in the command's own process otherwise; the human summary,
 * `--json` (the whole run, parsed back), `--html` (the report file), and wrong usage.
 */
import fs from 'node:fs'
import path from 'node:path'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EvalRow, EvalSummary } from '../../../../electron/api/domains/eval'
import { BIN, ROOT, loupe, serve } from '../../../helpers/cli'
import { makeQualitySet, type QualitySet } from '../../../helpers/quality-set'
import { tempDir } from '../../../helpers/tmp'

function stopped(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve()
    proc.once('exit', () => resolve())
    proc.kill('SIGINT')
  })
}

describe('loupe eval', { timeout: 300_000 }, () => {
  const t = tempDir('loupe-eval-cli-')
  const data = path.join(t.dir, 'data')
  let set: QualitySet
  let host: ChildProcess | null = null

  beforeAll(() => {
    set = makeQualitySet(t.dir, { classes: 4, queriesPerClass: 2, galleryPerClass: 2 })
  })
  afterAll(async () => {
    if (host) await stopped(host)
    t.cleanup()
  })

  it('runs in the host while `loupe serve` runs, and prints the figures and the misses', async () => {
    const s = await serve(['--data', data, '--port', '0'])
    host = s.proc
    const add = loupe(['--data', data, 'bulk-add', set.gallery, '--json'])
    expect(add.code, add.stderr).toBe(0)
    const r = loupe(['--data', data, 'eval', set.testSet, '--num', '5'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(
      new RegExp(
        `^Started quality run [0-9a-f-]+ \\(job \\d+\\): ${set.queries} queries on local in the Loupe headless host \\(pid ${s.proc.pid}\\)`,
        'm',
      ),
    )
    const line = r.stdout.split('\n').find((l) => l.startsWith('local '))!
    const [, n, r1, r5] = /^local\s+(\d+)\s+([\d.]+)%\s+([\d.]+)%/.exec(line)!
    expect(Number(n)).toBe(set.queries)
    expect(Number(r5)).toBeGreaterThanOrEqual(Number(r1))
    expect(r.stdout).toMatch(/top 5, crop off/)
    await stopped(s.proc)
    host = null
  })

  it('without a host: --json gives the whole run, --html writes the report', () => {
    const html = path.join(t.dir, 'out', 'report.html')
    fs.mkdirSync(path.dirname(html))
    const r = loupe([
      '--data',
      data,
      'eval',
      set.testSet,
      '--json',
      '--html',
      html,
      '--name',
      'cli',
    ])
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout) as {
      run: { name: string; state: string; profiles: string[] }
      profiles: Record<string, { summary: EvalSummary; recallByRank: number[]; rows: EvalRow[] }>
    }
    expect(out.run).toMatchObject({ name: 'cli', state: 'done', profiles: ['local'] })
    const local = out.profiles.local
    expect(local.summary.answered).toBe(set.queries)
    expect(local.rows).toHaveLength(set.queries)
    expect(local.recallByRank).toHaveLength(10)
    const found1 = local.rows.filter((x) => x.rank === 1).length
    expect(local.summary.r1).toBeCloseTo(found1 / set.queries, 9)
    const text = fs.readFileSync(html, 'utf8')
    expect(text).toContain('<h1>cli</h1>')
    expect(text).toContain('id="recall-by-rank"')
    expect(text).not.toMatch(/https?:\/\//)
    if (process.platform !== 'win32') {
      // An export is the user's file, not the data folder's: the mode their umask gives.
      const umask = parseInt(spawnSync('sh', ['-c', 'umask'], { encoding: 'utf8' }).stdout, 8)
      expect(fs.statSync(html).mode & 0o777).toBe(0o666 & ~umask)
    }
  })

  it('Ctrl-C pauses the run; the same command resumes it', async () => {
    // A local profile searching at 1/s: the run is still going when the signal comes.
    expect(loupe(['--data', data, 'profiles', 'add', 'slow', '--local', '--qps', '1']).code).toBe(0)
    const add = loupe(['--data', data, '--profile', 'slow', 'bulk-add', set.gallery, '--json'])
    expect(add.code, add.stderr).toBe(0)
    const args = ['--data', data, '--profile', 'slow', 'eval', set.testSet, '--num', '5']
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT })
    let err = ''
    let interrupted = false
    child.stderr.on('data', (d) => {
      err += d
      if (!interrupted && /^Started quality run/m.test(err)) {
        interrupted = true
        child.kill('SIGINT')
      }
    })
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)))
    expect(code, err).toBe(130)
    const runId = /^Started quality run ([0-9a-f-]+)/m.exec(err)![1]
    expect(err).toContain(`Run the same command again to resume quality run ${runId}.`)
    const again = loupe([...args, '--json'])
    expect(again.code, again.stderr).toBe(0)
    const out = JSON.parse(again.stdout) as {
      run: { runId: string }
      profiles: Record<string, { summary: EvalSummary }>
    }
    expect(out.run.runId).toBe(runId)
    expect(out.profiles.slow.summary.answered).toBe(set.queries)
  })

  it('wrong usage exits 2; a test set without queries is an error', () => {
    const bad = loupe(['--data', data, 'eval', set.testSet, '--num', 'many'])
    expect(bad.code).toBe(2)
    const empty = path.join(t.dir, 'empty')
    fs.mkdirSync(empty)
    const r = loupe(['--data', data, 'eval', empty])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^TestSetEmpty: /m)
  })
})
