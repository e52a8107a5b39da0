/**
 * Family d — the UI host of `loupe serve` (`/api/call/*`, `/api/events`, `/files/*`, `/thumb/*`,
 * the renderer's files): DNS rebinding (a foreign Host) and foreign Origins on every route, CSRF
 * (text/plain and form-encoded POSTs, which a page on another site can send), path escapes
 * (encoded, double-encoded, backslashes, NUL, `%2f..%2f`), malformed %-escapes, a body over the
 * limit, unknown routes. The spec is issue 11's "What must be true afterwards": 403 Forbidden,
 * 400 InvalidUrl, 404 NotFound, 413 PayloadTooLarge — answered, never a 500 or a reset, and never
 * a byte of the gallery. The "gate" helper lands these; until then its cases are pending.
 */
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT } from '../helpers/cli'
import { catalogueBytes } from '../helpers/images'
import { rejectsOrPending } from './cases'
import { call } from './contract'
import { ownProfile, sharedHost, type Served } from './host'
import { flushTally, record, shown, type Got, type Want } from './tally'
import { send, type RawAnswer } from './wire'

const F = 'd. UI host'
/** This file's own local profile on the shared server. */
const P = 'adv-ui'
let s: Served
const PROBE = 'adversary probe — an export the host may serve\n'
let thumb = ''

const FORBIDDEN: Want = { status: 403, code: 'Forbidden' }
const INVALID: Want = { status: 400, code: 'InvalidUrl' }
const NOT_FOUND: Want = { status: 404, code: 'NotFound' }
const NO_RENDERER: Want = { status: 503, code: '' }
const RENDERER = fs.existsSync(path.join(ROOT, 'out', 'renderer', 'index.html'))
const isRendererRoute = (t: string) => !/^\/(api|files|thumb)(\/|$)/.test(t)

beforeAll(async () => {
  s = sharedHost()
  await ownProfile(s, P)
  // Something worth stealing: a picture in the gallery (engine.db-wal, gallery.db, a thumbnail)…
  const add = await call(s.port, 'images.add', {
    profile: P,
    image: { base64: catalogueBytes(7).toString('base64'), name: 'shirt.jpg' },
    productId: 'p1',
    picName: 'shirt.jpg',
  })
  expect(add.code).toBe('')
  thumb = `/thumb/${P}/p1/shirt.jpg`
  // …and a file the host may serve (a profile's exports folder).
  const exports = path.join(s.dataDir, 'profiles', P, 'exports')
  fs.mkdirSync(exports, { recursive: true })
  fs.writeFileSync(path.join(exports, 'probe.txt'), PROBE)
})

afterAll(async () => {
  const total = flushTally('ui-host')
  expect(total.misbehaved).toBe(0)
})

function get(target: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
  return ask({ method: 'GET', path: target, headers })
}

/**
 * One request to the UI host (Host: 127.0.0.1:port unless given). An answer that does not end
 * within a few seconds is the event stream being served: reported as a 200 "STREAM-SERVED".
 */
async function ask(r: {
  method: string
  path: string
  headers?: Record<string, string>
  body?: string | Buffer
}): Promise<RawAnswer> {
  const a = await send(
    s.port,
    { ...r, headers: { host: `127.0.0.1:${s.port}`, ...r.headers } },
    r.path.startsWith('/api/events') ? 3_000 : 20_000,
  )
  return a.transport === 'timeout'
    ? { ...a, status: 200, code: 'STREAM-SERVED', transport: undefined }
    : a
}

/** Sends raw bytes (a request line Node's client would refuse to send) and reads the status. */
function rawSocket(request: string): Promise<Got> {
  return new Promise((resolve) => {
    const sock = net.connect(s.port, '127.0.0.1', () => sock.write(request))
    let buf = ''
    sock.setTimeout(10_000, () => sock.destroy(new Error('timeout')))
    sock.on('data', (d) => (buf += d.toString('latin1')))
    sock.on('error', (e) => resolve({ status: 0, code: '', transport: e.message }))
    sock.on('close', () => {
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(buf)
      const code = /"code":"([^"]+)"/.exec(buf)?.[1] ?? ''
      resolve(m ? { status: Number(m[1]), code } : { status: 0, code: '', transport: 'no answer' })
    })
  })
}

/** A GET that must be refused; the gallery's bytes must not come back either way. */
async function refusedGet(
  name: string,
  target: string,
  want: Want | readonly Want[],
  headers = {},
) {
  return rejectsOrPending(
    F,
    name,
    s,
    async () => {
      const a = await get(target, headers)
      if (a.status === 200 && /SQLite format|probe/.test(a.text))
        return { ...a, code: `LEAK(${a.text.length} bytes)` }
      return a
    },
    want,
    'gate',
  )
}

