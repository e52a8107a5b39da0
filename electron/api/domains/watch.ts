import { z } from 'zod'
import { WATCH_FILE_STATES, WATCH_RULE_STATES } from '../../domain'
import { method } from '../define'
import { Attributes, ProfileName, RegionText } from '../schemas'

/* ---------- folder watching: rules, live state, reconcile ---------- */

const Glob = z.string().min(1).max(512)

export const WatchDefaults = Attributes.extend({
  crop: z.boolean().optional(),
  region: RegionText.optional(),
})

export const RuleInput = z.object({
  /** Absolute path of the folder to watch. */
  folder: z.string().min(1).max(4096),
  profile: ProfileName.optional(),
  /** folder (default), file, a template such as {product}/{name}, or /regex/ with (?<product>…). */
  naming: z.string().max(512).optional(),
  defaults: WatchDefaults.optional(),
  /** A picture deleted from the folder: remove it from the gallery, or keep it (default). */
  onDelete: z.enum(['remove', 'keep']).optional(),
  /** Globs relative to the folder (e.g. `**\/*.jpg`); empty = every picture. */
  include: z.array(Glob).max(50).optional(),
  exclude: z.array(Glob).max(50).optional(),
  /**
   * Follow links (to files or folders) whose target is outside the folder. Off by default: such
   * a link is listed as skipped (WatchLinkOutside). Links inside the folder are always taken.
   */
  followSymlinks: z.boolean().optional(),
})

export const RULE_STATES = WATCH_RULE_STATES

export const WatchRule = z.object({
  id: z.number(),
  folder: z.string(),
  profile: z.string(),
  naming: z.string(),
  defaults: WatchDefaults.partial(),
  onDelete: z.enum(['remove', 'keep']),
  include: z.array(z.string()),
  exclude: z.array(z.string()),
  followSymlinks: z.boolean(),
  paused: z.boolean(),
  /** idle: no Loupe host runs the watchers; syncing: detail is "done/total". */
  state: z.enum(RULE_STATES),
  /** Why a paused rule is paused: the user, its folder is missing, or too many files vanished. */
  pauseReason: z.enum(['user', 'folder-missing', 'mass-delete']).nullable(),
  detail: z.string().nullable(),
  lastScanAt: z.number().nullable(),
  lastSyncAt: z.number().nullable(),
  /** When the files and folders that could not be read are tried again (null: none, or no runner). */
  nextRetryAt: z.number().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
  counts: z.object({
    tracked: z.number(),
    synced: z.number(),
    pending: z.number(),
    /** Includes the files and folders that cannot be read (`unreadable`). */
    failed: z.number(),
    rejected: z.number(),
    /** Links not followed (they leave the folder). */
    skipped: z.number(),
    /** Files and folders that cannot be read (EACCES…): tried again every minute or so. */
    unreadable: z.number(),
  }),
  /** What the process running the watchers did with the last delegated `apply` (at: when). */
  applyResult: z
    .object({
      at: z.number(),
      jobId: z.number().nullable(),
      add: z.number(),
      update: z.number(),
      delete: z.number(),
      error: z.string().optional(),
    })
    .nullable()
    .optional(),
})
export type WatchRule = z.infer<typeof WatchRule>

const ItemError = z.object({
  code: z.string(),
  message: z.string(),
  /** The OS error code when a file or folder cannot be read (EACCES, ELOOP, ENOENT…). */
  reason: z.string().optional(),
})

const PreviewItem = z.object({
  relPath: z.string(),
  productId: z.string().nullable(),
  picName: z.string().nullable(),
  size: z.number(),
  error: ItemError.nullable(),
})
const PreviewDelete = z.object({ relPath: z.string(), productId: z.string(), picName: z.string() })

