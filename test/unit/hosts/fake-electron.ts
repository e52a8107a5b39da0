import fs from 'node:fs'
import { EventEmitter } from 'node:events'
import type { Menu as ElectronMenu, MenuItemConstructorOptions } from 'electron'
import { contract } from '../../../electron/api/contract'
import { createDispatcher } from '../../../electron/api/dispatch'
import type { JobView } from '../../../electron/api/domains/jobs'
import type { BatchTask } from '../../../electron/api/domains/batch'
import type { Implementation } from '../../../electron/api/define'

/**
 * Test doubles of the Electron objects the desktop-habit modules use (the Electron binary cannot
 * run here). Each records what was done to it, and emits events like the real one.
 */

export type Rect = { x: number; y: number; width: number; height: number }

export class FakeWebContents extends EventEmitter {
  reloads = 0
  sent: [string, ...unknown[]][] = []
  loading = false
  url = 'loupe-app://app/'
  destroyed = false
  reload() {
    this.reloads++
  }
  isLoading() {
    return this.loading
  }
  getURL() {
    return this.url
  }
  send(channel: string, ...args: unknown[]) {
    this.sent.push([channel, ...args])
  }
  isDestroyed() {
    return this.destroyed
  }
}

export class FakeWindow extends EventEmitter {
  webContents = new FakeWebContents()
  bounds: Rect
  normalBounds: Rect
  minimized = false
  maximized = false
  fullScreen = false
  visible = false
  focused = false
  destroyed = false
  calls: string[] = []
  progress: [number, unknown?][] = []
  constructor(opts: Partial<Rect> = {}) {
    super()
    this.bounds = {
      x: opts.x ?? 0,
      y: opts.y ?? 0,
      width: opts.width ?? 800,
      height: opts.height ?? 600,
    }
    this.normalBounds = { ...this.bounds }
  }
  isDestroyed() {
    return this.destroyed
  }
  isMinimized() {
    return this.minimized
  }
  restore() {
    this.calls.push('restore')
    this.minimized = false
  }
  isVisible() {
    return this.visible
  }
  show() {
    this.calls.push('show')
    this.visible = true
  }
  focus() {
    this.calls.push('focus')
    this.focused = true
  }
  maximize() {
    this.calls.push('maximize')
    this.maximized = true
    this.visible = true
  }
  isMaximized() {
    return this.maximized
  }
  setFullScreen(f: boolean) {
    this.calls.push(`fullScreen:${f}`)
    this.fullScreen = f
  }
  isFullScreen() {
    return this.fullScreen
  }
  getBounds() {
    return { ...this.bounds }
  }
  getNormalBounds() {
    return { ...this.normalBounds }
  }
  /** The user moves / resizes the (normal) window. */
  moveTo(r: Partial<Rect>) {
    this.bounds = { ...this.bounds, ...r }
    this.normalBounds = { ...this.bounds }
    this.emit('move')
    this.emit('resize')
  }
  setProgressBar(value: number, opts?: unknown) {
    this.progress.push(opts === undefined ? [value] : [value, opts])
  }
}

export class FakeApp extends EventEmitter {
  isPackaged = false
  locale = 'en-US'
  quits = 0
  aboutShown = 0
  aboutOptions: unknown = null
  getLocale() {
    return this.locale
  }
  getVersion() {
    return '1.2.3'
  }
  quit() {
    this.quits++
  }
  setAboutPanelOptions(o: unknown) {
    this.aboutOptions = o
  }
  showAboutPanel() {
    this.aboutShown++
  }
}

export type Template = MenuItemConstructorOptions[]

export function fakeMenu() {
  const state = { applied: [] as Template[] }
  return {
    state,
    Menu: {
      buildFromTemplate: (template: Template) => ({ template }) as never,
      setApplicationMenu: (m: { template: Template } | null) => {
        if (m) state.applied.push(m.template)
      },
    } as unknown as Pick<typeof ElectronMenu, 'buildFromTemplate' | 'setApplicationMenu'>,
  }
}

