import fs from 'node:fs'
import path from 'node:path'
import type { SafeStorage } from 'electron'
import type { SecretStore } from '../core/profiles/secrets'
import { EngineError } from '../core/engines/errors'

/**
 * The desktop SecretStore on Electron's safeStorage (async API). Values are encrypted by the OS
 * keychain's key and kept in `<dataDir>/secrets.enc.json`. On Linux, the `basic_text` backend
 * (a hard-coded key: no real protection) is refused unless the user explicitly accepted the risk.
 */
export function createSafeStorageSecretStore(opts: {
  safeStorage: SafeStorage
  dataDir: string
  platform?: NodeJS.Platform
  acceptPlainText?: () => boolean
}): SecretStore {
  const file = path.join(opts.dataDir, 'secrets.enc.json')
  const platform = opts.platform ?? process.platform
  const backend = () =>
    platform === 'linux' ? opts.safeStorage.getSelectedStorageBackend() : 'os-keychain'
  const load = (): Record<string, string> => {
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>
    } catch {
      return {}
    }
  }
  const save = (d: Record<string, string>) => {
    fs.mkdirSync(path.dirname(file), { recursive: true })
    const tmp = file + '.tmp'
    fs.writeFileSync(tmp, JSON.stringify({ ...d, _backend: backend() }, null, 2), { mode: 0o600 })
    fs.renameSync(tmp, file)
  }
  async function ensureUsable() {
    if (!(await opts.safeStorage.isAsyncEncryptionAvailable())) {
      throw new EngineError('SecretStoreUnavailable', 'The system keychain is not available', {
        hint: 'Unlock or install a keyring (GNOME Keyring, KWallet), then try again.',
      })
    }
    if (platform === 'linux' && backend() === 'basic_text' && !opts.acceptPlainText?.()) {
      throw new EngineError(
        'InsecureSecretStore',
        'No system keyring was found: secrets would be stored with a hard-coded key',
        { hint: 'Install GNOME Keyring or KWallet, or accept the risk in Settings → Security.' },
      )
    }
  }
  return {
    async get(ref) {
      const enc = load()[ref]
      if (!enc) return null
      await ensureUsable()
      const r = await opts.safeStorage.decryptStringAsync(Buffer.from(enc, 'base64'))
      if (r.shouldReEncrypt) {
        const d = load()
        d[ref] = (await opts.safeStorage.encryptStringAsync(r.result)).toString('base64')
        save(d)
      }
      return r.result
    },
    async set(ref, value) {
      await ensureUsable()
      const d = load()
      d[ref] = (await opts.safeStorage.encryptStringAsync(value)).toString('base64')
      save(d)
    },
    async delete(ref) {
      const d = load()
      if (ref in d) {
        delete d[ref]
        save(d)
      }
    },
    describe() {
      const b = backend()
      return { name: `safeStorage (${b})`, secure: b !== 'basic_text' && b !== 'unknown' }
    },
  }
}
