import type {
  App,
  BrowserWindow,
  Details,
  Dialog,
  MessageBoxOptions,
  RenderProcessGoneDetails,
  Shell,
} from 'electron'
import { hostLabels } from './labels'
import type { HostLocale, HostLog } from './host-types'

type Box = Pick<Dialog, 'showMessageBox'>

/**
 * What the desktop does when a part of it fails:
 * - the window's page process dies (`render-process-gone`): logged with its reason, the page is
 *   reloaded once; crashing again within `windowMs` shows "Reload / Open log / Quit" instead of
 *   reloading in a loop (never a blank window without a word);
 * - the page hangs (`unresponsive`): logged, the user is asked "Wait / Reload"; the question goes
 *   away by itself if the page recovers (`responsive`);
 * - another process of Electron dies (`child-process-gone`: GPU, network or other utility
 *   processes): logged; an abnormal end is told to the user once per kind of process. The core's
 *   own process is left to its supervisor (`isCoreProcess`).
 */
export function installCrashHandling(deps: {
  app: Pick<App, 'on' | 'off' | 'quit'>
  dialog: Box
  shell: Pick<Shell, 'openPath'>
  /** The log file (`<userData>/logs/loupe.log`), opened from the crash dialog. */
  logFile: string
  log: HostLog
  locale: HostLocale
  /** The core's utility process: restarted by its own supervisor, not reported here. */
  isCoreProcess?: (details: Details) => boolean
  /** A second crash within this time asks the user instead of reloading again. */
  windowMs?: number
  now?: () => number
}): {
  watch(win: BrowserWindow): () => void
  setLocale(l: HostLocale): void
  dispose(): void
} {
  const windowMs = deps.windowMs ?? 60_000
  const now = deps.now ?? Date.now
  let locale = deps.locale
  const L = () => hostLabels(locale)

  function watch(win: BrowserWindow): () => void {
    const wc = win.webContents
    let lastCrash = -Infinity
    let asking = false
    let hung: AbortController | null = null

    const reload = () => {
      if (!win.isDestroyed()) wc.reload()
    }

    async function ask(reason: string): Promise<void> {
      if (asking) return
      asking = true
      try {
        for (;;) {
          const l = L()
          const opts: MessageBoxOptions = {
            type: 'error',
            title: l.crashedTitle,
            message: l.crashedMessage,
            detail: l.crashedDetail(reason),
            buttons: [l.reloadButton, l.openLogButton, l.quitButton],
            defaultId: 0,
            cancelId: 0,
            noLink: true,
          }
          const { response } = win.isDestroyed()
            ? await deps.dialog.showMessageBox(opts)
            : await deps.dialog.showMessageBox(win, opts)
          if (response === 1) {
            const err = await deps.shell.openPath(deps.logFile)
            if (err) deps.log('warn', `crash: cannot open the log: ${err}`)
            continue
          }
          if (response === 2) deps.app.quit()
          else reload()
          return
        }
      } finally {
        asking = false
      }
    }

    const onGone = (_e: unknown, d: RenderProcessGoneDetails) => {
      hung?.abort()
      if (d.reason === 'clean-exit' || win.isDestroyed() || quitting) {
        deps.log('info', `renderer: process ended (${d.reason})`)
        return
      }
      deps.log('error', `renderer: process gone: ${d.reason} (exit code ${d.exitCode})`)
      const t = now()
      const again = t - lastCrash < windowMs
      lastCrash = t
      if (again) void ask(d.reason)
      else reload()
    }

    const onUnresponsive = () => {
      deps.log('warn', 'renderer: the window stopped responding')
      if (hung || asking) return
      hung = new AbortController()
      const signal = hung.signal
      const l = L()
      void deps.dialog
        .showMessageBox(win, {
          type: 'warning',
          title: l.hungTitle,
          message: l.hungMessage,
          detail: l.hungDetail,
          buttons: [l.waitButton, l.reloadButton],
          defaultId: 0,
          cancelId: 0,
          noLink: true,
          signal,
        })
        .then(({ response }) => {
          if (response === 1 && !signal.aborted) {
            deps.log('warn', 'renderer: reloaded by the user while not responding')
            reload()
          }
        })
        .catch((e: unknown) => deps.log('warn', `renderer: ${(e as Error).message}`))
        .finally(() => {
          if (hung?.signal === signal) hung = null
        })
    }
    const onResponsive = () => {
      if (!hung) return
      deps.log('info', 'renderer: the window responds again')
      hung.abort()
      hung = null
    }

    wc.on('render-process-gone', onGone)
    win.on('unresponsive', onUnresponsive)
    win.on('responsive', onResponsive)
    return () => {
      hung?.abort()
      if (!win.isDestroyed()) {
        wc.off('render-process-gone', onGone)
        win.off('unresponsive', onUnresponsive)
        win.off('responsive', onResponsive)
      }
    }
  }

  // While quitting, pages and processes end: nothing to reload or report.
  let quitting = false
  const onQuit = () => (quitting = true)
  deps.app.on('before-quit', onQuit)

  const told = new Set<string>()
  const onChildGone = (_e: unknown, d: Details) => {
    const who = `${d.type}${d.name ? ` (${d.name})` : ''}`
    if (deps.isCoreProcess?.(d) || quitting) return
    const abnormal = d.reason !== 'clean-exit' && d.reason !== 'killed'
    deps.log(
      abnormal ? 'error' : 'info',
      `child process gone: ${who}: ${d.reason} (exit code ${d.exitCode})`,
    )
    if (!abnormal || d.reason === 'memory-eviction' || told.has(d.type)) return
    told.add(d.type)
    const l = L()
    const what =
      d.type === 'GPU' ? l.gpuProcess : d.type === 'Utility' ? l.utilityProcess : l.otherProcess
    void deps.dialog
      .showMessageBox({
        type: 'warning',
        title: l.childGoneTitle,
        message: l.childGoneMessage(what),
        detail: l.childGoneDetail(d.reason),
        buttons: [l.okButton],
        noLink: true,
      })
      .catch(() => {})
  }
  deps.app.on('child-process-gone', onChildGone)

  return {
    watch,
    setLocale(l) {
      locale = l
    },
    dispose() {
      deps.app.off('child-process-gone', onChildGone)
      deps.app.off('before-quit', onQuit)
    },
  }
}
