import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { IpcMainInvokeEvent } from 'electron'
import { METHODS, contract } from '../../../electron/api/contract'
import { createClient } from '../../../electron/api/client'
import { registerIpc, IPC_PREFIX } from '../../../electron/main/ipc'
import { startHeadless } from '../../../electron/server/headless'
import { tempDir } from '../../helpers/tmp'

type Handler = (e: IpcMainInvokeEvent, input: unknown) => Promise<unknown>

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

  it('reaches every method through the Electron IPC adapter, and only from a trusted sender', async () => {
    const handlers = new Map<string, Handler>()
    const ipcMain = {
      handle: (ch: string, fn: Handler) => handlers.set(ch, fn),
      removeHandler: (ch: string) => handlers.delete(ch),
    }
    const trusted = { sender: 'our-window', senderFrame: { url: 'loupe-app://app/' } }
    const unregister = registerIpc({
      ipcMain: ipcMain as never,
      dispatch: h.core.dispatch,
      isTrustedSender: (e) => (e as unknown as typeof trusted).sender === 'our-window',
    })
    expect([...handlers.keys()].sort()).toEqual(METHODS.map(([n]) => IPC_PREFIX + n).sort())
    for (const [name] of METHODS) {
      assertReached(name, await handlers.get(IPC_PREFIX + name)!(trusted as never, {}))
    }
    const evil = { sender: 'other', senderFrame: { url: 'https://evil.example/' } }
    const refused = (await handlers.get(IPC_PREFIX + 'profiles.list')!(evil as never, {})) as {
      error: { code: string }
    }
    expect(refused.error.code).toBe('Forbidden')
    unregister()
    expect(handlers.size).toBe(0)
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
