import { fork, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

/**
 * Root reads a file whatever its mode, so tests of unreadable files run the Loupe part that reads
 * them (a core, a headless host) in a child process as `nobody` (65534) when this process is root;
 * otherwise as this user (chmod then works as it is). Never skipped: the tests check that the
 * child cannot read a chmod-000 file.
 *
 * The child script drops to LOUPE_TEST_UID / LOUPE_TEST_GID first thing (see
 * `dropPrivileges`), sends `{ ready: true, ...info }` when it is up and answers `{ id, op, args }`
 * messages with `{ id, result }` or `{ id, error }`.
 */

// vitest defines __dirname; the child scripts run as ES modules under tsx (import.meta.dirname).
const HERE = typeof __dirname === 'string' ? __dirname : import.meta.dirname
const ROOT = path.resolve(HERE, '../..')
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

/** In the child, first thing: become the user the test asked for (nothing when not root). */
export function dropPrivileges(): void {
  const uid = process.env.LOUPE_TEST_UID
  const gid = process.env.LOUPE_TEST_GID
  if (!uid || !gid) return
  process.setgroups!([Number(gid)])
  process.setgid!(Number(gid))
  process.setuid!(Number(uid))
}

/** In the child: answer the parent's `op` messages with these functions. */
export function serveOps(ops: Record<string, (...args: never[]) => unknown>, info = {}): void {
  process.on('message', async (m: { id: number; op: string; args: unknown[] }) => {
    try {
      const fn = ops[m.op] as (...a: unknown[]) => unknown
      const result = await fn(...m.args)
      process.send!({ id: m.id, result: result ?? null })
    } catch (e) {
      process.send!({ id: m.id, error: String((e as Error)?.stack ?? e) })
    }
  })
  process.send!({ ready: true, ...info })
}

export interface ChildCore {
  proc: ChildProcess
  /** What the child sent with `ready` (e.g. the host's URL). */
  info: Record<string, unknown>
  op<T = unknown>(op: string, ...args: unknown[]): Promise<T>
  /** A contract call: the result, or throws `Code: message`. */
  call<T = unknown>(name: string, input?: unknown): Promise<T>
  close(): Promise<void>
}

/** The Loupe core of `dataDir` in a child as the unprivileged user (unprivileged-core.ts). */
export function startChildCore(
  dataDir: string,
  timings: Record<string, number> = {},
): Promise<ChildCore> {
  return forkUnprivileged(path.join(HERE, 'unprivileged-core.ts'), {
    LOUPE_TEST_DATA: dataDir,
    LOUPE_TEST_WATCH_TIMINGS: JSON.stringify(timings),
    HOME: dataDir,
  })
}

/** Fork a TypeScript child script (through tsx) as the unprivileged user when root. */
export async function forkUnprivileged(
  script: string,
  extraEnv: NodeJS.ProcessEnv,
): Promise<ChildCore> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extraEnv }
  if (AS_ROOT) {
    env.LOUPE_TEST_UID = String(NOBODY)
    env.LOUPE_TEST_GID = String(NOBODY)
  }
  const proc = fork(script, [], {
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
  let info: Record<string, unknown> = {}
  await new Promise<void>((resolve, reject) => {
    proc.once('exit', () => reject(exited))
    proc.on('message', (m: { ready?: boolean; id?: number; result?: unknown; error?: string }) => {
      if (m.ready) {
        info = m
        return resolve()
      }
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
    info,
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
