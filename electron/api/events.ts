import { z } from 'zod'
import { WATCH_EVENT_STATES } from '../domain'
import { JobError, JobView } from './domains/jobs'

/** The job or task a notification is about. */
export const NotificationTarget = z.object({
  kind: z.enum(['job', 'batch', 'dump']),
  id: z.number(),
  profile: z.string(),
})
export type NotificationTarget = z.infer<typeof NotificationTarget>

/** Typed events the core emits; each host forwards them (IPC or Server-Sent Events). */
/** A long task of the core (see the `core.status` event); also what `app.tasks` lists. */
export const CoreStatus = z.object({
  profile: z.string(),
  task: z.enum(['engine-load', 'model-load', 'gallery-migration', 'dump-import']),
  stage: z.enum(['reading', 'applying']).optional(),
  phase: z.enum(['running', 'done', 'failed']),
  done: z.number(),
  total: z.number(),
})

export const events = {
  'profiles.changed': z.object({ active: z.string() }),
  /** A job's counters as they change: the live part of JobView (jobs.list / jobs.get). */
  'job.progress': JobView.pick({
    jobId: true,
    kind: true,
    profile: true,
    title: true,
    state: true,
    total: true,
    done: true,
    failed: true,
    skipped: true,
    pending: true,
    running: true,
    rate: true,
    etaSeconds: true,
  }).extend({
    /** Why the job stopped by itself (credentials, quota…), when it did. */
    error: JobError.nullable().optional(),
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
    state: z.enum(WATCH_EVENT_STATES),
    detail: z.string().nullable(),
  }),
  /** Progress of a long gallery operation (bulk update/delete, export, dump download/diff/import). */
  'gallery.progress': z.object({
    profile: z.string(),
    opId: z.string(),
    kind: z.enum([
      'update',
      'delete',
      'category',
      'predict',
      'export',
      'download',
      'diff',
      'import',
    ]),
    phase: z.enum(['running', 'applying', 'done']),
    done: z.number(),
    total: z.number(),
  }),
  /** The gallery cache of a profile changed wholesale (import, bulk change): views reload. */
  'gallery.changed': z.object({ profile: z.string(), reason: z.string() }),
  /**
   * A long task of the core on a profile's data, which runs without blocking anything: opening
   * the local engine (loading its vectors), the picture model loading on first use (`model-load`,
   * profile ''), filling the gallery's search index after a migration,
   * a dump import (`stage` reading, then applying). At most ~10 a second while `running`, then one
   * `done` (done = total) or `failed`.
   */
  'core.status': CoreStatus,
  notification: z.object({
    level: z.enum(['info', 'success', 'warning', 'error']),
    title: z.string(),
    body: z.string(),
    /** i18n key of the renderer's message (`<key>.title`, `<key>.body`), else title/body as is. */
    key: z.string().optional(),
    params: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
    /** What the notification is about: clicking it (desktop) opens that job or task. */
    target: NotificationTarget.optional(),
  }),
  /**
   * Sent by the desktop host (never by the core): files or folders handed to Loupe by the OS (a
   * second launch's command line, macOS "Open with"). One picture opens Search with it; folders or
   * several files open Bulk add with them as sources. The sandboxed page cannot read files, so a
   * picture for Search comes with its bytes (or the reason it could not be read).
   */
  'desktop.open-paths': z.object({
    target: z.enum(['search', 'bulk']),
    paths: z.array(z.string()),
    hasFolder: z.boolean(),
    image: z.object({ name: z.string(), type: z.string(), base64: z.string() }).optional(),
    problem: z.enum(['tooLarge', 'empty', 'unreadable']).optional(),
  }),
  /** Sent by the desktop host (application menu, notification click): show a view of the app. */
  'desktop.navigate': z.object({
    view: z.string(),
    query: z.record(z.string(), z.string()).optional(),
    /** Activate this profile first (the job or task a notification is about belongs to it). */
    profile: z.string().optional(),
  }),
} as const

export type Events = typeof events
export type EventName = keyof Events
export type EventPayload<E extends EventName> = z.infer<Events[E]>
export const EVENT_NAMES = Object.keys(events) as EventName[]
