import fs from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import sharp from 'sharp'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { App, BrowserWindow, WebContents } from 'electron'
import { installSingleInstance } from '../../../electron/main/single-instance'
import { pathsFromArgv } from '../../../electron/main/open-paths'
import { createRendererOutbox } from '../../../electron/main/renderer-outbox'
import type { SendToRenderer } from '../../../electron/main/host-types'
import { tempDir } from '../../helpers/tmp'
import { FakeApp, FakeWebContents, FakeWindow, rendererInbox } from './fake-electron'

const temps: { cleanup: () => void }[] = []
afterEach(() => temps.splice(0).forEach((t) => t.cleanup()))

async function folder() {
  const t = tempDir('loupe-open-')
  temps.push(t)
  const jpg = await sharp({
    create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 30, b: 30 } },
  })
    .jpeg()
    .toBuffer()
  fs.writeFileSync(path.join(t.dir, 'red shoe.jpg'), jpg)
  fs.writeFileSync(path.join(t.dir, 'blue.png'), await sharp(jpg).png().toBuffer())
  fs.writeFileSync(path.join(t.dir, 'notes.txt'), 'not a picture')
  fs.writeFileSync(path.join(t.dir, 'list.csv'), 'path,productId\n')
  fs.mkdirSync(path.join(t.dir, 'catalogue'))
  return { dir: t.dir, jpg }
}

function setup(opts: Partial<Parameters<typeof installSingleInstance>[0]> = {}) {
  const app = new FakeApp()
  const win = new FakeWindow()
  const inbox = rendererInbox()
  const si = installSingleInstance({
    app: app as unknown as App,
    getWindow: () => win as unknown as BrowserWindow,
    sendToRenderer: inbox.send as SendToRenderer,
    batchMs: 20,
    ...opts,
  })
  return { app, win, inbox, si }
}

