import type { Implementation } from '../api/define'
import type { Contract } from '../api/contract'
import { createDispatcher } from '../api/dispatch'
import { contract } from '../api/contract'
import { ProfileStore } from './profiles/store'
import type { SecretStore } from './profiles/secrets'
import { createProfileService } from './profiles/service'
import { createSecretSettings } from './profiles/secret-settings'
import { createEngineRegistry } from './engines/registry'
import { EventBus } from './events'
import { createStatusReporter, type CoreStatus } from './core-status'
import { createLogger } from './log'
import type { Featurizer } from './engines/local/featurizer/types'
import { createFeaturizer } from './engines/local/featurizer/index'
import { reportModelLoad } from './featurizer-status'
import { createImageService } from './images/service'
import { galleryPictures } from './images/gallery-picture'
import { createImaging } from './imaging/index'
import { createGalleries } from './galleries'
import { createGalleryService } from './gallery/service'
import { createDumpService } from './tasks/dumps'
import { createJobService } from './jobs/service'
import { createBatchService } from './tasks/batch/service'
import { createBackground } from './background'
import { createWatchService } from './watch/service'
import { createCopyService } from './copy/service'
import { createEvalService } from './eval/service'
import { createDuplicateService } from './duplicates/service'
import { createSpaceService } from './spaces/service'
import { ensureDataFolder, tightenDataFolder } from './util/private-fs'
import type { WatchTimings } from './watch/runner'

export interface CoreOptions {
  dataDir: string
  secrets: SecretStore
  host: 'electron' | 'headless'
  version?: string
  /** Public URL of a file in a profile's folder (dump files, error files) for this host. */
  fileUrl?: (profile: string, absPath: string) => string
  /**
   * A URL this host serves (as `fileUrl` makes them) → the file on disk, or null: the core reads
   * its own files instead of fetching them over HTTP, where a remote-mode host asks callers to
   * sign in.
   */
  ownFile?: (url: string) => Promise<string | null>
  /** Extra log sink (the file `<dataDir>/logs/loupe.log` is always written). */
  logSink?: (line: string) => void
  featurizerWorkers?: number
  imagingWorkers?: number
  cloudTimeouts?: { connectTimeoutMs?: number; readTimeoutMs?: number }
  /** Desktop host: show a file in the system file manager (gallery.revealSource). */
  revealPath?: (absPath: string) => void
  /** Desktop host: let the user pick a folder (watch.pickFolder); absent elsewhere. */
  pickFolder?: () => Promise<string | null>
  /** Folder watchers' timings (debounce, retry of unreadable files…); tests shorten them. */
  watchTimings?: Partial<WatchTimings>
  /**
   * `start()` warms the local engine's picture model (default true): when a local profile exists
   * (or a local engine opens later), every featurizer worker loads the model and runs it once, so
   * the first search does not wait for it. False leaves it to the first request.
   */
  warmModel?: boolean
}

/**
 * Builds Loupe's core: every service, Electron-free. Nothing happens at import time; engines,
 * models and worker threads start lazily on first use.
 */
