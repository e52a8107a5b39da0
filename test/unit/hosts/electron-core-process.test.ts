import { EventEmitter } from 'node:events'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { tempDir } from '../../helpers/tmp'

// The Electron binary cannot run here: the main process runs against a fake `electron` module
// whose utility process is played by the test (it answers like the core process would).
const state = vi.hoisted(() => ({
  userData: '',
  forks: [] as {
    entry: string
    options: Record<string, unknown>
    child: import('node:events').EventEmitter & {
      posted: { msg: Record<string, unknown>; ports: unknown[] }[]
      pid: number
    }
  }[],
  windows: [] as {
    wc: import('node:events').EventEmitter & {
      sent: { channel: string; args: unknown[] }[]
      posted: { channel: string; ports: unknown[] }[]
      url: string
    }
  }[],
  ipc: new Map<string, (...a: unknown[]) => void>(),
  appHandlers: new Map<string, ((...a: unknown[]) => void)[]>(),
  quit: 0,
  shown: [] as string[],
}))

vi.mock('electron', async () => {
  const { EventEmitter } = await import('node:events')
  let pid = 1000
  class FakePort extends EventEmitter {
    other: FakePort | null = null
    postMessage() {}
    start() {}
    close() {}
  }
  class MessageChannelMain {
    port1 = new FakePort()
    port2 = new FakePort()
    constructor() {
      this.port1.other = this.port2
      this.port2.other = this.port1
    }
  }
  const utilityProcess = {
    fork(entry: string, _args: string[], options: Record<string, unknown>) {
      const child = Object.assign(new EventEmitter(), {
        posted: [] as { msg: Record<string, unknown>; ports: unknown[] }[],
        pid: ++pid,
        postMessage(msg: Record<string, unknown>, ports: unknown[] = []) {
          child.posted.push({ msg, ports })
        },
        kill() {
          setTimeout(() => child.emit('exit', 0), 1)
          return true
        },
      })
      state.forks.push({ entry, options, child })
      return child
    },
  }
  class BrowserWindow {
    webContents: unknown
    constructor() {
      const wc = Object.assign(new EventEmitter(), {
        sent: [] as { channel: string; args: unknown[] }[],
        posted: [] as { channel: string; ports: unknown[] }[],
        url: 'loupe-app://app/',
        send(channel: string, ...args: unknown[]) {
          wc.sent.push({ channel, args })
        },
        postMessage(channel: string, _msg: unknown, ports: unknown[]) {
          wc.posted.push({ channel, ports })
        },
        getURL: () => wc.url,
        isDestroyed: () => false,
        isLoading: () => false,
        reload: () => {},
        setWindowOpenHandler: () => {},
      })
      this.webContents = wc
      state.windows.push({ wc: wc as never })
    }
    on() {}
    off() {}
    once() {}
    show() {}
    isDestroyed() {
      return false
    }
    async loadURL() {}
  }
  // The desktop modules (menu, tray, window state, crash dialogs) get inert stand-ins here; their
  // behaviour is tested in their own files.
  class Tray {
    setToolTip() {}
    setContextMenu() {}
    on() {}
    destroy() {}
  }
  const image = { isEmpty: () => false, getSize: () => ({ width: 16, height: 16 }) }
  const workArea = { x: 0, y: 0, width: 1920, height: 1040 }
  const electron = {
    app: {
      whenReady: async () => {},
      getPath: () => state.userData,
      getVersion: () => '0.0.0-test',
      isPackaged: false,
      on: (ev: string, fn: (...a: unknown[]) => void) => {
        state.appHandlers.set(ev, [...(state.appHandlers.get(ev) ?? []), fn])
      },
      off: () => {},
      getLocale: () => 'en-US',
      getAppPath: () => process.cwd(),
      setAboutPanelOptions: () => {},
      requestSingleInstanceLock: () => true,
      quit: () => {
        state.quit++
      },
    },
    Menu: { buildFromTemplate: (t: unknown) => t, setApplicationMenu: () => {} },
    Tray,
    nativeImage: { createFromPath: () => image, createEmpty: () => image },
    screen: { getAllDisplays: () => [{ workArea }], getPrimaryDisplay: () => ({ workArea }) },
    BrowserWindow,
    utilityProcess,
    MessageChannelMain,
    ipcMain: {
      on: (ch: string, fn: (...a: unknown[]) => void) => state.ipc.set(ch, fn),
      removeListener: (ch: string) => state.ipc.delete(ch),
    },
    protocol: { registerSchemesAsPrivileged: () => {}, handle: () => {} },
    net: { fetch: async () => new Response('') },
    safeStorage: {
      isAsyncEncryptionAvailable: async () => true,
      getSelectedStorageBackend: () => 'gnome_libsecret',
      encryptStringAsync: async (s: string) => Buffer.from('enc:' + s),
      decryptStringAsync: async (b: Buffer) => ({
        result: b.toString().slice(4),
        shouldReEncrypt: false,
      }),
    },
    session: {
      defaultSession: {
        webRequest: { onHeadersReceived: () => {} },
        setPermissionRequestHandler: () => {},
      },
    },
    shell: { showItemInFolder: (p: string) => state.shown.push(p) },
    dialog: {
      showOpenDialog: async () => ({ canceled: true, filePaths: [] }),
      showMessageBox: async () => ({ response: 0 }),
    },
  }
  return { default: electron, ...electron }
})

