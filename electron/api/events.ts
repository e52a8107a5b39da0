import { z } from 'zod'

/** Typed events the core emits; each host forwards them (IPC or Server-Sent Events). */
export const events = {
  'profiles.changed': z.object({ active: z.string() }),
  'job.progress': z.object({
    jobId: z.number(),
    kind: z.string(),
    profile: z.string(),
    title: z.string(),
    state: z.string(),
    total: z.number(),
    done: z.number(),
    failed: z.number(),
    skipped: z.number(),
    pending: z.number(),
    running: z.number(),
    rate: z.number(),
    etaSeconds: z.number().nullable(),
  }),
  'task.status': z.object({
    profile: z.string(),
    kind: z.enum(['dump', 'batch']),
    id: z.number(),
    status: z.string(),
    message: z.string().nullable(),
  }),
  'watch.changed': z.object({
    ruleId: z.number(),
    state: z.string(),
    detail: z.string().nullable(),
  }),
  notification: z.object({
    level: z.enum(['info', 'success', 'warning', 'error']),
    title: z.string(),
    body: z.string(),
  }),
} as const

export type Events = typeof events
export type EventName = keyof Events
export type EventPayload<E extends EventName> = z.infer<Events[E]>
export const EVENT_NAMES = Object.keys(events) as EventName[]
