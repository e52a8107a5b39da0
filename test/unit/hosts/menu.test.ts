import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { App, BrowserWindow, MenuItemConstructorOptions } from 'electron'
import { installMenu, menuTemplate, type MenuActions } from '../../../electron/main/menu'
import type { SendToRenderer } from '../../../electron/main/host-types'
import { tempDir } from '../../helpers/tmp'
import {
  FakeApp,
  FakeWindow,
  click,
  fakeMenu,
  fakeShell,
  flatten,
  item,
  rendererInbox,
} from './fake-electron'

const temps: { cleanup: () => void }[] = []
afterEach(() => temps.splice(0).forEach((t) => t.cleanup()))

const actions: MenuActions = {
  navigate: vi.fn(),
  openDataFolder: vi.fn(),
  openLog: vi.fn(),
  about: vi.fn(),
}
const roles = (t: MenuItemConstructorOptions[]) =>
  flatten(t)
    .map((i) => i.role)
    .filter(Boolean)
const top = (t: MenuItemConstructorOptions[]) => t.map((i) => i.label)

describe('application menu', () => {
  it('has no Reload or developer tools in a packaged app; development builds keep them', () => {
    for (const platform of ['darwin', 'win32', 'linux'] as const) {
      const shipped = menuTemplate({ platform, isPackaged: true, locale: 'en-US', actions })
      expect(roles(shipped)).not.toContain('toggleDevTools')
      expect(roles(shipped)).not.toContain('reload')
      expect(roles(shipped)).not.toContain('forceReload')
      const dev = menuTemplate({ platform, isPackaged: false, locale: 'en-US', actions })
      expect(roles(dev)).toEqual(expect.arrayContaining(['reload', 'toggleDevTools']))
    }
  })

  it('macOS: the app menu (About, Settings, Hide, Quit); Windows/Linux: Settings and Quit in File, About in Help', () => {
    const mac = menuTemplate({ platform: 'darwin', isPackaged: true, locale: 'en-US', actions })
    expect(top(mac)).toEqual(['Loupe', 'File', 'Edit', 'View', 'Window', 'Help'])
    const appMenu = mac[0].submenu as MenuItemConstructorOptions[]
    expect(appMenu.map((i) => i.role ?? i.id ?? i.type)).toEqual([
      'about',
      'separator',
      'settings',
      'separator',
      'services',
      'separator',
      'hide',
      'hideOthers',
      'unhide',
      'separator',
      'quit',
    ])
    expect(item(mac, 'settings').accelerator).toBe('CmdOrCtrl+,')
    expect(roles([mac[1]])).not.toContain('quit')

    const win = menuTemplate({ platform: 'win32', isPackaged: true, locale: 'en-US', actions })
    expect(top(win)).toEqual(['File', 'Edit', 'View', 'Window', 'Help'])
    expect(roles([win[0]])).toContain('quit')
    expect(flatten([win[0]]).map((i) => i.id)).toContain('settings')
    expect(flatten([win[4]]).map((i) => i.id)).toEqual(
      expect.arrayContaining(['open-data-folder', 'open-log', 'about']),
    )
  })

  it('Edit has undo/redo and cut/copy/paste/select all; View has zoom and full screen', () => {
    const t = menuTemplate({ platform: 'linux', isPackaged: true, locale: 'en-US', actions })
    expect(roles([t[1]])).toEqual(['undo', 'redo', 'cut', 'copy', 'paste', 'delete', 'selectAll'])
    expect(roles([t[2]])).toEqual(['resetZoom', 'zoomIn', 'zoomOut', 'togglefullscreen'])
  })

  it('speaks the system language: Chinese labels on a zh-CN system', () => {
    const { Menu, state } = fakeMenu()
    const app = new FakeApp()
    app.locale = 'zh-CN'
    const m = installMenu({
      Menu,
      app: app as unknown as App,
      shell: fakeShell().shell,
      dataDir: '/tmp/none',
      getWindow: () => null,
      sendToRenderer: rendererInbox().send as SendToRenderer,
      platform: 'win32',
    })
    expect(top(state.applied[0])).toEqual(['文件', '编辑', '视图', '窗口', '帮助'])
    expect(item(state.applied[0], 'open-log').label).toBe('打开日志文件')
    m.setLocale('en-US')
    expect(top(state.applied[1])).toEqual(['File', 'Edit', 'View', 'Window', 'Help'])
  })

  it('Settings, Add and Bulk add show the window on that view; Help opens the data folder and the log', async () => {
    const t = tempDir('loupe-menu-')
    temps.push(t)
    const { Menu, state } = fakeMenu()
    const app = new FakeApp()
    app.isPackaged = true
    const w = new FakeWindow()
    w.minimized = true
    const inbox = rendererInbox()
    const { shell, opened } = fakeShell()
    installMenu({
      Menu,
      app: app as unknown as App,
      shell,
      dataDir: t.dir,
      getWindow: () => w as unknown as BrowserWindow,
      sendToRenderer: inbox.send as SendToRenderer,
      platform: 'linux',
    })
    const menu = state.applied[0]
    click(menu, 'settings')
    expect(w.calls).toEqual(['restore', 'show', 'focus'])
    click(menu, 'bulk-add')
    click(menu, 'add-pictures')
    expect(inbox.got).toEqual([
      { name: 'desktop.navigate', payload: { view: 'settings' } },
      { name: 'desktop.navigate', payload: { view: 'add', query: { mode: 'bulk' } } },
      { name: 'desktop.navigate', payload: { view: 'add', query: { mode: 'single' } } },
    ])
    click(menu, 'open-data-folder')
    // no log written yet: its folder is opened instead (here: missing too, nothing else happens)
    click(menu, 'open-log')
    const log = path.join(t.dir, 'logs', 'loupe.log')
    await vi.waitFor(() => expect(opened).toEqual([t.dir, log, path.dirname(log)]))
    fs.mkdirSync(path.dirname(log))
    fs.writeFileSync(log, 'a line\n')
    click(menu, 'open-log')
    await vi.waitFor(() => expect(opened.at(-1)).toBe(log))
    expect(opened).toHaveLength(4)
    click(menu, 'about')
    expect(app.aboutShown).toBe(1)
    expect(app.aboutOptions).toMatchObject({
      applicationName: 'Loupe',
      applicationVersion: '1.2.3',
    })
  })
})
