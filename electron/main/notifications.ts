import type { EventBus } from '../core/events'
import type { EventPayload, NotificationTarget } from '../api/events'
import { showWindow, type GetWindow, type SendToRenderer } from './host-types'

/** The part of Electron's `Notification` class used here (absent in tests' mocked module). */
export interface NotificationCtor {
  new (opts: { title: string; body: string; silent?: boolean }): {
    show(): void
    on?(event: 'click' | 'close' | 'failed', listener: () => void): unknown
  }
  isSupported?(): boolean
}

/** Shown notifications are kept until clicked or closed (a collected one loses its click). */
const MAX_KEPT = 50

/**
 * Shows the core's `notification` events (batch task finished, bulk add done, …) as system
 * notifications; a click calls `onClick` with what the notification is about (its `target`).
 * Returns the unsubscribe function; a no-op where notifications are unsupported.
 */
export function forwardNotifications(
  events: Pick<EventBus, 'onAny'>,
  Notification: NotificationCtor | undefined,
  log?: (line: string) => void,
  onClick?: (target: NotificationTarget | undefined) => void,
): () => void {
  if (!Notification || (Notification.isSupported && !Notification.isSupported())) return () => {}
  const kept = new Set<object>()
  return events.onAny((name, payload) => {
    if (name !== 'notification') return
    const p = payload as EventPayload<'notification'>
    try {
      const n = new Notification({ title: p.title, body: p.body, silent: p.level === 'info' })
      if (onClick && n.on) {
        kept.add(n)
        if (kept.size > MAX_KEPT) kept.delete(kept.values().next().value!)
        const forget = () => kept.delete(n)
        n.on('click', () => {
          forget()
          onClick(p.target)
        })
        n.on('close', forget)
        n.on('failed', forget)
      }
      n.show()
    } catch (e) {
      log?.(`notification: ${(e as Error).message}`)
    }
  })
}

/** Where the app shows what a notification is about: the job in the jobs drawer, the task in Tasks. */
export function targetRoute(target: NotificationTarget): EventPayload<'desktop.navigate'> {
  switch (target.kind) {
    case 'job':
      return { view: 'add', query: { mode: 'bulk', job: String(target.id) } }
    case 'batch':
      return { view: 'tasks', query: { batch: String(target.id) }, profile: target.profile }
    case 'dump':
      return { view: 'tasks', query: { dump: String(target.id) }, profile: target.profile }
  }
}

/** A notification's click: the window comes to the front showing the job or task. */
export function openNotificationTarget(deps: {
  getWindow: GetWindow
  sendToRenderer: SendToRenderer
}): (target: NotificationTarget | undefined) => void {
  return (target) => {
    showWindow(deps.getWindow())
    if (target) deps.sendToRenderer('desktop.navigate', targetRoute(target))
  }
}
