import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createSafeStorageSecretStore } from '../../../electron/main/secret-store'
import { createCore } from '../../../electron/core/app'
import { tempDir } from '../../helpers/tmp'
import { fakeSafeStorage, readWithHardCodedKey } from '../../helpers/fake-safe-storage'

describe('desktop secret store (safeStorage) and the plain-text choice', () => {
  const dirs: { cleanup: () => void }[] = []
  const newDir = () => {
    const t = tempDir()
    dirs.push(t)
    return t.dir
  }
  afterEach(() => {
    for (const d of dirs.splice(0)) d.cleanup()
  })

  it('refuses basic_text until accepted; the choice persists across instances', async () => {
    const dir = newDir()
    const f = fakeSafeStorage({ backend: 'basic_text' })
    const make = () =>
      createSafeStorageSecretStore({ safeStorage: f.safeStorage, dataDir: dir, platform: 'linux' })
    const s = make()
    const before = await s.status()
    expect(before).toMatchObject({
      backend: 'basic_text',
      secure: false,
      usable: false,
      plainTextFallback: true,
      plainTextAccepted: false,
      decidedAt: null,
      stored: 0,
    })
    const refused = await s.set('secret:p:LTAI1', 'hunter2').catch((e: unknown) => e)
    expect(refused).toMatchObject({
      code: 'InsecureSecretStore',
      hint: expect.stringContaining('Settings → Security'),
    })
    expect(fs.existsSync(path.join(dir, 'secrets.enc.json'))).toBe(false)

    await s.setPlainTextAccepted(true)
    await s.set('secret:p:LTAI1', 'hunter2')
    expect(await s.get('secret:p:LTAI1')).toBe('hunter2')
    const choice = JSON.parse(fs.readFileSync(path.join(dir, 'secret-storage.json'), 'utf8'))
    expect(choice.acceptPlainText).toBe(true)
    expect(Date.parse(choice.decidedAt)).toBeGreaterThan(Date.now() - 60_000)
    // What "plain text" means: the shared key reads it straight from the file.
    expect(readWithHardCodedKey(dir, f.hardCoded)).toEqual({ 'secret:p:LTAI1': 'hunter2' })

    // A new instance (next launch) keeps the choice.
    const again = make()
    expect(await again.get('secret:p:LTAI1')).toBe('hunter2')
    expect(await again.status()).toMatchObject({
      usable: true,
      plainTextAccepted: true,
      stored: 1,
      storedPlainText: 1,
    })
  })

  it('revoking deletes the secrets saved in plain text and refuses new ones', async () => {
    const dir = newDir()
    const f = fakeSafeStorage({ backend: 'basic_text' })
    const s = createSafeStorageSecretStore({
      safeStorage: f.safeStorage,
      dataDir: dir,
      platform: 'linux',
    })
    await s.setPlainTextAccepted(true)
    await s.set('secret:a:K1', 'one')
    await s.set('token:a:K1', 'two')
    await s.setPlainTextAccepted(false)
    expect(await s.status()).toMatchObject({
      usable: false,
      plainTextAccepted: false,
      decidedAt: expect.any(String),
      stored: 0,
      storedPlainText: 0,
    })
    expect(await s.get('secret:a:K1')).toBeNull()
    expect(readWithHardCodedKey(dir, f.hardCoded)).toEqual({})
    expect(fs.readFileSync(path.join(dir, 'secrets.enc.json'), 'utf8')).not.toContain('one')
    await expect(s.set('secret:a:K1', 'one')).rejects.toMatchObject({
      code: 'InsecureSecretStore',
    })
  })

  it('a keyring installed since: plain-text secrets are re-encrypted with it (on read, or on revoke)', async () => {
    const dir = newDir()
    const f = fakeSafeStorage({ backend: 'basic_text' })
    const s = createSafeStorageSecretStore({
      safeStorage: f.safeStorage,
      dataDir: dir,
      platform: 'linux',
    })
    await s.setPlainTextAccepted(true)
    await s.set('secret:a:K1', 'one')
    await s.set('secret:b:K2', 'two')
    // GNOME Keyring installed, Loupe restarted.
    f.state.backend = 'gnome_libsecret'
    expect(await s.status()).toMatchObject({
      backend: 'gnome_libsecret',
      secure: true,
      usable: true,
      plainTextFallback: false,
      stored: 2,
      storedPlainText: 2,
    })
    expect(await s.get('secret:a:K1')).toBe('one')
    expect(readWithHardCodedKey(dir, f.hardCoded)).toEqual({ 'secret:b:K2': 'two' })
    expect((await s.status()).storedPlainText).toBe(1)
    // Revoking now moves the rest under the keyring instead of deleting it.
    await s.setPlainTextAccepted(false)
    expect(readWithHardCodedKey(dir, f.hardCoded)).toEqual({})
    expect(await s.get('secret:b:K2')).toBe('two')
    expect(await s.status()).toMatchObject({ stored: 2, storedPlainText: 0 })
  })

  it('a secure backend needs no decision; no keychain at all is SecretStoreUnavailable', async () => {
    const dir = newDir()
    const good = fakeSafeStorage({ backend: 'kwallet6' })
    const s = createSafeStorageSecretStore({
      safeStorage: good.safeStorage,
      dataDir: dir,
      platform: 'linux',
    })
    await s.set('secret:a:K1', 'one')
    expect(await s.get('secret:a:K1')).toBe('one')
    expect(await s.status()).toMatchObject({ backend: 'kwallet6', secure: true, usable: true })
    expect(s.describe()).toEqual({ name: 'safeStorage (kwallet6)', secure: true })

    const locked = fakeSafeStorage({ backend: 'gnome_libsecret', available: false })
    const l = createSafeStorageSecretStore({
      safeStorage: locked.safeStorage,
      dataDir: newDir(),
      platform: 'linux',
    })
    expect(await l.status()).toMatchObject({ secure: false, usable: false })
    await expect(l.set('secret:a:K1', 'x')).rejects.toMatchObject({
      code: 'SecretStoreUnavailable',
    })
    // macOS / Windows: the OS keychain; there is no plain-text choice to make.
    const mac = createSafeStorageSecretStore({
      safeStorage: fakeSafeStorage({ backend: 'unknown' }).safeStorage,
      dataDir: newDir(),
      platform: 'darwin',
    })
    expect(await mac.status()).toMatchObject({ backend: 'keychain', secure: true })
    await expect(mac.setPlainTextAccepted(true)).rejects.toMatchObject({
      code: 'NoPlainTextChoice',
    })
  })

  it('a data folder from before the choice existed: its basic_text secrets wait for a decision', async () => {
    const dir = newDir()
    const f = fakeSafeStorage({ backend: 'basic_text' })
    const enc = (await f.safeStorage.encryptStringAsync('old')).toString('base64')
    fs.writeFileSync(
      path.join(dir, 'secrets.enc.json'),
      JSON.stringify({ 'secret:a:K1': enc, _backend: 'basic_text' }),
    )
    const s = createSafeStorageSecretStore({
      safeStorage: f.safeStorage,
      dataDir: dir,
      platform: 'linux',
    })
    expect(await s.status()).toMatchObject({ stored: 1, storedPlainText: 1, decidedAt: null })
    await expect(s.get('secret:a:K1')).rejects.toMatchObject({ code: 'InsecureSecretStore' })
    await s.setPlainTextAccepted(true)
    expect(await s.get('secret:a:K1')).toBe('old')
  })

  it('the core’s secrets.* methods answer with the store’s status and make the choice', async () => {
    const dir = newDir()
    const f = fakeSafeStorage({ backend: 'basic_text' })
    const core = createCore({
      dataDir: dir,
      host: 'electron',
      secrets: createSafeStorageSecretStore({
        safeStorage: f.safeStorage,
        dataDir: dir,
        platform: 'linux',
      }),
    })
    try {
      const st = (await core.dispatch('secrets.status', {})) as { result: { usable: boolean } }
      expect(st.result.usable).toBe(false)
      // Saving a cloud profile is refused with the hint to Settings → Security…
      const cloud = {
        kind: 'cloud',
        name: 'shop',
        cloud: {
          instanceName: 'inst',
          region: 'cn-shanghai',
          accessKeyId: 'LTAI-k',
          accessKeySecret: 'sekret-0123',
        },
      }
      const refused = (await core.dispatch('profiles.create', cloud)) as {
        error?: { code: string; hint?: string }
      }
      expect(refused.error?.code).toBe('InsecureSecretStore')
      expect(refused.error?.hint).toContain('Settings → Security')
      const none = (await core.dispatch('profiles.list', {})) as {
        result: { profiles: { name: string }[] }
      }
      expect(none.result.profiles.map((p) => p.name)).toEqual(['local'])
      // …until the risk is accepted there.
      const acc = (await core.dispatch('secrets.setPlainText', { accept: true })) as {
        result: { usable: boolean; plainTextAccepted: boolean }
      }
      expect(acc.result).toMatchObject({ usable: true, plainTextAccepted: true })
      const created = (await core.dispatch('profiles.create', cloud)) as { error?: unknown }
      expect(created.error).toBeUndefined()
      const after = (await core.dispatch('secrets.status', {})) as { result: { stored: number } }
      expect(after.result.stored).toBe(1)
      // Revoking removes it; the profile stays and asks for its secret again.
      const rev = (await core.dispatch('secrets.setPlainText', { accept: false })) as {
        result: { stored: number; usable: boolean }
      }
      expect(rev.result).toMatchObject({ stored: 0, usable: false })
      const list = (await core.dispatch('profiles.list', {})) as {
        result: { profiles: { name: string; cloud?: { hasSecret: boolean } }[] }
      }
      expect(list.result.profiles.find((p) => p.name === 'shop')?.cloud?.hasSecret).toBe(false)
      const bad = (await core.dispatch('secrets.setPlainText', { accept: 'yes' })) as {
        error?: { code: string }
      }
      expect(bad.error?.code).toBe('InvalidArgument')
    } finally {
      await core.close()
    }
  })
})
