import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createGate, insideRealPath } from '../../../electron/server/gate'
import { dataDirScrubber, startHeadless } from '../../../electron/server/headless'
import { createHttpBridge, MAX_CALL_BODY } from '../../../electron/server/http-bridge'
import { rawRequest, rawSocket, type RawReply } from '../../helpers/raw-http'
import { lanAddress } from '../../helpers/remote'
import { tempDir } from '../../helpers/tmp'

/**
 * The headless host's gate, attacked over real HTTP on 127.0.0.1 (real core, local engine, temp
 * data folder): every route checks Host and Origin, file routes stay inside their folders however
 * the path is encoded, bad input is a 4xx (never a 500, never a stack), oversize bodies get 413.
 */
describe('the headless host gate', { timeout: 120_000 }, () => {
  const t = tempDir('loupe-gate-')
  const outside = tempDir('loupe-gate-outside-')
  const rendererDir = path.join(t.dir, 'renderer')
  const dataDir = path.join(t.dir, 'data')
  const log: string[] = []
  let h: Awaited<ReturnType<typeof startHeadless>>
  let port: number
  let exportUrl: string
  let exportFile: string
  let thumbPath: string
  let profileDir: string

  const get = (target: string, headers: Record<string, string> = {}) =>
    rawRequest(port, target, { headers })
  const post = (target: string, body: unknown, headers: Record<string, string> = {}) =>
    rawRequest(port, target, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    })
  const json = (r: RawReply) => JSON.parse(r.text) as { error?: { code: string; message: string } }

  beforeAll(async () => {
    fs.mkdirSync(path.join(rendererDir, 'assets'), { recursive: true })
    fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Loupe</title>')
    fs.writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log("loupe")')
    fs.writeFileSync(path.join(outside.dir, 'secret.txt'), 'outside secret')
    fs.symlinkSync(
      path.join(outside.dir, 'secret.txt'),
      path.join(rendererDir, 'assets', 'leak.js'),
    )
    h = await startHeadless({ dataDir, port: 0, rendererDir, log: (l) => log.push(l) })
    port = h.port
    profileDir = h.core.profiles.dirOf('local')
    const jpeg = await sharp({
      create: {
        width: 320,
        height: 240,
        channels: 3,
        background: '#c33',
        noise: { type: 'gaussian', mean: 128, sigma: 40 },
      },
    })
      .jpeg()
      .toBuffer()
    const added = json(
      await post('/api/call/images.add', {
        image: { base64: jpeg.toString('base64'), name: 'shirt.jpg' },
        productId: 'p/1',
        picName: 'shirt.jpg',
      }),
    )
    expect(added.error).toBeUndefined()
    const exp = JSON.parse(
      (await post('/api/call/gallery.export', { format: 'csv', to: 'file' })).text,
    ) as { result: { url: string; path: string } }
    exportUrl = exp.result.url
    exportFile = exp.result.path
    thumbPath = `/thumb/local/${encodeURIComponent('p/1')}/shirt.jpg`
    // A link inside an allowed folder pointing at the gallery database must not be served.
    fs.symlinkSync(
      path.join(profileDir, 'gallery.db'),
      path.join(profileDir, 'exports', 'link.csv'),
    )
  })
  afterAll(async () => {
    await h?.close()
    t.cleanup()
    outside.cleanup()
  })

  it('still serves the renderer, a dump export download and thumbnails', async () => {
    const page = await get('/')
    expect(page.status).toBe(200)
    expect(page.text).toContain('<title>Loupe</title>')
    expect(page.headers['content-security-policy']).toContain("default-src 'self'")
    expect((await get('/assets/app.js')).text).toContain('loupe')
    // an SPA route gets the page
    expect((await get('/gallery')).status).toBe(200)

    expect(exportUrl).toMatch(new RegExp(`/files/local/exports/[^/]+\\.csv$`))
    const dl = await get(new URL(exportUrl).pathname)
    expect(dl.status).toBe(200)
    expect(dl.headers['content-disposition']).toBe('attachment')
    expect(dl.text).toBe(fs.readFileSync(exportFile, 'utf8'))
    expect(dl.text).toContain('shirt.jpg')

    const th = await get(thumbPath)
    expect(th.status).toBe(200)
    const meta = await sharp(th.body).metadata()
    expect(meta.width).toBeGreaterThan(0)

    const events = await new Promise<{ status: number; type: string }>((resolve, reject) => {
      const req = http.get(`http://127.0.0.1:${port}/api/events`, (res) => {
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']) })
        req.destroy()
      })
      req.on('error', reject)
    })
    expect(events).toEqual({ status: 200, type: 'text/event-stream' })
  })

  it('keeps /files inside the allowed folders however the path is encoded', async () => {
    const attacks: [string, number][] = [
      // the two reads of the gallery (the WAL holds the stored JPEG bytes)
      ['/files/local/exports%2f..%2fengine%2fengine.db-wal', 400],
      ['/files/local/dumps%2f..%2fgallery.db', 400],
      ['/files/local/exports%2F..%2Fgallery.db', 400],
      ['/files/local/exports/%2e%2e/gallery.db', 400],
      ['/files/local/exports/%2E%2E/engine/engine.db', 400],
      ['/files/local/exports/..%2fgallery.db', 400],
      ['/files/local/exports/%252e%252e/gallery.db', 400],
      ['/files/local/exports/%252e%252e%252fgallery.db', 400],
      ['/files/local/exports/..%5cgallery.db', 400],
      ['/files/local/exports/..\\gallery.db', 400],
      ['/files/local/exports/a.csv%00.txt', 400],
      ['/files/local/exports/../gallery.db', 400],
      ['/files/local/exports/%zz', 400],
      ['/files/local/exports/%', 400],
      ['/files/%2e%2e/profiles/local/gallery.db', 400],
      ['/files/local/C:%5cwindows', 400],
      // not in the allow-list, or not there
      ['/files/local/gallery.db', 404],
      ['/files/local/engine/engine.db-wal', 404],
      ['/files/local/engine/engine.db', 404],
      ['/files/local/thumbs', 404],
      ['/files/local/exports', 404],
      ['/files/local/exports/missing.csv', 404],
      ['/files/nobody/exports/x.csv', 404],
      ['/files/local', 404],
      // a symbolic link inside exports/ pointing at the database
      ['/files/local/exports/link.csv', 404],
    ]
    for (const [target, status] of attacks) {
      const r = await get(target)
      expect(r.status, target).toBe(status)
      expect(r.text, target).not.toContain('SQLite format')
      expect(json(r).error?.code, target).toBe(status === 400 ? 'InvalidUrl' : 'NotFound')
    }
    // A raw NUL in the request line.
    const nul = await rawSocket(
      port,
      `GET /files/local/exports/a\0.csv HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`,
    )
    expect(nul).toMatch(/^HTTP\/1\.1 400/)
  })

  it('keeps /thumb and the renderer inside their folders', async () => {
    for (const target of [
      '/thumb/%2e%2e/%2e%2e/gallery.db',
      '/thumb/local/../../gallery.db',
      '/thumb/local/p%2F1/%252e%252e',
      '/thumb/local/%zz/x.jpg',
      '/thumb/local/p/a%00.jpg',
      '/..%2f..%2fsecret.txt',
      '/assets/..%2f..%2fdata%2fprofiles%2flocal%2fgallery.db',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/assets/%252e%252e/index.html',
      '/assets/..%5c..%5cindex.html',
      '/assets/%',
    ]) {
      const r = await get(target)
      expect(r.status, target).toBe(400)
      expect(json(r).error?.code, target).toBe('InvalidUrl')
    }
    // a symbolic link in the renderer folder pointing outside it
    const leak = await get('/assets/leak.js')
    expect(leak.status).toBe(404)
    expect(leak.text).not.toContain('outside secret')
    // ids that name no picture
    expect((await get('/thumb/local/p%2F1/other.jpg')).status).toBe(404)
    expect((await get('/thumb/local/p/1/shirt.jpg')).status).toBe(404)
    expect((await get('/thumb/nobody/p/x.jpg')).status).toBe(404)
    expect((await get('/assets/missing.js')).status).toBe(404)
  })

  it('checks Host and Origin the same way on every route (DNS rebinding, CSRF)', async () => {
    const routes: { method: string; target: string; ok: number }[] = [
      { method: 'POST', target: '/api/call/profiles.list', ok: 200 },
      { method: 'GET', target: new URL(exportUrl).pathname, ok: 200 },
      { method: 'GET', target: thumbPath, ok: 200 },
      { method: 'GET', target: '/', ok: 200 },
      { method: 'GET', target: '/assets/app.js', ok: 200 },
      { method: 'GET', target: '/api/nothing', ok: 404 },
      { method: 'POST', target: '/auth/session', ok: 200 },
      { method: 'GET', target: '/auth/session', ok: 200 },
    ]
    const send = (r: (typeof routes)[number], headers: Record<string, string>) =>
      rawRequest(port, r.target, {
        method: r.method,
        headers: { 'content-type': 'application/json', ...headers },
        body: r.method === 'POST' ? '{}' : undefined,
      })
    for (const r of routes) {
      expect((await send(r, {})).status, `${r.target} plain`).toBe(r.ok)
      expect(
        (await send(r, { origin: `http://127.0.0.1:${port}` })).status,
        `${r.target} same origin`,
      ).toBe(r.ok)
      const evil: Record<string, string>[] = [
        { host: 'evil.example' },
        { host: `evil.example:${port}` },
        { host: `127.0.0.1.evil.example:${port}` },
        { origin: 'https://evil.example' },
        { origin: `http://127.0.0.1:${port}.evil.example` },
        { origin: 'null' },
        { host: `evil.example:${port}`, origin: `http://evil.example:${port}` },
      ]
      for (const headers of evil) {
        const res = await send(r, headers)
        expect(res.status, `${r.target} ${JSON.stringify(headers)}`).toBe(403)
        expect(json(res).error?.code).toBe('Forbidden')
        expect(res.text).not.toContain('SQLite')
      }
    }
    // The event stream too.
    const evilStream: Record<string, string>[] = [
      { host: 'evil.example' },
      { origin: 'https://evil.example' },
    ]
    for (const headers of evilStream) {
      const ev = await rawRequest(port, '/api/events', { headers })
      expect(ev.status).toBe(403)
    }
    // No Host header at all (HTTP/1.0).
    const noHost = await rawSocket(port, 'GET / HTTP/1.0\r\n\r\n')
    expect(noHost).toMatch(/^HTTP\/1\.1 403/)
    // An absolute-form target naming another host.
    const abs = await rawSocket(
      port,
      `GET http://evil.example/files/local/gallery.db HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`,
    )
    expect(abs).toMatch(/^HTTP\/1\.1 400/)
  })

  it('answers malformed escapes with 400, unknown with 404, wrong methods with 405', async () => {
    const bad = await post('/api/call/profiles.list%', {})
    expect(bad.status).toBe(400)
    expect(json(bad).error?.code).toBe('InvalidUrl')
    expect((await post('/api/call/profiles.%E0%A4%A', {})).status).toBe(400)
    expect((await post('/api/call/profiles.list?x=%zz', {})).status).toBe(400)
    const unknown = await post('/api/call/nothing.here', {})
    expect(unknown.status).toBe(404)
    expect(json(unknown).error?.code).toBe('UnknownMethod')
    expect((await post('/api/call', {})).status).toBe(404)
    expect((await get('/api/nothing')).status).toBe(404)
    const wrong = await get('/api/call/profiles.list')
    expect(wrong.status).toBe(405)
    expect(wrong.headers.allow).toBe('POST')
    expect((await rawRequest(port, new URL(exportUrl).pathname, { method: 'DELETE' })).status).toBe(
      405,
    )
    expect((await rawRequest(port, '/', { method: 'PUT' })).status).toBe(405)
    expect((await post('/api/events', {})).status).toBe(405)
    const badJson = await rawRequest(port, '/api/call/profiles.list', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"x":',
    })
    expect(badJson.status).toBe(400)
    expect(json(badJson).error?.code).toBe('InvalidJson')
    // HEAD of a file
    const head = await rawRequest(port, new URL(exportUrl).pathname, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.body.length).toBe(0)
  })

  it('answers a body over the limit with 413 before closing (Content-Length and chunked)', async () => {
    const big = Buffer.alloc(MAX_CALL_BODY + 1024 * 1024, 0x20)
    // Declared length: refused before the body is read.
    const declared = await rawRequest(port, '/api/call/bulk.stage', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': big.length },
      body: big,
    })
    expect(declared.status).toBe(413)
    expect(declared.headers.connection).toBe('close')
    expect(json(declared).error?.code).toBe('PayloadTooLarge')

    // Chunked: read until over the limit, then 413.
    const chunked = await rawRequest(port, '/api/call/bulk.stage', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      body: (req) => {
        const piece = Buffer.alloc(1024 * 1024, 0x20)
        let sent = 0
        const pump = () => {
          while (sent < MAX_CALL_BODY + 4 * piece.length) {
            sent += piece.length
            if (!req.write(piece)) return req.once('drain', pump)
          }
          req.end()
        }
        pump()
      },
    })
    expect(chunked.status).toBe(413)
    expect(chunked.headers.connection).toBe('close')
    expect(json(chunked).error?.code).toBe('PayloadTooLarge')

    // Expect: 100-continue with a too large declared body: 413 instead of 100.
    const expectContinue = await rawSocket(
      port,
      `POST /api/call/bulk.stage HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${MAX_CALL_BODY + 1}\r\nExpect: 100-continue\r\n\r\n`,
    )
    expect(expectContinue).toMatch(/^HTTP\/1\.1 413/)
    // The server still answers.
    expect((await post('/api/call/profiles.list', {})).status).toBe(200)
  })

  it('keeps the engine API (POST /) as it was: its own signature check', async () => {
    const r = await rawRequest(port, '/?Action=DetailInstance', {
      method: 'POST',
      headers: { host: 'evil.example', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'InstanceName=local',
    })
    expect(r.status).toBeGreaterThanOrEqual(400)
    expect(r.status).toBeLessThan(500)
    expect(r.text).toMatch(/"Code"/)
  })

  it('never answered 500, and logged no stack', () => {
    const text = log.join('\n')
    expect(text).not.toMatch(/\n\s+at /)
    expect(text).not.toMatch(/http: .* failed/)
  })
})

