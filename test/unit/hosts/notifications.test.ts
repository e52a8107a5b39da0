import { beforeEach, describe, expect, it } from 'vitest'
import type { BrowserWindow } from 'electron'
import { EventBus } from '../../../electron/core/events'
import { forwardNotifications, openNotificationTarget } from '../../../electron/main/notifications'
import type { SendToRenderer } from '../../../electron/main/host-types'
import { FakeNotification, FakeWindow, rendererInbox } from './fake-electron'

describe('system notifications', () => {
  beforeEach(() => {
    FakeNotification.shown = []
    FakeNotification.supported = true
  })

  function setup() {
    const events = new EventBus()
    const win = new FakeWindow()
    win.minimized = true
    const inbox = rendererInbox()
    const off = forwardNotifications(
      events,
      FakeNotification,
      undefined,
      openNotificationTarget({
        getWindow: () => win as unknown as BrowserWindow,
        sendToRenderer: inbox.send as SendToRenderer,
      }),
    )
    return { events, win, inbox, off }
  }

  it('a click on a batch task notification shows the window on that task (its profile first)', () => {
    const { events, win, inbox } = setup()
    events.emit('notification', {
      level: 'warning',
      title: 'Batch task 3 finished',
      body: '5 lines done, 2 set apart.',
      target: { kind: 'batch', id: 3, profile: 'shop-cn' },
    })
    expect(FakeNotification.shown).toHaveLength(1)
    expect(FakeNotification.shown[0].opts).toEqual({
      title: 'Batch task 3 finished',
      body: '5 lines done, 2 set apart.',
      silent: false,
    })
    FakeNotification.shown[0].emit('click')
    expect(win.calls).toEqual(['restore', 'show', 'focus'])
    expect(inbox.got).toEqual([
      {
        name: 'desktop.navigate',
        payload: { view: 'tasks', query: { batch: '3' }, profile: 'shop-cn' },
      },
    ])
  })

  it('jobs open in the jobs drawer, exports in Tasks; without a target the window just comes up', () => {
    const { events, inbox, win } = setup()
    events.emit('notification', {
      level: 'success',
      title: 'shoes',
      body: '10 added',
      target: { kind: 'job', id: 12, profile: 'local' },
    })
    events.emit('notification', {
      level: 'success',
      title: 'Metadata export 4 finished',
      body: '',
      target: { kind: 'dump', id: 4, profile: 'local' },
    })
    events.emit('notification', { level: 'info', title: 'Something', body: 'else' })
    events.emit('gallery.changed', { profile: 'local', reason: 'import' })
    expect(FakeNotification.shown).toHaveLength(3)
    expect(FakeNotification.shown[2].opts.silent).toBe(true)
    FakeNotification.shown.forEach((n) => n.emit('click'))
    expect(inbox.got.map((m) => m.payload)).toEqual([
      { view: 'add', query: { mode: 'bulk', job: '12' } },
      { view: 'tasks', query: { dump: '4' }, profile: 'local' },
    ])
    expect(win.calls.filter((c) => c === 'focus')).toHaveLength(3)
  })

  it('nothing is shown where notifications are unsupported', () => {
    FakeNotification.supported = false
    const { events } = setup()
    events.emit('notification', { level: 'info', title: 'x', body: 'y' })
    expect(FakeNotification.shown).toEqual([])
  })
})
