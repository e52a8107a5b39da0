import http from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHeadless } from '../../../electron/server/headless'
import { clientKey, isLoopbackHost } from '../../../electron/server/auth/index'
import { createTokenStore } from '../../../electron/core/auth/tokens'
import { tempDir } from '../../helpers/tmp'
import { cookieOf, lanAddress, request } from '../../helpers/remote'

const LAN = lanAddress()

describe('remote mode of loupe serve (sign-in with access tokens)', () => {
  const t = tempDir()
  let h: Awaited<ReturnType<typeof startHeadless>>
  let lan: string
  let loop: string
  let full: string
  let readOnly: string

  beforeAll(async () => {
    // Bound to every interface: reached both over this machine's LAN address (when it has one)
    // and over 127.0.0.1 — loopback callers sign in too.
    h = await startHeadless({
      dataDir: t.dir,
      host: '0.0.0.0',
      port: 0,
      insecureHttp: true,
      log: () => {},
      control: false,
      sessions: { signInFailures: { max: 4, windowMs: 60_000 } },
    })
    lan = `http://${LAN ?? '127.0.0.1'}:${h.port}`
    loop = `http://127.0.0.1:${h.port}`
    // No token existed: the host created a full one, shown once.
    expect(h.auth.required).toBe(true)
    expect(h.auth.createdToken).toMatchObject({ scope: 'full' })
    full = h.auth.createdToken!.token
    readOnly = createTokenStore(t.dir).create({ name: 'viewer', scope: 'read' }).token
  })
  afterAll(async () => {
    await h?.close()
    t.cleanup()
  })

  it('says sign-in is required, and refuses every route without a session — loopback too', async () => {
    const s = await request(`${lan}/auth/session`)
    expect(s.status).toBe(200)
    expect(s.json).toEqual({ required: true, signedIn: false, scope: null })
    for (const base of [lan, loop]) {
      const routes: [string, Parameters<typeof request>[1]][] = [
        ['/api/call/app.info', { body: {} }],
        ['/api/call/images.remove', { body: { productId: 'a', picNames: ['b'] } }],
        ['/api/call/no.such', { body: {} }],
        ['/api/events', {}],
        ['/api/other', {}],
        ['/files/local/dumps/x.meta', {}],
        ['/thumb/local/p/q.jpg', {}],
      ]
      for (const [p, o] of routes) {
        const r = await request(base + p, o)
        expect(r.status, `${base}${p}`).toBe(401)
        expect(r.json.error?.code, p).toBe('SignInRequired')
      }
      // A session cookie made up by the caller is no session.
      const forged = await request(`${base}/api/call/app.info`, {
        body: {},
        headers: { cookie: 'loupe_session=' + 'A'.repeat(43) },
      })
      expect(forged.status).toBe(401)
    }
    // The page itself loads (it shows the sign-in), and the engine API keeps its signature check.
    const page = await request(`${lan}/`)
    expect(page.status).not.toBe(401)
    const wire = await request(`${lan}/`, {
      method: 'POST',
      body: 'Action=Detail',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })
    expect(wire.status).toBe(400)
    expect(wire.text).not.toContain('SignInRequired')
  })

  it('signs in with a token: an HttpOnly SameSite=Strict cookie, then the contract answers', async () => {
    const bad = await request(`${lan}/auth/session`, { body: { token: 'loupe_wrong' } })
    expect(bad.status).toBe(401)
    expect(bad.json.error?.code).toBe('InvalidToken')
    expect(bad.headers['set-cookie']).toBeUndefined()

    const r = await request(`${lan}/auth/session`, { body: { token: full } })
    expect(r.status).toBe(200)
    expect(r.json).toEqual({ required: true, signedIn: true, scope: 'full' })
    const set = r.headers['set-cookie']![0]!
    expect(set).toMatch(/^loupe_session=[A-Za-z0-9_-]{43};/)
    expect(set).toContain('HttpOnly')
    expect(set).toContain('SameSite=Strict')
    expect(set).toContain('Path=/')
    expect(set).not.toContain('Secure') // plain HTTP (--insecure-http)
    const cookie = cookieOf(r)
    // The token itself is not the cookie.
    expect(cookie).not.toContain(full.slice(6))

    const info = await request(`${lan}/api/call/app.info`, { body: {}, headers: { cookie } })
    expect(info.status).toBe(200)
    expect(info.json.result).toMatchObject({ host: 'headless' })
    const state = await request(`${loop}/auth/session`, { headers: { cookie } })
    expect(state.json).toEqual({ required: true, signedIn: true, scope: 'full' })
    // Writes work with a full token.
    const created = await request(`${lan}/api/call/profiles.create`, {
      body: {
        kind: 'local',
        name: 'second',
        serviceType: 'product',
        local: { capacity: 100, qps: 0 },
      },
      headers: { cookie },
    })
    expect(created.status).toBe(200)
    expect(created.json.result).toMatchObject({ name: 'second' })
    // The sign-in was recorded.
    expect(
      createTokenStore(t.dir)
        .list()
        .find((x) => x.id === h.auth.createdToken!.id)?.lastUsedAt,
    ).toBeTypeOf('number')
  })

  it('refuses a cross-site sign-in (Origin) and a sign-in that is not JSON', async () => {
    const cross = await request(`${lan}/auth/session`, {
      body: { token: full },
      headers: { origin: 'http://evil.example' },
    })
    expect(cross.status).toBe(403)
    expect(cross.headers['set-cookie']).toBeUndefined()
    const form = await request(`${lan}/auth/session`, {
      body: `token=${full}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })
    expect(form.status).toBe(415)
    expect(form.headers['set-cookie']).toBeUndefined()
    // Same origin (the page's own): fine.
    const own = await request(`${lan}/auth/session`, {
      body: { token: full },
      headers: { origin: lan },
    })
    expect(own.status).toBe(200)
    // A signed-in browser's cookie does not make a cross-origin call pass.
    const x = await request(`${lan}/api/call/app.info`, {
      body: {},
      headers: { cookie: cookieOf(own), origin: 'http://evil.example' },
    })
    expect(x.status).toBe(403)
  })

  it('a read-only token searches and browses, and gets 403 TokenScopeTooNarrow for writes', async () => {
    const r = await request(`${lan}/auth/session`, { body: { token: readOnly } })
    expect(r.json).toEqual({ required: true, signedIn: true, scope: 'read' })
    const cookie = cookieOf(r)
    const list = await request(`${lan}/api/call/gallery.list`, { body: {}, headers: { cookie } })
    expect(list.status).toBe(200)
    expect(list.json.result).toMatchObject({ total: 0 })
    const search = await request(`${lan}/api/call/search.byName`, {
      body: { productId: 'nothing' },
      headers: { cookie },
    })
    expect(search.status, search.text).toBe(200)
    for (const [name, body] of [
      ['images.remove', { productId: 'a' }],
      [
        'profiles.create',
        { kind: 'local', name: 'ro', serviceType: 'product', local: { capacity: 1, qps: 0 } },
      ],
      ['profiles.activate', { name: 'second' }],
      ['gallery.remove', { selection: { all: true } }],
      ['watch.add', {}],
      ['no.such', {}],
    ] as const) {
      const w = await request(`${lan}/api/call/${name}`, { body, headers: { cookie } })
      expect(w.status, name).toBe(403)
      expect(w.json.error?.code, name).toBe('TokenScopeTooNarrow')
    }
    // Nothing was created.
    const profiles = await request(`${lan}/api/call/profiles.list`, {
      body: {},
      headers: { cookie },
    })
    expect(JSON.stringify(profiles.json.result)).not.toContain('"ro"')
  })

  it('revoking a token ends its sessions at once, open event streams included', async () => {
    const store = createTokenStore(t.dir)
    const tok = store.create({ name: 'to revoke', scope: 'read' })
    const cookie = cookieOf(await request(`${lan}/auth/session`, { body: { token: tok.token } }))
    expect(
      (await request(`${lan}/api/call/app.info`, { body: {}, headers: { cookie } })).status,
    ).toBe(200)
    // An open event stream…
    const ended = new Promise<number>((resolve, reject) => {
      const started = Date.now()
      http
        .get(`${lan}/api/events`, { headers: { cookie } }, (res) => {
          expect(res.statusCode).toBe(200)
          res.resume()
          res.on('end', () => resolve(Date.now() - started))
        })
        .on('error', reject)
    })
    await new Promise((r) => setTimeout(r, 200))
    // …`loupe tokens revoke` (another store on the same file, as the CLI is).
    expect(createTokenStore(t.dir).revoke(tok.id)).toBe(true)
    const gone = await request(`${lan}/api/call/app.info`, { body: {}, headers: { cookie } })
    expect(gone.status).toBe(401)
    expect(gone.json.error?.code).toBe('SignInRequired')
    expect(await ended).toBeLessThan(10_000)
    // Signing in again with it fails.
    expect((await request(`${lan}/auth/session`, { body: { token: tok.token } })).status).toBe(401)
  })

  it('signs out: the cookie is cleared and the session is gone', async () => {
    const cookie = cookieOf(await request(`${lan}/auth/session`, { body: { token: full } }))
    const out = await request(`${lan}/auth/session`, { method: 'DELETE', headers: { cookie } })
    expect(out.status).toBe(200)
    expect(out.json).toMatchObject({ required: true, signedIn: false })
    expect(out.headers['set-cookie']![0]).toMatch(/^loupe_session=;.*Max-Age=0/)
    const after = await request(`${lan}/api/call/app.info`, { body: {}, headers: { cookie } })
    expect(after.status).toBe(401)
  })

  it('rate-limits failed sign-ins per address (then even the right token waits)', async () => {
    // A fresh host so the failures of the other tests do not count.
    const d = tempDir()
    const g = await startHeadless({
      dataDir: d.dir,
      host: '127.0.0.1',
      auth: 'required',
      port: 0,
      log: () => {},
      control: false,
      sessions: { signInFailures: { max: 3, windowMs: 60_000 } },
    })
    try {
      const base = g.url
      const tok = g.auth.createdToken!.token
      for (let i = 0; i < 3; i++) {
        expect(
          (await request(`${base}/auth/session`, { body: { token: `loupe_guess${i}` } })).status,
        ).toBe(401)
      }
      const blocked = await request(`${base}/auth/session`, { body: { token: tok } })
      expect(blocked.status).toBe(429)
      expect(blocked.json.error?.code).toBe('TooManySignInAttempts')
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0)
      expect(blocked.headers['set-cookie']).toBeUndefined()
    } finally {
      await g.close()
      d.cleanup()
    }
  })

  it('ends an idle session', async () => {
    const d = tempDir()
    const g = await startHeadless({
      dataDir: d.dir,
      host: '127.0.0.1',
      auth: 'required',
      port: 0,
      log: () => {},
      control: false,
      sessions: { limits: { idleMs: 300 } },
    })
    try {
      const cookie = cookieOf(
        await request(`${g.url}/auth/session`, { body: { token: g.auth.createdToken!.token } }),
      )
      expect(
        (await request(`${g.url}/api/call/app.info`, { body: {}, headers: { cookie } })).status,
      ).toBe(200)
      await new Promise((r) => setTimeout(r, 600))
      expect(
        (await request(`${g.url}/api/call/app.info`, { body: {}, headers: { cookie } })).status,
      ).toBe(401)
      // A second start finds the token: none is created.
      await g.close()
      const again = await startHeadless({
        dataDir: d.dir,
        host: '127.0.0.1',
        auth: 'required',
        port: 0,
        log: () => {},
        control: false,
      })
      expect(again.auth.createdToken).toBeNull()
      await again.close()
    } finally {
      d.cleanup()
    }
  })
})

describe('loopback bind', () => {
  it('needs no sign-in (nothing changes)', async () => {
    const d = tempDir()
    const g = await startHeadless({ dataDir: d.dir, port: 0, log: () => {}, control: false })
    try {
      expect(g.auth).toEqual({ required: false, tls: false, createdToken: null })
      expect((await request(`${g.url}/auth/session`)).json).toEqual({
        required: false,
        signedIn: false,
        scope: 'full',
      })
      const r = await request(`${g.url}/api/call/app.info`, { body: {} })
      expect(r.status).toBe(200)
      // No token was created.
      expect(createTokenStore(d.dir).list()).toEqual([])
    } finally {
      await g.close()
      d.cleanup()
    }
  })
})

describe('plain HTTP on a non-loopback address', () => {
  it('is refused unless insecureHttp is given', async () => {
    const d = tempDir()
    try {
      await expect(
        startHeadless({
          dataDir: d.dir,
          host: LAN ?? '0.0.0.0',
          port: 0,
          log: () => {},
          control: false,
        }),
      ).rejects.toMatchObject({ code: 'InsecureHttpRefused' })
      await expect(
        startHeadless({ dataDir: d.dir, host: '0.0.0.0', port: 0, log: () => {}, control: false }),
      ).rejects.toMatchObject({ code: 'InsecureHttpRefused' })
      // Nothing was created either.
      expect(createTokenStore(d.dir).list()).toEqual([])
    } finally {
      d.cleanup()
    }
  })
})

describe('which binds are loopback', () => {
  it('knows loopback names and addresses from the rest', () => {
    for (const h of [
      '127.0.0.1',
      '127.1.2.3',
      'localhost',
      'LOCALHOST',
      '::1',
      '[::1]',
      '::ffff:127.0.0.1',
    ]) {
      expect(isLoopbackHost(h), h).toBe(true)
    }
    for (const h of [
      '0.0.0.0',
      '::',
      '192.0.2.2',
      '10.0.0.1',
      'fd00::2',
      '::ffff:10.0.0.1',
      'example.com',
      '128.0.0.1',
    ]) {
      expect(isLoopbackHost(h), h).toBe(false)
    }
  })
})

describe('failed sign-ins are counted per client', () => {
  it('per IPv4 address, and per IPv6 /64', () => {
    expect(clientKey('192.0.2.7')).toBe('192.0.2.7')
    expect(clientKey('::ffff:192.0.2.7')).toBe('192.0.2.7')
    expect(clientKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64')
    expect(clientKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64')
    expect(clientKey('2001:db8::1')).toBe('2001:db8:0:0::/64')
    expect(clientKey('2001:db8:1:3::1')).not.toBe(clientKey('2001:db8:1:2::1'))
    expect(clientKey('::1')).toBe('0:0:0:0::/64')
    expect(clientKey(undefined)).toBe('unknown')
  })
})
