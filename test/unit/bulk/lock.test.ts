import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { acquireProcessLock } from '../../../electron/core/jobs/lock'
import { createCore } from '../../../electron/core/app'
import { createFileSecretStore } from '../../../electron/core/profiles/file-secret-store'
import { tempDir } from '../../helpers/tmp'

describe('one process runs the jobs of a data folder', () => {
  const t = tempDir('loupe-bulk-lock-')
  afterAll(() => t.cleanup())

  it('refuses while another live process holds the lock, takes over a dead one', () => {
    const file = path.join(t.dir, 'jobs.lock')
    // a live process that is not this one: our parent
    fs.writeFileSync(file, String(process.ppid))
    expect(() => acquireProcessLock(file)).toThrow(
      expect.objectContaining({
        code: 'JobsBusy',
        message: expect.stringContaining(String(process.ppid)),
      }),
    )
    // a process that has exited
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    })
    fs.writeFileSync(file, dead.stdout)
    const release = acquireProcessLock(file)
    expect(fs.readFileSync(file, 'utf8')).toBe(String(process.pid))
    release()
    expect(fs.existsSync(file)).toBe(false)
  })

  it('creating the core starts no work and opens no queue; close releases the lock', async () => {
    const dir = path.join(t.dir, 'data')
    const core = createCore({ dataDir: dir, secrets: createFileSecretStore(dir), host: 'headless' })
    expect(fs.existsSync(path.join(dir, 'jobs.db'))).toBe(false)
    expect(fs.existsSync(path.join(dir, 'jobs.lock'))).toBe(false)
    expect((await core.api.jobs.list({})).jobs).toEqual([])
    expect(fs.existsSync(path.join(dir, 'jobs.lock'))).toBe(true)
    await core.close()
    expect(fs.existsSync(path.join(dir, 'jobs.lock'))).toBe(false)
  })
})