/**
 * The contract methods that name a path on the server, called by a remote caller: each refused
 * with RemotePathRefused (nothing read), while bytes and the host's own staged uploads work, and
 * errors name paths relative to the data folder.
 */
function remoteCases(
  call: (name: string, input: unknown) => Promise<RawReply>,
  ctx: () => { dataDir: string; picture: string; folder: string },
) {
  const refused = (name: string, input: () => unknown) =>
    it(`refuses ${name} a server path`, async () => {
      const r = await call(name, input())
      expect(r.status, r.text).toBe(403)
      const err = (JSON.parse(r.text) as { error: { code: string; message: string } }).error
      expect(err.code).toBe('RemotePathRefused')
      expect(err.message).not.toContain(ctx().dataDir)
    })
  refused('images.add', () => ({
    image: { path: ctx().picture },
    productId: 'x',
    picName: 'x.jpg',
  }))
  refused('search.byPic', () => ({ image: { path: ctx().picture } }))
  refused('search.compare', () => ({
    primary: { productId: 'x', picName: 'x.jpg' },
    secondary: { path: ctx().picture },
  }))
  refused('watch.samples', () => ({ folder: ctx().folder }))
  refused('watch.add', () => ({ folder: ctx().folder }))
  refused('watch.update', () => ({ id: 1, patch: { folder: ctx().folder } }))
  // following links out of the watched folder reads server files elsewhere
  refused('watch.update', () => ({ id: 1, patch: { followSymlinks: true } }))
  refused('bulk.plan', () => ({ sources: [ctx().folder] }))
  refused('bulk.plan', () => ({
    sources: [{ path: path.join(ctx().dataDir, 'staging', '..', 'profiles'), type: 'folder' }],
  }))
  refused('bulk.start', () => ({ sources: [ctx().picture] }))
  refused('batch.preview', () => ({ source: { type: 'folder', path: ctx().folder } }))
  refused('batch.create', () => ({
    source: { type: 'files', paths: [ctx().picture] },
  }))
  refused('batch.preview', () => ({ source: { type: 'manifest', path: ctx().picture } }))
  refused('tasks.dumpDiff', () => ({ source: { file: ctx().picture } }))
  refused('tasks.dumpImport', () => ({ source: { file: ctx().picture } }))

  it('takes pictures as bytes, and plans from what it staged (shown relative to the data folder)', async () => {
    const bytes = fs.readFileSync(ctx().picture).toString('base64')
    const added = await call('images.add', {
      image: { base64: bytes, name: 'a.jpg' },
      productId: 'remote',
      picName: 'a.jpg',
    })
    expect(added.status, added.text).toBe(200)
    expect(JSON.parse(added.text)).toHaveProperty('result')
    const stagedReply = await call('bulk.stage', {
      files: [{ relPath: 'drop/b.jpg', base64: bytes }],
    })
    expect(stagedReply.text).not.toContain(ctx().dataDir)
    const staged = JSON.parse(stagedReply.text) as { result: { sources: string[] } }
    expect(staged.result.sources).toEqual([expect.stringMatching(/^staging\/[a-z0-9-]+\/drop$/)])
    const plan = await call('bulk.plan', { sources: staged.result.sources })
    expect(plan.status, plan.text).toBe(200)
    const planId = (JSON.parse(plan.text) as { result: { planId: string } }).result.planId
    // The plan read the staged picture: the same bytes as a.jpg, added above, so it is skipped.
    let rows: { action: string; relPath: string }[] = []
    for (let i = 0; i < 100 && !rows.length; i++) {
      const page = await call('bulk.planPage', { planId })
      expect(page.text).not.toContain(ctx().dataDir)
      rows = (JSON.parse(page.text) as { result: { rows: typeof rows } }).result.rows
      if (!rows.length) await new Promise((r) => setTimeout(r, 100))
    }
    expect(rows.map((r) => [r.relPath, r.action])).toEqual([['b.jpg', 'skip']])
    // A relative path outside the staging folder is still refused.
    const outside = await call('bulk.plan', { sources: ['profiles/local'] })
    expect(outside.status).toBe(403)
  })

  it('shows no server path in answers: app info, exports, secrets', async () => {
    for (const [name, input] of [
      ['app.info', {}],
      ['gallery.export', { format: 'csv', to: 'file' }],
      ['secrets.status', {}],
    ] as const) {
      const r = await call(name, input)
      expect(r.status, r.text).toBe(200)
      expect(r.text, name).not.toContain(ctx().dataDir)
    }
    const info = JSON.parse((await call('app.info', {})).text) as { result: { dataDir: string } }
    expect(info.result.dataDir).toBe('.')
  })

  it('refuses a staged path that a symbolic link takes out of the staging folder', async () => {
    const stage = path.join(ctx().dataDir, 'staging', 'zzzzzzzz-link')
    fs.mkdirSync(stage, { recursive: true })
    fs.symlinkSync(ctx().folder, path.join(stage, 'out'))
    const r = await call('bulk.plan', { sources: [path.join(stage, 'out')] })
    expect(r.status).toBe(403)
  })

  it('names paths relative to the data folder in errors', async () => {
    const missing = path.join(ctx().dataDir, 'staging', 'abcdefgh-0000', 'gone')
    const r = await call('batch.preview', { source: { type: 'folder', path: missing } })
    const err = (JSON.parse(r.text) as { error: { code: string; message: string } }).error
    expect(err.code).toBe('BadRequest')
    expect(err.message).toContain('staging/abcdefgh-0000/gone')
    expect(err.message).not.toContain(ctx().dataDir)
  })
}