/** Every item of a template, depth first. */
export function flatten(t: Template): MenuItemConstructorOptions[] {
  return t.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? flatten(i.submenu) : [])])
}
export function item(t: Template, id: string): MenuItemConstructorOptions {
  const found = flatten(t).find((i) => i.id === id)
  if (!found)
    throw new Error(
      `no menu item ${id} in ${JSON.stringify(flatten(t).map((i) => i.id ?? i.role ?? i.label))}`,
    )
  return found
}
export function click(t: Template, id: string) {
  const i = item(t, id)
  ;(i.click as unknown as () => void)()
}

export class FakeImage {
  constructor(
    readonly path: string | null,
    readonly size: number,
  ) {}
  isEmpty() {
    return this.path === null
  }
  getSize() {
    return { width: this.size, height: this.size }
  }
  resize(o: { width: number; height: number }) {
    return new FakeImage(this.path, o.width)
  }
}
/** Images from files: a PNG's size read from its header; anything else is an empty image. */
export const nativeImage = {
  createFromPath: (p: string) => {
    const b = fs.existsSync(p) ? fs.readFileSync(p) : null
    const png = b && b.subarray(1, 4).toString() === 'PNG'
    return png ? new FakeImage(p, b.readUInt32BE(16)) : new FakeImage(null, 0)
  },
  createEmpty: () => new FakeImage(null, 0),
}

export class FakeTray extends EventEmitter {
  static last: FakeTray | null = null
  tooltip = ''
  menu: Template = []
  destroyed = false
  constructor(readonly image: FakeImage) {
    super()
    FakeTray.last = this
  }
  setToolTip(t: string) {
    this.tooltip = t
  }
  setContextMenu(m: { template: Template }) {
    this.menu = m.template
  }
  destroy() {
    this.destroyed = true
  }
}

export function fakeScreen(workAreas: Rect[]) {
  const displays = workAreas.map((workArea, id) => ({ id, workArea, bounds: workArea }))
  return {
    getAllDisplays: () => displays as never[],
    getPrimaryDisplay: () => displays[0] as never,
  }
}

export function fakeShell(fail: Set<string> = new Set()) {
  const opened: string[] = []
  return {
    opened,
    shell: {
      openPath: async (p: string) => {
        opened.push(p)
        return fail.has(p) || !fs.existsSync(p) ? `cannot open ${p}` : ''
      },
    },
  }
}

/** A dialog answering with the given button indexes, in turn; records every box shown. */
export function fakeDialog(answers: number[] = []) {
  const shown: { parent: unknown; opts: Record<string, unknown> }[] = []
  const pending: { resolve: (r: { response: number }) => void; opts: Record<string, unknown> }[] =
    []
  return {
    shown,
    /** Boxes left open (no scripted answer): answer one, or see it closed by its signal. */
    pending,
    dialog: {
      showMessageBox: (a: unknown, b?: unknown) => {
        const [parent, opts] = (b === undefined ? [null, a] : [a, b]) as [
          unknown,
          Record<string, unknown>,
        ]
        shown.push({ parent, opts })
        if (answers.length)
          return Promise.resolve({ response: answers.shift()!, checkboxChecked: false })
        return new Promise<{ response: number; checkboxChecked: boolean }>((resolve) => {
          const entry = {
            resolve: (r: { response: number }) => resolve({ ...r, checkboxChecked: false }),
            opts,
          }
          pending.push(entry)
          const signal = opts.signal as AbortSignal | undefined
          signal?.addEventListener('abort', () =>
            entry.resolve({ response: (opts.cancelId as number) ?? 0 }),
          )
        })
      },
    },
  }
}

