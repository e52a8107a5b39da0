import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createClient } from '../../../electron/api/client'
import { contract, METHODS } from '../../../electron/api/contract'
import type { HostStatus } from '../../../electron/api/host-status'
import { forkLauncher } from '../../../electron/core-host/fork-launcher'
import type { PortLike } from '../../../electron/core-host/protocol'
import { createCoreSupervisor, type CoreSupervisor } from '../../../electron/core-host/supervisor'
import { createMemorySecretStore, type SecretStore } from '../../../electron/core/profiles/secrets'
import { createKeyStore } from '../../../electron/core/engines/wire/keys'
import { createMainCore } from '../../../electron/main/core-bridge'
import { createPortClient } from '../../../electron/preload/port-client'
import { startHeadless } from '../../../electron/server/headless'
import { tempDir } from '../../helpers/tmp'

// The desktop app's core process, started the way the tests can: `child_process.fork` of the same
// entry the Electron utility process runs (from source through tsx, under this same Node), with
// the Electron-free supervisor main uses and the preload's port client playing the window.

const ROOT = path.resolve(__dirname, '../../..')
const SOURCE_ENTRY = path.join(ROOT, 'electron/core-host/entry.ts')
const BUILT_ENTRY = path.join(ROOT, 'out/main/core-host.js')

/** A picture of its own for every n: an 8×8 grid of seeded colours, 256×256 JPEG. */
async function picture(n: number): Promise<Buffer> {
  let seed = (n + 1) * 2654435761
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) >>> 0
    return (seed >>> 16) & 255
  }
  const raw = Buffer.alloc(8 * 8 * 3)
  for (let i = 0; i < raw.length; i++) raw[i] = rnd()
  return sharp(raw, { raw: { width: 8, height: 8, channels: 3 } })
    .resize(256, 256, { kernel: 'nearest' })
    .jpeg({ quality: 90 })
    .toBuffer()
}

/** Main's secret store in the harness: remembers which methods the core called, and on which refs. */
function recordingStore() {
  const inner = createMemorySecretStore()
  const asked: string[] = []
  const refs = new Set<string>()
  const store = {} as Record<string, unknown>
  for (const k of Object.keys(inner) as (keyof SecretStore)[]) {
    const fn = inner[k] as (...a: unknown[]) => unknown
    store[k] = (...a: unknown[]) => {
      if (k !== 'describe') asked.push(k)
      if (k === 'set') refs.add(a[0] as string)
      return fn(...a)
    }
  }
  return { store: store as unknown as SecretStore, asked, refs, inner }
}

/** Plays main (supervisor) and the window (port client) around a forked core process. */
function desktop(
  dataDir: string,
  opts: {
    entry?: string
    secrets?: SecretStore
    delaysMs?: number[]
    pickFolder?: () => Promise<string | null>
  } = {},
) {
  const output: string[] = []
  const statuses: HostStatus[] = []
  const entry = opts.entry ?? SOURCE_ENTRY
  const sup: CoreSupervisor<PortLike> = createCoreSupervisor({
    launcher: forkLauncher({
      entry,
      execArgv: entry.endsWith('.ts') ? ['--import', 'tsx'] : [],
      cwd: ROOT,
      output: (c) => output.push(c),
    }),
    init: () => ({ dataDir, version: '9.9.9-test', featurizerWorkers: 1, imagingWorkers: 1 }),
    secrets: opts.secrets ?? createMemorySecretStore(),
    revealPath: () => {},
    pickFolder: () => (opts.pickFolder ? opts.pickFolder() : Promise.resolve(null)),
    logFile: path.join(dataDir, 'logs', 'loupe.log'),
    restart: { delaysMs: opts.delaysMs ?? [200] },
    shutdownTimeoutMs: 20_000,
  })
  // the window: its preload's client, fed the way main feeds it (status, a port per core process)
  const win = createPortClient(METHODS.map(([n]) => n))
  sup.onStatus((s) => {
    statuses.push(s)
    win.setStatus(s)
  })
  sup.onSpawn(() => {
    const port = sup.connect()
    if (port) win.attach(port)
  })
  const events: { name: string; payload: Record<string, unknown> }[] = []
  win.subscribe((name, payload) => events.push({ name, payload: payload as never }))
  const bridge = createClient(contract, {
    invoke: (n, i) => win.invoke(n, i),
    subscribe: (l) => win.subscribe(l),
  })
  sup.start()
  return { sup, win, api: bridge.api, events, statuses, output: () => output.join('') }
}

