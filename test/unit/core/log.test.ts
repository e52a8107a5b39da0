import fs from 'node:fs'
import path from 'node:path'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { createLogger, logFilePath, rotateIfNeeded } from '../../../electron/core/log'
import { tempDir } from '../../helpers/tmp'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '../../..')
const writer = path.join(here, 'fixtures', 'log-writer.ts')

const temps: { cleanup: () => void }[] = []
function dir() {
  const t = tempDir('loupe-log-')
  temps.push(t)
  return t.dir
}
afterEach(() => temps.splice(0).forEach((t) => t.cleanup()))

const read = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '')
const lines = (f: string) => read(f).split('\n').filter(Boolean)
/** Every kept line, oldest first (loupe.log.3, .2, .1, loupe.log). */
const history = (file: string) =>
  [`${file}.3`, `${file}.2`, `${file}.1`, file].flatMap((f) => lines(f))

describe('loupe.log rotation', () => {
  it('caps loupe.log and keeps three older generations, oldest dropped, lines in order', () => {
    const d = dir()
    const log = createLogger(d, { maxBytes: 400, generations: 3 })
    for (let i = 0; i < 200; i++) log.log('info', `line ${i}`)
    const file = logFilePath(d)
    expect(file).toBe(path.join(d, 'logs', 'loupe.log'))
    const names = fs.readdirSync(path.dirname(file)).sort()
    expect(names).toEqual(['loupe.log', 'loupe.log.1', 'loupe.log.2', 'loupe.log.3'])
    for (const n of names)
      expect(fs.statSync(path.join(d, 'logs', n)).size).toBeLessThanOrEqual(400)
    const kept = history(file).map((l) => Number(/line (\d+)$/.exec(l)?.[1]))
    // the newest line is in loupe.log, the kept ones are consecutive and end with the last one
    expect(lines(file).at(-1)).toMatch(/INFO line 199$/)
    expect(kept.at(-1)).toBe(199)
    expect(kept).toEqual(kept.map((_, i) => 199 - kept.length + 1 + i))
    // four files of at most 400 bytes (a line is ~38 bytes): far fewer than the 200 lines written
    expect(kept.length).toBeGreaterThan(30)
    expect(kept.length).toBeLessThan(50)
  })

  it('does not rotate below the cap, and keeps appending while another process holds the rotation', () => {
    const d = dir()
    const file = logFilePath(d)
    const log = createLogger(d, { maxBytes: 300 })
    for (let i = 0; i < 5; i++) log.log('info', `small ${i}`)
    expect(fs.readdirSync(path.dirname(file))).toEqual(['loupe.log'])
    // a fresh lock: another process is rotating right now; we append and leave it alone
    fs.writeFileSync(file + '.rotating', '')
    for (let i = 0; i < 20; i++) log.log('info', `busy ${i}`)
    expect(fs.existsSync(file + '.1')).toBe(false)
    expect(lines(file)).toHaveLength(25)
    // a stale lock (its process died while rotating) is taken over
    const old = new Date(Date.now() - 60_000)
    fs.utimesSync(file + '.rotating', old, old)
    log.log('info', 'after')
    expect(lines(file + '.1')).toHaveLength(25)
    expect(lines(file)).toEqual([expect.stringMatching(/INFO after$/)])
    expect(fs.existsSync(file + '.rotating')).toBe(false)
  })

  it('never throws: an unwritable log folder or a missing file is not an error', () => {
    const d = dir()
    fs.writeFileSync(path.join(d, 'logs'), 'a file where the folder should be')
    const log = createLogger(d, { maxBytes: 100 })
    expect(() => log.log('error', 'nowhere to go')).not.toThrow()
    expect(rotateIfNeeded(path.join(d, 'none', 'loupe.log'), 10_000, 100)).toBe(false)
  })

  /** Three processes appending `n` lines each to the log of `d` at the same moment. */
  async function writers(d: string, n: number, maxBytes: number, generations: number) {
    const startAt = String(Date.now() + 2500)
    const results = await Promise.all(
      ['A', 'B', 'C'].map(
        (tag) =>
          new Promise<{ code: number | null; err: string }>((resolve) => {
            const args = [writer, d, tag, String(n), String(maxBytes), String(generations), startAt]
            const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
              cwd: root,
              stdio: ['ignore', 'ignore', 'pipe'],
            })
            let err = ''
            child.stderr!.on('data', (b) => (err += b))
            child.on('exit', (code) => resolve({ code, err }))
          }),
      ),
    )
    for (const r of results) expect(r).toEqual({ code: 0, err: '' })
    const file = logFilePath(d)
    const names = fs.readdirSync(path.dirname(file))
    expect(names).not.toContain('loupe.log.rotating')
    const gens = names.filter((x) => x !== 'loupe.log').map((x) => Number(x.split('.').pop()))
    gens.sort((a, b) => a - b)
    expect(gens).toEqual(gens.map((_, i) => i + 1))
    const files = [...[...gens].reverse().map((g) => `${file}.${g}`), file]
    // whole lines only (no torn writes), each process's lines in the order it wrote them
    const seen = new Map<string, number>()
    let switches = 0
    let prev = ''
    const all = files.flatMap((f) => lines(f))
    for (const l of all) {
      const m = /^\S+ INFO ([ABC]) (\d+) x+$/.exec(l)
      expect(m, l).not.toBeNull()
      const [tag, i] = [m![1], Number(m![2])]
      expect(i).toBeGreaterThan(seen.get(tag) ?? -1)
      seen.set(tag, i)
      if (prev && prev !== tag) switches++
      prev = tag
    }
    return { files, all, seen, switches, sizes: files.map((f) => fs.statSync(f).size) }
  }

  it('several processes appending and rotating the same log at once lose no line and keep each whole and in order', async () => {
    // enough generations to keep everything: every line written must be found exactly once
    const r = await writers(dir(), 3000, 4000, 500)
    expect(r.all).toHaveLength(9000)
    for (const tag of ['A', 'B', 'C']) expect(r.seen.get(tag)).toBe(2999)
    // the processes really did append (and so rotate) at the same time: their lines interleave
    expect(r.switches).toBeGreaterThan(3)
    // it was rotated many times (never more often than the cap allows)
    const total = r.sizes.reduce((a, b) => a + b, 0)
    expect(r.files.length).toBeGreaterThan(10)
    expect(r.files.length).toBeLessThanOrEqual(Math.ceil(total / 4000) + 1)
  })

  it('several processes with three generations keep four files of about the cap, newest lines kept', async () => {
    const r = await writers(dir(), 2000, 6000, 3)
    expect(r.files.map((f) => path.basename(f))).toEqual([
      'loupe.log.3',
      'loupe.log.2',
      'loupe.log.1',
      'loupe.log',
    ])
    expect(Math.max(...r.seen.values())).toBe(1999)
    for (const size of r.sizes) expect(size).toBeLessThanOrEqual(2 * 6000)
  })
})