export class FakeNotification extends EventEmitter {
  static shown: FakeNotification[] = []
  static supported = true
  static isSupported() {
    return FakeNotification.supported
  }
  constructor(readonly opts: { title: string; body: string; silent?: boolean }) {
    super()
  }
  show() {
    FakeNotification.shown.push(this)
  }
}

/** Records what was sent to the page. */
export function rendererInbox() {
  const got: { name: string; payload: unknown }[] = []
  return {
    got,
    send: <P>(name: string, payload: P) => {
      got.push({ name, payload })
    },
  }
}

/** A JobView as the core lists it. */
export function jobView(p: Partial<JobView> & Pick<JobView, 'jobId'>): JobView {
  return {
    kind: 'bulk-add',
    profile: 'local',
    title: `job ${p.jobId}`,
    state: 'running',
    sealed: true,
    total: 100,
    done: 0,
    failed: 0,
    skipped: 0,
    pending: 100,
    running: 0,
    retryable: 0,
    rate: 0,
    etaSeconds: null,
    error: null,
    sources: [],
    createdAt: 1,
    updatedAt: 1,
    finishedAt: null,
    continuedBy: null,
    ...p,
  }
}

/**
 * The core as the host reaches it, through the contract's own dispatcher (method names, inputs
 * and results checked against the contract's schemas), with the jobs domain of an in-memory queue.
 */
export function fakeCore(jobs: JobView[], batches: BatchTask[] = []) {
  const calls: [string, unknown][] = []
  const listeners = new Set<(name: string, payload: unknown) => void>()
  const find = (jobId: number) => {
    const j = jobs.find((x) => x.jobId === jobId)
    if (!j) throw Object.assign(new Error(`no job ${jobId}`), { code: 'JobNotFound' })
    return j
  }
  const impl = {
    jobs: {
      list: async (i: { active?: boolean }) => ({
        jobs: jobs.filter((j) => !i.active || ['queued', 'running', 'paused'].includes(j.state)),
      }),
      pause: async ({ jobId }: { jobId: number }) =>
        Object.assign(find(jobId), { state: 'paused' }),
      resume: async ({ jobId }: { jobId: number }) =>
        Object.assign(find(jobId), { state: 'running', error: null }),
    },
    batch: {
      get: async ({ id }: { id: number }) => {
        const t = batches.find((b) => b.id === id)
        if (!t) throw Object.assign(new Error(`no task ${id}`), { code: 'TaskNotFound' })
        return t
      },
    },
  } as unknown as Implementation<typeof contract>
  const dispatch = createDispatcher(contract, impl)
  return {
    jobs,
    batches,
    calls,
    callCore: (method: string, input: unknown) => {
      calls.push([method, input])
      return dispatch(method, input)
    },
    onCoreEvent: (l: (name: string, payload: unknown) => void) => {
      listeners.add(l)
      return () => listeners.delete(l)
    },
    emit: (name: string, payload: unknown) => listeners.forEach((l) => l(name, payload)),
    listeners,
  }
}

/** A batch task as the core shows it. */
export function batchTask(p: Partial<BatchTask> & Pick<BatchTask, 'id'>): BatchTask {
  return {
    profile: 'local',
    engineKind: 'local',
    title: `task ${p.id}`,
    source: { type: 'folder', path: '/data/batch' } as BatchTask['source'],
    sourceText: '/data/batch',
    options: { prepare: true },
    state: 'queued',
    detail: null,
    bucket: null,
    path: null,
    engineTaskId: null,
    engineStatus: null,
    engineCode: null,
    engineMessage: null,
    errorUrl: null,
    linesTotal: 0,
    linesRejected: 0,
    linesOk: 0,
    linesFailed: 0,
    filesTotal: 0,
    filesDone: 0,
    bytesTotal: 0,
    bytesDone: 0,
    error: null,
    createdAt: 1,
    startedAt: null,
    preparedAt: null,
    uploadedAt: null,
    submittedAt: null,
    finishedAt: null,
    updatedAt: 1,
    ...p,
  }
}
