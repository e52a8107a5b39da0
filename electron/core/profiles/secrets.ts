/**
 * The SecretStore port: where AccessKey secrets live. The core only ever asks for a secret by its
 * reference when it builds a cloud engine; nothing else reads them, and no API answer carries them.
 * Implementations live in the hosts (Electron safeStorage, headless 0600 file + environment).
 */
export interface SecretStore {
  get(ref: string): Promise<string | null>
  set(ref: string, value: string): Promise<void>
  delete(ref: string): Promise<void>
  /** Which backend protects the secrets, and whether it is considered secure. */
  describe(): { name: string; secure: boolean }
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
  }
}

/** Show only the first 4 and last 3 characters of an AccessKey id. */
export function maskKeyId(id: string): string {
  if (id.length <= 8) return id.slice(0, 2) + '****'
  return `${id.slice(0, 4)}****${id.slice(-3)}`
}