describe('second launch and files given on a command line', () => {
  it('reads only the existing paths of a command line, resolved against its working directory', async () => {
    const { dir } = await folder()
    const exe = '/opt/Loupe/loupe'
    const argv = [
      exe,
      '--original-process-start-time=13380000000',
      'red shoe.jpg',
      '-psn_0_12345',
      path.join(dir, 'catalogue'),
      'missing.jpg',
      'https://example.com/a.jpg',
      pathToFileURL(path.join(dir, 'blue.png')).href,
      'red shoe.jpg',
    ]
    expect(pathsFromArgv(argv, dir)).toEqual([
      path.join(dir, 'red shoe.jpg'),
      path.join(dir, 'catalogue'),
      path.join(dir, 'blue.png'),
    ])
    // a development run (`electron .`): argv[1] is the app's folder, never a path to open
    expect(
      pathsFromArgv(['/usr/bin/electron', '.', 'blue.png'], dir, { defaultApp: true }),
    ).toEqual([path.join(dir, 'blue.png')])
    expect(pathsFromArgv([exe, '.'], dir, { appPath: dir })).toEqual([])
    // after `--` even a name starting with a dash is a path
    fs.writeFileSync(path.join(dir, '-odd.jpg'), 'x')
    expect(pathsFromArgv([exe, '--', '-odd.jpg'], dir)).toEqual([path.join(dir, '-odd.jpg')])
  })

  it('a second launch restores and focuses the window and opens its picture in Search', async () => {
    const { dir, jpg } = await folder()
    const { app, win, inbox } = setup()
    win.minimized = true
    app.emit('second-instance', {}, ['/opt/Loupe/loupe', 'red shoe.jpg'], dir, {})
    expect(win.calls).toEqual(['restore', 'show', 'focus'])
    await vi.waitFor(() => expect(inbox.got).toHaveLength(1))
    const [m] = inbox.got
    expect(m.name).toBe('desktop.open-paths')
    expect(m.payload).toEqual({
      target: 'search',
      paths: [path.join(dir, 'red shoe.jpg')],
      hasFolder: false,
      image: { name: 'red shoe.jpg', type: 'image/jpeg', base64: jpg.toString('base64') },
    })
  })

  it('folders, manifests or several pictures open Bulk add; other files are left out', async () => {
    const { dir } = await folder()
    const { app, inbox } = setup()
    const argv = (...a: string[]) => ['/opt/Loupe/loupe', ...a]
    app.emit('second-instance', {}, argv('catalogue', 'notes.txt', 'list.csv'), dir, {})
    await vi.waitFor(() => expect(inbox.got).toHaveLength(1))
    expect(inbox.got[0].payload).toEqual({
      target: 'bulk',
      paths: [path.join(dir, 'catalogue'), path.join(dir, 'list.csv')],
      hasFolder: true,
    })
    app.emit('second-instance', {}, argv('red shoe.jpg', 'blue.png'), dir, {})
    await vi.waitFor(() => expect(inbox.got).toHaveLength(2))
    expect(inbox.got[1].payload).toMatchObject({ target: 'bulk', hasFolder: false })
    // nothing Loupe can open: the window is focused, nothing is sent
    app.emit('second-instance', {}, argv('notes.txt', 'missing.png'), dir, {})
    await new Promise((r) => setTimeout(r, 50))
    expect(inbox.got).toHaveLength(2)
  })

  it('a picture Search cannot take comes with the reason instead of its bytes', async () => {
    const { dir } = await folder()
    const big = path.join(dir, 'huge.jpg')
    fs.writeFileSync(big, '')
    fs.truncateSync(big, 8 * 1024 * 1024 + 1)
    fs.writeFileSync(path.join(dir, 'empty.png'), '')
    const { app, inbox } = setup()
    app.emit('second-instance', {}, ['loupe', 'huge.jpg'], dir, {})
    await vi.waitFor(() => expect(inbox.got).toHaveLength(1))
    expect(inbox.got[0].payload).toEqual({
      target: 'search',
      paths: [big],
      hasFolder: false,
      problem: 'tooLarge',
    })
    app.emit('second-instance', {}, ['loupe', 'empty.png'], dir, {})
    await vi.waitFor(() => expect(inbox.got).toHaveLength(2))
    expect(inbox.got[1].payload).toMatchObject({ problem: 'empty' })
  })

  it("the first launch's own files wait for the page to load (and again while it reloads)", async () => {
    const { dir } = await folder()
    const wc = new FakeWebContents()
    wc.loading = true
    const sent: [string, unknown][] = []
    const outbox = createRendererOutbox({ send: (n, p) => sent.push([n, p]) })
    outbox.attach(wc as unknown as WebContents)
    setup({
      sendToRenderer: outbox.post,
      argv: ['/opt/Loupe/loupe', '--inspect=0', 'catalogue'],
      cwd: dir,
    })
    await vi.waitFor(() => expect(outbox.pending).toBe(1))
    expect(sent).toEqual([])
    wc.loading = false
    wc.emit('did-finish-load')
    expect(sent).toEqual([
      [
        'desktop.open-paths',
        { target: 'bulk', paths: [path.join(dir, 'catalogue')], hasFolder: true },
      ],
    ])
    // reloading (after a crash): held again until loaded
    wc.emit('did-start-loading')
    outbox.post('desktop.navigate', { view: 'settings' })
    expect(sent).toHaveLength(1)
    wc.emit('did-finish-load')
    expect(sent[1]).toEqual(['desktop.navigate', { view: 'settings' }])
    // loaded: straight through
    outbox.post('desktop.navigate', { view: 'tasks' })
    expect(sent).toHaveLength(3)
  })

  it('macOS open-file: files opened together arrive as one hand-over', async () => {
    const { dir } = await folder()
    const { app, win, inbox, si } = setup()
    const prevent = vi.fn()
    app.emit('open-file', { preventDefault: prevent }, path.join(dir, 'red shoe.jpg'))
    app.emit('open-file', { preventDefault: prevent }, path.join(dir, 'blue.png'))
    expect(prevent).toHaveBeenCalledTimes(2)
    await vi.waitFor(() => expect(inbox.got).toHaveLength(1))
    expect(inbox.got[0].payload).toMatchObject({
      target: 'bulk',
      paths: [path.join(dir, 'red shoe.jpg'), path.join(dir, 'blue.png')],
    })
    expect(win.focused).toBe(true)
    si.dispose()
    expect(app.listenerCount('second-instance') + app.listenerCount('open-file')).toBe(0)
  })
})
