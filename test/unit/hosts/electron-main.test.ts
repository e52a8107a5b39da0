import { describe, expect, it, vi, beforeEach } from 'vitest'
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
      removeHandler: (ch: string) => state.ipc.delete(ch),
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
      invoke: async (ch: string, input: unknown) => ({ ch, input }),
      on: () => {},
      removeListener: () => {},
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
    // every contract method has an IPC handler, and an untrusted sender is refused
    expect([...state.ipc.keys()].sort()).toEqual(METHODS.map(([n]) => 'loupe:' + n).sort())
    const refused = (await state.ipc.get('loupe:profiles.list')!(
      { sender: {}, senderFrame: { url: 'https://evil.example/' } },
      {},
    )) as { error: { code: string } }
    expect(refused.error.code).toBe('Forbidden')
    const trusted = (await state.ipc.get('loupe:profiles.list')!(
      { sender: state.windows[0].wc, senderFrame: { url: 'loupe-app://app/' } },
      {},
    )) as { result: { active: string } }
    expect(trusted.result.active).toBe('local')
  })

  it('preload exposes window.loupe with only the listed methods', async () => {
    await import('../../../electron/preload/index')
    const loupe = state.exposed.get('loupe') as {
      methods: string[]
      invoke: (n: string, i: unknown) => Promise<{ ch?: string; error?: { code: string } }>
    }
    expect(loupe.methods.sort()).toEqual(METHODS.map(([n]) => n).sort())
    expect((await loupe.invoke('profiles.list', {})).ch).toBe('loupe:profiles.list')
    expect((await loupe.invoke('fs.readFile', {})).error?.code).toBe('UnknownMethod')
  })

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
    await expect(strict.set('r', 'v')).rejects.toMatchObject({ code: 'InsecureSecretStore' })
    expect(strict.describe()).toEqual({ name: 'safeStorage (basic_text)', secure: false })
    const accepted = createSafeStorageSecretStore({
      safeStorage: electron.safeStorage,
      dataDir: dir,
      platform: 'linux',
      acceptPlainText: () => true,
    })
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
