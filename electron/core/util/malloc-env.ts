/**
 * glibc's allocator settings for the processes that decode pictures (the desktop app's core
 * process, `loupe serve`).
 *
 * Measured with bench/huge-images.ts (8 parallel 96 MP searches, repeated): with glibc's defaults
 * the RSS grows round after round (1.23 → 1.50 GB over 10 rounds; 1.45 → 1.87 GB over 4 before the
 * decode budget) although the JS heap and the budget stay flat. The cause is glibc's *dynamic* mmap
 * threshold: once a large block (libvips' strips and buffers, several MB) is freed, glibc raises
 * the threshold up to 32 MB, so later blocks of that size come from the heap arenas of the many
 * decoding threads, where freed memory fragments and is not given back. A fixed threshold
 * (`MALLOC_MMAP_THRESHOLD_`, here glibc's own starting value of 128 KiB) keeps every large block
 * in its own mapping, returned to the system when freed: the RSS then stays flat (752 → 746 MB
 * over the same 6 rounds; 757 → 760 MB over 10, bench/README.md). 1 MiB swung more (835 MB,
 * up to 932).
 *
 * glibc reads these variables when a process starts, so they are set in the environment of the
 * process to start (`withDecodeMallocEnv`), or the process restarts itself once with them
 * (`process.execve`, same pid — bin/loupe.js does that for `serve`, with a copy of this value).
 * Other C libraries and platforms ignore them. A value the user set is kept.
 */
export const DECODE_MALLOC_ENV: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: '131072',
}

/** `env` with the allocator settings added (values already there are kept). */
export function withDecodeMallocEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env }
  for (const [k, v] of Object.entries(DECODE_MALLOC_ENV)) if (out[k] === undefined) out[k] = v
  return out
}

/** Whether this process started with the allocator settings (or the user's own values). */
export function hasDecodeMallocEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return Object.keys(DECODE_MALLOC_ENV).every((k) => env[k] !== undefined)
}

/**
 * On Linux, restart this process in place (`process.execve`: same pid, same arguments) with the
 * allocator settings when it did not start with them. Returns when nothing was to be done (or
 * `execve` is unavailable); otherwise it does not return.
 */
export function reexecWithDecodeMallocEnv(): void {
  if (process.platform !== 'linux' || hasDecodeMallocEnv()) return
  const execve = (process as { execve?: (file: string, args: string[], env: object) => never })
    .execve
  if (typeof execve !== 'function') return
  execve.call(
    process,
    process.execPath,
    [process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    withDecodeMallocEnv(),
  )
}
