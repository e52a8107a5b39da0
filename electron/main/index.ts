import path from 'node:path'
import fs from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import electron from 'electron'
import { createLogger, logFilePath } from '../core/log'
import { createCoreSupervisor } from '../core-host/supervisor'
import { createSafeStorageSecretStore } from './secret-store'
import { connectWindows, isTrustedUrl, sendHostEvent } from './ipc'
import { APP_CSP, lockNavigation, secureWebPreferences } from './window'
import { forwardNotifications, openNotificationTarget } from './notifications'
import { createRendererOutbox } from './renderer-outbox'
import { installSingleInstance } from './single-instance'
import { createWindowState } from './window-state'
import { installMenu } from './menu'
import { installTray } from './tray'
import { installTaskbarProgress } from './progress'
import { installCrashHandling } from './crash'
import { appIconPath, trayIconPath } from './icons'
import { isCoreProcess, utilityLauncher } from './core-launcher'
import { createMainCore, type MainCore } from './core-bridge'
import {
  hostLocale,
  type CallCore,
  type HostLocale,
  type HostLog,
  type OnCoreEvent,
} from './host-types'
import { rendererUrl } from './renderer-url'
import { usePrivateUmask } from '../core/util/private-fs'

const {
  app,
  BrowserWindow,
  ipcMain,
  protocol,
  net,
  safeStorage,
  session,
  shell,
  utilityProcess,
  MessageChannelMain,
  Menu,
  Tray,
  nativeImage,
  screen,
  dialog,
} = electron

// Before anything is written: the app's data folder (Chromium's files too) is private on POSIX
// (core/util/private-fs.ts); the core process sets its own as well.
usePrivateUmask()

const here = path.dirname(fileURLToPath(import.meta.url))
const rendererDir = path.join(here, '../renderer')
/** The core process's entry, built next to this file (electron.vite.config.ts: `core-host`). */
const coreEntry = path.join(here, 'core-host.js')
// The dev server only in development: a packaged app always loads its own page.
const devServerUrl = rendererUrl({ isPackaged: app.isPackaged, env: process.env })

