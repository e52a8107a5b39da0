/**
 * The one `sleep` of the core: resolves after `ms`, or at once when `signal` aborts (it never
 * rejects — a caller that must stop checks `signal.aborted`, or calls `signal.throwIfAborted()`).
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const t = setTimeout(done, Math.max(0, ms))
    function done() {
      clearTimeout(t)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}
