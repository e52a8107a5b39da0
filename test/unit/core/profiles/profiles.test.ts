import fs from 'node:fs'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createCore, type Core } from '../../../../electron/core/app'
import { createMemorySecretStore, maskKeyId } from '../../../../electron/core/profiles/secrets'
import { createFileSecretStore } from '../../../../electron/core/profiles/file-secret-store'
import { tempDir } from '../../../helpers/tmp'

const SECRET = 'S3cr3t-Value-For-Tests-0123456789'

describe('profiles', () => {
  let t: ReturnType<typeof tempDir>
  let core: Core
  beforeEach(() => {
    t = tempDir()
    core = createCore({ dataDir: t.dir, secrets: createMemorySecretStore(), host: 'headless' })
  })
  afterEach(async () => {
    await core.close()
    t.cleanup()
  })

  it('always has the built-in local profile, active by default', async () => {
    const r = await core.api.profiles.list({})
    expect(r.active).toBe('local')
    expect(r.profiles.map((p) => p.name)).toEqual(['local'])
    expect(r.profiles[0]).toMatchObject({ kind: 'local', builtin: true })
    expect(fs.existsSync(path.join(t.dir, 'profiles.json'))).toBe(true)
  })

  it('creates, edits, activates and removes profiles, persisted across restarts', async () => {
    await core.api.profiles.create({
      kind: 'local',
      name: 'second',
      serviceType: 'generic',
      local: { capacity: 5000, qps: 3 },
    })
    await core.api.profiles.activate({ name: 'second' })
    await core.api.profiles.update({ name: 'second', patch: { local: { capacity: 7000 } } })
    await core.close()
    core = createCore({ dataDir: t.dir, secrets: createMemorySecretStore(), host: 'headless' })
    const r = await core.api.profiles.list({})
    expect(r.active).toBe('second')
    const second = r.profiles.find((p) => p.name === 'second')
    expect(second).toMatchObject({ serviceType: 'generic', local: { capacity: 7000, qps: 3 } })
    await core.api.profiles.remove({ name: 'second' })
    const after = await core.api.profiles.list({})
    expect(after.profiles.map((p) => p.name)).toEqual(['local'])
    expect(after.active).toBe('local')
  })

  it('refuses duplicates, unknown names and removing the built-in profile with clear errors', async () => {
    await core.api.profiles.create({
      kind: 'local',
      name: 'dup',
      serviceType: 'product',
      local: { capacity: 1, qps: 0 },
    })
    await expect(
      core.api.profiles.create({
        kind: 'local',
        name: 'DUP',
        serviceType: 'product',
        local: { capacity: 1, qps: 0 },
      }),
    ).rejects.toMatchObject({ code: 'ProfileExists' })
    await expect(core.api.profiles.remove({ name: 'local' })).rejects.toMatchObject({
      code: 'ProfileBuiltin',
    })
    await expect(core.api.profiles.activate({ name: 'nope' })).rejects.toMatchObject({
      code: 'ProfileNotFound',
    })
  })

  it('keeps a cloud secret in the SecretStore only: answers show a masked key id and hasSecret', async () => {
    const view = await core.api.profiles.create({
      kind: 'cloud',
      name: 'shop',
      serviceType: 'product',
      cloud: {
        instanceName: 'shopimages',
        region: 'cn-shanghai',
        protocol: 'https',
        accessKeyId: 'LTAI5tAbCdEfGhIjKlMn',
        accessKeySecret: SECRET,
      },
    })
    expect(view.cloud).toMatchObject({ accessKeyIdMasked: 'LTAI****lMn', hasSecret: true })
    const list = JSON.stringify(await core.api.profiles.list({}))
    expect(list).not.toContain(SECRET)
    expect(list).not.toContain('LTAI5tAbCdEfGhIjKlMn')
    expect(fs.readFileSync(path.join(t.dir, 'profiles.json'), 'utf8')).not.toContain(SECRET)
  })

  it('rejects an invalid argument at the boundary with the contract error shape', async () => {
    const r = await core.dispatch('profiles.create', { kind: 'local', name: '../evil' })
    expect('error' in r && r.error.code).toBe('InvalidArgument')
    const u = await core.dispatch('profiles.nope', {})
    expect('error' in u && u.error.code).toBe('UnknownMethod')
  })

  it('reports a corrupt profiles file clearly instead of losing it', async () => {
    fs.writeFileSync(path.join(t.dir, 'profiles.json'), '{"version":1,"active":3}')
    await expect(core.api.profiles.list({})).rejects.toMatchObject({ code: 'CorruptProfiles' })
    expect(fs.readFileSync(path.join(t.dir, 'profiles.json'), 'utf8')).toBe(
      '{"version":1,"active":3}',
    )
  })
})

describe('secret stores', () => {
  it('masks key ids', () => {
    expect(maskKeyId('LTAI5tAbCdEfGhIjKlMn')).toBe('LTAI****lMn')
    expect(maskKeyId('short')).toBe('sh****')
  })

  it('headless file store writes a 0600 file and reads the SDK environment variables', async () => {
    const t = tempDir()
    try {
      const env = {
        ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAIenvkey',
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'envsecret',
      }
      const s = createFileSecretStore(t.dir, env)
      expect(await s.get('secret:p:LTAIenvkey')).toBe('envsecret')
      expect(await s.get('secret:p:otherkey')).toBeNull()
      await s.set('secret:p:k', 'v1')
      expect(fs.statSync(s.file).mode & 0o777).toBe(0o600)
      expect(await s.get('secret:p:k')).toBe('v1')
      expect(s.describe()).toEqual({ name: 'file (0600)', secure: true })
      await s.delete('secret:p:k')
      expect(await s.get('secret:p:k')).toBeNull()
    } finally {
      t.cleanup()
    }
  })
})
