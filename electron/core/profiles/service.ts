import type { z } from 'zod'
import type * as S from '../../api/schemas'
import type { ProfileStore, StoredProfile } from './store'
import { DEFAULT_PROFILE } from './store'
import type { SecretStore } from './secrets'
import { maskKeyId } from './secrets'
import type { EngineRegistry } from '../engines/registry'
import type { EventBus } from '../events'
import type { Logger } from '../log'
import { CoreError } from '../errors'
import { toApiError } from '../../api/dispatch'
import { logf } from '../log-text'

type ProfileView = z.input<typeof S.ProfileView>
type ProfileInput = z.output<typeof S.ProfileInput>
type ProfilePatch = z.output<typeof S.ProfilePatch>

export interface ProfileServiceDeps {
  store: ProfileStore
  secrets: SecretStore
  engines: EngineRegistry
  events: EventBus
  logger: Logger
}

const secretRef = (name: string, keyId: string) => `secret:${name}:${keyId}`
const tokenRef = (name: string, keyId: string) => `token:${name}:${keyId}`

/** The `profiles.*` and `instance.*` domains of the contract. */
export function createProfileService(d: ProfileServiceDeps) {
  async function view(p: StoredProfile): Promise<ProfileView> {
    return {
      name: p.name,
      kind: p.kind,
      builtin: p.name === DEFAULT_PROFILE,
      serviceType: p.serviceType,
      createdAt: p.createdAt,
      ...(p.local ? { local: { ...p.local } } : {}),
      ...(p.cloud
        ? {
            cloud: {
              instanceName: p.cloud.instanceName,
              region: p.cloud.region,
              endpoint: p.cloud.endpoint,
              protocol: p.cloud.protocol,
              accessKeyIdMasked: maskKeyId(p.cloud.accessKeyId),
              hasSecret: !!(await d.secrets.get(p.cloud.secretRef)),
              hasSecurityToken: !!(p.cloud.tokenRef && (await d.secrets.get(p.cloud.tokenRef))),
            },
          }
        : {}),
    }
  }

  function toStored(input: ProfileInput): StoredProfile {
    const now = Date.now()
    if (input.kind === 'local') {
      return {
        name: input.name,
        kind: 'local',
        serviceType: input.serviceType,
        createdAt: now,
        local: input.local,
      }
    }
    const c = input.cloud
    return {
      name: input.name,
      kind: 'cloud',
      serviceType: input.serviceType,
      createdAt: now,
      cloud: {
        instanceName: c.instanceName,
        region: c.region ?? null,
        endpoint: c.endpoint ?? null,
        protocol: c.protocol,
        accessKeyId: c.accessKeyId,
        secretRef: secretRef(input.name, c.accessKeyId),
        tokenRef: c.securityToken ? tokenRef(input.name, c.accessKeyId) : null,
      },
    }
  }

  async function storeSecrets(p: StoredProfile, secret?: string, token?: string | null) {
    if (!p.cloud) return
    if (secret) {
      d.logger.addSecret(secret)
      await d.secrets.set(p.cloud.secretRef, secret)
    }
    if (token && p.cloud.tokenRef) {
      d.logger.addSecret(token)
      await d.secrets.set(p.cloud.tokenRef, token)
    }
  }

  async function detail(name: string) {
    const engine = await d.engines.get(name)
    return engine.detail()
  }

  return {
    profiles: {
      async list() {
        const { profiles, active } = d.store.list()
        return { profiles: await Promise.all(profiles.map(view)), active }
      },
      async create(input: ProfileInput) {
        const p = toStored(input)
        d.store.create(p)
        if (input.kind === 'cloud') {
          try {
            await storeSecrets(p, input.cloud.accessKeySecret, input.cloud.securityToken)
          } catch (e) {
            // The secret store refused (e.g. no keyring): no half-made profile stays behind, so the
            // same form can be saved again once that is solved.
            d.store.remove(p.name)
            if (p.cloud) {
              await d.secrets.delete(p.cloud.secretRef).catch(() => {})
              if (p.cloud.tokenRef) await d.secrets.delete(p.cloud.tokenRef).catch(() => {})
            }
            throw e
          }
        }
        d.logger.log('info', logf`profile created: ${p.name} (${p.kind})`)
        return view(p)
      },
      async update({ name, patch }: { name: string; patch: ProfilePatch }) {
        const p = structuredClone(d.store.get(name))
        if (patch.serviceType) p.serviceType = patch.serviceType
        if (patch.local) {
          if (p.kind !== 'local')
            throw new CoreError('BadRequest', `"${name}" is not a local profile`)
          p.local = { capacity: 100_000, qps: 0, ...p.local, ...stripUndefined(patch.local) }
        }
        let newSecret: string | undefined
        let newToken: string | null | undefined
        if (patch.cloud) {
          if (!p.cloud) throw new CoreError('BadRequest', `"${name}" is not a cloud profile`)
          const c = patch.cloud
          const oldSecretRef = p.cloud.secretRef
          const oldTokenRef = p.cloud.tokenRef
          if (c.instanceName !== undefined) p.cloud.instanceName = c.instanceName
          if (c.region !== undefined) p.cloud.region = c.region
          if (c.endpoint !== undefined) p.cloud.endpoint = c.endpoint
          if (!p.cloud.region && !p.cloud.endpoint) {
            throw new CoreError('BadRequest', 'A cloud profile needs a region or an endpoint')
          }
          if (c.protocol !== undefined) p.cloud.protocol = c.protocol
          if (c.accessKeyId !== undefined && c.accessKeyId !== p.cloud.accessKeyId) {
            p.cloud.accessKeyId = c.accessKeyId
            p.cloud.secretRef = secretRef(name, c.accessKeyId)
            if (!c.accessKeySecret) {
              throw new CoreError('BadRequest', 'A new AccessKey ID needs its AccessKey secret', {
                hint: 'Enter the secret that belongs to the new AccessKey ID.',
              })
            }
            await d.secrets.delete(oldSecretRef)
          }
          newSecret = c.accessKeySecret
          if (c.securityToken === null) {
            if (oldTokenRef) await d.secrets.delete(oldTokenRef)
            p.cloud.tokenRef = null
          } else if (c.securityToken) {
            p.cloud.tokenRef = tokenRef(name, p.cloud.accessKeyId)
            newToken = c.securityToken
          }
        }
        d.store.replace(p)
        await storeSecrets(p, newSecret, newToken)
        await d.engines.invalidate(name)
        return view(p)
      },
      async remove({ name }: { name: string }) {
        const p = d.store.remove(name)
        await d.engines.invalidate(name)
        if (p.cloud) {
          await d.secrets.delete(p.cloud.secretRef)
          if (p.cloud.tokenRef) await d.secrets.delete(p.cloud.tokenRef)
        }
        d.events.emit('profiles.changed', { active: d.store.active() })
        return { ok: true as const }
      },
      async activate({ name }: { name: string }) {
        const active = d.store.activate(name)
        d.events.emit('profiles.changed', { active })
        return { active }
      },
      async test(input: { name: string } | { draft: ProfileInput }) {
        const t0 = Date.now()
        try {
          let res
          if ('name' in input) {
            await d.engines.invalidate(input.name)
            res = await detail(input.name)
          } else {
            const draft = input.draft
            let stored = toStored(draft)
            let secret: string | null = null
            let token: string | null = null
            if (draft.kind === 'cloud') {
              secret = draft.cloud.accessKeySecret ?? null
              token = draft.cloud.securityToken ?? null
              // An unsaved edit of an existing profile may reuse its stored secret.
              if (!secret) {
                try {
                  const existing = d.store.get(draft.name)
                  if (existing.cloud && existing.cloud.accessKeyId === draft.cloud.accessKeyId) {
                    stored = {
                      ...stored,
                      cloud: { ...stored.cloud!, secretRef: existing.cloud.secretRef },
                    }
                  }
                } catch {
                  /* new profile */
                }
              }
            } else {
              throw new CoreError('BadRequest', 'Save a local profile before testing it')
            }
            const engine = await d.engines.draft(stored, secret, token)
            try {
              res = await engine.detail()
            } finally {
              await engine.close()
            }
          }
          return {
            ok: true as const,
            instance: res.instance,
            requestId: res.requestId,
            ms: Date.now() - t0,
          }
        } catch (e) {
          return { ok: false as const, error: toApiError(e, d.logger.redact), ms: Date.now() - t0 }
        }
      },
    },
    instance: {
      async detail({ profile }: { profile?: string }) {
        return detail(profile ?? d.store.active())
      },
    },
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}
