import type { MessagePortMain, UtilityProcess } from 'electron'
import type { ToCore, ToMain } from '../core-host/protocol'
import type { CoreLauncher } from '../core-host/supervisor'
import { withDecodeMallocEnv } from '../core/util/malloc-env'

/** The core process's name (`app.getAppMetrics`, `child-process-gone` details). */
export const CORE_SERVICE_NAME = 'Loupe engine'

/** A `child-process-gone` about the core process (its supervisor restarts it; nothing else to do). */
export function isCoreProcess(details: { type: string; name?: string }): boolean {
  return details.type === 'Utility' && details.name === CORE_SERVICE_NAME
}

/** The parts of Electron the launcher uses (injected: tests pass a fake). */
export interface UtilityElectron {
  utilityProcess: { fork(modulePath: string, args?: string[], options?: object): UtilityProcess }
  MessageChannelMain: new () => { port1: MessagePortMain; port2: MessagePortMain }
}

/**
 * Starts the core process as an Electron utility process (a Node environment outside the main
 * process). A renderer connection is a MessageChannelMain: one port goes to the core process, the
 * other to the window.
 */
export function utilityLauncher(
  electron: UtilityElectron,
  entry: string,
  log?: (line: string) => void,
): CoreLauncher<MessagePortMain> {
  return () => {
    const child = electron.utilityProcess.fork(entry, [], {
      serviceName: CORE_SERVICE_NAME,
      stdio: 'inherit',
      // glibc's allocator settings for a process decoding huge pictures (util/malloc-env.ts).
      env: withDecodeMallocEnv(process.env),
    })
    child.on('error', (type: string, location: string) =>
      log?.(`core process error: ${type} at ${location}`),
    )
    return {
      get pid() {
        return child.pid
      },
      send: (m: ToCore) => child.postMessage(m),
      onMessage: (fn: (m: ToMain) => void) => void child.on('message', fn),
      onExit: (fn) => void child.on('exit', (code: number) => fn({ code })),
      connect() {
        const { port1, port2 } = new electron.MessageChannelMain()
        child.postMessage({ t: 'connect' } satisfies ToCore, [port1])
        return port2
      },
      kill: () => void child.kill(),
    }
  }
}
