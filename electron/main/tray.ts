import type {
  Menu,
  MenuItemConstructorOptions,
  NativeImage,
  Tray,
  nativeImage as NativeImageModule,
} from 'electron'
import type { JobView } from '../api/domains/jobs'
import { hostLabels } from './labels'
import {
  showWindow,
  type CallCore,
  type GetWindow,
  type HostLocale,
  type HostLog,
  type OnCoreEvent,
} from './host-types'

/** Jobs listed by name in the tray menu (the others are counted). */
const MAX_LISTED = 8

const pct = (j: Pick<JobView, 'total' | 'done' | 'failed' | 'skipped'>) =>
  j.total > 0 ? Math.floor(((j.done + j.failed + j.skipped) / j.total) * 100) : 0

/** "Loupe — 2 jobs running, 45 %" (finished items of every running job over all their items). */
export function traySummary(jobs: readonly JobView[], locale: HostLocale): string {
  const L = hostLabels(locale)
  const running = jobs.filter((j) => j.state === 'running' || j.state === 'queued')
  const paused = jobs.filter((j) => j.state === 'paused')
  if (!running.length && !paused.length) return 'Loupe'
  const parts: string[] = []
  if (running.length) {
    const total = running.reduce((n, j) => n + j.total, 0)
    const fin = running.reduce((n, j) => n + j.done + j.failed + j.skipped, 0)
    const p = total > 0 ? Math.floor((fin / total) * 100) : 0
    parts.push(`${L.jobsRunning(running.length)}, ${p} %`)
  }
  if (paused.length) parts.push(L.jobsPaused(paused.length))
  return `Loupe — ${parts.join(' · ')}`
}

/** The tray's context menu as data: the unfinished jobs with pause / resume, Open Loupe, Quit. */
export function trayTemplate(o: {
  jobs: readonly JobView[]
  locale: HostLocale
  open(): void
  pause(jobId: number): void
  resume(jobId: number): void
  quit(): void
}): MenuItemConstructorOptions[] {
  const L = hostLabels(o.locale)
  const items: MenuItemConstructorOptions[] = [
    {
      id: 'summary',
      label: o.jobs.length ? traySummary(o.jobs, o.locale) : L.noJobs,
      enabled: false,
    },
  ]
  for (const j of o.jobs.slice(0, MAX_LISTED)) {
    const state = j.state === 'paused' ? L.paused : j.state === 'queued' ? L.queued : `${pct(j)} %`
    const paused = j.state === 'paused'
    items.push({
      id: `job-${j.jobId}`,
      label: `${j.title} — ${state}`,
      submenu: [
        paused
          ? { id: `resume-${j.jobId}`, label: L.resume, click: () => o.resume(j.jobId) }
          : { id: `pause-${j.jobId}`, label: L.pause, click: () => o.pause(j.jobId) },
      ],
    })
  }
  if (o.jobs.length > MAX_LISTED) {
    items.push({ label: L.moreJobs(o.jobs.length - MAX_LISTED), enabled: false })
  }
  items.push(
    { type: 'separator' },
    { id: 'open', label: L.openLoupe, click: () => o.open() },
    { type: 'separator' },
    { id: 'quit', label: L.quit, click: () => o.quit() },
  )
  return items
}

/**
 * A tray (notification area / menu bar) icon whose menu shows the running and paused jobs with
 * pause / resume, "Open Loupe" and Quit; its tooltip sums them up. The job list is read from the
 * core (`jobs.list`) and read again when jobs progress, at most once per `refreshMs`.
 */
export function installTray(deps: {
  Tray: new (image: NativeImage | string) => Tray
  Menu: Pick<typeof Menu, 'buildFromTemplate'>
  nativeImage: Pick<typeof NativeImageModule, 'createFromPath' | 'createEmpty'>
  /** The tray PNG (icons.ts `trayIconPath`); a missing file gives an empty (but working) icon. */
  iconPath: string | null
  callCore: CallCore
  onCoreEvent: OnCoreEvent
  getWindow: GetWindow
  quit(): void
  locale: HostLocale
  platform?: NodeJS.Platform
  log?: HostLog
  refreshMs?: number
}): { refresh(): Promise<void>; setLocale(l: HostLocale): void; dispose(): void } {
  const platform = deps.platform ?? process.platform
  const refreshMs = deps.refreshMs ?? 1000
  let locale = deps.locale
  let jobs: JobView[] = []
  let disposed = false

  let image = deps.iconPath ? deps.nativeImage.createFromPath(deps.iconPath) : null
  if (!image || image.isEmpty()) {
    deps.log?.('warn', `tray: no icon at ${deps.iconPath ?? '(none given)'}`)
    image = deps.nativeImage.createEmpty()
  } else if (platform !== 'linux' && image.getSize().width > 32) {
    // An app-sized icon given: notification area / menu bar size. (The tray icons of resources/
    // are 16 px with an @2x file beside them, which the OS picks on high-density screens.)
    image = image.resize({ width: 16, height: 16, quality: 'best' })
  }
  const tray = new deps.Tray(image)

  const open = () => showWindow(deps.getWindow())
  async function act(method: 'jobs.pause' | 'jobs.resume', jobId: number) {
    const r = await deps.callCore(method, { jobId })
    if ('error' in r)
      deps.log?.('warn', `tray: ${method} ${jobId}: ${r.error.code}: ${r.error.message}`)
    await refresh()
  }

  function render() {
    if (disposed) return
    tray.setToolTip(traySummary(jobs, locale))
    tray.setContextMenu(
      deps.Menu.buildFromTemplate(
        trayTemplate({
          jobs,
          locale,
          open,
          pause: (id) => void act('jobs.pause', id),
          resume: (id) => void act('jobs.resume', id),
          quit: deps.quit,
        }),
      ),
    )
  }

  let inFlight: Promise<void> | null = null
  async function refresh(): Promise<void> {
    if (inFlight) return inFlight
    inFlight = (async () => {
      try {
        const r = await deps.callCore('jobs.list', { active: true })
        if ('result' in r) jobs = (r.result as { jobs: JobView[] }).jobs
        else deps.log?.('warn', `tray: jobs.list: ${r.error.code}: ${r.error.message}`)
      } catch (e) {
        deps.log?.('warn', `tray: jobs.list: ${(e as Error).message}`)
      }
      render()
    })().finally(() => (inFlight = null))
    return inFlight
  }

  // Progress events come up to ~10 a second per job: one read of the list per refreshMs.
  let timer: ReturnType<typeof setTimeout> | null = null
  const off = deps.onCoreEvent((name) => {
    if (name !== 'job.progress' || timer || disposed) return
    timer = setTimeout(() => {
      timer = null
      void refresh()
    }, refreshMs)
  })
  // Windows and Linux: a click on the icon opens the window (macOS opens the menu).
  if (platform !== 'darwin') tray.on('click', open)

  render()
  void refresh()

  return {
    refresh,
    setLocale(l) {
      locale = l
      render()
    },
    dispose() {
      disposed = true
      off()
      if (timer) clearTimeout(timer)
      tray.destroy()
    },
  }
}
