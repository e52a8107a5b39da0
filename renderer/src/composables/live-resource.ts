import { ref } from 'vue'
import type { ApiError } from '@api/errors'
import type { EventName, EventPayload } from '@api/events'
import { getBridge } from '@renderer/bridge'
import { toUiError } from '@renderer/lib/errors'

export interface LiveResourceOptions<T> {
  /** Reads the current state from the core. */
  fetch: () => Promise<T>
  /** Takes a fresh read into the caller's state. */
  apply: (value: T) => void
  /**
   * Events after which the resource reloads: `true`, or a test of the payload (e.g. "a task of
   * this profile"). Reloads are coalesced over `coalesceMs`.
   */
  events: { [E in EventName]?: true | ((payload: EventPayload<E>) => boolean) }
  /** Reloads after events wait this long, so a burst reloads once (default 0: at once). */
  coalesceMs?: number
  /**
   * Also reload every `pollMs` while `pollWhile()` holds (in case an event was missed, or another
   * process changed things without raising one here). Default: no polling.
   */
  pollMs?: number
  pollWhile?: () => boolean
}

/**
 * A list the core keeps changing (jobs, batch tasks, exports, watch rules…), shown live: `load()`
 * reads it; between `start()` and `stop()` it reloads on the given events (coalesced) and, if
 * asked, on a timer. A failed read keeps the last state and sets `error`.
 */
export function useLiveResource<T>(o: LiveResourceOptions<T>) {
  const loading = ref(false)
  const loaded = ref(false)
  const error = ref<ApiError | null>(null)

  async function load(): Promise<void> {
    loading.value = true
    try {
      o.apply(await o.fetch())
      error.value = null
      loaded.value = true
    } catch (e) {
      error.value = toUiError(e)
    } finally {
      loading.value = false
    }
  }

  let offs: (() => void)[] = []
  let timer: ReturnType<typeof setTimeout> | null = null
  let poll: ReturnType<typeof setInterval> | null = null
  function reloadSoon(): void {
    if (!o.coalesceMs) return void load()
    if (timer) return
    timer = setTimeout(() => {
      timer = null
      void load()
    }, o.coalesceMs)
  }

  /** Load now, then keep current until `stop()`. Starting again only reloads. */
  function start(): void {
    if (!offs.length) {
      const bridge = getBridge()
      for (const [name, test] of Object.entries(o.events) as [
        EventName,
        true | ((p: unknown) => boolean),
      ][]) {
        offs.push(
          bridge.on(name, (p) => {
            if (test === true || test(p)) reloadSoon()
          }),
        )
      }
    }
    if (o.pollMs && !poll) {
      poll = setInterval(() => {
        if (!loading.value && (!o.pollWhile || o.pollWhile())) void load()
      }, o.pollMs)
    }
    void load()
  }

  function stop(): void {
    for (const off of offs) off()
    offs = []
    if (timer) clearTimeout(timer)
    timer = null
    if (poll) clearInterval(poll)
    poll = null
  }

  return { loading, loaded, error, load, start, stop }
}
