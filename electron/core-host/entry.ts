/**
 * Entry of the desktop app's core process: an Electron utility process (`process.parentPort`)
 * or, for tests and tools, a `child_process.fork` child (its IPC channel). Never imports Electron.
 * The core itself is imported only after its native modules were checked, so a broken install
 * ends in one clear reason on the window instead of a crash loop.
 */
import { forkChannel, holdUntilListening, parentPortChannel, type ParentPortLike } from './channel'
import { checkNativeModules, describeNativeProblems } from './native-check'
import { usePrivateUmask } from '../core/util/private-fs'

// Every file and folder the core creates is private (core/util/private-fs.ts).
usePrivateUmask()

const parentPort = (process as unknown as { parentPort?: ParentPortLike }).parentPort
const raw = parentPort ? parentPortChannel(parentPort) : process.send ? forkChannel(process) : null
const channel = raw ? holdUntilListening(raw) : null

async function main() {
  if (!channel) {
    console.error('The Loupe core process starts from the desktop app (utilityProcess or fork).')
    process.exit(2)
  }
  const problems = await checkNativeModules()
  if (problems.length) {
    failStart(describeNativeProblems(problems))
    return
  }
  const { runCoreHost } = await import('./host')
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

/** The core cannot start here at all: say why once (the supervisor does not restart it), leave. */
function failStart(message: string) {
  console.error(`Loupe core process: ${message}`)
  channel?.send({ t: 'fatal', message })
  // Leave once the message is on its way.
  setTimeout(() => process.exit(3), 50)
}

void main().catch((e) =>
  failStart(`Loupe’s engine could not be loaded: ${(e as Error)?.message ?? String(e)}`),
)
