import { describe, expect, it, vi, beforeEach } from 'vitest'
import { MessageChannel } from 'node:worker_threads'
import { METHODS } from '../../../electron/api/contract'
import { tempDir } from '../../helpers/tmp'

// The Electron binary cannot run here: the host is exercised against a mocked `electron` module.
const state = vi.hoisted(() => ({
  windows: [] as {
    opts: Record<string, unknown>
    wc: Record<string, unknown>
    handlers: Map<string, unknown>
  }[],
  ipc: new Map<string, (...a: unknown[]) => unknown>(),
  rendererIpc: new Map<string, (...a: unknown[]) => unknown>(),
  rendererSent: [] as string[],
  exposed: new Map<string, unknown>(),
  userData: '',
  backend: 'gnome_libsecret',
}))

vi.mock('electron', () => {
  class BrowserWindow {
    webContents: Record<string, unknown>
    constructor(opts: Record<string, unknown>) {
      const handlers = new Map<string, unknown>()
      this.webContents = {
        on: (ev: string, fn: unknown) => handlers.set(ev, fn),
        setWindowOpenHandler: (fn: unknown) => handlers.set('window-open', fn),
        send: () => {},
        isDestroyed: () => false,
      }
      state.windows.push({ opts, wc: this.webContents, handlers })
    }
    once() {}
    show() {}
    async loadURL() {}
  }
  const safeStorage = {
    isAsyncEncryptionAvailable: async () => true,
    getSelectedStorageBackend: () => state.backend,
    encryptStringAsync: async (s: string) => Buffer.from('enc:' + s),
    decryptStringAsync: async (b: Buffer) => ({
      result: b.toString().slice(4),
      shouldReEncrypt: false,
    }),
  }
  const electron = {
    app: {
      whenReady: async () => {},
      getPath: () => state.userData,
      getVersion: () => '0.0.0-test',
      on: () => {},
      requestSingleInstanceLock: () => true,
      quit: () => {},
    },
    BrowserWindow,
    ipcMain: {
      handle: (ch: string, fn: (...a: unknown[]) => unknown) => state.ipc.set(ch, fn),
      on: (ch: string, fn: (...a: unknown[]) => unknown) => state.ipc.set(ch, fn),
      removeListener: (ch: string) => state.ipc.delete(ch),
    },
    // the core process (its wiring is tested in electron-core-process.test.ts)
    utilityProcess: {
      fork: () => ({ on: () => {}, postMessage: () => {}, kill: () => true, pid: 1 }),
    },
    MessageChannelMain: class {
      port1 = {}
      port2 = {}
    },
    protocol: { registerSchemesAsPrivileged: () => {}, handle: () => {} },
    net: { fetch: async () => new Response('') },
    safeStorage,
    session: {
      defaultSession: {
        webRequest: { onHeadersReceived: () => {} },
        setPermissionRequestHandler: () => {},
      },
    },
    shell: {},
    contextBridge: { exposeInMainWorld: (k: string, v: unknown) => state.exposed.set(k, v) },
    ipcRenderer: {
      on: (ch: string, fn: (...a: unknown[]) => unknown) => state.rendererIpc.set(ch, fn),
      send: (ch: string) => state.rendererSent.push(ch),
    },
  }
  return { default: electron, ...electron }
})

describe('Electron host (mocked electron)', () => {
  beforeEach(() => {
    state.userData = tempDir().dir
  })

  it('opens one sandboxed, isolated window without Node, with navigation and window.open denied', async () => {
    await import('../../../electron/main/index')
    await vi.waitFor(() => expect(state.windows.length).toBe(1))
    const prefs = state.windows[0].opts.webPreferences as Record<string, unknown>
    expect(prefs).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      webSecurity: true,
    })
    const h = state.windows[0].handlers
    const open = h.get('window-open') as () => { action: string }
    expect(open().action).toBe('deny')
    const nav = h.get('will-navigate') as (e: { preventDefault: () => void }, url: string) => void
    const e = { preventDefault: vi.fn() }
    nav(e, 'https://evil.example/')
    expect(e.preventDefault).toHaveBeenCalled()
    const ok = { preventDefault: vi.fn() }
    nav(ok, 'loupe-app://app/#/search')
    expect(ok.preventDefault).not.toHaveBeenCalled()
    // no IPC handler per method: the page asks for its port to the core process, nothing else
    expect([...state.ipc.keys()]).toEqual(['loupe:hello'])
  })

  it('preload exposes window.loupe with only the listed methods, over a port main hands it', async () => {
    await import('../../../electron/preload/index')
    const loupe = state.exposed.get('loupe') as {
      methods: string[]
      invoke: (n: string, i: unknown) => Promise<{ result?: unknown; error?: { code: string } }>
    }
    expect(loupe.methods.sort()).toEqual(METHODS.map(([n]) => n).sort())
    expect(state.rendererSent).toEqual(['loupe:hello'])
    expect((await loupe.invoke('fs.readFile', {})).error?.code).toBe('UnknownMethod')
    // a call made before the port arrives waits for it, then goes to the core over it
    const pending = loupe.invoke('profiles.list', {})
    const { port1, port2 } = new MessageChannel()
    port2.on('message', (m: { id: number; method: string }) =>
      port2.postMessage({ id: m.id, reply: { result: { answered: m.method } } }),
    )
    state.rendererIpc.get('loupe:port')!({ ports: [port1] })
    expect(await pending).toEqual({ result: { answered: 'profiles.list' } })
    port1.close()
    port2.close()
  })

  // The plain-text choice (Settings → Security) is tested in secret-store.test.ts.
  it('safeStorage secret store refuses the basic_text backend unless the risk is accepted', async () => {
    const { createSafeStorageSecretStore } = await import('../../../electron/main/secret-store')
    const electron = (await import('electron')).default
    const dir = tempDir().dir
    state.backend = 'basic_text'
    const strict = createSafeStorageSecretStore({
      safeStorage: electron.safeStorage,
      dataDir: dir,
      platform: 'linux',
    })
    await expect(strict.set('r', 'v')).rejects.toMatchObject({
      code: 'InsecureSecretStore',
      hint: expect.stringContaining('Settings → Security'),
    })
    expect(strict.describe()).toEqual({ name: 'safeStorage (basic_text)', secure: false })
    const accepted = createSafeStorageSecretStore({
      safeStorage: electron.safeStorage,
      dataDir: dir,
      platform: 'linux',
    })
    await accepted.setPlainTextAccepted(true)
    await accepted.set('r', 'v')
    expect(await accepted.get('r')).toBe('v')
    state.backend = 'gnome_libsecret'
    const good = createSafeStorageSecretStore({
      safeStorage: electron.safeStorage,
      dataDir: dir,
      platform: 'linux',
    })
    expect(await good.get('r')).toBe('v')
    expect(good.describe().secure).toBe(true)
  })
})
