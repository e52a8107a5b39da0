import fs from 'node:fs'
import path from 'node:path'
import crypto from 'node:crypto'
import type { SafeStorage } from 'electron'

/**
 * A stand-in for Electron's safeStorage on Linux (the binary cannot run here), modelled on
 * Chromium's OSCrypt: `basic_text` encrypts with a key every install shares ("v10"), a keyring with
 * a key of its own ("v11"); "v10" data still decrypts once a keyring is there, asking for a
 * re-encryption; "v11" data cannot be read without the keyring.
 */
export function fakeSafeStorage(init: { backend: string; available?: boolean }) {
  const state = { backend: init.backend, available: init.available ?? true }
  const hardCoded = crypto.createHash('sha256').update('peanuts').digest()
  const keyring = crypto.randomBytes(32)
  const seal = (key: Buffer, prefix: string, text: string) => {
    const iv = crypto.randomBytes(12)
    const c = crypto.createCipheriv('aes-256-gcm', key, iv)
    const body = Buffer.concat([c.update(text, 'utf8'), c.final()])
    return Buffer.concat([Buffer.from(prefix), iv, c.getAuthTag(), body])
  }
  const open = (key: Buffer, b: Buffer) => {
    const d = crypto.createDecipheriv('aes-256-gcm', key, b.subarray(3, 15))
    d.setAuthTag(b.subarray(15, 31))
    return Buffer.concat([d.update(b.subarray(31)), d.final()]).toString('utf8')
  }
  const ss = {
    getSelectedStorageBackend: () => state.backend,
    isAsyncEncryptionAvailable: async () => state.available,
    async encryptStringAsync(text: string) {
      if (!state.available) throw new Error('Encryption is not available')
      return state.backend === 'basic_text'
        ? seal(hardCoded, 'v10', text)
        : seal(keyring, 'v11', text)
    },
    async decryptStringAsync(b: Buffer) {
      const prefix = b.subarray(0, 3).toString()
      if (prefix === 'v10') {
        return { result: open(hardCoded, b), shouldReEncrypt: state.backend !== 'basic_text' }
      }
      if (state.backend === 'basic_text') throw new Error('Error while decrypting the ciphertext')
      return { result: open(keyring, b), shouldReEncrypt: false }
    },
  }
  return { state, safeStorage: ss as unknown as SafeStorage, hardCoded }
}

/** What anyone who can read the data folder gets from secrets.enc.json with the shared key. */
export function readWithHardCodedKey(dir: string, hardCoded: Buffer): Record<string, string> {
  const d = JSON.parse(fs.readFileSync(path.join(dir, 'secrets.enc.json'), 'utf8')) as Record<
    string,
    unknown
  >
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(d)) {
    if (k.startsWith('_') || typeof v !== 'string') continue
    const b = Buffer.from(v, 'base64')
    if (b.subarray(0, 3).toString() !== 'v10') continue
    const dec = crypto.createDecipheriv('aes-256-gcm', hardCoded, b.subarray(3, 15))
    dec.setAuthTag(b.subarray(15, 31))
    out[k] = Buffer.concat([dec.update(b.subarray(31)), dec.final()]).toString('utf8')
  }
  return out
}