async function until<T>(what: () => T | Promise<T>, ok: (v: T) => boolean, ms = 90_000) {
  const end = Date.now() + ms
  for (;;) {
    const v = await what()
    if (ok(v)) return v
    if (Date.now() > end) throw new Error(`timed out; last: ${JSON.stringify(v)}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('the desktop core process under plain Node (fork)', { timeout: 240_000 }, () => {
  const t = tempDir('loupe-core-process-')
  const cloud = tempDir('loupe-core-process-cloud-')
  const secrets = recordingStore()
  // main's folder picker (a dialog): the kill -9 test keeps one open while the core dies
  let picker: (() => Promise<string | null>) | null = null
  let d: ReturnType<typeof desktop>
  beforeAll(() => {
    d = desktop(path.join(t.dir, 'data'), {
      secrets: secrets.store,
      pickFolder: () => (picker ? picker() : Promise.resolve(null)),
    })
  })
  afterAll(async () => {
    await d?.sup.stop()
    t.cleanup()
    cloud.cleanup()
  })

  it('answers contract calls from the window over its port', async () => {
    // the call is made before the core process is up: it waits for the port, then goes through
    const info = await d.api.app.info({})
    expect(info).toMatchObject({
      host: 'electron',
      version: '9.9.9-test',
      dataDir: path.join(t.dir, 'data'),
      // describe() is synchronous: answered from main's snapshot
      secretBackend: { name: 'memory', secure: true },
    })
    expect(d.statuses[0]).toEqual({ state: 'starting' })
    await until(
      () => d.sup.status.state,
      (s) => s === 'ready',
    )
    expect((await d.api.profiles.list({})).active).toBe('local')

    const pic = await picture(1)
    await d.api.images.add({
      image: { base64: pic.toString('base64'), name: 'p1.jpg' },
      productId: 'p1',
      picName: 'p1.jpg',
    })
    const found = await d.api.search.byPic({ image: { base64: pic.toString('base64') } })
    expect(found.auctions[0]).toMatchObject({ productId: 'p1', picName: 'p1.jpg' })
    // invalid input gets the contract's error, not a crash
    await expect(d.api.images.add({ productId: '' } as never)).rejects.toMatchObject({
      code: 'InvalidArgument',
    })
  })

  it('lets main call contract methods and find thumbnails (tray, loupe-thumb:)', async () => {
    const core = createMainCore(d.sup as CoreSupervisor<unknown>)
    expect((await core.api.profiles.list({})).profiles.map((p) => p.name)).toContain('local')
    const reply = await d.sup.call('profiles.activate', { name: 'missing' })
    expect(reply).toMatchObject({ error: { code: 'ProfileNotFound' } })
    const thumb = await d.sup.thumbnailFile('local', 'p1', 'p1.jpg')
    expect(thumb).toEqual(expect.any(String))
    expect(fs.existsSync(thumb!)).toBe(true)
    expect(await d.sup.thumbnailFile('local', 'nope', 'nope.jpg')).toBeNull()
  })

  it('asks main for secrets over the control channel; no secret reaches a log', async () => {
    // A "cloud" to talk to: a headless Loupe's Image Search API, with its own access key.
    const key = await createKeyStore(cloud.dir).create({ description: 'core-process test' })
    const h = await startHeadless({ dataDir: cloud.dir, port: 0, rendererDir: cloud.dir })
    try {
      await d.api.profiles.create({
        kind: 'cloud',
        name: 'remote',
        cloud: {
          instanceName: 'local',
          endpoint: `127.0.0.1:${h.port}`,
          protocol: 'http',
          accessKeyId: key.accessKeyId,
          accessKeySecret: key.accessKeySecret,
        },
      })
      expect(secrets.asked).toContain('set')
      // the engine is built with the secret main gives back: the signed call is accepted
      const ok = await d.api.profiles.test({ name: 'remote' })
      expect(ok.ok, JSON.stringify(ok)).toBe(true)
      expect(secrets.asked).toContain('get')
      // a wrong secret stored in main is refused by the server (the core really used main's)
      expect(secrets.refs.size).toBe(1)
      await secrets.inner.set([...secrets.refs][0], 'x'.repeat(30))
      const bad = await d.api.profiles.test({ name: 'remote' })
      expect(bad.ok).toBe(false)
      // Settings → Security's questions reach main's store too (methods forwarded by name)
      const st = await d.api.secrets.status({})
      expect(st).toMatchObject({ backend: 'memory', stored: 1 })
      await expect(d.api.secrets.setPlainText({ accept: true })).rejects.toMatchObject({
        code: 'NoPlainTextChoice',
      })
      expect(secrets.asked).toEqual(expect.arrayContaining(['status', 'setPlainTextAccepted']))
      await d.api.profiles.remove({ name: 'remote' })
      expect(secrets.asked).toContain('delete')
    } finally {
      await h.close()
    }
    const log = fs.readFileSync(path.join(t.dir, 'data', 'logs', 'loupe.log'), 'utf8')
    expect(log.length).toBeGreaterThan(0)
    expect(log).not.toContain(key.accessKeySecret)
    expect(d.output()).not.toContain(key.accessKeySecret)
  })

  it('survives kill -9: restarted, the window reconnected, the bulk add resumed, every picture once', async () => {
    const N = 24
    const src = path.join(t.dir, 'photos')
    fs.mkdirSync(src)
    for (let i = 0; i < N; i++)
      fs.writeFileSync(
        path.join(src, `item${String(i).padStart(2, '0')}.jpg`),
        await picture(100 + i),
      )
    const { jobId } = await d.api.bulk.start({ sources: [src], naming: 'file' })
    const progress = () =>
      d.events.filter((e) => e.name === 'job.progress' && e.payload.jobId === jobId)
    // events reach the window: wait until the job is part-way
    await until(progress, (p) => p.some((e) => (e.payload.done as number) >= 4))
    const firstPid = d.sup.pid!
    const seenBefore = progress().length
    const reached = Math.max(...progress().map((e) => e.payload.done as number))

    // a call the core is busy with when it dies: it waits for main's folder picker
    let pickerOpen = false
    picker = () => {
      pickerOpen = true
      return new Promise(() => {}) // the user never answers
    }
    const inFlight = d.win.invoke('watch.pickFolder', {})
    await until(
      () => pickerOpen,
      (o) => o,
    )
    process.kill(firstPid, 'SIGKILL')
    // the call the dead process held fails with a clear, typed error
    expect(await inFlight).toMatchObject({ error: { code: 'CoreRestarted' } })
    await until(
      () => d.statuses.map((s) => s.state).join(','),
      (s) => s.endsWith('restarting,starting,ready'),
      60_000,
    )
    expect(d.sup.pid).not.toBe(firstPid)
    // it was killed part-way, not after the job had finished
    expect(reached).toBeLessThan(N)
    // the restarted core resumes the job; progress keeps reaching the same subscription
    const job = await until(
      () => d.api.jobs.get({ jobId }),
      (j) => j.state === 'done',
      180_000,
    )
    expect(job).toMatchObject({ total: N, done: N, failed: 0, skipped: 0 })
    expect(progress().length).toBeGreaterThan(seenBefore)
    expect(progress().at(-1)!.payload.state).toBe('done')

    // the engine and the gallery hold every picture exactly once (plus p1 from the first test)
    const detail = await d.api.instance.detail({})
    expect(detail.instance.totalCount).toBe(N + 1)
    for (let i = 0; i < N; i++) {
      const name = `item${String(i).padStart(2, '0')}`
      const e = await d.api.images.exists({ productId: name, picName: `${name}.jpg` })
      expect(e.exist, name).toBe(true)
    }
  })
})

describe('the supervisor gives up on a core process that cannot run', { timeout: 60_000 }, () => {
  const t = tempDir('loupe-core-giveup-')
  afterAll(() => t.cleanup())

  it('restarts a crashing core with a delay, then stops after too many quick crashes', async () => {
    const entry = path.join(t.dir, 'crash.mjs')
    fs.writeFileSync(entry, 'process.exit(3)\n')
    const statuses: HostStatus[] = []
    const sup = createCoreSupervisor({
      launcher: forkLauncher({ entry, output: () => {} }),
      init: () => ({ dataDir: t.dir }),
      secrets: createMemorySecretStore(),
      logFile: path.join(t.dir, 'logs', 'loupe.log'),
      restart: { delaysMs: [50, 100], maxQuickCrashes: 2, windowMs: 60_000 },
    })
    const win = createPortClient(METHODS.map(([n]) => n))
    sup.onStatus((s) => {
      statuses.push(s)
      win.setStatus(s)
    })
    const t0 = Date.now()
    sup.start()
    await until(
      () => sup.status.state,
      (s) => s === 'failed',
      30_000,
    )
    expect(statuses.map((s) => s.state)).toEqual([
      'starting',
      'restarting',
      'starting',
      'restarting',
      'starting',
      'failed',
    ])
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150) // waited 50 ms, then 100 ms
    expect(statuses.at(-1)).toEqual({
      state: 'failed',
      reason: 'exit code 3',
      logFile: path.join(t.dir, 'logs', 'loupe.log'),
    })
    // no further attempt, and calls fail at once with a clear code
    await new Promise((r) => setTimeout(r, 300))
    expect(statuses).toHaveLength(6)
    expect(await win.invoke('profiles.list', {})).toMatchObject({
      error: { code: 'CoreUnavailable' },
    })
    expect(await sup.call('profiles.list', {})).toMatchObject({
      error: { code: 'CoreUnavailable' },
    })
  })

  it('does not restart a core that reports it cannot start at all, and says why', async () => {
    const notADir = path.join(t.dir, 'file')
    fs.writeFileSync(notADir, 'x')
    const statuses: HostStatus[] = []
    const sup = createCoreSupervisor({
      launcher: forkLauncher({
        entry: SOURCE_ENTRY,
        execArgv: ['--import', 'tsx'],
        cwd: ROOT,
        output: () => {},
      }),
      init: () => ({ dataDir: path.join(notADir, 'data') }),
      secrets: createMemorySecretStore(),
      restart: { delaysMs: [50] },
    })
    sup.onStatus((s) => statuses.push(s))
    sup.start()
    await until(
      () => sup.status.state,
      (s) => s === 'failed',
      30_000,
    )
    expect(statuses.map((s) => s.state)).toEqual(['starting', 'failed'])
    expect(statuses[1].reason).toMatch(/ENOTDIR|not a directory/)
  })
})

describe.skipIf(!fs.existsSync(BUILT_ENTRY))(
  'the built core process (out/main/core-host.js; `npm run build` makes it)',
  { timeout: 120_000 },
  () => {
    const t = tempDir('loupe-core-built-')
    let d: ReturnType<typeof desktop>
    afterAll(async () => {
      await d?.sup.stop()
      t.cleanup()
    })

    it('finds its workers and the projection next to the bundle: adds and searches a picture', async () => {
      d = desktop(path.join(t.dir, 'data'), { entry: BUILT_ENTRY })
      const pic = await picture(7)
      await d.api.images.add({
        image: { base64: pic.toString('base64'), name: 'b.jpg' },
        productId: 'b',
        picName: 'b.jpg',
      })
      const found = await d.api.search.byPic({ image: { base64: pic.toString('base64') } })
      expect(found.auctions[0]).toMatchObject({ productId: 'b', picName: 'b.jpg' })
      expect((await d.api.app.info({})).featurizer).toEqual(expect.any(String))
    })
  },
)
