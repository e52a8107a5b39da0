import { z } from 'zod'
import { method } from '../define'
import { ProfileRef } from '../schemas'
import { ApiErrorShape, OpId } from './gallery'

/**
 * The `tasks` domain, dump part: metadata exports (DumpMeta / DumpMetaList), watched by the core
 * until they finish, their file downloaded into the profile's `dumps/` folder before the MetaUrl
 * expires, and imported into the gallery cache after a diff preview.
 * (Batch tasks — IncreaseInstance — are another part of this domain: see `batchTaskMethods`.)
 */

export const DumpImportCounts = z.object({
  added: z.number(),
  changed: z.number(),
  gone: z.number(),
  unchanged: z.number(),
  pending: z.number(),
})

export const DumpTask = z.object({
  id: z.number(),
  /** PROCESSING, SUCCESS or FAIL (as the engine reports it). */
  status: z.string(),
  code: z.string().nullable(),
  message: z.string().nullable(),
  metaUrl: z.string().nullable(),
  utcCreate: z.number(),
  utcModified: z.number(),
  /** When the MetaUrl stops working (cloud: 2 hours after the export finished); null: never. */
  expiresAt: z.number().nullable(),
  /** The core is polling it until it finishes. */
  watching: z.boolean(),
  /** The downloaded meta file, kept in the profile's `dumps/` folder. */
  file: z
    .object({
      path: z.string(),
      url: z.string().nullable(),
      bytes: z.number(),
      downloadedAt: z.number(),
    })
    .nullable(),
  downloadError: ApiErrorShape.nullable(),
  imported: DumpImportCounts.extend({ at: z.number() }).nullable(),
})
export type DumpTask = z.infer<typeof DumpTask>

export const DumpList = z.object({
  items: z.array(DumpTask),
  /** The engine could not be asked: the tasks shown are the ones Loupe remembers. */
  offline: ApiErrorShape.nullable(),
})

/** A dump to read: a task of the profile (downloaded first if needed) or a meta file on disk. */
export const DumpSource = z.union([
  z.object({ id: z.number().int().min(0) }),
  z.object({ file: z.string().min(1).max(4096) }),
])

/** A meta file on the serving machine read as a dump source. */
function dumpFile(s: z.output<typeof DumpSource>): string[] {
  return 'file' in s ? [s.file] : []
}

const Key = z.object({ productId: z.string(), picName: z.string() })

export const DumpDiff = DumpImportCounts.extend({
  file: z.string(),
  examples: z.object({ added: z.array(Key), changed: z.array(Key), gone: z.array(Key) }),
})

export const DumpImportResult = DumpImportCounts.extend({ file: z.string(), at: z.number() })

export const dumpTaskMethods = {
  /** Starts a metadata export (DumpMeta); the core watches it and downloads its file. */
  dumpCreate: method(ProfileRef, DumpTask),
  /** The profile's exports: the engine's list merged with what Loupe downloaded and imported. */
  dumpList: method(ProfileRef, DumpList),
  dumpGet: method(ProfileRef.extend({ id: z.number().int().min(0) }), DumpTask),
  /**
   * Waits until the core stops watching the export (it finished and its file was downloaded, or it
   * failed) or `timeoutMs` passed (`settled: false`: ask again).
   */
  dumpWait: method(
    ProfileRef.extend({
      id: z.number().int().min(0),
      timeoutMs: z.number().int().min(0).max(120_000).default(30_000),
    }),
    z.object({ settled: z.boolean(), task: DumpTask }),
    { slow: true },
  ),
  /** Downloads a finished export's file into `dumps/` (again, if it was deleted). */
  dumpDownload: method(ProfileRef.extend({ id: z.number().int().min(0) }), DumpTask, {
    slow: true,
  }),
  /** What importing would change in the gallery cache: added / changed / gone. */
  dumpDiff: method(
    ProfileRef.extend({
      source: DumpSource,
      sample: z.number().int().min(0).max(200).default(20),
      opId: OpId.optional(),
    }),
    DumpDiff,
    { slow: true, serverPaths: (i) => dumpFile(i.source) },
  ),
  /** Imports a dump into the gallery cache, in one transaction. */
  dumpImport: method(
    ProfileRef.extend({ source: DumpSource, opId: OpId.optional() }),
    DumpImportResult,
    { slow: true, serverPaths: (i) => dumpFile(i.source) },
  ),
} as const

export const tasksDomain = {
  ...dumpTaskMethods,
} as const
