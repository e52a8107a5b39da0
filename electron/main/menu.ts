import path from 'node:path'
import type { App, Menu, MenuItemConstructorOptions, Shell } from 'electron'
import { logFilePath } from '../core/log'
import { hostLabels } from './labels'
import {
  hostLocale,
  showWindow,
  type GetWindow,
  type HostLocale,
  type HostLog,
  type SendToRenderer,
} from './host-types'
import { logf } from '../core/log-text'

/** What the menu's own items do (roles are Electron's). */
export interface MenuActions {
  /** Show a view of the app (`settings`, `add`…), optionally with query parameters. */
  navigate(view: string, query?: Record<string, string>): void
  openDataFolder(): void
  openLog(): void
  about(): void
}

/**
 * The application menu as data (tested as such). macOS gets the app menu (About, Settings, Hide,
 * Quit); Windows and Linux get Settings and Quit in File and About in Help. Reload and the
 * developer tools exist only in development builds.
 */
export function menuTemplate(o: {
  platform: NodeJS.Platform
  isPackaged: boolean
  locale: HostLocale
  actions: MenuActions
}): MenuItemConstructorOptions[] {
  const L = hostLabels(o.locale)
  const mac = o.platform === 'darwin'
  const a = o.actions
  const sep: MenuItemConstructorOptions = { type: 'separator' }
  const settings: MenuItemConstructorOptions = {
    id: 'settings',
    label: L.settings,
    accelerator: 'CmdOrCtrl+,',
    click: () => a.navigate('settings'),
  }
  const about: MenuItemConstructorOptions = { id: 'about', label: L.about, click: () => a.about() }

  const template: MenuItemConstructorOptions[] = []
  if (mac) {
    template.push({
      label: 'Loupe',
      submenu: [
        { role: 'about', label: L.about },
        sep,
        settings,
        sep,
        { role: 'services', label: L.services },
        sep,
        { role: 'hide', label: L.hide },
        { role: 'hideOthers', label: L.hideOthers },
        { role: 'unhide', label: L.unhide },
        sep,
        { role: 'quit', label: L.quit },
      ],
    })
  }
  template.push({
    label: L.file,
    submenu: [
      {
        id: 'add-pictures',
        label: L.addPictures,
        accelerator: 'CmdOrCtrl+N',
        click: () => a.navigate('add', { mode: 'single' }),
      },
      {
        id: 'bulk-add',
        label: L.bulkAdd,
        accelerator: 'CmdOrCtrl+Shift+N',
        click: () => a.navigate('add', { mode: 'bulk' }),
      },
      ...(mac ? [] : [sep, settings, sep, { role: 'quit', label: L.quit } as const]),
    ],
  })
  template.push({
    label: L.edit,
    submenu: [
      { role: 'undo', label: L.undo },
      { role: 'redo', label: L.redo },
      sep,
      { role: 'cut', label: L.cut },
      { role: 'copy', label: L.copy },
      { role: 'paste', label: L.paste },
      ...(mac ? [{ role: 'pasteAndMatchStyle', label: L.pasteAndMatchStyle } as const] : []),
      { role: 'delete', label: L.delete },
      sep,
      { role: 'selectAll', label: L.selectAll },
    ],
  })
  template.push({
    label: L.view,
    submenu: [
      ...(o.isPackaged
        ? []
        : [
            { role: 'reload', label: L.reload } as const,
            { role: 'forceReload', label: L.forceReload } as const,
            { role: 'toggleDevTools', label: L.toggleDevTools } as const,
            sep,
          ]),
      { role: 'resetZoom', label: L.resetZoom },
      { role: 'zoomIn', label: L.zoomIn },
      { role: 'zoomOut', label: L.zoomOut },
      sep,
      { role: 'togglefullscreen', label: L.toggleFullScreen },
    ],
  })
  template.push({
    label: L.window,
    role: 'windowMenu',
    submenu: mac
      ? [
          { role: 'minimize', label: L.minimize },
          { role: 'zoom', label: L.zoom },
          sep,
          { role: 'front', label: L.front },
        ]
      : [
          { role: 'minimize', label: L.minimize },
          { role: 'close', label: L.close },
        ],
  })
  template.push({
    label: L.help,
    role: 'help',
    submenu: [
      { id: 'open-data-folder', label: L.openDataFolder, click: () => a.openDataFolder() },
      { id: 'open-log', label: L.openLog, click: () => a.openLog() },
      ...(mac ? [] : [sep, about]),
    ],
  })
  return template
}

/**
 * Sets Loupe's application menu (replacing Electron's default one, which ships Reload and the
 * developer tools). Its labels follow the system language; `setLocale` rebuilds it in another one.
 */
export function installMenu(deps: {
  Menu: Pick<typeof Menu, 'buildFromTemplate' | 'setApplicationMenu'>
  app: Pick<
    App,
    'isPackaged' | 'getLocale' | 'getVersion' | 'setAboutPanelOptions' | 'showAboutPanel'
  >
  shell: Pick<Shell, 'openPath'>
  dataDir: string
  getWindow: GetWindow
  sendToRenderer: SendToRenderer
  platform?: NodeJS.Platform
  locale?: HostLocale
  log?: HostLog
}): { setLocale(locale: HostLocale): void; template(): MenuItemConstructorOptions[] } {
  const platform = deps.platform ?? process.platform
  let locale = deps.locale ?? hostLocale(deps.app.getLocale())

  async function open(what: string, target: string, fallback?: string) {
    const err = await deps.shell.openPath(target)
    if (!err) return
    deps.log?.('warn', logf`menu: cannot open the ${what} ${target}: ` + String(err))
    if (fallback) await deps.shell.openPath(fallback)
  }
  const actions: MenuActions = {
    navigate(view, query) {
      showWindow(deps.getWindow())
      deps.sendToRenderer('desktop.navigate', { view, ...(query ? { query } : {}) })
    },
    openDataFolder: () => void open('data folder', deps.dataDir),
    // No log yet (nothing written so far): its folder, else the data folder.
    openLog: () => {
      const file = logFilePath(deps.dataDir)
      void open('log file', file, path.dirname(file))
    },
    about: () => deps.app.showAboutPanel(),
  }
  deps.app.setAboutPanelOptions({
    applicationName: 'Loupe',
    applicationVersion: deps.app.getVersion(),
    version: '',
  })

  const template = () =>
    menuTemplate({ platform, isPackaged: deps.app.isPackaged, locale, actions })
  const apply = () => deps.Menu.setApplicationMenu(deps.Menu.buildFromTemplate(template()))
  apply()
  return {
    setLocale(l) {
      if (l === locale) return
      locale = l
      apply()
    },
    template,
  }
}
