import type { EventBus } from '../core/events'

/** The part of Electron's `Notification` class used here (absent in tests' mocked module). */
export interface NotificationCtor {
  new (opts: { title: string; body: string; silent?: boolean }): { show(): void }
  isSupported?(): boolean
}

/**
 * Shows the core's `notification` events (batch task finished, bulk add done, …) as system
 * notifications. Returns the unsubscribe function; a no-op where notifications are unsupported.
 */
export function forwardNotifications(
  events: Pick<EventBus, 'onAny'>,
  Notification: NotificationCtor | undefined,
  log?: (line: string) => void,
): () => void {
  if (!Notification || (Notification.isSupported && !Notification.isSupported())) return () => {}
  return events.onAny((name, payload) => {
    if (name !== 'notification') return
    const p = payload as { level: string; title: string; body: string }
    try {
      new Notification({ title: p.title, body: p.body, silent: p.level === 'info' }).show()
    } catch (e) {
      log?.(`notification: ${(e as Error).message}`)
    }
  })
}
