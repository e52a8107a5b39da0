import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { mount, flushPromises } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { defineComponent, h } from 'vue'
import { createMemoryHistory, createRouter, type Router } from 'vue-router'
import sharp from 'sharp'
import { NConfigProvider, NNotificationProvider } from 'naive-ui'
import { contract } from '@api/contract'
import { createClient } from '@api/client'
import { setBridge } from '@renderer/bridge'
import { i18n } from '@renderer/i18n'
import { VIEWS } from '@renderer/router'
import DesktopEvents from '@renderer/components/desktop/DesktopEvents.vue'
import JobsIndicator from '@renderer/components/bulk/JobsIndicator.vue'
import { useSearchStore } from '@renderer/stores/search'
import { useBulkStore } from '@renderer/stores/bulk'
import { useProfilesStore } from '@renderer/stores/profiles'
import { tempDir } from '../../helpers/tmp'
import { serve } from '../../helpers/cli'
import { postJson } from '../../helpers/http'

/**
 * The page's side of the desktop's messages (a second launch's files, the application menu,
 * notification clicks), mounted with the real stores against a real Loupe host; the messages come
 * in through the bridge's event path as the desktop host sends them.
 */
let host: Awaited<ReturnType<typeof serve>>
let emit: (name: string, payload: unknown) => void = () => {}
let router: Router
// The core checks handed-over pictures and the router settles asynchronously: on a busy machine
// that takes longer than vi.waitFor's default second.
const waitFor = <T>(fn: () => T) => vi.waitFor(fn, { timeout: 20_000, interval: 50 })
const t = tempDir('loupe-desktop-events-')

function mountIt(component: unknown = DesktopEvents) {
  const Root = defineComponent({
    render: () =>
      h(NConfigProvider, null, () => h(NNotificationProvider, null, () => h(component as never))),
  })
  return mount(Root, { global: { plugins: [i18n, router] }, attachTo: document.body })
}

describe('desktop messages in the page', () => {
  beforeAll(async () => {
    setActivePinia(createPinia())
    host = await serve(['--data', t.dir, '--port', '0'])
    setBridge(
      createClient(contract, {
        invoke: (name, input) => postJson(`${host.url}/api/call/${name}`, input),
        subscribe: (listener) => {
          emit = listener
          return () => {}
        },
      }),
    )
    const Stub = defineComponent({ render: () => h('div') })
    router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/', redirect: '/search' },
        ...VIEWS.map((v) => ({ path: `/${v.name}`, name: v.name, component: Stub })),
      ],
    })
    await router.push('/gallery')
    i18n.global.locale.value = 'en-US'
  })
  afterAll(() => {
    host.proc.kill('SIGTERM')
    t.cleanup()
  })

  it('a picture handed over opens Search with it as the query picture', async () => {
    const w = mountIt()
    const jpg = await sharp({
      create: { width: 120, height: 90, channels: 3, background: { r: 20, g: 120, b: 200 } },
    })
      .jpeg()
      .toBuffer()
    emit('desktop.open-paths', {
      target: 'search',
      paths: ['/home/me/Pictures/blue bag.jpg'],
      hasFolder: false,
      image: { name: 'blue bag.jpg', type: 'image/jpeg', base64: jpg.toString('base64') },
    })
    const search = useSearchStore()
    await waitFor(() => expect(search.image).not.toBeNull())
    expect(router.currentRoute.value.name).toBe('search')
    expect(search.mode).toBe('pic')
    expect(search.image).toMatchObject({ name: 'blue bag.jpg', size: jpg.length })
    expect(search.image!.base64).toBe(jpg.toString('base64'))
    w.unmount()
  })

  it('a picture Search cannot take is explained, by name', async () => {
    const w = mountIt()
    emit('desktop.open-paths', {
      target: 'search',
      paths: ['C:\\scans\\poster.tif'],
      hasFolder: false,
      problem: 'tooLarge',
    })
    await waitFor(() => expect(document.body.textContent).toContain('larger than 8 MB'))
    expect(document.body.textContent).toContain('poster.tif')
    w.unmount()
  })

  it('"Open with" a text file named .jpg: checked by the core, refused with the catalogue’s words', async () => {
    const w = mountIt()
    const search = useSearchStore()
    const before = search.image
    emit('desktop.open-paths', {
      target: 'search',
      paths: ['/home/me/Desktop/readme.jpg'],
      hasFolder: false,
      image: {
        name: 'readme.jpg',
        type: 'image/jpeg',
        base64: Buffer.from('not a picture at all\n').toString('base64'),
      },
    })
    await waitFor(() =>
      expect(document.body.textContent).toContain('This image format is not supported.'),
    )
    expect(document.body.textContent).toContain('readme.jpg')
    expect(search.image).toBe(before)
    w.unmount()
  })

  it('folders open Bulk add with them as sources', async () => {
    const w = mountIt()
    const dir = path.join(t.dir, 'catalogue')
    fs.mkdirSync(dir, { recursive: true })
    emit('desktop.open-paths', { target: 'bulk', paths: [dir], hasFolder: true })
    const bulk = useBulkStore()
    await waitFor(() => expect(bulk.phase).toBe('ready'))
    expect(bulk.sources).toEqual([dir])
    expect(router.currentRoute.value.fullPath).toBe('/add?mode=bulk')
    w.unmount()
  })

  it('navigation from the menu or a notification: the view, its query, the profile first', async () => {
    const w = mountIt()
    const profiles = useProfilesStore()
    await profiles.load()
    await postJson(`${host.url}/api/call/profiles.create`, { kind: 'local', name: 'shop-b' })
    await profiles.load()
    emit('desktop.navigate', { view: 'settings' })
    await waitFor(() => expect(router.currentRoute.value.name).toBe('settings'))
    emit('desktop.navigate', { view: 'tasks', query: { batch: '3' }, profile: 'shop-b' })
    await waitFor(() => expect(router.currentRoute.value.fullPath).toBe('/tasks?batch=3'))
    expect(profiles.active).toBe('shop-b')
    // not a view of the app, or a profile that does not exist: nothing happens
    emit('desktop.navigate', { view: 'https://evil.example/' })
    emit('desktop.navigate', { view: 'gallery', profile: 'nope' })
    await waitFor(() => expect(router.currentRoute.value.name).toBe('gallery'))
    expect(profiles.active).toBe('shop-b')
    emit('desktop.navigate', { view: 'search', query: { x: 1 } })
    await flushPromises()
    await new Promise((r) => setTimeout(r, 50))
    expect(router.currentRoute.value.name).toBe('gallery')
    w.unmount()
  })

  it('a job notification click opens the jobs drawer (and leaves the address clean)', async () => {
    await router.push('/add?mode=bulk&job=4')
    const w = mountIt(JobsIndicator)
    await waitFor(() => expect(router.currentRoute.value.fullPath).toBe('/add?mode=bulk'))
    await waitFor(() =>
      expect(document.body.querySelector('[data-testid="jobs-drawer"]')).not.toBeNull(),
    )
    w.unmount()
  })
})