protocol.registerSchemesAsPrivileged([
  { scheme: 'loupe-app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
  { scheme: 'loupe-thumb', privileges: { standard: true, secure: true } },
])

let win: electron.BrowserWindow | null = null

/** Messages of the desktop host to the page (files handed over, menu navigation), held while it loads. */
const outbox = createRendererOutbox({
  send: (name, payload) => {
    if (win && !win.isDestroyed()) sendHostEvent(win.webContents, name, payload)
  },
})
/** Tray, menu, progress, crash handling: kept referenced for the app's lifetime (a collected Tray vanishes). */
let desktop: { setLocale(l: HostLocale): void; dispose(): void } | null = null
const iconContext = () => ({
  isPackaged: app.isPackaged,
  resourcesPath: process.resourcesPath,
  appPath: app.getAppPath(),
})

/**
 * The main process keeps windows, menus, tray, dialogs, notifications, protocols and safeStorage.
 * Loupe's core (every service, SQLite, the engines) runs in a utility process, started here and
 * restarted if it dies; the window reaches it over a MessagePort, main over the control channel.
 */
async function start() {
  await app.whenReady()
  const dataDir = app.getPath('userData')
  const logFile = logFilePath(dataDir)
  const logger = createLogger(dataDir)
  const log: HostLog = (level, line) => logger.log(level, `main: ${line}`)

  const supervisor = createCoreSupervisor({
    launcher: utilityLauncher({ utilityProcess, MessageChannelMain }, coreEntry, (l) =>
      log('error', l),
    ),
    init: () => ({ dataDir, version: app.getVersion() }),
    // The core asks main for secrets (every SecretStore method, by name): the OS keychain is
    // reached from here only; the Linux plain-text choice lives in Settings → Security.
    secrets: createSafeStorageSecretStore({ safeStorage, dataDir }),
    // gallery.revealSource: the core finds the file, the desktop shows it in the file manager.
    revealPath: (p) => shell.showItemInFolder(p),
    pickFolder: async () => {
      const opts = { properties: ['openDirectory' as const] }
      const r = win
        ? await electron.dialog.showOpenDialog(win, opts)
        : await electron.dialog.showOpenDialog(opts)
      return r.canceled ? null : (r.filePaths[0] ?? null)
    },
    logFile,
    log,
  })
  // The core starts while the window opens; the page shows "Opening gallery…" until it is ready.
  supervisor.start()
  const core = createMainCore(supervisor)

  // The packaged page is served from loupe-app://app/ (never file://).
  protocol.handle('loupe-app', (req) => {
    const url = new URL(req.url)
    const rel = decodeURIComponent(url.pathname)
    const file = path.resolve(rendererDir, '.' + (rel === '/' ? '/index.html' : rel))
    if (!file.startsWith(path.resolve(rendererDir) + path.sep))
      return new Response('Forbidden', { status: 403 })
    const target = fs.existsSync(file) ? file : path.join(rendererDir, 'index.html')
    return net.fetch(pathToFileURL(target).href)
  })

  // Thumbnails from the gallery cache: loupe-thumb://t/<profile>/<productId>/<picName>
  protocol.handle('loupe-thumb', async (req) => {
    const parts = new URL(req.url).pathname.slice(1).split('/').map(decodeURIComponent)
    const file =
      parts.length === 3 ? await supervisor.thumbnailFile(parts[0], parts[1], parts[2]) : null
    return file
      ? net.fetch(pathToFileURL(file).href)
      : new Response('No thumbnail', { status: 404 })
  })

  session.defaultSession.webRequest.onHeadersReceived((details, cb) => {
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [APP_CSP] } })
  })
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false))

  // Only our window showing our own page gets a connection to the core.
  connectWindows({
    ipcMain,
    core: supervisor,
    isTrustedSender: (e) =>
      !!win && e.sender === win.webContents && isTrustedUrl(e.senderFrame?.url, devServerUrl),
    isTrustedContents: (wc) =>
      !!win && wc === win.webContents && isTrustedUrl(wc.getURL(), devServerUrl),
    log: (l) => log('warn', l),
  })
  // Menus, tray and dialogs speak the language chosen in the app (the page says which).
  ipcMain.on('loupe:locale', (e, l: unknown) => {
    const trusted =
      !!win && e.sender === win.webContents && isTrustedUrl(e.senderFrame?.url, devServerUrl)
    if (trusted && (l === 'en-US' || l === 'zh-CN')) desktop?.setLocale(l)
  })
  // The core's notifications (batch task finished, …) as system notifications.
  // A click on one opens the job, task or export it is about.
  forwardNotifications(
    supervisor.events,
    electron.Notification,
    (l) => log('warn', l),
    openNotificationTarget({ getWindow: () => win, sendToRenderer: outbox.post }),
  )

  // Bounds and maximised / full-screen state of the last session, fitted to today's displays.
  const windowState = createWindowState({
    screen,
    file: path.join(dataDir, 'window-state.json'),
    defaults: { width: 1360, height: 880 },
    min: { width: 960, height: 640 },
    log: (l) => log('warn', l),
  })
  win = new BrowserWindow({
    ...windowState.bounds(),
    ...(process.platform !== 'darwin' ? { icon: appIconPath(iconContext()) } : {}),
    minWidth: 960,
    minHeight: 640,
    show: false,
    title: 'Loupe',
    webPreferences: secureWebPreferences(path.join(here, '../preload/index.cjs')),
  })
  lockNavigation(win.webContents, (url) => isTrustedUrl(url, devServerUrl))
  windowState.manage(win)
  win.once('ready-to-show', () => win && windowState.show(win))
  outbox.attach(win.webContents)

  const page = win.webContents
  desktop = wireDesktop({
    win,
    core,
    callCore: (method, input) => supervisor.call(method, input),
    onCoreEvent: (listener) => supervisor.events.onAny(listener),
    sendToPage: (name, payload) => sendHostEvent(page, name, payload),
    isCoreProcess,
    logFile,
    log,
  })

  app.on('window-all-closed', () => app.quit())
  app.on('will-quit', () => desktop?.dispose())
  // Quit only once the core has closed cleanly (jobs stay resumable, databases closed).
  let coreClosed = false
  app.on('before-quit', (e) => {
    if (coreClosed) return
    e.preventDefault()
    void supervisor.stop().finally(() => {
      coreClosed = true
      app.quit()
    })
  })

  await win.loadURL(devServerUrl ?? 'loupe-app://app/')
}

