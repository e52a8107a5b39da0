/**
 * Entry of the desktop app's core process: an Electron utility process (`process.parentPort`)
 * or, for tests and tools, a `child_process.fork` child (its IPC channel). Never imports Electron.
 */
import { forkChannel, parentPortChannel, type ParentPortLike } from './channel'
import { runCoreHost } from './host'

const parentPort = (process as unknown as { parentPort?: ParentPortLike }).parentPort
const channel = parentPort
  ? parentPortChannel(parentPort)
  : process.send
    ? forkChannel(process)
    : null

if (!channel) {
  console.error('The Loupe core process starts from the desktop app (utilityProcess or fork).')
  process.exit(2)
} else {
  const host = runCoreHost(channel, { exit: (code) => process.exit(code) })
  // A crash is logged, then the process ends: main restarts it.
  process.on('uncaughtException', (e) => {
    host.logError(`core process: uncaught ${e.stack ?? e.message}`)
    console.error(`Loupe core process: ${host.redact(e.message)}`)
    process.exit(1)
  })
  // As in the main process before: a stray rejection is logged, the core keeps running.
  process.on('unhandledRejection', (e) => {
    host.logError(`core process: unhandled rejection ${(e as Error)?.stack ?? String(e)}`)
  })
}
