import { EventEmitter } from 'node:events'
import type { EventName, EventPayload } from '../api/events'

/** The core's typed event bus. Hosts subscribe with `onAny` and forward to their windows. */
export class EventBus {
  private readonly ee = new EventEmitter()
  constructor() {
    this.ee.setMaxListeners(100)
  }
  emit<E extends EventName>(name: E, payload: EventPayload<E>): void {
    this.ee.emit('event', name, payload)
  }
  onAny(listener: (name: EventName, payload: unknown) => void): () => void {
    this.ee.on('event', listener)
    return () => this.ee.off('event', listener)
  }
}