/** The routes, each with a request that works from the page the host serves. */
function routes(): { name: string; method: string; target: string; body?: string }[] {
  return [
    { name: 'renderer /', method: 'GET', target: '/' },
    { name: 'renderer asset', method: 'GET', target: '/assets/index.js' },
    { name: 'contract call', method: 'POST', target: '/api/call/profiles.list', body: '{}' },
    { name: 'events', method: 'GET', target: '/api/events' },
    { name: 'file download', method: 'GET', target: `/files/${P}/exports/probe.txt` },
    { name: 'thumbnail', method: 'GET', target: thumb },
  ]
}

describe('family d: the UI host refuses what a hostile page or client sends', () => {
  it('the legitimate requests work (the control for every case below)', async () => {
    const fails: string[] = []
    const file = await get(`/files/${P}/exports/probe.txt`)
    const t = await get(thumb)
    const list = await call(s.port, 'profiles.list', {})
    for (const [name, ok] of [
      ['the export downloads', file.status === 200 && file.text === PROBE],
      [
        'the thumbnail downloads',
        t.status === 200 && t.headers['content-type']?.startsWith('image/'),
      ],
      ['a contract call answers', list.status === 200 && !list.code],
    ] as const) {
      const l = ok
        ? record(F, `control: ${name}`, 'answered')
        : record(
            F,
            `control: ${name}`,
            'misbehaved',
            `file ${shown(file)}, thumb ${shown(t)}, call ${shown(list)}`,
          )
      if (l) fails.push(l)
    }
    expect(fails).toEqual([])
  })

  it('DNS rebinding and foreign Origins: 403 Forbidden on every route', async () => {
    const fails: (string | null)[] = []
    const p = s.port
    const evil: [string, Record<string, string>][] = [
      ['Host evil.example', { host: 'evil.example' }],
      ['Host evil.example:port', { host: `evil.example:${p}` }],
      ['Host 127.0.0.1.evil.example:port', { host: `127.0.0.1.evil.example:${p}` }],
      ['Host localhost:other-port', { host: `localhost:${p + 1}` }],
      ['Origin https://evil.example', { origin: 'https://evil.example' }],
      ['Origin null', { origin: 'null' }],
      ['Origin 127.0.0.1:port.evil.example', { origin: `http://127.0.0.1:${p}.evil.example` }],
      ['Origin localhost:other-port', { origin: `http://localhost:${p + 1}` }],
    ]
    for (const r of routes()) {
      for (const [what, headers] of evil) {
        fails.push(
          await rejectsOrPending(
            F,
            `${what} → ${r.name} (${r.method} ${r.target})`,
            s,
            () =>
              ask({
                method: r.method,
                path: r.target,
                headers: { 'content-type': 'application/json', ...headers },
                body: r.body,
              }),
            FORBIDDEN,
            'gate',
          ),
        )
      }
    }
    expect(fails.filter(Boolean)).toEqual([])
  })

  it('CSRF: text/plain and form-encoded POSTs from another site do not reach the contract', async () => {
    const fails: (string | null)[] = []
    const p = s.port
    let k = 0
    for (const [ctype, origin, want] of [
      ['text/plain', undefined, { status: 415, code: 'UnsupportedMediaType' }],
      [
        'application/x-www-form-urlencoded',
        undefined,
        { status: 415, code: 'UnsupportedMediaType' },
      ],
      ['multipart/form-data; boundary=x', undefined, { status: 415, code: 'UnsupportedMediaType' }],
      ['text/plain', 'https://evil.example', FORBIDDEN],
      ['application/x-www-form-urlencoded', 'https://evil.example', FORBIDDEN],
      ['application/json', 'https://evil.example', FORBIDDEN],
      ['application/json', 'null', FORBIDDEN],
    ] as [string, string | undefined, Want][]) {
      const name = `csrf${++k}`
      const body = ctype.includes('form-urlencoded')
        ? `{"kind":"local","name":"${name}"}=`
        : JSON.stringify({ kind: 'local', name })
      fails.push(
        await rejectsOrPending(
          F,
          `POST profiles.create as ${ctype}${origin ? ` from Origin ${origin}` : ''}`,
          s,
          async () => {
            const a = await send(p, {
              path: '/api/call/profiles.create',
              headers: {
                host: `127.0.0.1:${p}`,
                'content-type': ctype,
                ...(origin ? { origin } : {}),
              },
              body,
            })
            const list = await call(p, 'profiles.list', {})
            const created = JSON.stringify(list.result ?? '').includes(`"${name}"`)
            return created ? { ...a, code: `EXECUTED(${a.code || a.status})` } : a
          },
          want,
          origin ? 'gate' : undefined,
        ),
      )
    }
    expect(fails.filter(Boolean)).toEqual([])
  })

  it('path escapes out of the served folders: 400 InvalidUrl or 404 NotFound, never a byte', async () => {
    const fails: (string | null)[] = []
    const escapes = [
      `/files/${P}/exports%2f..%2fengine%2fengine.db-wal`,
      `/files/${P}/dumps%2f..%2fgallery.db`,
      `/files/${P}/exports%2F..%2Fgallery.db`,
      `/files/${P}/exports/%2e%2e/gallery.db`,
      `/files/${P}/exports/%2E%2E/engine/engine.db`,
      `/files/${P}/exports/..%2fgallery.db`,
      `/files/${P}/exports/..%2f..%2f..%2fprofiles.json`,
      `/files/${P}/exports/%252e%252e/gallery.db`,
      `/files/${P}/exports%252f..%252fgallery.db`,
      `/files/${P}/exports/..%5cgallery.db`,
      `/files/${P}/exports/..\\gallery.db`,
      `/files/${P}/exports\\..\\..\\profiles.json`,
      `/files/${P}/exports/probe.txt%00.png`,
      `/files/${P}/exports/../gallery.db`,
      `/files/${P}/exports/./../gallery.db`,
      `/files/%2e%2e/profiles/${P}/gallery.db`,
      '/files/..%2f..%2f..%2fetc%2fpasswd',
      `/files/${P}/%2fetc%2fpasswd`,
      `/files/${P}/C:%5cwindows%5cwin.ini`,
      '/thumb/%2e%2e/%2e%2e/gallery.db',
      `/thumb/${P}/../../gallery.db`,
      `/thumb/${P}/..%2f..%2fgallery.db/x`,
      `/thumb/${P}/p1/..%2f..%2f..%2fgallery.db`,
      `/thumb/${P}/p1/shirt.jpg%00`,
      `/..%2f..%2fprofiles%2f${P}%2fgallery.db`,
      '/%2e%2e/%2e%2e/etc/passwd',
      '/assets/..%2f..%2f..%2fpackage.json',
      '/assets/%252e%252e/%252e%252e/package.json',
      '/assets/..%5c..%5c..%5cpackage.json',
    ]
    for (const target of escapes) {
      // Refused as a bad address, or not found (an escape that decodes to no such profile/file).
      const wants: Want[] = [INVALID, NOT_FOUND]
      // Without a built renderer (a checkout before `npm run build`) the renderer's route answers
      // 503 for every path: no file is served, which is all this case needs to know then.
      if (!RENDERER && isRendererRoute(target)) wants.push(NO_RENDERER)
      fails.push(await refusedGet(`escape ${target}`, target, wants))
    }
    // Inside the profile but outside the allow-list, or not there: 404.
    for (const target of [
      `/files/${P}/gallery.db`,
      `/files/${P}/engine/engine.db`,
      `/files/${P}/engine/engine.db-wal`,
      `/files/${P}/thumbs`,
      `/files/${P}/exports/missing.txt`,
      '/files/nobody/exports/probe.txt',
      `/thumb/${P}/p1/other.jpg`,
      '/thumb/nobody/p1/shirt.jpg',
    ]) {
      fails.push(await refusedGet(`not served ${target}`, target, NOT_FOUND))
    }
    // A raw NUL in the request line: Node's parser or the gate, either way a 400.
    fails.push(
      await rejectsOrPending(
        F,
        'raw NUL in the request line',
        s,
        () =>
          rawSocket(
            `GET /files/local/exports/probe.txt\0.png HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\nConnection: close\r\n\r\n`,
          ),
        { status: 400, code: ['InvalidUrl', ''] },
      ),
    )
    fails.push(
      await rejectsOrPending(
        F,
        'absolute-form target naming another host',
        s,
        () =>
          rawSocket(
            `GET http://evil.example/files/local/gallery.db HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\nConnection: close\r\n\r\n`,
          ),
        { status: 400, code: ['InvalidUrl', ''] },
        'gate',
      ),
    )
    expect(fails.filter(Boolean)).toEqual([])
  })

  it('malformed %-escapes: 400 InvalidUrl on every route, not a 500', async () => {
    const fails: (string | null)[] = []
    for (const [method, target] of [
      ['POST', '/api/call/profiles.list%'],
      ['POST', '/api/call/profiles.%E0%A4%A'],
      ['POST', '/api/call/profiles.list?x=%zz'],
      ['GET', '/api/events?since=%'],
      ['GET', `/files/${P}/exports/%zz`],
      ['GET', `/files/${P}/%`],
      ['GET', `/thumb/${P}/%zz/x.jpg`],
      ['GET', '/thumb/%/a/b'],
      ['GET', '/%'],
      ['GET', '/assets/%c3%28.js'],
    ]) {
      fails.push(
        await rejectsOrPending(
          F,
          `${method} ${target}`,
          s,
          () =>
            ask({
              method,
              path: target,
              headers: { 'content-type': 'application/json' },
              body: method === 'POST' ? '{}' : undefined,
            }),
          INVALID,
          'gate',
        ),
      )
    }
    expect(fails.filter(Boolean)).toEqual([])
  })

  it('unknown routes and methods: 404 / 405, never a 500', async () => {
    const fails: (string | null)[] = []
    const cases: [string, string, Want, boolean][] = [
      ['POST', '/api/call/nothing.here', { status: 404, code: 'UnknownMethod' }, false],
      ['POST', '/api/call/__proto__.constructor', { status: 404, code: 'UnknownMethod' }, false],
      ['GET', '/api/nothing', NOT_FOUND, false],
      ['POST', '/api/call', NOT_FOUND, true],
      ['GET', '/api/call/profiles.list', { status: 405, code: 'MethodNotAllowed' }, false],
      ['DELETE', `/files/${P}/exports/probe.txt`, { status: 405, code: 'MethodNotAllowed' }, false],
      ['PUT', '/', { status: 405, code: 'MethodNotAllowed' }, false],
      ['POST', '/api/events', { status: 405, code: 'MethodNotAllowed' }, true],
    ]
    for (const [method, target, want, gateFix] of cases) {
      fails.push(
        await rejectsOrPending(
          F,
          `${method} ${target}`,
          s,
          () =>
            ask({
              method,
              path: target,
              headers: { 'content-type': 'application/json' },
              body: method === 'POST' || method === 'PUT' ? '{}' : undefined,
            }),
          want,
          gateFix ? 'gate' : undefined,
        ),
      )
    }
    {
      // Broken JSON is the caller's mistake: 400 InvalidJson.
      fails.push(
        await rejectsOrPending(
          F,
          'POST /api/call/profiles.list with broken JSON',
          s,
          () =>
            send(s.port, {
              path: '/api/call/profiles.list',
              headers: { host: `127.0.0.1:${s.port}`, 'content-type': 'application/json' },
              body: '{"x":',
            }),
          { status: 400, code: 'InvalidJson' },
        ),
      )
    }
    expect(fails.filter(Boolean)).toEqual([])
  })

  it('a body over the 48 MB limit is answered 413 PayloadTooLarge, not reset', async () => {
    const big = Buffer.alloc(49 * 1024 * 1024, 0x20)
    const fails: (string | null)[] = []
    for (const chunked of [false, true]) {
      fails.push(
        await rejectsOrPending(
          F,
          `a 49 MB contract call (${chunked ? 'chunked' : 'Content-Length'})`,
          s,
          () =>
            send(s.port, {
              path: '/api/call/profiles.list',
              headers: {
                host: `127.0.0.1:${s.port}`,
                'content-type': 'application/json',
                ...(chunked
                  ? { 'transfer-encoding': 'chunked' }
                  : { 'content-length': String(big.length) }),
              },
              body: big,
            }),
          { status: 413, code: 'PayloadTooLarge' },
          'gate',
        ),
      )
    }
    expect(fails.filter(Boolean)).toEqual([])
  })

  it('after all of it, nothing in the gallery changed and the host still serves', async () => {
    const list = await call(s.port, 'profiles.list', {})
    const names = ((list.result as { profiles?: { name: string }[] })?.profiles ?? []).map(
      (p) => p.name,
    )
    const exists = await call(s.port, 'images.exists', {
      profile: P,
      productId: 'p1',
      picName: 'shirt.jpg',
    })
    const ok =
      !names.some((n) => n.startsWith('csrf')) &&
      (exists.result as { exist?: boolean })?.exist === true
    const l = ok
      ? record(F, 'the gallery is as it was', 'answered')
      : record(
          F,
          'the gallery is as it was',
          'misbehaved',
          `profiles ${names.join(',')}, exists ${exists.text}`,
        )
    expect(l).toBeNull()
  })
})