describe('a remote caller (a non-loopback address of this machine)', { timeout: 120_000 }, () => {
  const addr = lanAddress()
  const t = tempDir('loupe-gate-remote-')
  const dataDir = path.join(t.dir, 'data')
  const folder = path.join(t.dir, 'pictures')
  const picture = path.join(folder, 'p.jpg')
  let h: Awaited<ReturnType<typeof startHeadless>>
  let cookie = ''
  beforeAll(async () => {
    fs.mkdirSync(folder, { recursive: true })
    await sharp({ create: { width: 300, height: 300, channels: 3, background: '#3a6' } })
      .jpeg()
      .toFile(picture)
    if (!addr) return
    // Remote mode (a non-loopback bind): plain HTTP allowed for the test, callers sign in.
    h = await startHeadless({
      dataDir,
      host: addr,
      port: 0,
      rendererDir: t.dir,
      insecureHttp: true,
    })
    const signIn = await rawRequest(h.port, '/auth/session', {
      host: addr,
      method: 'POST',
      headers: { host: `${addr}:${h.port}`, 'content-type': 'application/json' },
      body: JSON.stringify({ token: h.auth.createdToken!.token }),
    })
    expect(signIn.status, signIn.text).toBe(200)
    cookie = String(signIn.headers['set-cookie']?.[0]).split(';')[0]
  })
  afterAll(async () => {
    await h?.close()
    t.cleanup()
  })
  it('has such an address (else the gate-level test below stands in)', () => {
    if (!addr) console.warn('no non-loopback IPv4 address: remote tested through the gate only')
  })
  if (!addr) return
  const call = (name: string, input: unknown) =>
    rawRequest(h.port, `/api/call/${name}`, {
      host: addr,
      method: 'POST',
      headers: { host: `${addr}:${h.port}`, 'content-type': 'application/json', cookie },
      body: JSON.stringify(input),
    })
  remoteCases(call, () => ({ dataDir, picture, folder }))
})

