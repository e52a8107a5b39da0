import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { METHODS, contract } from '../../../electron/api/contract'
import { createClient } from '../../../electron/api/client'
import { runCoreHost } from '../../../electron/core-host/host'
import { answerSecrets } from '../../../electron/core-host/remote-secrets'
import { createMemorySecretStore } from '../../../electron/core/profiles/secrets'
import type { PortLike, ToCore, ToMain } from '../../../electron/core-host/protocol'
import { startHeadless } from '../../../electron/server/headless'
import { tempDir } from '../../helpers/tmp'

/** Every listed method must reach its implementation: never UnknownMethod or NotImplemented. */
function assertReached(name: string, reply: unknown) {
  const r = reply as { result?: unknown; error?: { code: string } }
  expect(r.result !== undefined || r.error !== undefined, name).toBe(true)
  if (r.error)
    expect(['UnknownMethod', 'NotImplemented', 'Forbidden'], name).not.toContain(r.error.code)
}

describe('one contract, two bridges', () => {
  const t = tempDir()
  let h: Awaited<ReturnType<typeof startHeadless>>
  beforeAll(async () => {
    h = await startHeadless({ dataDir: t.dir, port: 0, rendererDir: t.dir })
  })
  afterAll(async () => {
    await h.close()
    t.cleanup()
  })

  it('lists every method of the contract once', () => {
    const names = METHODS.map(([n]) => n)
    expect(new Set(names).size).toBe(names.length)
    for (const [domain, methods] of Object.entries(contract)) {
      for (const m of Object.keys(methods)) expect(names).toContain(`${domain}.${m}`)
    }
  })

  it('has an implementation in the core for every listed method', () => {
    const impl = h.core.api as unknown as Record<string, Record<string, unknown>>
    for (const [name] of METHODS) {
      const [d, m] = name.split('.')
      expect(typeof impl[d]?.[m], name).toBe('function')
    }
  })

  it('reaches every method through the HTTP bridge', async () => {
    for (const [name] of METHODS) {
      const res = await fetch(`${h.url}/api/call/${name}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      })
      assertReached(name, await res.json())
    }
  })

  const LONG = { timeout: 30_000 }
  it("reaches every method through the core process's port protocol (the desktop bridge)", async () => {
    // runCoreHost in this process over an in-memory channel: the same code the utility process runs.
    const dir = tempDir()
    const toMain: ToMain[] = []
    let deliver: (m: ToCore) => void = () => {}
    let connect: (p: PortLike) => void = () => {}
    const exited: number[] = []
    // Main's side of the secrets requests (secrets.* methods ask the store main holds).
    const answerSecret = answerSecrets(createMemorySecretStore())
    runCoreHost(
      {
        send: (m) => {
          toMain.push(m)
          const r = m as { t: string; id: number; op?: string; args?: unknown }
          if (r.t === 'req' && r.op === 'secrets') {
            void answerSecret(r.args as Parameters<typeof answerSecret>[0]).then(
              (value) => deliver({ t: 'res', id: r.id, ok: true, value } as ToCore),
              (e: Error) =>
                deliver({
                  t: 'res',
                  id: r.id,
                  ok: false,
                  error: { code: 'Error', message: e.message },
                } as ToCore),
            )
          }
        },
        onMessage: (fn) => void (deliver = fn),
        onConnect: (fn) => void (connect = fn),
        onDisconnect: () => {},
      },
      { exit: (c) => exited.push(c) },
    )
    // a renderer port: replies come back to `replies`
    const replies = new Map<number, unknown>()
    let onCall: (m: unknown) => void = () => {}
    connect({
      send: (m) => {
        const r = m as { id?: number; reply?: unknown }
        if (typeof r.id === 'number') replies.set(r.id, r.reply)
      },
      onMessage: (fn) => void (onCall = fn),
      onClose: () => {},
      close: () => {},
    })
    deliver({
      t: 'init',
      init: {
        dataDir: dir.dir,
        secretsSync: { describe: { name: 'memory', secure: true } },
        revealPath: false,
        pickFolder: false,
      },
    })
    await vi.waitFor(() => expect(toMain.some((m) => m.t === 'ready')).toBe(true), LONG)
    let id = 0
    for (const [name] of METHODS) {
      const callId = ++id
      onCall({ id: callId, method: name, input: {} })
      await vi.waitFor(() => expect(replies.has(callId), name).toBe(true), LONG)
      assertReached(name, replies.get(callId))
    }
    onCall({ id: ++id, method: 'fs.readFile', input: {} })
    await vi.waitFor(() => expect(replies.has(id)).toBe(true), LONG)
    expect((replies.get(id) as { error: { code: string } }).error.code).toBe('UnknownMethod')
    deliver({ t: 'req', id: 1, op: 'shutdown', args: {} })
    // Shutdown closes every service (jobs, audits, copies…): seconds on a busy machine.
    await vi.waitFor(() => expect(exited).toEqual([0]), LONG)
    dir.cleanup()
  })

  it('gives the renderer a typed client over HTTP with the contract error shape', async () => {
    const client = createClient(contract, {
      invoke: async (name, input) =>
        (
          await fetch(`${h.url}/api/call/${name}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(input),
          })
        ).json(),
      subscribe: () => () => {},
    })
    const list = await client.api.profiles.list({})
    expect(list.active).toBe('local')
    await expect(client.api.profiles.activate({ name: 'missing' })).rejects.toMatchObject({
      code: 'ProfileNotFound',
      message: expect.stringContaining('missing'),
    })
  })

  it('refuses cross-origin calls (CSRF) and foreign Host headers (DNS rebinding)', async () => {
    const cross = await fetch(`${h.url}/api/call/profiles.list`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
      body: '{}',
    })
    expect(cross.status).toBe(403)
    const form = await fetch(`${h.url}/api/call/profiles.list`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{}',
    })
    expect(form.status).toBe(415)
  })
})
