/**
 * The adversarial suite's target: a real `loupe serve` child process (bin/loupe.js, as a user runs
 * it) on a fresh data folder, with one engine-API AccessKey from the environment. Started on a free
 * port; `alive()` is the "is the server still up" check every case ends with.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { inject } from 'vitest'
import { BIN, ROOT } from '../helpers/cli'

export const AK = 'LPKadversary0000000001'
export const SECRET = 'AdversarySecret-0123456789abcdefXYZ'
/** The local profile a fresh data folder starts with (the engine API's InstanceName). */
export const INSTANCE = 'local'

export interface Served {
  url: string
  port: number
  dataDir: string
  proc: ChildProcess
  /** Everything the child wrote on stdout and stderr. */
  output(): string
  /** Waits (up to 10 s) until the output matches `re`. */
  waitFor(re: RegExp): Promise<string>
  /** Answers a plain request (the renderer's index or a 404, anything but a reset) within 10 s. */
  alive(): Promise<boolean>
  /** `<data>/logs/loupe.log`, as it is now. */
  log(): string
  /** SIGTERM and wait for the exit (SIGKILL after 10 s). */
  stop(): Promise<void>
  /** SIGKILL, the way a crash or an OOM killer ends it. */
  kill9(): Promise<void>
}

export function freshDataDir(prefix = 'loupe-adv-'): { dir: string; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) }
}

/** Starts `loupe serve --data <dir> --port 0` (more flags in `args`) and waits for its URL. */
export function serveChild(
  dataDir: string,
  opts: { args?: string[]; env?: NodeJS.ProcessEnv } = {},
): Promise<Served> {
  const proc = spawn(
    process.execPath,
    [BIN, 'serve', '--data', dataDir, '--port', '0', ...(opts.args ?? [])],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        LOUPE_ACCESS_KEY_ID: AK,
        LOUPE_ACCESS_KEY_SECRET: SECRET,
        ...opts.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let out = ''
  proc.stdout!.on('data', (d) => (out += d))
  proc.stderr!.on('data', (d) => (out += d))
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL')
      reject(new Error(`loupe serve did not start in 90 s:\n${out}`))
    }, 90_000)
    proc.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`loupe serve exited (${code ?? signal}) before listening:\n${out}`))
    })
    const onData = () => {
      const m = /Loupe listening on (https?:\/\/\S+)/.exec(out)
      if (!m) return
      proc.stdout!.off('data', onData)
      clearTimeout(timer)
      const url = m[1]
      const port = Number(new URL(url).port)
      const served: Served = {
        url,
        port,
        dataDir,
        proc,
        output: () => out,
        async waitFor(re) {
          const until = Date.now() + 10_000
          while (!re.test(out)) {
            if (Date.now() > until) throw new Error(`no ${re} in the output of serve:\n${out}`)
            await new Promise((r) => setTimeout(r, 50))
          }
          return out
        },
        alive: () => answers(port),
        log: () => {
          try {
            return fs.readFileSync(path.join(dataDir, 'logs', 'loupe.log'), 'utf8')
          } catch {
            return ''
          }
        },
        async stop() {
          if (proc.exitCode !== null || proc.signalCode !== null) return
          proc.kill('SIGTERM')
          const t = setTimeout(() => proc.kill('SIGKILL'), 10_000)
          await exited
          clearTimeout(t)
        },
        async kill9() {
          if (proc.exitCode !== null || proc.signalCode !== null) return
          proc.kill('SIGKILL')
          await exited
        },
      }
      resolve(served)
    }
    proc.stdout!.on('data', onData)
  })
}

/** Whether anything answers GET / on 127.0.0.1:port with an HTTP status within 10 s. */
export function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(
      { host: '127.0.0.1', port, path: '/api/call/app.info', timeout: 10_000 },
      (res) => {
        res.resume()
        res.on('end', () => resolve((res.statusCode ?? 0) > 0))
      },
    )
    req.on('timeout', () => {
      req.destroy()
      resolve(false)
    })
    req.on('error', () => resolve(false))
  })
}

/**
 * The `loupe serve` the global setup started for the files that only need a server (families a–d):
 * one start and one model load instead of one per file. It is not theirs to stop; each file works
 * in a local profile of its own (`ownProfile`), so their images never meet.
 */
export function sharedHost(): Served {
  const { port, dataDir, url } = inject('advShared')
  const notMine = async () => {
    throw new Error('the shared loupe serve is stopped by the global teardown')
  }
  return {
    url,
    port,
    dataDir,
    proc: null as unknown as ChildProcess,
    output: () => '',
    waitFor: notMine,
    alive: () => answers(port),
    log: () => {
      try {
        return fs.readFileSync(path.join(dataDir, 'logs', 'loupe.log'), 'utf8')
      } catch {
        return ''
      }
    },
    stop: async () => {},
    kill9: notMine,
  }
}

/** Creates the local profile `name` (its engine is the engine API's instance of that name). */
export async function ownProfile(served: Served, name: string): Promise<string> {
  const body = JSON.stringify({ kind: 'local', name })
  const res = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: served.port,
        method: 'POST',
        path: '/api/call/profiles.create',
        headers: {
          host: `127.0.0.1:${served.port}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (r) => {
        let text = ''
        r.on('data', (c) => (text += c))
        r.on('end', () => resolve({ status: r.statusCode ?? 0, text }))
      },
    )
    req.on('error', reject)
    req.end(body)
  })
  if (res.status !== 200 || !res.text.includes('"result"'))
    throw new Error(`profiles.create ${name}: ${res.status} ${res.text}`)
  return name
}
