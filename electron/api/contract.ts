import { z } from 'zod'
import { imagePaths, method, listMethods } from './define'
import * as S from './schemas'
import { jobsDomain } from './domains/jobs'
import { bulkDomain } from './domains/bulk'
import { galleryDomain } from './domains/gallery'
import { tasksDomain } from './domains/tasks'
import { batchDomain } from './domains/batch'
import { watchDomain } from './domains/watch'
import { secretsDomain } from './domains/secrets'
import { copyDomain } from './domains/copy'
import { evalDomain } from './domains/eval'
import { duplicatesDomain } from './domains/duplicates'
import { spaceDomain } from './domains/space'
import { CoreStatus } from './events'

const Empty = z.object({}).strict()
const Ok = z.object({ ok: z.literal(true) })

/**
 * The contract between the UI and the core: every method, grouped by domain, with a zod schema for
 * its argument and its result. The preload, the Electron IPC adapter, the headless HTTP bridge and
 * the renderer's bridge are all derived from this object.
 */
export const contract = {
  app: {
    info: method(Empty, S.AppInfo),
    /**
     * The core's long tasks running now (engine load, picture model, migration, dump import): what
     * a window that connects later would have seen in `core.status` events.
     */
    tasks: method(Empty, z.object({ tasks: z.array(CoreStatus) })),
  },
  profiles: {
    list: method(Empty, z.object({ profiles: z.array(S.ProfileView), active: z.string() })),
    create: method(S.ProfileInput, S.ProfileView),
    update: method(z.object({ name: S.ProfileName, patch: S.ProfilePatch }), S.ProfileView),
    remove: method(z.object({ name: S.ProfileName }), Ok),
    activate: method(z.object({ name: S.ProfileName }), z.object({ active: z.string() })),
    /** Test a saved profile (by name) or an unsaved one (full input) with a Detail call. */
    test: method(
      z.union([z.object({ name: S.ProfileName }), z.object({ draft: S.ProfileInput })]),
      S.TestResult,
      { slow: true },
    ),
  },
  instance: {
    detail: method(S.ProfileRef, S.DetailResult, { slow: true }),
  },
  images: {
    add: method(S.AddImageInput, S.AddImageResult, {
      slow: true,
      serverPaths: (i) => imagePaths(i.image),
    }),
    update: method(S.UpdateImageInput, z.object({ requestId: z.string() })),
    remove: method(S.DeleteImageInput, S.DeleteImageResult, { slow: true }),
    exists: method(S.ProfileRef.extend(S.ImageKey.shape), S.ExistsResult),
    /** Check a picture as it is chosen: sniffed and decoded by the core, nothing sent to an engine. */
    inspect: method(S.InspectImageInput, S.InspectImageResult, {
      serverPaths: (i) => imagePaths(i.image),
    }),
  },
  search: {
    byPic: method(S.SearchByPicInput, S.SearchResult, {
      slow: true,
      serverPaths: (i) => imagePaths(i.image),
    }),
    byName: method(S.SearchByNameInput, S.SearchResult),
    byFilter: method(S.SearchByFilterInput, S.SearchResult),
    byText: method(S.SearchByTextInput, S.SearchResult),
    compare: method(S.CompareInput, S.CompareResult, {
      slow: true,
      serverPaths: (i) => imagePaths(i.primary, i.secondary),
    }),
  },
  jobs: jobsDomain,
  bulk: bulkDomain,
  gallery: galleryDomain,
  tasks: tasksDomain,
  batch: batchDomain,
  watch: watchDomain,
  secrets: secretsDomain,
  copy: copyDomain,
  eval: evalDomain,
  duplicates: duplicatesDomain,
  space: spaceDomain,
} as const

export type Contract = typeof contract

export const METHODS = listMethods(contract)
