import { describe, expect, it } from 'vitest'
import type { PortLike } from '../../../electron/core-host/protocol'
import { answerSecrets, createRemoteSecretStore } from '../../../electron/core-host/remote-secrets'
import { createRpc } from '../../../electron/core-host/rpc'
import type { MainRequests } from '../../../electron/core-host/protocol'
import { createMemorySecretStore, type SecretStore } from '../../../electron/core/profiles/secrets'
import { EngineError } from '../../../electron/core/engines/errors'
import { createPortClient } from '../../../electron/preload/port-client'

/** A port whose other end is the test (it plays the core process). */
function fakePort() {
  const sent: { id: number; method: string; input: unknown }[] = []
  let deliver: (m: unknown) => void = () => {}
  let closed = false
  const port: PortLike = {
    send: (m) => sent.push(m as never),
    onMessage: (fn) => void (deliver = fn),
    onClose: () => {},
    close: () => void (closed = true),
  }
  return {
    port,
    sent,
    reply: (id: number, result: unknown) => deliver({ id, reply: { result } }),
    event: (name: string, payload: unknown) => deliver({ event: true, name, payload }),
    get closed() {
      return closed
    },
  }
}

describe('the window’s connection to the core (preload port client)', () => {
  it('keeps calls made before the port arrives and sends them, in order, once it does', async () => {
    const c = createPortClient(['a.one', 'a.two'])
    const one = c.invoke('a.one', { n: 1 })
    const two = c.invoke('a.two', { n: 2 })
    const p = fakePort()
    c.attach(p.port)
    expect(p.sent.map((m) => [m.method, m.input])).toEqual([
      ['a.one', { n: 1 }],
      ['a.two', { n: 2 }],
    ])
    p.reply(p.sent[1].id, 'second')
    p.reply(p.sent[0].id, 'first')
    expect(await one).toEqual({ result: 'first' })
    expect(await two).toEqual({ result: 'second' })
    expect(await c.invoke('fs.readFile', {})).toMatchObject({ error: { code: 'UnknownMethod' } })
  })

  it('on a core restart: held calls fail with CoreRestarted, new calls wait, subscriptions stay', async () => {
    const c = createPortClient(['a.one'])
    const heard: [string, unknown][] = []
    c.subscribe((n, p) => heard.push([n, p]))
    await Promise.resolve() // a new subscriber first hears the current state
    const first = fakePort()
    c.attach(first.port)
    c.setStatus({ state: 'ready' })
    first.event('job.progress', { done: 1 })
    const held = c.invoke('a.one', {})

    c.setStatus({ state: 'restarting', reason: 'signal SIGKILL' })
    expect(await held).toMatchObject({ error: { code: 'CoreRestarted' } })
    expect(first.closed).toBe(true)
    // a late answer of the dead process is ignored
    first.reply(first.sent[0].id, 'late')
    const waiting = c.invoke('a.one', { again: true })

    const second = fakePort()
    c.attach(second.port)
    expect(second.sent.map((m) => m.input)).toEqual([{ again: true }])
    second.reply(second.sent[0].id, 'fresh')
    expect(await waiting).toEqual({ result: 'fresh' })
    second.event('job.progress', { done: 2 })
    c.setStatus({ state: 'ready' })
    expect(heard).toEqual([
      ['host.status', { state: 'starting' }],
      ['host.status', { state: 'ready' }],
      ['job.progress', { done: 1 }],
      ['host.status', { state: 'restarting', reason: 'signal SIGKILL' }],
      ['job.progress', { done: 2 }],
      ['host.status', { state: 'ready' }],
    ])
  })

  it('a new port replacing the old one fails only the calls the old one held', async () => {
    const c = createPortClient(['a.one'])
    const first = fakePort()
    c.attach(first.port)
    const held = c.invoke('a.one', {})
    const second = fakePort()
    c.attach(second.port)
    expect(await held).toMatchObject({ error: { code: 'CoreRestarted' } })
    expect(second.sent).toEqual([])
  })

  it('a throwing page listener does not stop the others; host events reach every listener', () => {
    const c = createPortClient([])
    const heard: string[] = []
    c.subscribe(() => {
      throw new Error('page bug')
    })
    c.subscribe((n) => heard.push(n))
    c.deliver('desktop.navigate', { view: 'tasks' })
    expect(heard).toEqual(['desktop.navigate'])
  })
})

describe('secrets asked of main', () => {
  /** Core side and main side joined by an in-memory channel (what the control channel carries). */
  function joined(mainStore: SecretStore) {
    let toMain: (m: unknown) => void = () => {}
    let toCore: (m: unknown) => void = () => {}
    const answer = answerSecrets(mainStore)
    const main = createRpc<Record<string, never>, MainRequests>((m) => toCore(m), {
      secrets: answer,
      revealPath: () => null,
      pickFolder: async () => null,
    })
    const core = createRpc<MainRequests, Record<string, never>>((m) => toMain(m), {})
    toMain = (m) => main.handle(structuredClone(m))
    toCore = (m) => core.handle(structuredClone(m))
    return createRemoteSecretStore((a) => core.request('secrets', a), {
      describe: mainStore.describe(),
    })
  }

  it('forwards every method by name, including one the interface gains later', async () => {
    const inner = createMemorySecretStore()
    let laterCalls = 0
    const store = {
      ...inner,
      // a method the SecretStore interface may gain later
      async laterAdded(a: string, b: number) {
        laterCalls++
        return { a, b }
      },
    }
    const remote = joined(store as SecretStore) as SecretStore & {
      laterAdded(a: string, b: number): Promise<unknown>
    }
    await remote.set('r1', 'v1')
    expect(await inner.get('r1')).toBe('v1')
    expect(await remote.get('r1')).toBe('v1')
    expect(await remote.laterAdded('x', 2)).toEqual({ a: 'x', b: 2 })
    expect(laterCalls).toBe(1)
    await remote.delete('r1')
    expect(await inner.get('r1')).toBeNull()
    expect(remote.describe()).toEqual({ name: 'memory', secure: true })
    // not a thenable: `await store` must not call main
    expect((remote as unknown as { then?: unknown }).then).toBeUndefined()
  })

  it('keeps the error main’s store gives (code and hint), and refuses unknown methods', async () => {
    const store: SecretStore = {
      ...createMemorySecretStore(),
      async set() {
        throw new EngineError('InsecureSecretStore', 'No system keyring was found', {
          hint: 'Accept the risk in Settings → Security.',
        })
      },
    }
    const remote = joined(store) as SecretStore & { evil(): Promise<unknown> }
    await expect(remote.set('r', 'v')).rejects.toMatchObject({
      code: 'InsecureSecretStore',
      message: 'No system keyring was found',
      hint: 'Accept the risk in Settings → Security.',
    })
    await expect(remote.evil()).rejects.toMatchObject({ code: 'UnknownSecretMethod' })
  })

  it('updates the synchronous answers (describe) with every reply', async () => {
    let secure = true
    const store: SecretStore = {
      ...createMemorySecretStore(),
      describe: () => ({ name: 'safeStorage (x)', secure }),
    }
    const remote = joined(store)
    expect(remote.describe().secure).toBe(true)
    secure = false
    await remote.get('any')
    expect(remote.describe()).toEqual({ name: 'safeStorage (x)', secure: false })
  })
})
