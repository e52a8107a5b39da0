/**
 * `loupe serve` runs with glibc's allocator settings for huge pictures (core/util/malloc-env.ts):
 * on Linux it restarts itself in place (same pid) with them, keeping a value the user set; the
 * desktop core process gets them in its environment. Read from the running process's
 * /proc/<pid>/environ — what glibc itself saw at start.
 */
import fs from 'node:fs'
import type { ChildProcess } from 'node:child_process'
import { afterEach, describe, expect, it } from 'vitest'
import { DECODE_MALLOC_ENV, withDecodeMallocEnv } from '../../../electron/core/util/malloc-env'
import { serve } from '../../helpers/cli'
import { tempDir } from '../../helpers/tmp'

function environOf(pid: number): Record<string, string> {
  const raw = fs.readFileSync(`/proc/${pid}/environ`, 'utf8')
  return Object.fromEntries(
    raw
      .split('\0')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  )
}

const running: ChildProcess[] = []
const dirs: (() => void)[] = []
afterEach(() => {
  for (const p of running.splice(0)) p.kill('SIGKILL')
  for (const d of dirs.splice(0)) d()
})

describe.runIf(process.platform === 'linux')('loupe serve and the allocator (Linux)', () => {
  it('restarts itself in place with MALLOC_MMAP_THRESHOLD_ and serves', async () => {
    const t = tempDir()
    dirs.push(t.cleanup)
    const s = await serve(['--data', t.dir, '--port', '0'], { MALLOC_MMAP_THRESHOLD_: undefined })
    running.push(s.proc)
    // The very process that was started (same pid) now runs with the setting glibc reads at start.
    expect(environOf(s.proc.pid!).MALLOC_MMAP_THRESHOLD_).toBe(
      DECODE_MALLOC_ENV.MALLOC_MMAP_THRESHOLD_,
    )
    const res = await fetch(`${s.url}/api/call/app.info`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    })
    expect(((await res.json()) as { result: { host: string } }).result.host).toBe('headless')
  }, 90_000)

  it('keeps a value the user set', async () => {
    const t = tempDir()
    dirs.push(t.cleanup)
    const s = await serve(['--data', t.dir, '--port', '0'], { MALLOC_MMAP_THRESHOLD_: '262144' })
    running.push(s.proc)
    expect(environOf(s.proc.pid!).MALLOC_MMAP_THRESHOLD_).toBe('262144')
  }, 90_000)
})

describe('the environment of a decoding process', () => {
  it('gains the allocator settings, and keeps the values already there', () => {
    expect(withDecodeMallocEnv({ PATH: '/bin' })).toEqual({ PATH: '/bin', ...DECODE_MALLOC_ENV })
    expect(withDecodeMallocEnv({ MALLOC_MMAP_THRESHOLD_: '1' }).MALLOC_MMAP_THRESHOLD_).toBe('1')
  })
})
