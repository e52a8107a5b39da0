import fs from 'node:fs'
import path from 'node:path'
import { spawn, spawnSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createClient } from '../../../../electron/api/client'
import { contract } from '../../../../electron/api/contract'
import { createDispatcher } from '../../../../electron/api/dispatch'
import type { Implementation } from '../../../../electron/api/define'
import type { Contract } from '../../../../electron/api/contract'
import {
  announce,
  announcementFile,
  readAnnouncement,
  socketDir,
} from '../../../../electron/core/control/announce'
import { connectControl, connectControlTo } from '../../../../electron/core/control/client'
import { startControlServer } from '../../../../electron/core/control/server'
import { EventBus } from '../../../../electron/core/events'
import { tempDir } from '../../../helpers/tmp'

const POSIX = process.platform !== 'win32'

describe.runIf(POSIX)('the control channel’s socket folder', () => {
  const t = tempDir('loupe-control-dir-')
  afterAll(() => t.cleanup())

  it('is made owner-only, made owner-only again, and refused when it is a symlink', () => {
    const env = { XDG_RUNTIME_DIR: path.join(t.dir, 'run') }
    fs.mkdirSync(env.XDG_RUNTIME_DIR)
    const dir = socketDir(env)
    expect(dir).toBe(path.join(env.XDG_RUNTIME_DIR, `loupe-${process.getuid!()}`))
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700)
    fs.chmodSync(dir, 0o755)
    expect(socketDir(env)).toBe(dir)
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700)

    const other = { XDG_RUNTIME_DIR: path.join(t.dir, 'other') }
    fs.mkdirSync(other.XDG_RUNTIME_DIR)
    fs.symlinkSync(dir, path.join(other.XDG_RUNTIME_DIR, `loupe-${process.getuid!()}`))
    expect(() => socketDir(other)).toThrow(/not a folder/)
  })
})

describe('a host and a client on the control channel', () => {
  const t = tempDir('loupe-control-')
  const dataDir = path.join(t.dir, 'data')
  const events = new EventBus()
  const calls: unknown[] = []
  const impl = {
    app: {
      async info() {
        return {
          version: '1.2.3',
          host: 'headless' as const,
          dataDir,
          secretBackend: { name: 'memory', secure: true },
          featurizer: null,
        }
      },
    },
    jobs: {
      async items(input: unknown) {
        calls.push(input)
        return { items: [], total: 0 }
      },
    },
  } as unknown as Implementation<Contract>
  const dispatch = createDispatcher(contract, impl)
  let server: Awaited<ReturnType<typeof startControlServer>>
  beforeAll(async () => {
    fs.mkdirSync(dataDir, { recursive: true })
    server = await startControlServer({
      dataDir,
      host: 'headless',
      version: '1.2.3',
      dispatch,
      onEvent: (l) => events.onAny(l),
    })
  })
  afterAll(async () => {
    await server.close()
    t.cleanup()
  })

  it('is announced (0600); a process never connects to its own channel', async () => {
    const a = readAnnouncement(dataDir)!
    expect(a).toMatchObject({ pid: process.pid, host: 'headless', path: server.path })
    if (POSIX) expect(fs.statSync(announcementFile(dataDir)).mode & 0o777).toBe(0o600)
    expect(await connectControl(dataDir)).toBeNull()
  })

  it('carries validated calls with their defaults, errors and events to a client', async () => {
    // an announcement under another live pid but leading here: the welcome's pid gives it away
    const a = readAnnouncement(dataDir)!
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'])
    try {
      fs.writeFileSync(announcementFile(dataDir), JSON.stringify({ ...a, pid: sleeper.pid }))
      expect(await connectControl(dataDir)).toBeNull()
    } finally {
      sleeper.kill()
      fs.writeFileSync(announcementFile(dataDir), JSON.stringify(a))
    }
    // this process's own channel (connectControl skips those), as another process would reach it
    const conn = (await connectControlTo(dataDir, a))!
    const bridge = createClient(contract, conn.transport)
    expect(conn.host).toEqual({ pid: process.pid, kind: 'headless', version: '1.2.3' })
    expect((await bridge.api.app.info({})).version).toBe('1.2.3')
    await bridge.api.jobs.items({ jobId: 7 })
    // defaults applied by the dispatcher, as in every host
    expect(calls.at(-1)).toEqual({ jobId: 7, offset: 0, limit: 100 })
    await expect(bridge.api.jobs.items({ jobId: -1 })).rejects.toMatchObject({
      code: 'InvalidArgument',
    })
    await expect(bridge.api.jobs.get({ jobId: 1 })).rejects.toMatchObject({
      code: 'NotImplemented',
    })
    const seen: unknown[] = []
    bridge.on('gallery.changed', (p) => seen.push(p))
    // the subscription reaches the host before the event is sent: one round trip after it
    await bridge.api.app.info({})
    events.emit('gallery.changed', { profile: 'local', reason: 'import' })
    await expect.poll(() => seen).toEqual([{ profile: 'local', reason: 'import' }])
    conn.close()
  })

  it('ignores and removes an announcement whose process is gone', async () => {
    const other = path.join(t.dir, 'other')
    fs.mkdirSync(other)
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!
    announce(other, { pid: dead, path: server.path, startedAt: 1, host: 'electron', token: 'x' })
    expect(await connectControl(other)).toBeNull()
    expect(fs.existsSync(announcementFile(other))).toBe(false)
  })

  it('takes its announcement and socket along when it closes', async () => {
    const other = path.join(t.dir, 'closing')
    fs.mkdirSync(other)
    const s = await startControlServer({
      dataDir: other,
      host: 'electron',
      dispatch,
      onEvent: (l) => events.onAny(l),
    })
    expect(fs.existsSync(announcementFile(other))).toBe(true)
    await s.close()
    expect(fs.existsSync(announcementFile(other))).toBe(false)
    if (POSIX) expect(fs.existsSync(s.path)).toBe(false)
  })
})