export const ReconcilePreview = z.object({
  /** Give it to `apply` to send exactly this preview (kept 10 minutes). */
  token: z.string(),
  ruleId: z.number(),
  counts: z.object({
    add: z.number(),
    update: z.number(),
    delete: z.number(),
    unchanged: z.number(),
    rejected: z.number(),
    /** Files and folders that cannot be read. */
    unreadable: z.number(),
    /** Links not followed. */
    skipped: z.number(),
    kept: z.number(),
    inFlight: z.number(),
  }),
  /** At most 500 of each. */
  add: z.array(PreviewItem),
  update: z.array(PreviewItem),
  delete: z.array(PreviewDelete),
  rejected: z.array(PreviewItem),
  unreadable: z.array(PreviewItem),
  skipped: z.array(PreviewItem),
  kept: z.array(PreviewDelete),
})
export type ReconcilePreview = z.infer<typeof ReconcilePreview>

export { WATCH_FILE_STATES }

export const WatchFile = z.object({
  relPath: z.string(),
  productId: z.string().nullable(),
  picName: z.string().nullable(),
  state: z.enum(WATCH_FILE_STATES),
  size: z.number(),
  jobId: z.number().nullable(),
  error: ItemError.nullable(),
  updatedAt: z.number(),
})
export type WatchFile = z.infer<typeof WatchFile>

const RuleId = z.object({ id: z.number().int().positive() })

export const watchDomain = {
  /** Desktop: the system's folder picker (supported: false in a browser). */
  pickFolder: method(
    z.object({}),
    z.object({ supported: z.boolean(), path: z.string().nullable() }),
    { slow: true },
  ),
  /** The first pictures of a folder (to preview the naming rule before adding a rule). */
  samples: method(
    z.object({
      folder: z.string().min(1).max(4096),
      include: z.array(Glob).max(50).optional(),
      exclude: z.array(Glob).max(50).optional(),
    }),
    z.object({
      exists: z.boolean(),
      files: z.array(z.object({ relPath: z.string(), rootName: z.string() })),
    }),
    { serverPaths: (i) => [i.folder] },
  ),
  list: method(
    z.object({}),
    z.object({
      rules: z.array(WatchRule),
      /** The process running the watchers of this data folder (null: none). */
      runner: z.object({ pid: z.number(), host: z.string(), self: z.boolean() }).nullable(),
    }),
  ),
  add: method(RuleInput, WatchRule, { serverPaths: (i) => [i.folder] }),
  update: method(RuleId.extend({ patch: RuleInput.partial() }), WatchRule, {
    // Following links that leave the folder makes the server read files elsewhere: as naming a
    // path, a remote caller may not turn it on (it may turn it off).
    serverPaths: (i) => [
      ...(i.patch.folder === undefined ? [] : [i.patch.folder]),
      ...(i.patch.followSymlinks ? ['(targets of links leaving the watched folder)'] : []),
    ],
  }),
  remove: method(RuleId, z.object({ ok: z.literal(true) })),
  pause: method(RuleId, WatchRule),
  resume: method(RuleId, WatchRule),
  /** What syncing the folder now would do; nothing is sent. */
  reconcile: method(RuleId, ReconcilePreview, { slow: true }),
  /** Send a reconcile preview (by token; without one, a fresh reconcile). */
  apply: method(
    RuleId.extend({ token: z.string().max(64).optional() }),
    z.object({
      /** Another process runs the watchers: it was asked to apply (see the rule's state). */
      delegated: z.boolean(),
      jobId: z.number().nullable(),
      add: z.number(),
      update: z.number(),
      delete: z.number(),
      requestedAt: z.number().nullable(),
    }),
    { slow: true },
  ),
  /**
   * Scan the rule's folder again now (files and folders that could not be read are tried again).
   * Done by the process running the watchers; the scan is over once the rule's `lastScanAt` is at
   * least `requestedAt`. `running: false`: no Loupe host watches folders now.
   */
  rescan: method(
    RuleId,
    z.object({ running: z.boolean(), delegated: z.boolean(), requestedAt: z.number() }),
  ),
  /**
   * The files a rule tracks, e.g. its pending or failed ones — failed also lists the files and
   * folders (`sub/`) that cannot be read, with the OS reason; skipped lists links not followed.
   */
  files: method(
    RuleId.extend({
      states: z.array(z.enum(WATCH_FILE_STATES)).optional(),
      offset: z.number().int().min(0).optional(),
      limit: z.number().int().min(1).max(1000).optional(),
    }),
    z.object({ total: z.number(), files: z.array(WatchFile) }),
  ),
}
