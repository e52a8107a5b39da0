import fs from 'node:fs'
import path from 'node:path'
import { readJson, writeFileAtomic } from '../util/fsx'
import { noPlainTextChoice, type SecretStore } from './secrets'

export const ENV_KEY_ID = 'ALIBABA_CLOUD_ACCESS_KEY_ID'
export const ENV_KEY_SECRET = 'ALIBABA_CLOUD_ACCESS_KEY_SECRET'
export const ENV_TOKEN = 'ALIBABA_CLOUD_SECURITY_TOKEN'

/**
 * The headless host's SecretStore: a JSON file created with mode 0600 in the data dir, plus the
 * official SDK's environment variables. A reference `env:<keyId>` resolves to
 * ALIBABA_CLOUD_ACCESS_KEY_SECRET when ALIBABA_CLOUD_ACCESS_KEY_ID equals that key id.
 */
export function createFileSecretStore(
  dataDir: string,
  env: NodeJS.ProcessEnv = process.env,
): SecretStore & { file: string } {
  const file = path.join(dataDir, 'secrets.json')
  const load = (): Record<string, string> => {
    const data = readJson<Record<string, string>>(file) ?? {}
    return data
  }
  const save = (data: Record<string, string>) => {
    writeFileAtomic(file, JSON.stringify(data, null, 2), 0o600)
  }
  /** Readable by its owner only (true while the file does not exist yet). */
  const privateFile = () => {
    let mode = 0o600
    try {
      mode = fs.statSync(file).mode & 0o777
    } catch {
      /* not created yet */
    }
    return (mode & 0o077) === 0
  }
  return {
    file,
    async get(ref) {
      const stored = load()[ref]
      if (stored) return stored
      return fromEnv(ref, env)
    },
    async set(ref, value) {
      const data = load()
      data[ref] = value
      save(data)
    },
    async delete(ref) {
      const data = load()
      if (ref in data) {
        delete data[ref]
        save(data)
      }
    },
    describe() {
      return { name: 'file (0600)', secure: privateFile() }
    },
    async status() {
      return {
        backend: 'file',
        secure: privateFile(),
        usable: true,
        plainTextFallback: false,
        plainTextAccepted: false,
        decidedAt: null,
        stored: Object.keys(load()).length,
        storedPlainText: 0,
        file,
      }
    },
    async setPlainTextAccepted() {
      throw noPlainTextChoice()
    },
  }
}

/** `secret:<profile>:<keyId>` → the env secret when the env key id matches. */
export function fromEnv(ref: string, env: NodeJS.ProcessEnv): string | null {
  const keyId = ref.split(':').slice(2).join(':')
  const tokenRef = ref.startsWith('token:')
  if (!env[ENV_KEY_ID] || env[ENV_KEY_ID] !== keyId) return null
  if (tokenRef) return env[ENV_TOKEN] ?? null
  return env[ENV_KEY_SECRET] ?? null
}
