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
    /** Why the job stopped by itself (credentials, quota…), when it did. */
    error: z.object({ code: z.string(), message: z.string() }).nullable().optional(),
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
  /** Progress of a long gallery operation (bulk update/delete, export, dump download/diff/import). */
  'gallery.progress': z.object({
    profile: z.string(),
    opId: z.string(),
    kind: z.enum(['update', 'delete', 'export', 'download', 'diff', 'import']),
    phase: z.enum(['running', 'applying', 'done']),
    done: z.number(),
    total: z.number(),
  }),
  /** The gallery cache of a profile changed wholesale (import, bulk change): views reload. */
  'gallery.changed': z.object({ profile: z.string(), reason: z.string() }),
  notification: z.object({
    level: z.enum(['info', 'success', 'warning', 'error']),
    title: z.string(),
    body: z.string(),
    /** i18n key of the renderer's message (`<key>.title`, `<key>.body`), else title/body as is. */
    key: z.string().optional(),
    params: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  }),
} as const

export type Events = typeof events
export type EventName = keyof Events
export type EventPayload<E extends EventName> = z.infer<Events[E]>
export const EVENT_NAMES = Object.keys(events) as EventName[]