describe(
  'the gate with the remote check injected (loopback host, every caller remote)',
  { timeout: 120_000 },
  () => {
    const t = tempDir('loupe-gate-inject-')
    const dataDir = path.join(t.dir, 'data')
    const folder = path.join(t.dir, 'pictures')
    const picture = path.join(folder, 'p.jpg')
    let h: Awaited<ReturnType<typeof startHeadless>>
    let server: http.Server
    let port: number
    beforeAll(async () => {
      fs.mkdirSync(folder, { recursive: true })
      await sharp({ create: { width: 300, height: 300, channels: 3, background: '#36a' } })
        .jpeg()
        .toFile(picture)
      h = await startHeadless({ dataDir, port: 0, rendererDir: t.dir })
      const bridge = createHttpBridge({
        dispatch: h.core.dispatch,
        events: h.core.events,
        remotePathAllowed: (p) => insideRealPath(path.join(dataDir, 'staging'), p),
        scrub: dataDirScrubber(dataDir),
        resolveRemotePath: (p) => path.resolve(dataDir, p),
      })
      let remote = true
      const gate = createGate<true>({
        routes: [
          {
            prefix: ['api', 'call'],
            methods: ['POST'],
            maxBody: MAX_CALL_BODY,
            handle: (ctx) => bridge.call(ctx, ctx.rest.join('/')),
          },
        ],
        hostAllowed: () => true,
        isRemote: () => remote,
        log: () => {},
      })
      server = http.createServer()
      gate.attach(server)
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
      port = (server.address() as { port: number }).port
      // the same call from a local caller is not refused
      remote = false
      const local = await rawRequest(port, '/api/call/search.byPic', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ image: { path: picture } }),
      })
      expect(local.status, local.text).toBe(200)
      remote = true
    })
    afterAll(async () => {
      server?.closeAllConnections()
      await new Promise((r) => server?.close(r))
      await h?.close()
      t.cleanup()
    })
    const call = (name: string, input: unknown) =>
      rawRequest(port, `/api/call/${name}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(input),
      })
    remoteCases(call, () => ({ dataDir, picture, folder }))
  },
)

describe('dataDirScrubber (errors for remote callers and the engine API)', () => {
  it('names paths relative to the data folder and leaves other text alone', () => {
    const t = tempDir('loupe-scrub-')
    const dir = path.join(t.dir, 'data')
    fs.mkdirSync(dir)
    const scrub = dataDirScrubber(dir)
    expect(scrub(`The folder "${path.join(dir, 'staging', 'a', 'b')}" does not exist.`)).toBe(
      'The folder "staging/a/b" does not exist.',
    )
    expect(scrub(`The local engine in ${dir} is already open.`)).toBe(
      'The local engine in . is already open.',
    )
    expect(scrub(`open '${dir}/profiles/local/engine/engine.db', then ${dir}/x`)).toBe(
      "open 'profiles/local/engine/engine.db', then x",
    )
    expect(scrub(`${dir}-other/file and ${dir}x`)).toBe(`${dir}-other/file and ${dir}x`)
    t.cleanup()
  })
})

describe(
  'remote mode: the host reads its own files, HTTP callers sign in',
  { timeout: 60_000 },
  () => {
    it('downloads a local export into dumps/ while /files asks for a session', async () => {
      const t = tempDir('loupe-gate-own-')
      const h = await startHeadless({
        dataDir: t.dir,
        port: 0,
        rendererDir: t.dir,
        auth: 'required',
      })
      try {
        const created = (await h.core.dispatch('tasks.dumpCreate', {})) as {
          result: { id: number }
        }
        const waited = (await h.core.dispatch('tasks.dumpWait', {
          id: created.result.id,
          timeoutMs: 30_000,
        })) as {
          result: {
            settled: boolean
            task: { metaUrl: string; downloadError: unknown; file: { path: string; url: string } }
          }
        }
        const task = waited.result.task
        expect(task.downloadError).toBeNull()
        expect(fs.existsSync(task.file.path)).toBe(true)
        // the engine's link and the downloaded file's link: a caller without a session gets 401
        for (const url of [task.metaUrl, task.file.url]) {
          const anon = await rawRequest(h.port, new URL(url).pathname)
          expect(anon.status, url).toBe(401)
          expect(JSON.parse(anon.text).error.code).toBe('SignInRequired')
        }
        const signIn = await rawRequest(h.port, '/auth/session', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ token: h.auth.createdToken!.token }),
        })
        const cookie = String(signIn.headers['set-cookie']?.[0]).split(';')[0]
        const dl = await rawRequest(h.port, new URL(task.file.url).pathname, {
          headers: { cookie },
        })
        expect(dl.status).toBe(200)
        expect(dl.text).toBe(fs.readFileSync(task.file.path, 'utf8'))
        // the renderer (which shows the sign-in) needs no session
        expect((await rawRequest(h.port, '/')).status).not.toBe(401)
      } finally {
        await h.close()
        t.cleanup()
      }
    })
  },
)

describe('the engine API names no server path in its errors', { timeout: 60_000 }, () => {
  it('answers a damaged AccessKey file without the data folder', async () => {
    const t = tempDir('loupe-gate-wire-')
    const h = await startHeadless({ dataDir: t.dir, port: 0, rendererDir: t.dir })
    try {
      fs.writeFileSync(path.join(t.dir, 'access-keys.json'), '{}')
      const q = new URLSearchParams({
        Action: 'DetailInstance',
        AccessKeyId: 'LTAIexample',
        Signature: 'x',
        SignatureMethod: 'HMAC-SHA1',
        SignatureVersion: '1.0',
      })
      const r = await rawRequest(h.port, `/?${q}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'InstanceName=local',
      })
      const body = JSON.parse(r.text) as { Code: string; Message: string }
      expect(body.Code).toBe('KeyStoreCorrupt')
      expect(body.Message).toBe('The AccessKey file access-keys.json is damaged.')
      expect(r.text).not.toContain(t.dir)
    } finally {
      await h.close()
      t.cleanup()
    }
  })
})
