import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createFeaturizer } from '../../../../../electron/core/engines/local/featurizer/index'
import { createLocalEngine } from '../../../../../electron/core/engines/local/index'
import { openGallery } from '../../../../../electron/core/gallery/index'
import { BIN, ROOT } from '../../../../helpers/cli'
import { tempDir } from '../../../../helpers/tmp'
import { CATALOGUE_DIR } from '../../../../helpers/images'

const CATALOGUE = CATALOGUE_DIR
const N = 64

interface Line {
  type: 'progress' | 'summary'
  jobId: number
  done: number
  total: number
  state: string
  resumed?: boolean
  failed?: number
  skipped?: number
}

/** Runs the real CLI; `killWhen` sends SIGKILL once a progress line satisfies it. */
function run(args: string[], killWhen?: (l: Line) => boolean) {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const seen: Line[] = []
  let buf = ''
  let err = ''
  child.stderr.on('data', (d) => (err += d))
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString()
    let nl
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = JSON.parse(buf.slice(0, nl)) as Line
      buf = buf.slice(nl + 1)
      seen.push(line)
      if (killWhen?.(line) && child.exitCode === null) child.kill('SIGKILL')
    }
  })
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  )
  return { seen, exited, stderr: () => err }
}

describe('bulk add survives kill -9', { timeout: 300_000 }, () => {
  const t = tempDir('loupe-bulk-crash-')
  afterAll(() => t.cleanup())

  it('the same command after a kill -9 resumes the job; every picture lands exactly once', async () => {
    const src = path.join(t.dir, 'photos')
    fs.mkdirSync(src)
    const files = fs
      .readdirSync(CATALOGUE)
      .filter((f) => f.endsWith('.jpg'))
      .sort()
      .slice(200, 200 + N)
    for (const f of files) fs.copyFileSync(path.join(CATALOGUE, f), path.join(src, f))
    const data = path.join(t.dir, 'data')
    const args = ['--data', data, 'bulk-add', src, '--naming', 'file', '--json-progress']

    const first = run(args, (l) => l.type === 'progress' && l.done >= 12)
    const r1 = await first.exited
    expect(r1.signal, first.stderr()).toBe('SIGKILL')
    const before = first.seen.filter((l) => l.type === 'progress')
    const reached = before[before.length - 1]
    expect(reached.done).toBeGreaterThanOrEqual(12)
    expect(reached.done).toBeLessThan(N)
    expect(first.seen.some((l) => l.type === 'summary')).toBe(false)

    const second = run(args)
    const r2 = await second.exited
    expect(r2.code, second.stderr()).toBe(0)
    const summary = second.seen[second.seen.length - 1]
    expect(summary).toMatchObject({
      type: 'summary',
      jobId: reached.jobId,
      resumed: true,
      state: 'done',
      total: N,
      done: N,
      failed: 0,
      skipped: 0,
    })
    // the resumed run starts from where the first stopped, not from zero
    const firstResumed = second.seen.find((l) => l.type === 'progress' && l.total === N)!
    expect(firstResumed.done).toBeGreaterThanOrEqual(reached.done)

    // The engine holds each picture exactly once, under its id.
    const featurizer = createFeaturizer({ workers: 0 })
    const engine = await createLocalEngine({
      dir: path.join(data, 'profiles', 'local', 'engine'),
      name: 'local',
      featurizer,
    })
    try {
      expect((await engine.detail()).instance.totalCount).toBe(N)
      for (const f of files) {
        const id = f.replace(/\.jpg$/, '')
        const r = await engine.checkImageExists({ productId: id, picName: f })
        expect(r.exist, f).toBe(true)
      }
    } finally {
      await engine.close()
      await featurizer.close()
    }
    // …and the gallery cache recorded each once, with its source file.
    const g = openGallery(path.join(data, 'profiles', 'local', 'gallery.db'))
    try {
      expect(g.stats().count).toBe(N)
      expect(g.get('item0210', 'item0210.jpg')?.sourcePath).toBe(path.join(src, 'item0210.jpg'))
    } finally {
      g.close()
    }
  })
})
