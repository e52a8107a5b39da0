/**
 * Family e — auth on a non-loopback bind: a real `loupe serve --host 0.0.0.0 --insecure-http`,
 * reached over this machine's LAN address (a remote caller) and over 127.0.0.1 (which signs in
 * too, in remote mode). Without a session every route but the page itself is 401 SignInRequired
 * (forged cookies included); a wrong token is 401 InvalidToken; a read-only token cannot write
 * (403 TokenScopeTooNarrow); a revoked token's session ends at once, its event stream too; a
 * remote caller may not name server paths (403 RemotePathRefused); the engine API keeps its own
 * signature check.
 */
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTokenStore } from '../../electron/core/auth/tokens'
import { loupe } from '../helpers/cli'
import { catalogueBytes } from '../helpers/images'
import { rejectsOrPending } from './cases'
import { freshDataDir, serveChild, type Served } from './host'
import { flushTally, record, shown, type Want } from './tally'
import { send, type RawAnswer } from './wire'

const F = 'e. auth (remote mode)'
const data = freshDataDir()
let s: Served
let full = ''
let readOnly = ''
let bases: string[] = []
/** Every answer a remote caller (the LAN address) got: none may name a path on the server. */
const remoteAnswers: string[] = []

function lanAddress(): string | null {
  for (const list of Object.values(os.networkInterfaces()))
    for (const a of list ?? []) if (!a.internal && a.family === 'IPv4') return a.address
  return null
}

beforeAll(async () => {
  s = await serveChild(data.dir, { args: ['--host', '0.0.0.0', '--insecure-http'] })
  // No token existed: serve created a full one and showed it once.
  const out = await s.waitFor(/No access token existed[\s\S]*Paste it/)
  const shownToken = /\n\s+(\S{20,})\s*\n/.exec(out.split('No access token existed')[1] ?? '')
  if (!shownToken) throw new Error(`no token in the output of serve:\n${s.output()}`)
  full = shownToken[1]
  // More tokens straight into the data folder's token store (what `loupe tokens create` does;
  // the running host re-reads it). The revoke below goes through the command itself.
  readOnly = createTokenStore(data.dir).create({ name: 'adv', scope: 'read' }).token
  const lan = lanAddress()
  bases = [...(lan ? [lan] : []), '127.0.0.1']
})

afterAll(async () => {
  const total = flushTally('auth')
  await s?.stop()
  data.cleanup()
  expect(total.misbehaved).toBe(0)
})

