import path from 'node:path'
import fs from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import electron from 'electron'
import { createCore } from '../core/app'
import { createSafeStorageSecretStore } from './secret-store'
import { registerIpc, forwardEvents, isTrustedUrl } from './ipc'
import { APP_CSP, lockNavigation, secureWebPreferences } from './window'
import { forwardNotifications } from './notifications'

const { app, BrowserWindow, ipcMain, protocol, net, safeStorage, session, shell } = electron

const here = path.dirname(fileURLToPath(import.meta.url))
const rendererDir = path.join(here, '../renderer')
const devServerUrl = process.env.ELECTRON_RENDERER_URL

protocol.registerSchemesAsPrivileged([
  { scheme: 'loupe-app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
  { scheme: 'loupe-thumb', privileges: { standard: true, secure: true } },
])

let win: electron.BrowserWindow | null = null

async function start() {
  await app.whenReady()
  const dataDir = app.getPath('userData')
  const core = createCore({
    dataDir,
    host: 'electron',
    // gallery.revealSource: the core finds the file, the desktop shows it in the file manager.
    revealPath: (p) => shell.showItemInFolder(p),
    version: app.getVersion(),
    secrets: createSafeStorageSecretStore({
      safeStorage,
      dataDir,
      acceptPlainText: () => process.env.LOUPE_ACCEPT_PLAINTEXT_SECRETS === '1',
    }),
    pickFolder: async () => {
      const opts = { properties: ['openDirectory' as const] }
      const r = win
        ? await electron.dialog.showOpenDialog(win, opts)
        : await electron.dialog.showOpenDialog(opts)
      return r.canceled ? null : (r.filePaths[0] ?? null)
    },
  })

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
  protocol.handle('loupe-thumb', (req) => {
    const parts = new URL(req.url).pathname.slice(1).split('/').map(decodeURIComponent)
    const file =
      parts.length === 3 ? core.galleries.thumbnailFile(parts[0], parts[1], parts[2]) : null
    return file
      ? net.fetch(pathToFileURL(file).href)
      : new Response('No thumbnail', { status: 404 })
  })

  session.defaultSession.webRequest.onHeadersReceived((details, cb) => {
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [APP_CSP] } })
  })
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false))

  registerIpc({
    ipcMain,
    dispatch: core.dispatch,
    isTrustedSender: (e) =>
      !!win && e.sender === win.webContents && isTrustedUrl(e.senderFrame?.url, devServerUrl),
    log: (l) => core.logger.log('warn', l),
  })
  forwardEvents(core.events, () => win?.webContents ?? null)

  win = new BrowserWindow({
    width: 1360,
    height: 880,
    minWidth: 960,
    minHeight: 640,
    show: false,
    title: 'Loupe',
    webPreferences: secureWebPreferences(path.join(here, '../preload/index.cjs')),
  })
  lockNavigation(win.webContents, (url) => isTrustedUrl(url, devServerUrl))
  win.once('ready-to-show', () => win?.show())
  await win.loadURL(devServerUrl ?? 'loupe-app://app/')
  // Unfinished jobs (bulk adds…) resume once the window is there to show them.
  try {
    core.jobs.startJobs()
  } catch (e) {
    core.logger.log('error', `jobs: not started: ${(e as Error).message}`)
  }
  // Batch tasks and folder watchers run in this host (unless `loupe serve` already runs them).
  core.batch.start()
  await core
    .startWatchers()
    .catch((e) => core.logger.log('error', `watch: not started: ${(e as Error).message}`))
  // The core's notifications (batch task finished, …) as system notifications.
  forwardNotifications(core.events, electron.Notification, (l) => core.logger.log('warn', l))

  // Metadata exports still running are watched to completion (and their files downloaded).
  core.dumps.start()

  app.on('window-all-closed', () => app.quit())
  app.on('before-quit', () => {
    void core.close()
  })
}

if (!app.requestSingleInstanceLock()) app.quit()
else void start()
