import { describe, expect, it, vi, beforeEach } from 'vitest'
import { MessageChannel } from 'node:worker_threads'
import { METHODS } from '../../../electron/api/contract'
import { tempDir } from '../../helpers/tmp'

// The Electron binary cannot run here: the host is exercised against a mocked `electron` module.
// (A packaged app's resources folder, where the tray icon is looked for.)
Object.assign(process, { resourcesPath: '/opt/Loupe/resources' })
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
  menus: [] as { label?: string; submenu?: unknown }[][],
  trays: [] as { tooltip: string }[],
  appEvents: new Set<string>(),
}))

vi.mock('electron', () => {
  class BrowserWindow {
    webContents: Record<string, unknown>
    constructor(opts: Record<string, unknown>) {
      const handlers = new Map<string, unknown>()
      this.webContents = {
        on: (ev: string, fn: unknown) => handlers.set(ev, fn),
        off: () => {},
        setWindowOpenHandler: (fn: unknown) => handlers.set('window-open', fn),
        send: () => {},
        isDestroyed: () => false,
        isLoading: () => true,
        getURL: () => '',
        reload: () => {},
      }
      state.windows.push({ opts, wc: this.webContents, handlers })
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
  class Tray {
    tooltip = ''
    constructor() {
      state.trays.push(this)
    }
    setToolTip(t: string) {
      this.tooltip = t
    }
    setContextMenu() {}
    on() {}
    destroy() {}
  }
  const image = { isEmpty: () => false, getSize: () => ({ width: 16, height: 16 }) }
  const workArea = { x: 0, y: 0, width: 1920, height: 1040 }
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
      on: (ev: string) => state.appEvents.add(ev),
      off: () => {},
      requestSingleInstanceLock: () => true,
      quit: () => {},
      isPackaged: true,
      getLocale: () => 'en-US',
      getAppPath: () => process.cwd(),
      setAboutPanelOptions: () => {},
      showAboutPanel: () => {},
    },
    Menu: {
      buildFromTemplate: (t: unknown) => t,
      setApplicationMenu: (m: { label?: string }[]) => state.menus.push(m),
    },
    Tray,
    nativeImage: { createFromPath: () => image, createEmpty: () => image },
    screen: {
      getAllDisplays: () => [{ workArea }],
      getPrimaryDisplay: () => ({ workArea }),
    },
    dialog: { showMessageBox: async () => ({ response: 0 }) },
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
    expect([...state.ipc.keys()].sort()).toEqual(['loupe:hello', 'loupe:locale'])
    // desktop habits: our own menu (no developer tools in a packaged app), a tray, a second
    // launch and macOS "Open with" handled, crashes of other processes watched
    expect(state.menus).toHaveLength(1)
    expect(JSON.stringify(state.menus[0])).not.toContain('toggleDevTools')
    expect(state.trays).toHaveLength(1)
    for (const ev of ['second-instance', 'open-file', 'child-process-gone'])
      expect(state.appEvents).toContain(ev)
    // the window opens where it was last time (here: the defaults, centred on the display)
    expect(state.windows[0].opts).toMatchObject({ x: 280, y: 80, width: 1360, height: 880 })
    // the menu follows the language chosen in the app — told by our page only
    const setLocale = state.ipc.get('loupe:locale')!
    const ours = { sender: state.windows[0].wc, senderFrame: { url: 'loupe-app://app/#/' } }
    setLocale({ sender: {}, senderFrame: { url: 'https://evil.example/' } }, 'zh-CN')
    expect(state.menus).toHaveLength(1)
    setLocale(ours, 'zh-CN')
    expect(state.menus).toHaveLength(2)
    expect(JSON.stringify(state.menus[1])).toContain('编辑')
    expect(JSON.stringify(state.menus[0])).not.toContain('编辑')
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
