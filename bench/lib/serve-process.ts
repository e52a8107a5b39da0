import { spawn } from 'node:child_process'
import path from 'node:path'

/**
 * `loupe serve` in a child process (the engine runs in its own process, as an instance would: its
 * work is not on the bench's event loop); `call` reaches its contract over HTTP. `args` are more
 * `serve` options (e.g. `--cloud-write-limits`).
 */
export async function serveProcess(dataDir: string, args: string[] = []) {
  const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..')
  const proc = spawn(
    process.execPath,
    [path.join(root, 'bin/loupe.js'), 'serve', '--data', dataDir, '--port', '0', ...args],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    proc.stdout!.on('data', (d) => {
      out += d
      const m = /Loupe listening on (\S+)/.exec(out)
      if (m) resolve(m[1])
    })
    proc.on('exit', (c) => reject(new Error(`loupe serve exited ${c}`)))
  })
  return {
    port: Number(new URL(url).port),
    url,
    async call(name: string, input: unknown): Promise<unknown> {
      const r = await fetch(`${url}/api/call/${name}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(input),
      })
      const j = (await r.json()) as { result?: unknown; error?: { message: string } }
      if (j.error) throw new Error(j.error.message)
      return j.result
    },
    close: () =>
      new Promise<void>((resolve) => {
        proc.once('exit', () => resolve())
        proc.kill('SIGTERM')
      }),
  }
}
