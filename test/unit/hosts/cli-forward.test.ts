import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { spawnSync, type ChildProcess } from 'node:child_process'
import { afterAll, describe, expect, it } from 'vitest'
import { loupe, serve } from '../../helpers/cli'
import { postJson } from '../../helpers/http'
import { tempDir } from '../../helpers/tmp'
import { CATALOGUE_DIR } from '../../helpers/images'

const FILE = path.join(CATALOGUE_DIR, 'item0000.jpg')
const OTHER = path.join(CATALOGUE_DIR, 'item0001.jpg')

interface Auction {
  productId: string
  picName: string
  score: number
}

function stopped(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve()
    proc.once('exit', () => resolve())
    proc.kill('SIGINT')
  })
}

/** A port nothing listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const s = net.createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()))
  const port = (s.address() as net.AddressInfo).port
  await new Promise<void>((r) => s.close(() => r()))
  return port
}

describe('CLI commands while `loupe serve` runs on the same data folder', () => {
  const t = tempDir()
  const data = path.join(t.dir, 'data')
  const serverJson = path.join(data, 'server.json')
  const engineLock = path.join(data, 'profiles', 'local', 'engine', 'engine.lock')
  let proc: ChildProcess | null = null
  afterAll(async () => {
    if (proc) await stopped(proc)
    t.cleanup()
  })

  const forwardedErrors: Record<string, string> = {}
  const badFilter = ['--data', data, 'search', '--filter', 'bad (((']
  const ghost = ['--data', data, '--profile', 'ghost', 'exists', '--product', 'p', '--name', 'n']

  it('serve announces itself in server.json (mode 0600) before its first line', async () => {
    const s = await serve(['--data', data, '--port', '0'])
    proc = s.proc
    const info = JSON.parse(fs.readFileSync(serverJson, 'utf8'))
    expect(info).toMatchObject({ pid: s.proc.pid, url: s.url })
    expect(typeof info.startedAt).toBe('number')
    expect(fs.statSync(serverJson).mode & 0o777).toBe(0o600)
  })

  it('adds through the host: the host itself then finds the image, and so does `loupe search`', async () => {
    const url = JSON.parse(fs.readFileSync(serverJson, 'utf8')).url as string
    // the host opens the engine first (as its UI would): a second core could not open it now
    const before = (await postJson(`${url}/api/call/instance.detail`, { profile: 'local' })) as {
      result: { instance: { totalCount: number } }
    }
    expect(before.result.instance.totalCount).toBe(0)
    expect(Number(fs.readFileSync(engineLock, 'utf8'))).toBe(proc!.pid)
    const add = loupe(['--data', data, 'add', FILE, '--product', 'p', '--name', 'n'])
    expect(add.stderr).toBe('')
    expect(add.code).toBe(0)
    expect(add.stdout).toMatch(/^Added p \/ n: category \d+/)

    const viaHost = (await postJson(`${url}/api/call/search.byPic`, {
      profile: 'local',
      image: { path: FILE },
    })) as { result: { auctions: Auction[] } }
    expect(viaHost.result.auctions[0]).toMatchObject({ productId: 'p', picName: 'n' })

    const s = loupe(['--data', data, 'search', '--image', FILE, '--json'])
    expect(s.stderr).toBe('')
    expect(s.code).toBe(0)
    const r = JSON.parse(s.stdout) as { auctions: Auction[]; head: { docsFound: number } }
    expect(r.auctions[0]).toMatchObject({ productId: 'p', picName: 'n' })
    expect(r.head.docsFound).toBe(1)

    const d = loupe(['--data', data, 'detail', '--json'])
    expect(d.code).toBe(0)
    expect(JSON.parse(d.stdout).instance).toMatchObject({ name: 'local', totalCount: 1 })

    const e = loupe(['--data', data, 'exists', '--product', 'p', '--name', 'n', '--json'])
    expect(e.code).toBe(0)
    expect(JSON.parse(e.stdout)).toMatchObject({ exist: true })
    expect(loupe(['--data', data, 'exists', '--product', 'p', '--name', 'zz']).code).toBe(3)
  })

  it('errors from the host print as code: message (hint) and exit 1', () => {
    const f = loupe(badFilter)
    expect(f.code).toBe(1)
    expect(f.stdout).toBe('')
    expect(f.stderr).toMatch(/^InvalidFilterClause: Invalid filter .+ \(.+\)\n$/)
    forwardedErrors.filter = f.stderr
    const g = loupe(ghost)
    expect(g.code).toBe(1)
    expect(g.stderr).toMatch(/^ProfileNotFound: There is no profile named "ghost" \(.+\)\n$/)
    forwardedErrors.ghost = g.stderr
  })

  it('profile commands go to the host too, and --profile selects the host’s profile', () => {
    expect(loupe(['--data', data, 'profiles', 'add', 'studio', '--local']).code).toBe(0)
    const ok = loupe([
      '--data',
      data,
      '--profile',
      'studio',
      'add',
      OTHER,
      '--product',
      'q',
      '--name',
      'm',
    ])
    expect(ok.stderr).toBe('')
    expect(ok.code).toBe(0)
    const d = JSON.parse(loupe(['--data', data, '--profile', 'studio', 'detail', '--json']).stdout)
    expect(d.instance).toMatchObject({ name: 'studio', totalCount: 1 })
    // the host holds that profile's engine as well
    const lock = path.join(data, 'profiles', 'studio', 'engine', 'engine.lock')
    expect(Number(fs.readFileSync(lock, 'utf8'))).toBe(proc!.pid)
    // commands that are not forwarded keep opening their own core
    const w = loupe(['--data', data, 'watch', 'list', '--json'])
    expect(w.code).toBe(0)
    expect(JSON.parse(w.stdout).rules).toEqual([])
  })

  it('after the host stops, the same commands run locally again, with the same errors', async () => {
    await stopped(proc!)
    proc = null
    expect(fs.existsSync(serverJson)).toBe(false)
    expect(fs.existsSync(engineLock)).toBe(false)

    const s = loupe(['--data', data, 'search', '--image', FILE, '--json'])
    expect(s.stderr).toBe('')
    expect(s.code).toBe(0)
    expect(JSON.parse(s.stdout).auctions[0]).toMatchObject({ productId: 'p', picName: 'n' })

    const f = loupe(badFilter)
    expect(f.code).toBe(1)
    expect(f.stderr).toBe(forwardedErrors.filter)
    const g = loupe(ghost)
    expect(g.code).toBe(1)
    expect(g.stderr).toBe(forwardedErrors.ghost)
  })

  it('ignores and removes a server.json whose process is gone', () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!
    fs.writeFileSync(
      serverJson,
      JSON.stringify({ pid: dead, url: 'http://127.0.0.1:9', startedAt: Date.now() }),
    )
    const r = loupe(['--data', data, 'exists', '--product', 'p', '--name', 'n'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toBe('exists\n')
    expect(fs.existsSync(serverJson)).toBe(false)
  })

  it('runs locally when the announced URL refuses connections (pid alive but not a host)', async () => {
    const port = await closedPort()
    fs.writeFileSync(
      serverJson,
      JSON.stringify({ pid: process.pid, url: `http://127.0.0.1:${port}`, startedAt: 1 }),
    )
    const r = loupe(['--data', data, 'search', '--image', FILE, '--json'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout).auctions[0]).toMatchObject({ productId: 'p', picName: 'n' })
    expect(fs.existsSync(serverJson)).toBe(false)
  })
})
