import type { WebContents } from 'electron'
import type { DesktopEventName, SendToRenderer } from './host-types'

/**
 * Messages from the main process to the page (`desktop.open-paths`, `desktop.navigate`), held
 * while the page is loading (first launch, reload after a crash) and delivered once it has loaded,
 * so that files given on the command line before the window is ready are not lost.
 */
export function createRendererOutbox(deps: {
  /** Delivers one message to the page (the host's event path, like the core's events). */
  send: (name: DesktopEventName, payload: unknown) => void
  /** Messages kept at most while the page is not ready (the oldest are dropped). */
  max?: number
}) {
  const max = deps.max ?? 20
  const queue: { name: DesktopEventName; payload: unknown }[] = []
  let ready = false

  function flush() {
    while (ready && queue.length) {
      const m = queue.shift()!
      deps.send(m.name, m.payload)
    }
  }
  const post: SendToRenderer = (name, payload) => {
    if (ready) return deps.send(name, payload)
    queue.push({ name, payload })
    if (queue.length > max) queue.shift()
  }
  /** Follows a window's page: not ready while it (re)loads, ready once it has loaded. */
  function attach(wc: WebContents): () => void {
    const loading = () => (ready = false)
    const loaded = () => {
      ready = true
      flush()
    }
    const gone = () => (ready = false)
    wc.on('did-start-loading', loading)
    wc.on('did-finish-load', loaded)
    wc.on('render-process-gone', gone)
    // attached after the page has loaded
    if (!wc.isLoading() && wc.getURL()) loaded()
    return () => {
      wc.off('did-start-loading', loading)
      wc.off('did-finish-load', loaded)
      wc.off('render-process-gone', gone)
      ready = false
    }
  }
  return {
    post,
    attach,
    /** For a host without page events: mark the page ready (or not). */
    setReady(r: boolean) {
      ready = r
      flush()
    },
    get pending() {
      return queue.length
    },
  }
}
