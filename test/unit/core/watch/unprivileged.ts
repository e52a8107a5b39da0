import { fork, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

/**
 * Root reads a file whatever its mode, so tests of unreadable files run the Loupe core that reads
 * them in a child process as `nobody` (65534) when this process is root; otherwise as this user
 * (chmod then works as it is). Never skipped: the child proves it cannot read a chmod-000 file.
 */

const ROOT = path.resolve(__dirname, '../../../..')
export const AS_ROOT = process.getuid?.() === 0
export const NOBODY = 65534

/** Make `p` (a folder tree the child writes into, e.g. its data folder) the child's. */
export function giveToChild(p: string): void {
  if (!AS_ROOT) return
  fs.chownSync(p, NOBODY, NOBODY)
  if (fs.statSync(p).isDirectory()) {
    for (const e of fs.readdirSync(p)) giveToChild(path.join(p, e))
  }
}

export interface ChildCore {
  proc: ChildProcess
  op<T = unknown>(op: string, ...args: unknown[]): Promise<T>
  /** A contract call: the result, or throws `Code: message`. */
  call<T = unknown>(name: string, input?: unknown): Promise<T>
  close(): Promise<void>
}

export async function startChildCore(
  dataDir: string,
  timings: Record<string, number> = {},
): Promise<ChildCore> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LOUPE_TEST_DATA: dataDir,
    LOUPE_TEST_WATCH_TIMINGS: JSON.stringify(timings),
    HOME: dataDir,
  }
  if (AS_ROOT) {
    env.LOUPE_TEST_UID = String(NOBODY)
    env.LOUPE_TEST_GID = String(NOBODY)
  }
  const proc = fork(path.join(__dirname, 'unprivileged-core.ts'), [], {
    cwd: ROOT,
    env,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  let next = 1
  let exited: Error | null = null
  proc.on('exit', (code, signal) => {
    exited = new Error(`the child core exited (${code ?? signal})`)
    for (const w of waiting.values()) w.reject(exited)
    waiting.clear()
  })
  await new Promise<void>((resolve, reject) => {
    proc.once('exit', () => reject(exited))
    proc.on('message', (m: { ready?: boolean; id?: number; result?: unknown; error?: string }) => {
      if (m.ready) return resolve()
      const w = waiting.get(m.id!)
      if (!w) return
      waiting.delete(m.id!)
      if (m.error) w.reject(new Error(m.error))
      else w.resolve(m.result)
    })
  })
  const op = <T>(name: string, ...args: unknown[]) =>
    new Promise<T>((resolve, reject) => {
      if (exited) return reject(exited)
      const id = next++
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject })
      proc.send({ id, op: name, args })
    })
  return {
    proc,
    op,
    async call<T>(name: string, input: unknown = {}) {
      const r = await op<{ result?: T; error?: { code: string; message: string } }>(
        'call',
        name,
        input,
      )
      if (r.error) throw Object.assign(new Error(`${r.error.code}: ${r.error.message}`), r.error)
      return r.result as T
    },
    async close() {
      if (exited) return
      const gone = new Promise((r) => proc.once('exit', r))
      await op('close').catch(() => {})
      const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000)
      await gone
      clearTimeout(timer)
    },
  }
}
