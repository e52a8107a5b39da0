import { afterAll, beforeAll, expect } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { defineComponent, h } from 'vue'
import { createMemoryHistory, createRouter, type Router } from 'vue-router'
import { NConfigProvider, NDialogProvider, NMessageProvider, NNotificationProvider } from 'naive-ui'
import { contract } from '@api/contract'
import { createClient } from '@api/client'
import { setBridge } from '@renderer/bridge'
import { i18n } from '@renderer/i18n'
import { tempDir } from '../helpers/tmp'
import { serve } from '../helpers/cli'
import { postJson, subscribeSse } from '../helpers/http'

/**
 * Components under test talk to a real Loupe host (`loupe serve`, started once per test file in a
 * temp data folder) through the same client the app uses: the core cannot run inside happy-dom.
 *
 * Call at the top of a test file; the host starts before the file's tests and stops after them.
 */
export function useRendererHost(
  opts: { tmpPrefix?: string; serveArgs?: string[]; events?: boolean } = {},
) {
  const t = tempDir(opts.tmpPrefix)
  let host: Awaited<ReturnType<typeof serve>> | undefined
  /** With `events`: every event the host sent, in order (the bridge's listeners get them too). */
  const events: { name: string; payload: Record<string, unknown> }[] = []
  const listeners = new Set<(name: string, payload: unknown) => void>()
  let stopEvents = () => {}
  const url = () => {
    if (!host) throw new Error('the test host has not started')
    return host.url
  }
  beforeAll(async () => {
    setActivePinia(createPinia())
    host = await serve(['--data', t.dir, '--port', '0', ...(opts.serveArgs ?? [])])
    if (opts.events)
      stopEvents = await subscribeSse(`${url()}/api/events`, (name, payload) => {
        events.push({ name, payload: payload as Record<string, unknown> })
        listeners.forEach((l) => l(name, payload))
      })
    setBridge(
      createClient(contract, {
        invoke: (name, input) => postJson(`${url()}/api/call/${name}`, input),
        subscribe: (l) => {
          listeners.add(l)
          return () => listeners.delete(l)
        },
      }),
    )
  })
  afterAll(async () => {
    stopEvents()
    setBridge(null)
    const proc = host?.proc
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      // its data folder is removed once it has stopped writing there
      const exited = new Promise((r) => proc.once('exit', r))
      proc.kill('SIGTERM')
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))])
    }
    t.cleanup()
  })
  /** A contract call's whole reply (`{ result }` or `{ error }`). */
  const call = (name: string, input: unknown) => postJson(`${url()}/api/call/${name}`, input)
  /** A contract call that must succeed: its result. */
  async function callOk<T = Record<string, unknown>>(name: string, input: unknown): Promise<T> {
    const r = (await call(name, input)) as { result?: T; error?: unknown }
    expect(r.error, `${name}: ${JSON.stringify(r.error)}`).toBeUndefined()
    return r.result as T
  }
  return {
    /** The host's temp data folder (removed after the file's tests). */
    t,
    get url() {
      return url()
    },
    call,
    callOk,
    events,
  }
}

/**
 * Mounts `component` inside the providers the app's root gives it (config, messages, dialogs and,
 * with `notifications`, notifications), with i18n and an optional router; attached to the document
 * (naive-ui's dialogs and drawers teleport there) unless `attach` is false.
 */
export function wrap(
  component: unknown,
  props: Record<string, unknown> = {},
  opts: { router?: Router; attach?: boolean; notifications?: boolean } = {},
): VueWrapper {
  const inner = () =>
    h(NMessageProvider, null, () => h(NDialogProvider, null, () => h(component as never, props)))
  const Root = defineComponent({
    render: () =>
      h(NConfigProvider, null, () =>
        opts.notifications ? h(NNotificationProvider, null, inner) : inner(),
      ),
  })
  return mount(Root, {
    global: { plugins: opts.router ? [i18n, opts.router] : [i18n] },
    ...(opts.attach === false ? {} : { attachTo: document.body }),
  })
}

/** Waits (flushing Vue's promises) until `cond` holds; the error says `say()` when it never does. */
export async function until(cond: () => boolean, ms = 30_000, say?: () => string): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out${say ? `: ${say()}` : ''}`)
    await flushPromises()
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** Gives a file to an ImageDrop's <input type=file>, as choosing it in the dialog does. */
export async function choose(w: VueWrapper, testid: string, f: File): Promise<void> {
  const input = w.get(`[data-testid="${testid}-input"]`)
  Object.defineProperty(input.element, 'files', { value: [f], configurable: true })
  await input.trigger('change')
}

/** An in-memory router knowing the named routes a view may push to (they render nothing). */
export function viewRouter(...names: string[]): Router {
  return createRouter({
    history: createMemoryHistory(),
    routes: names.map((name) => ({ path: `/${name}`, name, component: { render: () => null } })),
  })
}
