import type { App } from 'electron'
import { openPathsMessage, pathsFromArgv } from './open-paths'
import { showWindow, type GetWindow, type HostLog, type SendToRenderer } from './host-types'
import { logf } from '../core/log-text'

/**
 * One Loupe at a time, like a desktop app: a second launch (`loupe photo.jpg`, "Open with", a
 * double-click on the shortcut) focuses the running window — restored if minimised — and hands it
 * the files and folders of its command line (a picture opens Search, folders or several files open
 * Bulk add). The first launch's own command line and macOS `open-file` go the same way.
 *
 * Install it before `app.whenReady()` (macOS sends `open-file` that early), after
 * `app.requestSingleInstanceLock()` succeeded.
 */
export function installSingleInstance(deps: {
  app: Pick<App, 'on' | 'off'>
  getWindow: GetWindow
  sendToRenderer: SendToRenderer
  /** This launch's command line and working directory (process.argv, process.cwd()). */
  argv?: readonly string[]
  cwd?: string
  /** process.defaultApp: a development run (`electron .`), whose argv[1] is the app path. */
  defaultApp?: boolean
  appPath?: string
  log?: HostLog
  /** macOS sends one `open-file` per file: those arriving within this delay are opened together. */
  batchMs?: number
}): { open(paths: readonly string[]): Promise<void>; dispose(): void } {
  const batchMs = deps.batchMs ?? 150
  const argvOpts = { defaultApp: deps.defaultApp, appPath: deps.appPath }

  async function open(paths: readonly string[]): Promise<void> {
    if (!paths.length) return
    const msg = await openPathsMessage(paths)
    if (!msg) {
      deps.log?.('info', `open: nothing Loupe can open in ${paths.length} path(s)`)
      return
    }
    deps.log?.('info', logf`open: ${msg.paths.length} path(s) → ${msg.target}`)
    deps.sendToRenderer('desktop.open-paths', msg)
  }

  const onSecondInstance = (_e: unknown, argv: string[], workingDirectory: string) => {
    showWindow(deps.getWindow())
    void open(pathsFromArgv(argv, workingDirectory, argvOpts)).catch((e: unknown) =>
      deps.log?.('warn', `open: ${(e as Error).message}`),
    )
  }

  let batch: string[] = []
  let timer: ReturnType<typeof setTimeout> | null = null
  const onOpenFile = (e: { preventDefault(): void }, file: string) => {
    e.preventDefault()
    batch.push(file)
    if (timer) return
    timer = setTimeout(() => {
      timer = null
      const files = batch
      batch = []
      showWindow(deps.getWindow())
      void open(files)
    }, batchMs)
  }

  deps.app.on('second-instance', onSecondInstance)
  deps.app.on('open-file', onOpenFile)
  if (deps.argv) void open(pathsFromArgv(deps.argv, deps.cwd ?? process.cwd(), argvOpts))

  return {
    open,
    dispose() {
      deps.app.off('second-instance', onSecondInstance)
      deps.app.off('open-file', onOpenFile)
      if (timer) clearTimeout(timer)
    },
  }
}
