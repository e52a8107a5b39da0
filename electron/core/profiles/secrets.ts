import type { SecretStatus } from '../../api/domains/secrets'
import { CoreError } from '../errors'

export type { SecretStatus }

/**
 * The SecretStore port: where AccessKey secrets live. The core only ever asks for a secret by its
 * reference when it builds a cloud engine; nothing else reads them, and no API answer carries them.
 * Implementations live in the hosts (Electron safeStorage, headless 0600 file + environment).
 * Every method but `describe` is async with JSON-serialisable arguments and results, so a host may
 * forward them from the core's process to the one holding the keychain.
 */
export interface SecretStore {
  get(ref: string): Promise<string | null>
  set(ref: string, value: string): Promise<void>
  delete(ref: string): Promise<void>
  /** Which backend protects the secrets, and whether it is considered secure. */
  describe(): { name: string; secure: boolean }
  /** How the secrets are protected, for Settings → Security (never carries a secret). */
  status(): Promise<SecretStatus>
  /**
   * Accept, or revoke, storing secrets with the Linux plain-text fallback (a key hard-coded in
   * Electron). The choice persists. Revoking deletes the secrets saved that way. Stores without
   * such a fallback reject with NoPlainTextChoice.
   */
  setPlainTextAccepted(accept: boolean): Promise<void>
}

/** What a store without a plain-text fallback answers to setPlainTextAccepted. */
export function noPlainTextChoice(): CoreError {
  return new CoreError(
    'NoPlainTextChoice',
    'This secret store has no plain-text fallback to accept or revoke',
    { hint: 'Only the desktop app on Linux without a keyring offers this choice.' },
  )
}

/** A secret store that keeps values in memory only (tests, or `--no-persist`). */
export function createMemorySecretStore(): SecretStore {
  const m = new Map<string, string>()
  return {
    async get(ref) {
      return m.get(ref) ?? null
    },
    async set(ref, value) {
      m.set(ref, value)
    },
    async delete(ref) {
      m.delete(ref)
    },
    describe: () => ({ name: 'memory', secure: true }),
    async status() {
      return {
        backend: 'memory',
        secure: true,
        usable: true,
        plainTextFallback: false,
        plainTextAccepted: false,
        decidedAt: null,
        stored: m.size,
        storedPlainText: 0,
        file: null,
      }
    },
    async setPlainTextAccepted() {
      throw noPlainTextChoice()
    },
  }
}

/** Show only the first 4 and last 3 characters of an AccessKey id. */
export function maskKeyId(id: string): string {
  if (id.length <= 8) return id.slice(0, 2) + '****'
  return `${id.slice(0, 4)}****${id.slice(-3)}`
}
