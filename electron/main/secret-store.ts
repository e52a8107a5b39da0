import path from 'node:path'
import type { SafeStorage } from 'electron'
import { noPlainTextChoice, type SecretStatus, type SecretStore } from '../core/profiles/secrets'
import { CoreError } from '../core/errors'
import { readJson, writeFileAtomic } from '../core/util/fsx'

/** The user's answer to "store secrets with the plain-text fallback?" (Settings → Security). */
export interface SecretStorageChoice {
  acceptPlainText: boolean
  /** ISO 8601. */
  decidedAt: string
}

/** `secrets.enc.json`: ref → base64 ciphertext, plus `_`-prefixed bookkeeping. */
interface SecretsFile {
  [ref: string]: unknown
  /** The backend of the last write (kept for diagnostics). */
  _backend?: string
  /** Refs saved with the plain-text fallback (`basic_text`). */
  _plainText?: string[]
}

export const CHOICE_FILE = 'secret-storage.json'
export const SECRETS_FILE = 'secrets.enc.json'

const REFUSED_HINT =
  'Install GNOME Keyring or KWallet and restart Loupe, or accept the risk in Settings → Security.'

/**
 * The desktop SecretStore on Electron's safeStorage (async API). Values are encrypted by the OS
 * keychain's key and kept in `<dataDir>/secrets.enc.json`. On Linux without a keyring, safeStorage
 * falls back to `basic_text` (a key hard-coded in Electron: anyone who can read the file can read
 * the secrets); Loupe refuses it until the user accepts it in Settings → Security, a choice kept in
 * `<dataDir>/secret-storage.json`. Revoking it takes the secrets saved that way off the disk
 * (re-encrypted with a keyring if one is there now, deleted otherwise).
 */
export function createSafeStorageSecretStore(opts: {
  safeStorage: SafeStorage
  dataDir: string
  platform?: NodeJS.Platform
}): SecretStore {
  const file = path.join(opts.dataDir, SECRETS_FILE)
  const choiceFile = path.join(opts.dataDir, CHOICE_FILE)
  const platform = opts.platform ?? process.platform
  const ss = opts.safeStorage

  const backend = (): string => {
    if (platform === 'linux') return ss.getSelectedStorageBackend()
    if (platform === 'darwin') return 'keychain'
    if (platform === 'win32') return 'dpapi'
    return 'unknown'
  }
  const plainNow = () => platform === 'linux' && backend() === 'basic_text'

  const readChoice = (): SecretStorageChoice | null => {
    try {
      const c = readJson<Partial<SecretStorageChoice>>(choiceFile)
      if (!c || typeof c.acceptPlainText !== 'boolean') return null
      return { acceptPlainText: c.acceptPlainText, decidedAt: String(c.decidedAt ?? '') }
    } catch {
      return null // unreadable: as if never asked (refusing is the safe side)
    }
  }

  const load = (): SecretsFile => {
    try {
      return readJson<SecretsFile>(file) ?? {}
    } catch {
      return {}
    }
  }
  const refs = (d: SecretsFile) =>
    Object.keys(d).filter((k) => !k.startsWith('_') && typeof d[k] === 'string')
  /** Refs saved in plain text (a file from before `_plainText` existed: all, if it said so). */
  const plainRefs = (d: SecretsFile): Set<string> => {
    const all = refs(d)
    if (Array.isArray(d._plainText)) return new Set(d._plainText.filter((r) => all.includes(r)))
    return new Set(d._backend === 'basic_text' ? all : [])
  }
  const save = (d: SecretsFile, plain: Set<string>) => {
    const out: SecretsFile = {}
    for (const r of refs(d)) out[r] = d[r]
    out._backend = backend()
    out._plainText = [...plain].filter((r) => r in out)
    writeFileAtomic(file, JSON.stringify(out, null, 2), 0o600)
  }

  async function ensureUsable() {
    if (!(await ss.isAsyncEncryptionAvailable())) {
      throw new CoreError('SecretStoreUnavailable', 'The system keychain is not available', {
        hint: 'Unlock or install a keyring (GNOME Keyring, KWallet), then restart Loupe.',
      })
    }
    if (plainNow() && !readChoice()?.acceptPlainText) {
      throw new CoreError(
        'InsecureSecretStore',
        'No system keyring was found: secrets would be stored with a hard-coded key',
        { hint: REFUSED_HINT },
      )
    }
  }

  async function encrypt(value: string): Promise<string> {
    return (await ss.encryptStringAsync(value)).toString('base64')
  }

  return {
    async get(ref) {
      const d = load()
      const enc = d[ref]
      if (typeof enc !== 'string' || ref.startsWith('_')) return null
      await ensureUsable()
      const r = await ss.decryptStringAsync(Buffer.from(enc, 'base64'))
      const plain = plainRefs(d)
      // Re-encrypt when safeStorage asks, or when a keyring now protects what was saved in plain
      // text (e.g. GNOME Keyring installed since).
      if (r.shouldReEncrypt || (plain.has(ref) && !plainNow())) {
        const now = load()
        now[ref] = await encrypt(r.result)
        const p = plainRefs(now)
        if (plainNow()) p.add(ref)
        else p.delete(ref)
        save(now, p)
      }
      return r.result
    },
    async set(ref, value) {
      if (ref.startsWith('_')) throw new CoreError('InvalidArgument', 'Invalid secret reference')
      await ensureUsable()
      const enc = await encrypt(value)
      const d = load()
      const plain = plainRefs(d)
      d[ref] = enc
      if (plainNow()) plain.add(ref)
      else plain.delete(ref)
      save(d, plain)
    },
    async delete(ref) {
      const d = load()
      if (ref in d && !ref.startsWith('_')) {
        const plain = plainRefs(d)
        delete d[ref]
        plain.delete(ref)
        save(d, plain)
      }
    },
    describe() {
      const b = backend()
      return { name: `safeStorage (${b})`, secure: b !== 'basic_text' && b !== 'unknown' }
    },
    async status(): Promise<SecretStatus> {
      const available = await ss.isAsyncEncryptionAvailable()
      const b = backend()
      const fallback = plainNow()
      const choice = readChoice()
      const d = load()
      return {
        backend: b,
        secure: available && !fallback && b !== 'unknown',
        usable: available && (!fallback || !!choice?.acceptPlainText),
        plainTextFallback: fallback,
        plainTextAccepted: !!choice?.acceptPlainText,
        decidedAt: choice?.decidedAt || null,
        stored: refs(d).length,
        storedPlainText: plainRefs(d).size,
        file,
      }
    },
    async setPlainTextAccepted(accept) {
      if (platform !== 'linux') throw noPlainTextChoice()
      const choice: SecretStorageChoice = {
        acceptPlainText: accept,
        decidedAt: new Date().toISOString(),
      }
      writeFileAtomic(choiceFile, JSON.stringify(choice, null, 2) + '\n', 0o600)
      if (accept) return
      // Revoked: no secret stays on disk under the hard-coded key. With a keyring available now
      // they are re-encrypted with it; otherwise they are deleted, and their profiles ask for the
      // AccessKey secret again (saving it needs a keyring, or accepting again).
      const d = load()
      const plain = plainRefs(d)
      if (!plain.size) return
      const keyring = !plainNow() && (await ss.isAsyncEncryptionAvailable())
      for (const r of plain) {
        try {
          if (!keyring) throw new Error('no keyring')
          const v = await ss.decryptStringAsync(Buffer.from(String(d[r]), 'base64'))
          d[r] = await encrypt(v.result)
        } catch {
          delete d[r]
        }
      }
      save(d, new Set())
    },
  }
}