/** One request to `addr:port`, Host set to it (a name the server answers to). */
async function req(
  addr: string,
  method: string,
  path: string,
  o: { cookie?: string; body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<RawAnswer & { setCookie?: string }> {
  const body = o.body === undefined ? undefined : Buffer.from(JSON.stringify(o.body))
  return new Promise((resolve) => {
    const r = http.request(
      {
        host: addr,
        port: s.port,
        method,
        path,
        timeout: o.timeoutMs ?? 20_000,
        headers: {
          host: `${addr}:${s.port}`,
          ...(body
            ? { 'content-type': 'application/json', 'content-length': String(body.length) }
            : {}),
          ...(o.cookie ? { cookie: o.cookie } : {}),
          ...o.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          // As contract.ts: an error in a 200 answer counts with its own httpStatus.
          let code = ''
          let status = res.statusCode ?? 0
          try {
            const e = (JSON.parse(text) as { error?: { code?: string; httpStatus?: number } }).error
            code = String(e?.code ?? '')
            if (status === 200 && typeof e?.httpStatus === 'number') status = e.httpStatus
          } catch {
            code = ''
          }
          if (addr !== '127.0.0.1') remoteAnswers.push(`${method} ${path}: ${text}`)
          resolve({
            status,
            code,
            headers: res.headers,
            text,
            setCookie: res.headers['set-cookie']?.[0],
          })
        })
      },
    )
    r.on('timeout', () => r.destroy(new Error('timeout')))
    r.on('error', (e) =>
      resolve({ status: 0, code: '', headers: {}, text: '', transport: e.message }),
    )
    r.end(body)
  })
}

async function signIn(addr: string, token: string): Promise<string> {
  const r = await req(addr, 'POST', '/auth/session', { body: { token } })
  if (r.status !== 200 || !r.setCookie) throw new Error(`sign-in failed: ${shown(r)} ${r.text}`)
  return r.setCookie.split(';')[0]
}

const SIGN_IN: Want = { status: 401, code: 'SignInRequired' }

describe('family e: auth on a non-loopback bind', () => {
  it('without a session every route is 401 SignInRequired, loopback included', async () => {
    const fails: (string | null)[] = []
    for (const addr of bases) {
      for (const [method, path, body] of [
        ['POST', '/api/call/app.info', {}],
        ['POST', '/api/call/profiles.list', {}],
        ['POST', '/api/call/images.remove', { productId: 'a' }],
        ['POST', '/api/call/no.such', {}],
        ['GET', '/api/events', undefined],
        ['GET', '/api/other', undefined],
        ['GET', '/files/local/exports/x.txt', undefined],
        ['GET', '/thumb/local/p/q.jpg', undefined],
      ] as [string, string, unknown][]) {
        fails.push(
          await rejectsOrPending(
            F,
            `${addr}: ${method} ${path} without a session`,
            s,
            () => req(addr, method, path, { body, timeoutMs: 3000 }),
            SIGN_IN,
          ),
        )
        for (const cookie of [
          'loupe_session=' + 'A'.repeat(43),
          'loupe_session=',
          `loupe_session=${full}`,
        ]) {
          fails.push(
            await rejectsOrPending(
              F,
              `${addr}: ${method} ${path} with a forged cookie ${JSON.stringify(cookie.slice(0, 24))}`,
              s,
              () => req(addr, method, path, { body, cookie, timeoutMs: 3000 }),
              SIGN_IN,
            ),
          )
        }
      }
      for (const token of [
        '',
        'loupe_wrong',
        full + 'x',
        full.toUpperCase(),
        readOnly.slice(0, -1),
      ]) {
        fails.push(
          await rejectsOrPending(
            F,
            `${addr}: sign-in with token ${JSON.stringify(token.slice(0, 12))}…`,
            s,
            () => req(addr, 'POST', '/auth/session', { body: { token } }),
            { status: 401, code: 'InvalidToken' },
          ),
        )
      }
      // A sign-in from another site (CSRF) or as a form is refused too.
      fails.push(
        await rejectsOrPending(
          F,
          `${addr}: sign-in from Origin https://evil.example`,
          s,
          () =>
            req(addr, 'POST', '/auth/session', {
              body: { token: full },
              headers: { origin: 'https://evil.example' },
            }),
          { status: 403, code: 'Forbidden' },
        ),
      )
    }
    // The engine API keeps its own signature check (not a sign-in).
    fails.push(
      await rejectsOrPending(
        F,
        'engine API without a signature',
        s,
        () =>
          send(s.port, {
            path: '/',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: 'Action=Detail',
          }),
        { status: 400, code: 'IncompleteSignature' },
      ),
    )
    expect(fails.filter(Boolean)).toEqual([])
  })

  it('a read-only token reads but cannot write; a full token writes', async () => {
    const fails: (string | null)[] = []
    const addr = bases[0]
    const ro = await signIn(addr, readOnly)
    const rw = await signIn(addr, full)
    const b64 = catalogueBytes(77).toString('base64')
    const reads: [string, unknown][] = [
      ['profiles.list', {}],
      ['search.byPic', { image: { base64: b64 } }],
      ['search.byFilter', { filter: 'int_attr>=0' }],
    ]
    for (const [m, input] of reads) {
      const a = await req(addr, 'POST', `/api/call/${m}`, { cookie: ro, body: input })
      const l =
        a.status === 200 && !a.code
          ? record(F, `read-only: ${m} answers`, 'answered')
          : record(
              F,
              `read-only: ${m} answers`,
              'misbehaved',
              `${shown(a)} ${a.text.slice(0, 200)}`,
            )
      if (l) fails.push(l)
    }
    const writes: [string, unknown][] = [
      ['images.add', { image: { base64: b64 }, productId: 'ro', picName: 'ro.jpg' }],
      ['images.remove', { productId: 'rw' }],
      ['images.update', { productId: 'rw', picName: 'rw.jpg', intAttr: 1 }],
      ['profiles.create', { kind: 'local', name: 'ro-made' }],
      ['profiles.remove', { name: 'local' }],
    ]
    const added = await req(addr, 'POST', '/api/call/images.add', {
      cookie: rw,
      body: { image: { base64: b64 }, productId: 'rw', picName: 'rw.jpg' },
    })
    const l0 =
      added.status === 200 && !added.code
        ? record(F, 'full: images.add answers', 'answered')
        : record(
            F,
            'full: images.add answers',
            'misbehaved',
            `${shown(added)} ${added.text.slice(0, 200)}`,
          )
    if (l0) fails.push(l0)
    for (const [m, input] of writes) {
      fails.push(
        await rejectsOrPending(
          F,
          `read-only: ${m}`,
          s,
          () => req(addr, 'POST', `/api/call/${m}`, { cookie: ro, body: input }),
          { status: 403, code: 'TokenScopeTooNarrow' },
        ),
      )
    }
    const still = await req(addr, 'POST', '/api/call/images.exists', {
      cookie: rw,
      body: { productId: 'rw', picName: 'rw.jpg' },
    })
    const l1 = /"exist":true/.test(still.text)
      ? record(F, 'the read-only writes changed nothing', 'answered')
      : record(F, 'the read-only writes changed nothing', 'misbehaved', still.text.slice(0, 200))
    if (l1) fails.push(l1)
    if (addr !== '127.0.0.1') {
      // A remote caller sends bytes, never a path on the server.
      fails.push(
        await rejectsOrPending(
          F,
          'remote caller: images.add with a server path',
          s,
          () =>
            req(addr, 'POST', '/api/call/images.add', {
              cookie: rw,
              body: { image: { path: '/etc/passwd' }, productId: 'x', picName: 'x.jpg' },
            }),
          { status: 403, code: 'RemotePathRefused' },
          'gate',
        ),
      )
    }
    expect(fails.filter(Boolean)).toEqual([])
  })

  it('a remote caller is never shown a path on the server', async () => {
    const addr = bases[0]
    const fails: (string | null)[] = []
    if (addr !== '127.0.0.1') {
      const rw = await signIn(addr, full)
      // Errors that are about files: a broken picture, a path, an unknown profile's folder.
      for (const [m, input] of [
        [
          'images.add',
          {
            image: { base64: Buffer.from('not a picture').toString('base64'), name: 'x.jpg' },
            productId: 'b',
            picName: 'b.jpg',
          },
        ],
        [
          'images.add',
          {
            image: { path: `${data.dir}/profiles/local/gallery.db` },
            productId: 'b',
            picName: 'b.jpg',
          },
        ],
        ['search.byPic', { image: { base64: Buffer.alloc(10).toString('base64') } }],
        ['profiles.update', { name: 'nobody', patch: {} }],
      ] as [string, unknown][]) {
        await req(addr, 'POST', `/api/call/${m}`, { cookie: rw, body: input })
      }
      const roots = [data.dir, fs.realpathSync(data.dir)]
      const leaks = remoteAnswers.filter((t) => roots.some((r) => t.includes(r)))
      fails.push(
        leaks.length
          ? record(
              F,
              `${remoteAnswers.length} answers to a remote caller name no server path`,
              'misbehaved',
              leaks.slice(0, 3).join(' || ').slice(0, 600),
            )
          : record(
              F,
              `${remoteAnswers.length} answers to a remote caller name no server path`,
              'rejected',
            ),
      )
    }
    expect(fails.filter(Boolean)).toEqual([])
  })

  it("a revoked token's session ends at once, its event stream too", async () => {
    const addr = bases[0]
    const t = createTokenStore(data.dir).create({ name: 'to-revoke', scope: 'full' })
    const cookie = await signIn(addr, t.token)
    const before = await req(addr, 'POST', '/api/call/profiles.list', { cookie, body: {} })
    // The event stream, open while the token is revoked.
    const ended = new Promise<boolean>((resolve) => {
      const r = http.get(
        {
          host: addr,
          port: s.port,
          path: '/api/events',
          headers: { host: `${addr}:${s.port}`, cookie },
        },
        (res) => {
          res.resume()
          res.on('close', () => resolve(true))
        },
      )
      r.on('error', () => resolve(true))
      setTimeout(() => {
        r.destroy()
        resolve(false)
      }, 15_000)
    })
    await new Promise((r) => setTimeout(r, 300))
    const rv = loupe(['--data', data.dir, 'tokens', 'revoke', t.id])
    const fails: (string | null)[] = []
    if (before.status !== 200 || rv.code !== 0)
      fails.push(
        record(
          F,
          'revoke: setup',
          'misbehaved',
          `before ${shown(before)}, revoke exit ${rv.code} ${rv.stderr}`,
        ),
      )
    fails.push(
      await rejectsOrPending(
        F,
        'revoked: the next call',
        s,
        () => req(addr, 'POST', '/api/call/profiles.list', { cookie, body: {} }),
        SIGN_IN,
      ),
    )
    fails.push(
      await rejectsOrPending(
        F,
        'revoked: signing in again with it',
        s,
        () => req(addr, 'POST', '/auth/session', { body: { token: t.token } }),
        { status: 401, code: 'InvalidToken' },
      ),
    )
    const streamEnded = await ended
    fails.push(
      streamEnded
        ? record(F, 'revoked: the event stream ended', 'rejected')
        : record(
            F,
            'revoked: the event stream ended',
            'misbehaved',
            'still open 15 s after the revoke',
          ),
    )
    expect(fails.filter(Boolean)).toEqual([])
  })
})
