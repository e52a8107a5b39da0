import path from 'node:path'
import type { Engine, InstanceInfo } from './types'
import type { Featurizer } from './local/featurizer/types'
import { createLocalEngine } from './local/index'
import { createCloudEngine } from './cloud/index'
import { CoreError } from '../errors'
import type { ProfileStore, StoredProfile } from '../profiles/store'
import type { SecretStore } from '../profiles/secrets'
import type { Logger } from '../log'
import type { StatusReporter } from '../core-status'
import { writeThrough, type CachedEngine, type GalleryCacheSink } from '../gallery/write-through'

type CloudSettings = NonNullable<StoredProfile['cloud']>

export interface EngineRegistryOptions {
  profiles: ProfileStore
  secrets: SecretStore
  logger: Logger
  featurizer: () => Featurizer
  /** Called when a local engine starts opening (the core warms the picture model then). */
  onLocalOpen?: () => void
  fileUrl?: (profile: string, absPath: string) => string
  cloudTimeouts?: { connectTimeoutMs?: number; readTimeoutMs?: number }
  /** Progress of opening a local engine (its vectors loading), as `core.status` events. */
  status?: StatusReporter
  /** The gallery cache of a profile: every engine handed out writes through to it. */
  cache: (profile: string) => GalleryCacheSink
  /** Every Detail answer of a cloud profile's instance (its QPS and capacity pace the queue). */
  onInstance?: (profile: string, instance: InstanceInfo) => void
  /** A profile's engine was dropped (the profile changed or went): its limits are read again. */
  onInvalidate?: (profile: string) => void
}

/**
 * Opens one engine per profile, lazily, and keeps it until the profile changes. Local engines live
 * in the profile's `engine/` folder; cloud engines are built from the profile and its secret.
 * Every engine is handed out wrapped (`gallery/write-through.ts`): its adds, updates and deletes,
 * whoever makes them, land in the profile's gallery cache — the one write path into the cache.
 */
export function createEngineRegistry(opts: EngineRegistryOptions) {
  const open = new Map<string, Promise<CachedEngine>>()

  async function build(p: StoredProfile): Promise<Engine> {
    if (p.kind === 'local') {
      const dir = opts.profiles.dirOf(p.name)
      const load = opts.status?.(p.name, 'engine-load')
      opts.onLocalOpen?.()
      const engine = createLocalEngine({
        dir: path.join(dir, 'engine'),
        name: p.name,
        featurizer: opts.featurizer(),
        capacity: p.local?.capacity ?? 100_000,
        qps: p.local?.qps ?? 0,
        serviceType: p.serviceType,
        batchRoot: path.join(dir, 'batch'),
        fileUrl: opts.fileUrl ? (abs: string) => opts.fileUrl!(p.name, abs) : undefined,
        onLoad: load ? (done, total) => load.progress(done, total) : undefined,
      })
      engine.then(
        () => load?.end(true),
        () => load?.end(false),
      )
      return engine
    }
    return buildCloud(p)
  }

  async function buildCloud(p: StoredProfile): Promise<Engine> {
    const c = p.cloud
    if (!c) throw new CoreError('InvalidProfile', `Profile "${p.name}" has no cloud settings`)
    const { secret, token } = await storedSecrets(p.name, c)
    return cloudEngine(c, secret, token)
  }

  /** A saved cloud profile's engine reports each Detail answer (`onInstance`). */
  function reporting(p: StoredProfile, engine: Engine): Engine {
    const report = opts.onInstance
    if (p.kind !== 'cloud' || !report) return engine
    const detail = engine.detail.bind(engine)
    engine.detail = async () => {
      const r = await detail()
      report(p.name, r.instance)
      return r
    }
    return engine
  }

  /** The stored AccessKey secret (required) and token of a cloud profile, redacted from the log. */
  async function storedSecrets(
    name: string,
    c: CloudSettings,
  ): Promise<{ secret: string; token: string | null }> {
    const secret = await opts.secrets.get(c.secretRef)
    if (!secret) {
      throw new CoreError('MissingSecret', `Profile "${name}" has no AccessKey secret`, {
        hint: 'Enter the AccessKey secret in the Profiles view, or set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET.',
      })
    }
    opts.logger.addSecret(secret)
    const token = c.tokenRef ? await opts.secrets.get(c.tokenRef) : null
    if (token) opts.logger.addSecret(token)
    return { secret, token }
  }

  function cloudEngine(c: CloudSettings, secret: string, token: string | null) {
    return createCloudEngine({
      instanceName: c.instanceName,
      region: c.region ?? undefined,
      endpoint: c.endpoint ?? undefined,
      protocol: c.protocol,
      accessKeyId: c.accessKeyId,
      accessKeySecret: secret,
      securityToken: token ?? undefined,
      ...opts.cloudTimeouts,
    })
  }

  return {
    get(name: string): Promise<CachedEngine> {
      let e = open.get(name)
      if (!e) {
        const p = opts.profiles.get(name)
        e = build(p).then((engine) => writeThrough(reporting(p, engine), opts.cache(name)))
        open.set(name, e)
        e.catch(() => open.delete(name))
      }
      return e
    },
    /** Build an engine for an unsaved profile (Test connection); the caller closes it. */
    async draft(p: StoredProfile, secret: string | null, token: string | null): Promise<Engine> {
      if (p.kind === 'local') return this.get(p.name)
      if (!secret) return buildCloud(p)
      opts.logger.addSecret(secret)
      if (token) opts.logger.addSecret(token)
      return cloudEngine(p.cloud!, secret, token)
    },
    /**
     * The AccessKey of a cloud profile, for the OSS uploads of its batch tasks. Core-internal: no
     * contract method returns it, and the secret is registered with the logger's redaction.
     */
    async cloudCredentials(name: string): Promise<{
      accessKeyId: string
      accessKeySecret: string
      securityToken?: string
      region: string | null
      endpoint: string | null
    }> {
      const p = opts.profiles.get(name)
      const c = p.cloud
      if (p.kind !== 'cloud' || !c) {
        throw new CoreError('InvalidProfile', `Profile "${name}" is not a cloud profile`)
      }
      const { secret, token } = await storedSecrets(name, c)
      return {
        accessKeyId: c.accessKeyId,
        accessKeySecret: secret,
        ...(token ? { securityToken: token } : {}),
        region: c.region,
        endpoint: c.endpoint,
      }
    },
    async invalidate(name: string): Promise<void> {
      const e = open.get(name)
      open.delete(name)
      if (e) await (await e.catch(() => null))?.close()
      opts.onInvalidate?.(name)
    },
    async closeAll(): Promise<void> {
      const all = [...open.values()]
      open.clear()
      await Promise.all(all.map(async (e) => (await e.catch(() => null))?.close()))
    },
  }
}

export type EngineRegistry = ReturnType<typeof createEngineRegistry>
