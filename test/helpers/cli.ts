import { spawnSync, spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'

export const ROOT = path.resolve(__dirname, '../..')
export const BIN = path.join(ROOT, 'bin/loupe.js')

/** Runs the real `loupe` command and returns its exit code and output. */
export function loupe(args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string } = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...opts.env },
    input: opts.input,
    timeout: 120_000,
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

/**
 * Runs the real `loupe` command without blocking this process (for tests where this process hosts
 * something the command talks to, e.g. the desktop app's supervisor).
 */
export function loupeAsync(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  proc.stdout!.on('data', (d) => (stdout += d))
  proc.stderr!.on('data', (d) => (stderr += d))
  const timer = setTimeout(() => proc.kill('SIGKILL'), opts.timeoutMs ?? 120_000)
  return new Promise((resolve) => {
    proc.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

/**
 * Starts `loupe serve` and resolves with its URL once it prints its first line. `output()` is
 * everything the process printed so far — including what came in the same chunk as the first line
 * and what it wrote to stderr before it — so a test never loses the lines that follow.
 */
export function serve(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{
  url: string
  proc: ChildProcess
  firstLine: string
  output: () => { out: string; err: string }
}> {
  const proc = spawn(process.execPath, [BIN, 'serve', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
  })
  return new Promise((resolve, reject) => {
    let out = ''
    let err = ''
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${out} ${err}`)), 60_000)
    proc.stderr!.on('data', (d) => (err += d))
    proc.stdout!.on('data', (d) => {
      out += d
      const nl = out.indexOf('\n')
      if (nl >= 0) {
        clearTimeout(timer)
        const firstLine = out.slice(0, nl)
        const m = /^Loupe listening on (http:\/\/\S+)$/.exec(firstLine)
        if (m) resolve({ url: m[1], proc, firstLine, output: () => ({ out, err }) })
        else reject(new Error(`unexpected first line: ${firstLine}`))
      }
    })
    proc.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)))
  })
}
