import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { lockOwner, tryLock } from '../../../../../electron/core/util/lock'
import { createCore } from '../../../../../electron/core/app'
import { createFileSecretStore } from '../../../../../electron/core/profiles/file-secret-store'
import { tempDir } from '../../../../helpers/tmp'

describe('one process runs the jobs of a data folder', () => {
  const t = tempDir('loupe-bulk-lock-')
  afterAll(() => t.cleanup())

  it('refuses while another live process holds the lock, takes over a dead one', async () => {
    const file = path.join(t.dir, 'jobs.lock')
    // a live process that is not this one: our parent (a lock file of an older Loupe: a bare pid)
    fs.writeFileSync(file, String(process.ppid))
    expect(tryLock(file, 'cli')).toMatchObject({ ok: false, owner: { pid: process.ppid } })
    // the job queue of a core on this data folder refuses with JobsBusy, naming the owner
    const core = createCore({
      dataDir: t.dir,
      secrets: createFileSecretStore(t.dir),
      host: 'headless',
    })
    try {
      await expect(core.api.jobs.list({})).rejects.toMatchObject({
        code: 'JobsBusy',
        message: expect.stringContaining(String(process.ppid)),
      })
      expect(await core.jobs.start()).toMatchObject({ ok: false, owner: { pid: process.ppid } })
    } finally {
      await core.close()
    }
    // a process that has exited
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    })
    fs.writeFileSync(file, dead.stdout)
    const l = tryLock(file, 'cli')
    expect(l.ok).toBe(true)
    expect(lockOwner(file)).toMatchObject({ pid: process.pid, host: 'cli' })
    if (l.ok) l.release()
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