export function createCore(opts: CoreOptions) {
  ensureDataFolder(opts.dataDir)
  const logger = createLogger(opts.dataDir, { sink: opts.logSink })
  const events = new EventBus()
  const profiles = new ProfileStore(opts.dataDir)
  profiles.init()

  // Long work on a profile's data (engine load, index fill, dump import) as `core.status`.
  // The tasks running now, for windows that connect later (`app.tasks`).
  const runningTasks = new Map<string, CoreStatus>()
  const status = createStatusReporter((s) => {
    const key = `${s.profile}\u0000${s.task}`
    if (s.phase === 'running') runningTasks.set(key, s)
    else runningTasks.delete(key)
    events.emit('core.status', s)
  })

  let featurizer: Featurizer | null = null
  const getFeaturizer = () =>
    (featurizer ??= reportModelLoad(createFeaturizer({ workers: opts.featurizerWorkers }), status))
  /** Set by start() (warmModel): warm the model now and whenever a local engine opens. */
  let warmWanted = false
  const warmModel = () => {
    if (!warmWanted) return
    void getFeaturizer()
      .warm?.()
      .catch((e: Error) => {
        if (!closing) logger.log('warn', `picture model warm-up failed: ${e.message}`)
      })
  }
  let imaging: ReturnType<typeof createImaging> | null = null
  const getImaging = () => (imaging ??= createImaging({ workers: opts.imagingWorkers }))
  const galleries = createGalleries({
    profiles,
    logger,
    onChanged: (profile, reason) => events.emit('gallery.changed', { profile, reason }),
    status,
  })
  const engines = createEngineRegistry({
    profiles,
    secrets: opts.secrets,
    logger,
    featurizer: getFeaturizer,
    onLocalOpen: warmModel,
    fileUrl: opts.fileUrl,
    cloudTimeouts: opts.cloudTimeouts,
    status,
    cache: galleries.sink,
    // the jobs service is made below; Detail answers come later, once engines are used
    onInstance: (profile, instance) => jobService.learnInstance(profile, instance),
    onInvalidate: (profile) => jobService.refreshLimits(profile),
  })

  const profileService = createProfileService({
    store: profiles,
    secrets: opts.secrets,
    engines,
    events,
    logger,
  })
  const imageService = createImageService({
    profiles,
    engines,
    imaging: getImaging,
    logger,
    pictures: galleryPictures(galleries, engines),
  })
  const jobService = createJobService({
    dataDir: opts.dataDir,
    profiles,
    engines,
    galleries,
    imaging: getImaging,
    events,
    logger,
    host: opts.host,
  })

  const galleryService = createGalleryService({
    profiles,
    engines,
    galleries,
    images: imageService.images,
    events,
    logger,
    fileUrl: opts.fileUrl,
    revealPath: opts.revealPath,
    jobs: jobService,
  })
  const dumpService = createDumpService({
    profiles,
    engines,
    galleries,
    events,
    logger,
    newOp: galleryService.newOp,
    fileUrl: opts.fileUrl,
    ownFile: opts.ownFile,
    jobs: jobService,
  })

  const batchService = createBatchService({
    dataDir: opts.dataDir,
    profiles,
    engines,
    imaging: getImaging,
    galleries,
    events,
    logger,
    jobs: jobService,
    host: opts.host,
    ownFile: opts.ownFile,
  })

  const watchService = createWatchService({
    dataDir: opts.dataDir,
    profiles,
    galleries,
    jobs: jobService,
    events,
    logger,
    host: opts.host,
    pickFolder: opts.pickFolder,
    timings: opts.watchTimings,
  })

  const copyService = createCopyService({
    dataDir: opts.dataDir,
    profiles,
    engines,
    galleries,
    imaging: getImaging,
    jobs: jobService,
    dumps: dumpService,
    batch: batchService,
    logger,
  })

  const spaceService = createSpaceService({ profiles, engines, jobs: jobService })

  const evalService = createEvalService({
    profiles,
    galleries,
    jobs: jobService,
    search: (req) => imageService.search.byPic(req),
    // Open the engine and load the picture model before the first timed search.
    warm: async (profile) => {
      await engines.get(profile)
      if (profiles.get(profile).kind === 'local') await getFeaturizer().warm?.()
    },
    descriptorOf: (profile) => spaceService.activeOf(profile),
    pictures: galleryPictures(galleries, engines),
    logger,
  })

  const duplicateService = createDuplicateService({
    profiles,
    engines,
    galleries,
    images: imageService.images,
    jobs: jobService,
    featurizer: getFeaturizer,
    events,
    logger,
  })

  const api: Implementation<Contract> = {
    app: {
      async info() {
        return {
          version: opts.version ?? '0.0.0',
          host: opts.host,
          dataDir: opts.dataDir,
          secretBackend: opts.secrets.describe(),
          featurizer: featurizer?.version ?? null,
        }
      },
      async tasks() {
        return { tasks: [...runningTasks.values()] }
      },
    },
    profiles: profileService.profiles,
    instance: profileService.instance,
    images: imageService.images,
    search: imageService.search,
    gallery: galleryService.gallery,
    tasks: dumpService.tasks,
    jobs: jobService.jobs,
    bulk: jobService.bulk,
    batch: batchService.api,
    watch: watchService.api,
    secrets: createSecretSettings({ secrets: opts.secrets, profiles, engines, logger }).api,
    copy: copyService.api,
    eval: evalService.api,
    duplicates: duplicateService.api,
    space: spaceService.api,
  }

  const dispatch = createDispatcher<Contract>(contract, api, {
    redact: logger.redact,
    onInternalError: (e) =>
      logger.log('error', e instanceof Error ? (e.stack ?? e.message) : String(e)),
  })

  // The background work, started and stopped in one order (background.ts: START_ORDER).
  const background = createBackground(
    {
      jobs: jobService,
      gallery: galleryService,
      dumps: dumpService,
      batch: batchService,
      watch: watchService,
    },
    (level, line) => logger.log(level, line),
  )
  let closing: Promise<void> | null = null
  let tightening: Promise<void> | null = null
  /** Data folders of older versions (0755 folders, 0644 files): made private on the first start. */
  const tighten = () =>
    (tightening ??= tightenDataFolder(opts.dataDir).then((r) => {
      if (r.tightened || r.failed) {
        logger.log(
          r.failed ? 'warn' : 'info',
          `data folder: ${r.tightened} of ${r.seen} items made private (folders 0700, files 0600)` +
            (r.failed ? `; ${r.failed} could not be changed (another owner)` : ''),
        )
      }
    }))

  return {
    api,
    dispatch,
    events,
    logger,
    profiles,
    engines,
    galleries,
    /** Metadata exports (watched to the end, downloaded; imports are jobs). */
    dumps: dumpService,
    /** The job queue and bulk add. */
    jobs: jobService,
    /** Batch tasks (their preparation is a job). */
    batch: batchService,
    /** Watch rules (runs them in one process per data folder). */
    watch: watchService,
    dataDir: opts.dataDir,
    /**
     * Start the background work of this data folder in this process — every host calls it once it
     * is up: the job queue (unfinished jobs resume), gallery operations, metadata exports still
     * running, batch tasks, folder watchers, in that order. Work another live process already runs
     * (its lock is held) is left to it. A second call returns the first call's outcome. Alongside,
     * the data folder's modes are tightened once (util/private-fs.ts: tightenDataFolder). When a
     * local profile exists, the picture model is warmed meanwhile (CoreOptions.warmModel).
     */
    start: async () => {
      if (opts.warmModel !== false && !warmWanted && !closing) {
        warmWanted = true
        if (profiles.list().profiles.some((p) => p.kind === 'local')) warmModel()
      }
      return (await Promise.all([background.start(), tighten()]))[0]
    },
    /** Stop the background work (reverse order; everything stays resumable), close everything. */
    close(): Promise<void> {
      closing ??= (async () => {
        await background.close()
        evalService.close()
        galleries.close()
        await engines.closeAll()
        await Promise.all([featurizer?.close(), imaging?.close()])
        featurizer = null
        imaging = null
      })()
      return closing
    },
  }
}

export type Core = ReturnType<typeof createCore>
