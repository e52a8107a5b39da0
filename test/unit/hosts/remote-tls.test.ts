import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHeadless } from '../../../electron/server/headless'
import { loadTls } from '../../../electron/server/auth/index'
import { loupe, serve } from '../../helpers/cli'
import { tempDir } from '../../helpers/tmp'
import { cookieOf, lanAddress, request } from '../../helpers/remote'

const LAN = lanAddress()

/** A self-signed certificate for 127.0.0.1 (and the LAN address), made now with openssl. */
function selfSigned(dir: string, name: string): { cert: string; key: string } {
  const cert = path.join(dir, `${name}.crt`)
  const key = path.join(dir, `${name}.key`)
  const san = ['IP:127.0.0.1', 'DNS:localhost', ...(LAN ? [`IP:${LAN}`] : [])].join(',')
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      `/CN=loupe-test-${name}`,
      '-addext',
      `subjectAltName=${san}`,
    ],
    { stdio: 'pipe' },
  )
  return { cert, key }
}

describe('HTTPS with --tls-cert / --tls-key', () => {
  const t = tempDir()
  const files = tempDir()
  let pair: { cert: string; key: string }
  let other: { cert: string; key: string }
  let h: Awaited<ReturnType<typeof startHeadless>>

  beforeAll(async () => {
    pair = selfSigned(files.dir, 'a')
    other = selfSigned(files.dir, 'b')
    h = await startHeadless({
      dataDir: t.dir,
      host: '0.0.0.0',
      port: 0,
      tls: loadTls(pair),
      log: () => {},
      control: false,
    })
  })
  afterAll(async () => {
    await h?.close()
    t.cleanup()
    files.cleanup()
  })

  it('serves HTTPS in remote mode; the session cookie is Secure and __Host- prefixed', async () => {
    expect(h.auth).toMatchObject({ required: true, tls: true })
    expect(h.url).toMatch(/^https:\/\//)
    const ca = fs.readFileSync(pair.cert)
    const base = `https://${LAN ?? '127.0.0.1'}:${h.port}`
    const anon = await request(`${base}/api/call/app.info`, { body: {}, ca })
    expect(anon.status).toBe(401)
    const r = await request(`${base}/auth/session`, {
      body: { token: h.auth.createdToken!.token },
      ca,
    })
    expect(r.status).toBe(200)
    const set = r.headers['set-cookie']![0]!
    expect(set).toMatch(/^__Host-loupe_session=/)
    expect(set).toContain('Secure')
    expect(set).toContain('HttpOnly')
    expect(set).toContain('SameSite=Strict')
    const info = await request(`${base}/api/call/app.info`, {
      body: {},
      headers: { cookie: cookieOf(r) },
      ca,
    })
    expect(info.status).toBe(200)
    // A certificate the client does not trust is refused by the client (real TLS, not a stub).
    await expect(
      request(`${base}/auth/session`, { ca: fs.readFileSync(other.cert) }),
    ).rejects.toThrow()
    // Plain HTTP to the HTTPS port gets no answer of Loupe's.
    const plain = await new Promise<number | string>((resolve) => {
      http
        .get(`http://127.0.0.1:${h.port}/auth/session`, (res) => resolve(res.statusCode ?? 0))
        .on('error', (e) => resolve((e as NodeJS.ErrnoException).code ?? 'error'))
    })
    expect(plain).not.toBe(200)
  })

  it('names what is wrong with the certificate or key files', () => {
    const missing = path.join(files.dir, 'nope.pem')
    expect(() => loadTls({ cert: missing, key: pair.key })).toThrow(
      expect.objectContaining({
        code: 'TlsFileUnreadable',
        message: expect.stringContaining('nope.pem'),
      }),
    )
    expect(() => loadTls({ cert: pair.cert, key: files.dir })).toThrow(
      expect.objectContaining({ code: 'TlsFileUnreadable' }),
    )
    const garbage = path.join(files.dir, 'garbage.pem')
    fs.writeFileSync(garbage, 'this is not a certificate\n')
    expect(() => loadTls({ cert: garbage, key: pair.key })).toThrow(
      expect.objectContaining({ code: 'TlsCertificateInvalid' }),
    )
    // The certificate given as the key.
    expect(() => loadTls({ cert: pair.cert, key: pair.cert })).toThrow(
      expect.objectContaining({ code: 'TlsKeyInvalid' }),
    )
    expect(() => loadTls({ cert: pair.cert, key: other.key })).toThrow(
      expect.objectContaining({ code: 'TlsKeyMismatch' }),
    )
    expect(loadTls(pair).cert.toString()).toContain('BEGIN CERTIFICATE')
  })

  it('`loupe serve` explains bad TLS files and refuses plain HTTP off loopback (exit 1)', () => {
    const d = tempDir()
    try {
      const noFile = loupe([
        '--data',
        d.dir,
        'serve',
        '--host',
        '0.0.0.0',
        '--port',
        '0',
        '--tls-cert',
        path.join(files.dir, 'x.crt'),
        '--tls-key',
        pair.key,
      ])
      expect(noFile.code).toBe(1)
      expect(noFile.stderr).toMatch(
        /^TlsFileUnreadable: Cannot read .*x\.crt: no such file \(Check the path/,
      )
      const mismatch = loupe([
        '--data',
        d.dir,
        'serve',
        '--port',
        '0',
        '--tls-cert',
        pair.cert,
        '--tls-key',
        other.key,
      ])
      expect(mismatch.code).toBe(1)
      expect(mismatch.stderr).toMatch(/^TlsKeyMismatch: /)
      const half = loupe(['--data', d.dir, 'serve', '--port', '0', '--tls-cert', pair.cert])
      expect(half.code).toBe(2)
      expect(half.stderr).toContain('Give both --tls-cert and --tls-key')
      const plain = loupe(['--data', d.dir, 'serve', '--host', '0.0.0.0', '--port', '0'])
      expect(plain.code).toBe(1)
      expect(plain.stderr).toMatch(
        /^InsecureHttpRefused: .*--tls-cert and --tls-key .*--insecure-http/s,
      )
      // Refused before anything was set up: no token was minted.
      expect(fs.existsSync(path.join(d.dir, 'tokens.json'))).toBe(false)
    } finally {
      d.cleanup()
    }
  })

  it('`loupe serve --host 0.0.0.0 --insecure-http` prints the first token once and warns what is exposed', async () => {
    const d = tempDir()
    const s = await serve(['--data', d.dir, '--host', '0.0.0.0', '--port', '0', '--insecure-http'])
    try {
      // The token and the warning follow the first line, often in the same chunk of output; on a
      // busy machine not at once (seconds).
      const tokenRe = /\n {2}(loupe_[A-Za-z0-9_-]{43})\n/
      for (let t = Date.now(); Date.now() - t < 60_000;) {
        const now = s.output()
        if (tokenRe.test(now.out) && now.err.includes('Warning: serving plain HTTP')) break
        await new Promise((r) => setTimeout(r, 100))
      }
      const { out, err } = s.output()
      const token = tokenRe.exec(out)?.[1]
      expect(token, out).toBeDefined()
      expect(out).toContain('Remote mode: every browser signs in')
      expect(err).toContain('Warning: serving plain HTTP on 0.0.0.0')
      expect(err).toContain('the access tokens and session cookies')
      // The token signs in.
      const port = /:(\d+)/.exec(s.url)![1]
      const r = await request(`http://127.0.0.1:${port}/auth/session`, { body: { token } })
      expect(r.json).toMatchObject({ signedIn: true, scope: 'full' })
      // `loupe tokens list` shows it, never the token.
      const list = loupe(['--data', d.dir, 'tokens', 'list', '--json'])
      expect(list.code).toBe(0)
      expect(list.stdout).not.toContain(token!)
      const tokens = JSON.parse(list.stdout).tokens
      expect(tokens).toHaveLength(1)
      expect(tokens[0]).toMatchObject({ scope: 'full', name: 'first token' })
      expect(tokens[0].lastUsedAt).toBeTypeOf('number')
      // The log holds no token either.
      const log = fs.readFileSync(path.join(d.dir, 'logs', 'loupe.log'), 'utf8')
      expect(log).not.toContain(token!)
      // `loupe tokens revoke` through the file: the running host signs the browser out at once.
      const cookie = cookieOf(r)
      expect(loupe(['--data', d.dir, 'tokens', 'revoke', tokens[0].id]).code).toBe(0)
      const after = await request(`http://127.0.0.1:${port}/api/call/app.info`, {
        body: {},
        headers: { cookie },
      })
      expect(after.status).toBe(401)
    } finally {
      s.proc.kill('SIGTERM')
      await new Promise((r) => s.proc.once('exit', r))
      d.cleanup()
    }
  }, 180_000)
})

describe('loupe tokens', () => {
  it('creates (shown once), lists (never the token) and revokes, with --json and help', () => {
    const d = tempDir()
    try {
      const help = loupe(['tokens', '--help'])
      expect(help.code).toBe(0)
      expect(help.stdout).toMatch(/create .*access token/)
      expect(help.stdout).toContain('read-only')
      expect(loupe(['tokens', 'create', '--help']).stdout).toContain('--read-only')
      const a = loupe(['--data', d.dir, 'tokens', 'create', '--name', 'ci bot', '--read-only'])
      expect(a.code).toBe(0)
      const token = /(loupe_[A-Za-z0-9_-]{43})/.exec(a.stdout)![1]!
      expect(a.stdout).toContain('read-only')
      const b = JSON.parse(loupe(['--data', d.dir, 'tokens', 'create', '--json']).stdout)
      expect(b).toMatchObject({ scope: 'full', token: expect.stringMatching(/^loupe_/) })
      const list = loupe(['--data', d.dir, 'tokens', 'list'])
      expect(list.stdout).toMatch(/read .*ci bot/)
      expect(list.stdout).not.toContain(token)
      expect(list.stdout).not.toContain(b.token)
      const id = JSON.parse(loupe(['--data', d.dir, 'tokens', 'list', '--json']).stdout).tokens[0]
        .id
      expect(loupe(['--data', d.dir, 'tokens', 'revoke', id]).stdout).toContain(`Revoked ${id}`)
      const again = loupe(['--data', d.dir, 'tokens', 'revoke', id])
      expect(again.code).toBe(1)
      expect(again.stderr).toContain('TokenNotFound')
      expect(
        JSON.parse(loupe(['--data', d.dir, 'tokens', 'list', '--json']).stdout).tokens,
      ).toHaveLength(1)
    } finally {
      d.cleanup()
    }
  })
})
