import { afterEach, describe, expect, it, vi } from 'vitest'
import { mount } from '@vue/test-utils'
import { defineComponent, h } from 'vue'
import { NConfigProvider } from 'naive-ui'
import { contract, METHODS } from '@api/contract'
import { createClient } from '@api/client'
import { setBridge } from '@renderer/bridge'
import { createPortClient } from '../../../electron/preload/port-client'
import { i18n } from '@renderer/i18n'
import CoreStatus from '@renderer/components/CoreStatus.vue'

/**
 * The engine's state as the window shows it. `window.loupe` is the preload's own port client
 * (the same code the desktop preload exposes); the test plays main, which reports the core
 * process's state to it.
 */
const Root = defineComponent({
  props: { delay: { type: Number, default: 50 } },
  setup: (props) => () =>
    h(NConfigProvider, null, () => h(CoreStatus, { startDelayMs: props.delay })),
})

function desktopPage() {
  const client = createPortClient(METHODS.map(([n]) => n))
  // The preload's object, over the preload's own port client (files and locale are not used here).
  window.loupe = {
    methods: METHODS.map(([n]) => n),
    invoke: (n, i) => client.invoke(n, i),
    subscribe: (l) => client.subscribe(l),
    pathForFile: () => '',
    setLocale: () => {},
  }
  const w = mount(Root, { global: { plugins: [i18n] }, attachTo: document.body })
  const panel = () => w.find('[data-testid="core-status"]')
  return { client, w, panel }
}

describe('the engine state in the desktop window', () => {
  afterEach(() => {
    delete window.loupe
    setBridge(null)
    i18n.global.locale.value = 'en-US'
  })

  it('shows "Opening gallery…" while the core starts, and nothing once it runs', async () => {
    i18n.global.locale.value = 'en-US'
    const { client, w, panel } = desktopPage()
    await vi.waitFor(() => expect(panel().exists()).toBe(true))
    expect(panel().text()).toContain('Opening gallery…')
    expect(panel().find('[role="status"]').exists()).toBe(true)
    client.setStatus({ state: 'ready' })
    await vi.waitFor(() => expect(panel().exists()).toBe(false))
    w.unmount()
  })

  it('shows the core’s long work with its progress while it runs', async () => {
    const { client, w } = desktopPage()
    client.setStatus({ state: 'ready' })
    const tasks = () => w.find('[data-testid="core-tasks"]')
    const load = { profile: 'local', task: 'engine-load', done: 40, total: 100 }
    client.deliver('core.status', { ...load, phase: 'running' })
    await vi.waitFor(() => expect(tasks().exists()).toBe(true))
    expect(tasks().text()).toContain('Loading the search index of “local”')
    expect(tasks().text()).toContain('40 %')
    client.deliver('core.status', {
      profile: 'shop',
      task: 'gallery-migration',
      phase: 'running',
      done: 3,
      total: 12,
    })
    i18n.global.locale.value = 'zh-CN'
    await vi.waitFor(() => expect(tasks().text()).toContain('正在更新“shop”的图库缓存'))
    expect(tasks().text()).toContain('25 %')
    client.deliver('core.status', { ...load, phase: 'done', done: 100 })
    client.deliver('core.status', {
      profile: 'shop',
      task: 'gallery-migration',
      phase: 'failed',
      done: 3,
      total: 12,
    })
    await vi.waitFor(() => expect(tasks().exists()).toBe(false))
    w.unmount()
  })

  it('shows the core’s long work in a browser too (headless host, events over the bridge)', async () => {
    let emit: (name: string, payload: unknown) => void = () => {}
    setBridge(
      createClient(contract, {
        invoke: async () => ({ error: { code: 'HostUnreachable', message: '' } }),
        subscribe: (l) => {
          emit = l
          return () => {}
        },
      }),
    )
    const w = mount(Root, { props: { delay: 0 }, global: { plugins: [i18n] } })
    await vi.waitFor(() => expect(typeof emit).toBe('function'))
    emit('core.status', {
      profile: 'local',
      task: 'dump-import',
      stage: 'applying',
      phase: 'running',
      done: 1,
      total: 2,
    })
    await vi.waitFor(() =>
      expect(w.find('[data-testid="core-tasks"]').text()).toContain(
        'Importing the gallery export of “local” · writing the cache',
      ),
    )
    expect(w.find('[data-testid="core-tasks"]').text()).toContain('50 %')
    expect(w.find('[data-testid="core-status"]').exists()).toBe(false)
    w.unmount()
  })

  it('a quick start shows nothing at all', async () => {
    const { client, w, panel } = desktopPage()
    client.setStatus({ state: 'ready' })
    await new Promise((r) => setTimeout(r, 120))
    expect(panel().exists()).toBe(false)
    w.unmount()
  })

  it('says the engine stopped and is restarting (en-US, zh-CN), and fails the calls it held', async () => {
    const { client, w, panel } = desktopPage()
    client.setStatus({ state: 'ready' })
    const sent: unknown[] = []
    client.attach({ send: (m) => sent.push(m), onMessage: () => {}, onClose: () => {}, close() {} })
    const held = window.loupe!.invoke('gallery.list', {})
    client.setStatus({ state: 'restarting', reason: 'signal SIGKILL' })
    await vi.waitFor(() => expect(panel().exists()).toBe(true))
    expect(panel().text()).toContain('Loupe’s engine stopped — restarting…')
    expect(await held).toMatchObject({ error: { code: 'CoreRestarted' } })
    i18n.global.locale.value = 'zh-CN'
    await vi.waitFor(() => expect(panel().text()).toContain('Loupe 引擎已停止 — 正在重新启动…'))
    client.setStatus({ state: 'starting' })
    client.setStatus({ state: 'ready' })
    await vi.waitFor(() => expect(panel().exists()).toBe(false))
    w.unmount()
  })

  it('when the engine cannot be restarted, says so and where the log is', async () => {
    const { client, w, panel } = desktopPage()
    client.setStatus({
      state: 'failed',
      reason: 'exit code 1',
      logFile: '/home/u/.config/Loupe/logs/loupe.log',
    })
    await vi.waitFor(() => expect(panel().exists()).toBe(true))
    expect(panel().find('[role="alert"]').exists()).toBe(true)
    expect(panel().text()).toContain('Loupe’s engine stopped and could not be restarted')
    expect(panel().find('[data-testid="core-status-log"]').text()).toBe(
      '/home/u/.config/Loupe/logs/loupe.log',
    )
    expect(panel().text()).toContain('exit code 1')
    expect(await window.loupe!.invoke('profiles.list', {})).toMatchObject({
      error: { code: 'CoreUnavailable' },
    })
    w.unmount()
  })

  it('shows nothing in a browser (no desktop engine process there)', async () => {
    setBridge(
      createClient(contract, {
        invoke: async () => ({ error: { code: 'HostUnreachable', message: '' } }),
        subscribe: () => () => {},
      }),
    )
    const w = mount(Root, { props: { delay: 0 }, global: { plugins: [i18n] } })
    await new Promise((r) => setTimeout(r, 50))
    expect(w.find('[data-testid="core-status"]').exists()).toBe(false)
    w.unmount()
  })
})
