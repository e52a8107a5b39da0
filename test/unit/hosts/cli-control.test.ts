import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { afterAll, describe, expect, it } from 'vitest'
import { BIN, ROOT, loupe, serve } from '../../helpers/cli'
import { postJson } from '../../helpers/http'
import { tempDir } from '../../helpers/tmp'
import { CATALOGUE_DIR, catalogueItem } from '../../helpers/images'
import { lockOwner } from '../../../electron/core/util/lock'

const FILE = path.join(CATALOGUE_DIR, 'item0000.jpg')
const OTHER = path.join(CATALOGUE_DIR, 'item0001.jpg')
const POSIX = process.platform !== 'win32'

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

/** What a client that does not know the token gets from the socket: every byte until it closes. */
function knock(where: string, hello: string): Promise<string> {
  return new Promise((resolve) => {
    let got = ''
    const s = net.connect(where, () => s.write(hello))
    s.on('data', (d) => (got += d))
    s.on('error', () => {})
    s.on('close', () => resolve(got))
  })
}

describe(
  'CLI commands while `loupe serve` runs on the same data folder',
  { timeout: 240_000 },
  () => {
    const t = tempDir('loupe-cli-control-')
    const data = path.join(t.dir, 'data')
    const controlJson = path.join(data, 'control.json')
    const engineLock = path.join(data, 'profiles', 'local', 'engine', 'engine.lock')
    let proc: ChildProcess | null = null
    let url = ''
    const hostUrl = () => url
    afterAll(async () => {
      if (proc) await stopped(proc)
      t.cleanup()
    })

    const hostErrors: Record<string, string> = {}
    const badFilter = ['--data', data, 'search', '--filter', 'bad (((']
    const ghost = ['--data', data, '--profile', 'ghost', 'exists', '--product', 'p', '--name', 'n']

    it('serve announces its control channel before its first line; owner-only', async () => {
      const s = await serve(['--data', data, '--port', '0'])
      proc = s.proc
      url = s.url
      const info = JSON.parse(fs.readFileSync(controlJson, 'utf8'))
      expect(info).toMatchObject({ pid: s.proc.pid, host: 'headless' })
      expect(typeof info.startedAt).toBe('number')
      expect(info.token).toMatch(/^[0-9a-f]{48}$/)
      if (POSIX) {
        expect(fs.statSync(controlJson).mode & 0o777).toBe(0o600)
        const sock = fs.statSync(info.path)
        expect(sock.isSocket()).toBe(true)
        expect(sock.mode & 0o777).toBe(0o600)
        expect(sock.uid).toBe(process.getuid!())
        const dir = fs.statSync(path.dirname(info.path))
        expect(dir.mode & 0o777).toBe(0o700)
        expect(dir.uid).toBe(process.getuid!())
      }
      // no token, no answer: the host says nothing and hangs up
      const call = JSON.stringify({ t: 'call', id: 1, method: 'profiles.list', input: {} }) + '\n'
      expect(await knock(info.path, call)).toBe('')
      const wrong = JSON.stringify({ t: 'hello', token: 'x'.repeat(48), protocol: 1 }) + '\n'
      expect(await knock(info.path, wrong + call)).toBe('')
    })

    it('adds through the host: the host itself then finds the image, and so does `loupe search`', async () => {
      // the host opens the engine first (as its UI would): a second core could not open it now
      const before = (await postJson(`${hostUrl()}/api/call/instance.detail`, {
        profile: 'local',
      })) as { result: { instance: { totalCount: number } } }
      expect(before.result.instance.totalCount).toBe(0)
      expect(lockOwner(engineLock)?.pid).toBe(proc!.pid)
      const add = loupe(['--data', data, 'add', FILE, '--product', 'p', '--name', 'n'])
      expect(add.stderr).toBe('')
      expect(add.code).toBe(0)
      expect(add.stdout).toMatch(/^Added p \/ n: category \d+/)

      const viaHost = (await postJson(`${hostUrl()}/api/call/search.byPic`, {
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
      hostErrors.filter = f.stderr
      const g = loupe(ghost)
      expect(g.code).toBe(1)
      expect(g.stderr).toMatch(/^ProfileNotFound: There is no profile named "ghost" \(.+\)\n$/)
      hostErrors.ghost = g.stderr
      // validated by the contract's schemas, as in every host
      const bad = loupe(['--data', data, 'search', '--image', FILE, '--region', 'here'])
      expect(bad.code).toBe(1)
      expect(bad.stderr).toMatch(/^InvalidArgument: search\.byPic: region: /)
    })

    it('dump --wait --json completes in the host and prints the dump', () => {
      const r = loupe(['--data', data, 'dump', '--wait', '--json'])
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
      const out = JSON.parse(r.stdout) as {
        task: { id: number; status: string; file: { path: string } }
        imported: null
      }
      expect(out.task.status).toBe('SUCCESS')
      expect(out.imported).toBeNull()
      expect(fs.readFileSync(out.task.file.path, 'utf8')).toContain('"ProductId":"p"')
      const list = loupe(['--data', data, 'dump', 'list', '--json'])
      expect(JSON.parse(list.stdout).items.map((x: { id: number }) => x.id)).toContain(out.task.id)
    })

    it('bulk-add, jobs, watch, batch and gallery commands run in the host too', () => {
      const src = path.join(t.dir, 'photos')
      for (const [rel, n] of [
        ['shirt/front.jpg', 10],
        ['dress/side.jpg', 12],
      ] as const) {
        fs.mkdirSync(path.dirname(path.join(src, rel)), { recursive: true })
        fs.copyFileSync(catalogueItem(n), path.join(src, rel))
      }
      const dry = loupe(['--data', data, 'bulk-add', src, '--dry-run', '--json'])
      expect(dry.code, dry.stderr).toBe(0)
      expect(dry.stdout.trim().split('\n')).toHaveLength(2)
      const bulk = loupe(['--data', data, 'bulk-add', src, '--json'])
      expect(bulk.code, bulk.stderr).toBe(0)
      expect(JSON.parse(bulk.stdout)).toMatchObject({ type: 'summary', state: 'done', done: 2 })
      const jobs = JSON.parse(loupe(['--data', data, 'jobs', 'list', '--json']).stdout)
      expect(jobs.jobs[0]).toMatchObject({ state: 'done', done: 2 })

      const watched = path.join(t.dir, 'watched')
      fs.mkdirSync(watched)
      const w = loupe(['--data', data, 'watch', 'add', watched])
      expect(w.code, w.stderr).toBe(0)
      expect(w.stdout).toContain(`The Loupe headless host (pid ${proc!.pid}) watches it`)
      const wl = JSON.parse(loupe(['--data', data, 'watch', 'list', '--json']).stdout)
      expect(wl.runner).toMatchObject({ pid: proc!.pid, host: 'headless', self: true })

      const b = loupe(['--data', data, 'batch', 'create', '--from', src, '--wait'])
      expect(b.code, b.stderr).toBe(0)
      expect(b.stdout).toContain(`the Loupe headless host (pid ${proc!.pid}) runs it`)
      expect(b.stdout).toMatch(/success .*2 ok, 0 failed, 0 set apart of 2/)

      const g = JSON.parse(loupe(['--data', data, 'gallery', 'list', '--json']).stdout)
      // p / n, and the two pictures (bulk add and batch name them their own way)
      expect(g.total).toBeGreaterThanOrEqual(3)
      expect(g.items.map((i: { productId: string }) => i.productId)).toContain('p')
      const csv = loupe(['--data', data, 'gallery', 'export', '--out', '-', '--product', 'p'])
      expect(csv.code, csv.stderr).toBe(0)
      expect(csv.stdout.split('\n')[1]).toMatch(/^p,n,/)
      // every engine stayed in the host
      expect(lockOwner(engineLock)?.pid).toBe(proc!.pid)
    })

    it('Ctrl-C on a bulk-add running in the host pauses the job there; the same command resumes it', async () => {
      const many = path.join(t.dir, 'many')
      fs.mkdirSync(path.join(many, 'box'), { recursive: true })
      for (let n = 100; n < 160; n++) {
        fs.copyFileSync(catalogueItem(n), path.join(many, 'box', `${n}.jpg`))
      }
      const args = ['--data', data, 'bulk-add', many]
      const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT })
      let err = ''
      let interrupted = false
      child.stderr.on('data', (d) => {
        err += d
        if (!interrupted && /^Started bulk add job \d+/m.test(err)) {
          interrupted = true
          child.kill('SIGINT')
        }
      })
      const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)))
      expect(err).toContain(`in the Loupe headless host (pid ${proc!.pid})`)
      expect(code).toBe(130)
      const jobId = Number(/Run the same command again to resume job (\d+)/.exec(err)![1])
      const job = JSON.parse(loupe(['--data', data, 'jobs', 'list', '--json']).stdout).jobs[0]
      expect(job).toMatchObject({ jobId, state: 'paused' })
      expect(job.done).toBeLessThan(60)

      const again = loupe([...args, '--json'])
      expect(again.code, again.stderr).toBe(0)
      expect(JSON.parse(again.stdout)).toMatchObject({
        jobId,
        resumed: true,
        state: 'done',
        done: 60,
      })
    })

    it('loupe copy runs in the host too: the job runs there, the command prints its verification', () => {
      expect(loupe(['--data', data, 'profiles', 'add', 'copyto', '--local']).code).toBe(0)
      const dry = loupe(['--data', data, 'copy', '--from', 'local', '--to', 'copyto', '--dry-run'])
      expect(dry.code, dry.stderr).toBe(0)
      const toAdd = Number(/: (\d+) to add/.exec(dry.stdout)![1])
      expect(toAdd).toBeGreaterThan(0)
      const r = loupe(['--data', data, 'copy', '--from', 'local', '--to', 'copyto'])
      expect(r.code, r.stderr).toBe(0)
      expect(r.stderr).toContain(`in the Loupe headless host (pid ${proc!.pid})`)
      expect(r.stdout).toContain(`${toAdd} copied, 0 deleted, 0 failed`)
      expect(r.stdout).toContain('every copied picture is in the target')
      // The job is the host's.
      const jobs = JSON.parse(loupe(['--data', data, 'jobs', 'list', '--json']).stdout).jobs
      expect(jobs[0]).toMatchObject({ kind: 'gallery-copy', state: 'done', done: toAdd })
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
      const d = JSON.parse(
        loupe(['--data', data, '--profile', 'studio', 'detail', '--json']).stdout,
      )
      expect(d.instance).toMatchObject({ name: 'studio', totalCount: 1 })
      const lock = path.join(data, 'profiles', 'studio', 'engine', 'engine.lock')
      expect(lockOwner(lock)?.pid).toBe(proc!.pid)
    })

    it('after the host stops, the same commands run in the CLI again, with the same errors', async () => {
      const announced = JSON.parse(fs.readFileSync(controlJson, 'utf8')).path as string
      await stopped(proc!)
      proc = null
      expect(fs.existsSync(controlJson)).toBe(false)
      if (POSIX) expect(fs.existsSync(announced)).toBe(false)
      expect(fs.existsSync(engineLock)).toBe(false)

      const s = loupe(['--data', data, 'search', '--image', FILE, '--json'])
      expect(s.stderr).toBe('')
      expect(s.code).toBe(0)
      expect(JSON.parse(s.stdout).auctions[0]).toMatchObject({ productId: 'p', picName: 'n' })
      const f = loupe(badFilter)
      expect(f.code).toBe(1)
      expect(f.stderr).toBe(hostErrors.filter)
      const g = loupe(ghost)
      expect(g.code).toBe(1)
      expect(g.stderr).toBe(hostErrors.ghost)
    })

    it('ignores and removes an announcement whose process is gone (a killed host): no hang', () => {
      const dead = spawnSync(process.execPath, ['-e', '0']).pid!
      const sock = POSIX ? path.join(t.dir, 'gone.sock') : '\\\\.\\pipe\\loupe-gone'
      fs.writeFileSync(
        controlJson,
        JSON.stringify({ pid: dead, path: sock, startedAt: 1, host: 'headless', token: 'x' }),
      )
      const t0 = Date.now()
      const r = loupe(['--data', data, 'exists', '--product', 'p', '--name', 'n'])
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
      expect(r.stdout).toBe('exists\n')
      expect(Date.now() - t0).toBeLessThan(30_000)
      expect(fs.existsSync(controlJson)).toBe(false)
    })

    it('runs in the CLI when nothing listens at the announced socket (pid alive but not a host)', () => {
      fs.writeFileSync(
        controlJson,
        JSON.stringify({
          pid: process.pid,
          path: POSIX ? path.join(t.dir, 'nobody.sock') : '\\\\.\\pipe\\loupe-nobody',
          startedAt: 1,
          host: 'headless',
          token: 'x',
        }),
      )
      const r = loupe(['--data', data, 'search', '--image', FILE, '--json'])
      expect(r.stderr).toBe('')
      expect(r.code).toBe(0)
      expect(JSON.parse(r.stdout).auctions[0]).toMatchObject({ productId: 'p', picName: 'n' })
      expect(fs.existsSync(controlJson)).toBe(false)
    })
  },
)
