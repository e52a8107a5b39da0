import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { forkLauncher } from '../../../electron/core-host/fork-launcher'
import type { PortLike } from '../../../electron/core-host/protocol'
import { createCoreSupervisor, type CoreSupervisor } from '../../../electron/core-host/supervisor'
import { createMemorySecretStore } from '../../../electron/core/profiles/secrets'
import { loupeAsync } from '../../helpers/cli'
import { catalogueItem } from '../../helpers/images'
import { tempDir } from '../../helpers/tmp'
import { lockOwner } from '../../../electron/core/util/lock'

// "The CLI beside a running desktop app": the app's core process, forked the way the tests start
// it (the same entry the Electron utility process runs), with the supervisor main uses. `loupe`
// commands on its data folder run in it, over its control channel.

const ROOT = path.resolve(__dirname, '../../..')
const ENTRY = path.join(ROOT, 'electron/core-host/entry.ts')

async function until<T>(what: () => T, ok: (v: T) => boolean, ms = 90_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = what()
    if (ok(v)) return v
    if (Date.now() > end) throw new Error(`timed out; last: ${JSON.stringify(v)}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('CLI commands while the desktop app runs on the data folder', { timeout: 240_000 }, () => {
  const t = tempDir('loupe-cli-desktop-')
  const data = path.join(t.dir, 'data')
  const controlJson = path.join(data, 'control.json')
  const output: string[] = []
  let sup: CoreSupervisor<PortLike>
  const cli = (...args: string[]) => loupeAsync(['--data', data, ...args])

  beforeAll(() => {
    sup = createCoreSupervisor({
      launcher: forkLauncher({
        entry: ENTRY,
        execArgv: ['--import', 'tsx'],
        cwd: ROOT,
        output: (c) => output.push(c),
      }),
      init: () => ({
        dataDir: data,
        version: '9.9.9-test',
        featurizerWorkers: 1,
        imagingWorkers: 1,
      }),
      secrets: createMemorySecretStore(),
      revealPath: () => {},
      pickFolder: () => Promise.resolve(null),
      logFile: path.join(data, 'logs', 'loupe.log'),
      restart: { delaysMs: [200] },
      shutdownTimeoutMs: 20_000,
    })
    sup.start()
  })
  afterAll(async () => {
    await sup?.stop()
    t.cleanup()
  })

  it('the core process announces its control channel once it is up', async () => {
    const info = await until(
      () => (fs.existsSync(controlJson) ? JSON.parse(fs.readFileSync(controlJson, 'utf8')) : null),
      (v) => v !== null,
    )
    expect(info).toMatchObject({ pid: sup.pid, host: 'electron' })
    if (process.platform !== 'win32') {
      expect(fs.statSync(controlJson).mode & 0o777).toBe(0o600)
      expect(fs.statSync(info.path).mode & 0o777).toBe(0o600)
    }
  })

  it('engine commands run in the app: add, search, detail, dump --wait', async () => {
    const add = await cli('add', catalogueItem(3), '--product', 'd', '--name', 'd.jpg')
    expect(add.stderr).toBe('')
    expect(add.code).toBe(0)
    const lock = path.join(data, 'profiles', 'local', 'engine', 'engine.lock')
    expect(lockOwner(lock)?.pid).toBe(sup.pid)
    const s = await cli('search', '--image', catalogueItem(3), '--json')
    expect(s.code, s.stderr).toBe(0)
    expect(JSON.parse(s.stdout).auctions[0]).toMatchObject({ productId: 'd', picName: 'd.jpg' })
    const dump = await cli('dump', '--wait', '--json')
    expect(dump.code, dump.stderr).toBe(0)
    const out = JSON.parse(dump.stdout) as { task: { status: string; file: { path: string } } }
    expect(out.task.status).toBe('SUCCESS')
    expect(fs.readFileSync(out.task.file.path, 'utf8')).toContain('"ProductId":"d"')
  })

  it('bulk-add, watch and batch commands run in the app', async () => {
    const src = path.join(t.dir, 'photos')
    fs.mkdirSync(path.join(src, 'cap'), { recursive: true })
    fs.copyFileSync(catalogueItem(20), path.join(src, 'cap', 'a.jpg'))
    fs.copyFileSync(catalogueItem(21), path.join(src, 'cap', 'b.jpg'))
    const bulk = await cli('bulk-add', src, '--json')
    expect(bulk.code, bulk.stderr).toBe(0)
    expect(JSON.parse(bulk.stdout)).toMatchObject({ state: 'done', done: 2, failed: 0 })

    const w = await cli('watch', 'list', '--json')
    expect(w.code, w.stderr).toBe(0)
    expect(JSON.parse(w.stdout).runner).toMatchObject({ pid: sup.pid, host: 'electron' })

    const b = await cli('batch', 'create', '--from', src, '--wait', '--json')
    expect(b.code, b.stderr).toBe(0)
    expect(JSON.parse(b.stdout)).toMatchObject({ state: 'success', linesOk: 2 })
  })

  it('when the app closes, its announcement goes and the CLI opens its own core', async () => {
    await sup.stop()
    expect(fs.existsSync(controlJson)).toBe(false)
    const d = await cli('detail', '--json')
    expect(d.code, d.stderr).toBe(0)
    expect(JSON.parse(d.stdout).instance.totalCount).toBeGreaterThanOrEqual(3)
  })
})