type Child = (typeof state.forks)[number]['child']
const lastChild = () => state.forks[state.forks.length - 1].child
/** The core process answers or asks something (as `process.parentPort.postMessage` would). */
const fromCore = (child: Child, msg: unknown) => child.emit('message', msg)
const statusSent = () =>
  state.windows[0].wc.sent.filter((s) => s.channel === 'loupe:status').map((s) => s.args[0])

describe('Electron main process with the core in a utility process (mocked electron)', () => {
  const t = tempDir('loupe-main-core-')
  state.userData = t.dir
  afterAll(() => t.cleanup())

  it('starts the core process (out/main/core-host.js) with main’s options', async () => {
    await import('../../../electron/main/index')
    await vi.waitFor(() => expect(state.windows.length).toBe(1))
    expect(state.forks).toHaveLength(1)
    const { entry, options, child } = state.forks[0]
    expect(path.basename(entry)).toBe('core-host.js')
    expect(options).toMatchObject({ serviceName: 'Loupe engine' })
    expect(child.posted[0].msg).toEqual({
      t: 'init',
      init: {
        dataDir: t.dir,
        version: '0.0.0-test',
        secretsSync: { describe: expect.objectContaining({ secure: true }) },
        revealPath: true,
        pickFolder: true,
      },
    })
  })

  it('hands a port to the core only to our own window showing our own page', () => {
    const wc = state.windows[0].wc
    const hello = state.ipc.get('loupe:hello')!
    const child = lastChild()
    // another page (a navigation that slipped through, a subframe of another origin)
    hello({ sender: wc, senderFrame: { url: 'https://evil.example/' } })
    // another web contents, even with our URL
    hello({ sender: new EventEmitter(), senderFrame: { url: 'loupe-app://app/' } })
    expect(wc.posted).toHaveLength(0)
    expect(child.posted.filter((p) => p.msg.t === 'connect')).toHaveLength(0)

    hello({ sender: wc, senderFrame: { url: 'loupe-app://app/#/search' } }, 'page-1')
    // the preload says hello twice per page (at start, once parsed): one port per page
    hello({ sender: wc, senderFrame: { url: 'loupe-app://app/#/search' } }, 'page-1')
    expect(wc.posted).toHaveLength(1)
    expect(wc.posted[0].channel).toBe('loupe:port')
    const connect = child.posted.filter((p) => p.msg.t === 'connect')
    expect(connect).toHaveLength(1)
    // the two ends of one channel: the window's and the core process's
    const windowEnd = wc.posted[0].ports[0] as { other: unknown }
    expect(windowEnd.other).toBe(connect[0].ports[0])
    // the page learns the core is still starting ("Opening gallery…")
    expect(statusSent()).toEqual([{ state: 'starting' }])
  })

  it('tells the window when the core is ready', () => {
    fromCore(lastChild(), { t: 'ready', pid: lastChild().pid })
    expect(statusSent().at(-1)).toEqual({ state: 'ready' })
  })

  it('answers the core’s secret requests with safeStorage (every method, by name)', async () => {
    const child = lastChild()
    fromCore(child, {
      t: 'req',
      id: 1,
      op: 'secrets',
      args: { method: 'set', args: ['cloud:ak', 'the-secret-value'] },
    })
    await vi.waitFor(() => expect(child.posted.some((p) => p.msg.t === 'res')).toBe(true))
    const file = fs.readFileSync(path.join(t.dir, 'secrets.enc.json'), 'utf8')
    expect(file).not.toContain('the-secret-value') // encrypted by the (fake) keychain
    fromCore(child, {
      t: 'req',
      id: 2,
      op: 'secrets',
      args: { method: 'get', args: ['cloud:ak'] },
    })
    fromCore(child, { t: 'req', id: 3, op: 'secrets', args: { method: 'constructor', args: [] } })
    await vi.waitFor(() => expect(child.posted.filter((p) => p.msg.t === 'res').length).toBe(3))
    const res = Object.fromEntries(
      child.posted.filter((p) => p.msg.t === 'res').map((p) => [p.msg.id, p.msg]),
    ) as Record<number, Record<string, unknown>>
    expect(res[2]).toMatchObject({
      ok: true,
      value: { value: 'the-secret-value', sync: { describe: { secure: true } } },
    })
    expect(res[3]).toMatchObject({ ok: false, error: { code: 'UnknownSecretMethod' } })
    // the log never carries the secret
    const log = fs.readFileSync(path.join(t.dir, 'logs', 'loupe.log'), 'utf8')
    expect(log).not.toContain('the-secret-value')
  })

  it('shows a file in the file manager when the core asks', async () => {
    fromCore(lastChild(), {
      t: 'req',
      id: 4,
      op: 'revealPath',
      args: { path: '/photos/a.jpg' },
    })
    await vi.waitFor(() => expect(state.shown).toEqual(['/photos/a.jpg']))
  })

  it('restarts a crashed core process and gives the window a fresh port', async () => {
    const wc = state.windows[0].wc
    const first = lastChild()
    first.emit('exit', 1)
    // the window shows "Loupe's engine stopped — restarting"
    expect(statusSent().at(-1)).toEqual({ state: 'restarting', reason: 'exit code 1' })
    await vi.waitFor(() => expect(state.forks).toHaveLength(2), { timeout: 3000 })
    const second = lastChild()
    expect(second).not.toBe(first)
    expect(second.posted[0].msg.t).toBe('init')
    // a new port to the new process, without the page asking
    expect(wc.posted).toHaveLength(2)
    const connect = second.posted.filter((p) => p.msg.t === 'connect')
    expect(connect).toHaveLength(1)
    expect((wc.posted[1].ports[0] as { other: unknown }).other).toBe(connect[0].ports[0])
    fromCore(second, { t: 'ready', pid: second.pid })
    expect(statusSent().at(-1)).toEqual({ state: 'ready' })
  })

  it('gives a reloaded page (a new preload) its own port', () => {
    const wc = state.windows[0].wc
    state.ipc.get('loupe:hello')!(
      { sender: wc, senderFrame: { url: 'loupe-app://app/' } },
      'page-2',
    )
    expect(wc.posted).toHaveLength(3)
    expect(lastChild().posted.filter((p) => p.msg.t === 'connect')).toHaveLength(2)
  })

  it('does not hand a new port to a window that navigated away from our page', async () => {
    const wc = state.windows[0].wc
    wc.url = 'https://evil.example/'
    lastChild().emit('exit', 1)
    await vi.waitFor(() => expect(state.forks).toHaveLength(3), { timeout: 5000 })
    expect(wc.posted).toHaveLength(3)
    wc.url = 'loupe-app://app/'
    fromCore(lastChild(), { t: 'ready', pid: lastChild().pid })
  })

  it('quits only after the core closed cleanly', async () => {
    const child = lastChild()
    const e = { preventDefault: vi.fn() }
    for (const fn of state.appHandlers.get('before-quit') ?? []) fn(e)
    expect(e.preventDefault).toHaveBeenCalled()
    await vi.waitFor(() => expect(child.posted.some((p) => p.msg.op === 'shutdown')).toBe(true))
    expect(state.quit).toBe(0)
    const req = child.posted.find((p) => p.msg.op === 'shutdown')!.msg
    fromCore(child, { t: 'res', id: req.id, ok: true, value: { ok: true } })
    child.emit('exit', 0)
    await vi.waitFor(() => expect(state.quit).toBe(1))
    // no restart after a clean shutdown
    await new Promise((r) => setTimeout(r, 600))
    expect(state.forks).toHaveLength(3)
  })
})