/** What main's desktop modules (menu, tray, taskbar progress, crash handling…) are given. */
interface DesktopWiring {
  win: electron.BrowserWindow
  /**
   * The core for main: `core.api.<domain>.<method>(input)` calls a contract method (e.g.
   * `core.api.jobs.pause({ jobId })`, rejects with a LoupeError), `core.on('job.progress', fn)` /
   * `core.onAny(fn)` subscribe to its events, `core.status` / `core.onStatus(fn)` say whether the
   * core process runs (starting, ready, restarting, failed).
   */
  core: MainCore
  /** host-types.ts `CallCore`: a contract call answered `{ result }` or `{ error }`. */
  callCore: CallCore
  /** host-types.ts `OnCoreEvent`: every core event, by name. */
  onCoreEvent: OnCoreEvent
  /** An event of the desktop host to the page (`desktop.open-paths`, `desktop.navigate`). */
  sendToPage: (name: string, payload: unknown) => void
  /** `child-process-gone` details about the core process (its supervisor restarts it). */
  isCoreProcess: typeof isCoreProcess
  logFile: string
  log: HostLog
}

/** Desktop modules are wired here, once the window exists. */
function wireDesktop(d: DesktopWiring): { setLocale(l: HostLocale): void; dispose(): void } {
  const getWindow = () => (d.win.isDestroyed() ? null : d.win)
  const locale = hostLocale(app.getLocale())
  const menu = installMenu({
    Menu,
    app,
    shell,
    dataDir: app.getPath('userData'),
    getWindow,
    sendToRenderer: outbox.post,
    locale,
    log: d.log,
  })
  const tray = installTray({
    Tray,
    Menu,
    nativeImage,
    iconPath: trayIconPath(iconContext()),
    callCore: d.callCore,
    onCoreEvent: d.onCoreEvent,
    getWindow,
    quit: () => app.quit(),
    locale,
    log: d.log,
  })
  const progress = installTaskbarProgress({
    getWindow,
    onCoreEvent: d.onCoreEvent,
    callCore: d.callCore,
    log: d.log,
  })
  const crash = installCrashHandling({
    app,
    dialog,
    shell,
    logFile: d.logFile,
    log: d.log,
    locale,
    // The core's own process is restarted by its supervisor.
    isCoreProcess: d.isCoreProcess,
  })
  const unwatch = crash.watch(d.win)
  let current = locale
  return {
    setLocale(l) {
      if (l === current) return
      current = l
      menu.setLocale(l)
      tray.setLocale(l)
      crash.setLocale(l)
    },
    dispose() {
      unwatch()
      crash.dispose()
      progress.dispose()
      tray.dispose()
    },
  }
}

if (!app.requestSingleInstanceLock()) app.quit()
else {
  // Before whenReady: macOS sends `open-file` that early. A second launch focuses this window and
  // hands over its files; this launch's own files go the same way once the page has loaded.
  const early = createLogger(app.getPath('userData'))
  installSingleInstance({
    app,
    getWindow: () => win,
    sendToRenderer: outbox.post,
    argv: process.argv,
    cwd: process.cwd(),
    defaultApp: process.defaultApp,
    appPath: app.getAppPath(),
    log: (level, line) => early.log(level, `main: ${line}`),
  })
  void start()
}
