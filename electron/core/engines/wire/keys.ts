import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { EngineError } from '../errors'

/**
 * AccessKeys for the engine API (the wire server). Two sources:
 * - the environment: `LOUPE_ACCESS_KEY_ID` + `LOUPE_ACCESS_KEY_SECRET` (one key, not revocable here);
 * - managed keys, created and revoked through this store. HMAC verification needs the secret
 *   itself, so secrets are stored encrypted (AES-256-GCM, the key id as associated data) under a
 *   random 256-bit master key kept in a 0600 file beside them. A secret is returned once, at
 *   creation; listings show it masked.
 *
 * Files in `dataDir`: `access-keys.json` (0600) and `access-keys.master` (0600).
 */
export interface AccessKeyInfo {
  accessKeyId: string
  source: 'env' | 'managed'
  /** ms since the epoch; null for the environment key. */
  createdAt: number | null
  /** The secret masked: only its last four characters. */
  maskedSecret: string
  description?: string
}

export interface CreatedAccessKey {
  accessKeyId: string
  /** Shown once: it cannot be read back from the store's listings. */
  accessKeySecret: string
  createdAt: number
  description?: string
}

export interface KeyStore {
  lookup(accessKeyId: string): Promise<{ secret: string } | null>
  create(opts?: { description?: string }): Promise<CreatedAccessKey>
  list(): Promise<AccessKeyInfo[]>
  /** Returns false when no managed key has this id. The environment key cannot be revoked. */
  revoke(accessKeyId: string): Promise<boolean>
}

interface StoredKey {
  id: string
  createdAt: number
  description?: string
  /** base64 */
  iv: string
  tag: string
  data: string
  /** Last 4 characters of the secret, for listings. */
  tail: string
}

interface KeyFile {
  version: 1
  keys: StoredKey[]
}

export const KEYS_FILE = 'access-keys.json'
export const MASTER_KEY_FILE = 'access-keys.master'
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** Uniform random characters from the base62 alphabet (rejection sampling, no modulo bias). */
export function randomBase62(length: number): string {
  let out = ''
  while (out.length < length) {
    for (const b of crypto.randomBytes(length * 2)) {
      if (b < 248) out += ALPHABET[b % 62]
      if (out.length === length) break
    }
  }
  return out
}

export function maskSecret(secret: string): string {
  return '*'.repeat(Math.max(4, secret.length - 4)) + secret.slice(-4)
}

function writeFileAtomic(file: string, data: string | Buffer, mode: number): void {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`
  const fd = fs.openSync(tmp, 'w', mode)
  try {
    fs.writeFileSync(fd, data)
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
  fs.chmodSync(tmp, mode)
  fs.renameSync(tmp, file)
}

function tightenMode(file: string): void {
  try {
    if (process.platform !== 'win32' && (fs.statSync(file).mode & 0o077) !== 0) {
      fs.chmodSync(file, 0o600)
    }
  } catch {
    /* best effort */
  }
}

export function createKeyStore(dataDir: string, opts: { env?: NodeJS.ProcessEnv } = {}): KeyStore {
  const env = opts.env ?? process.env
  const keysFile = path.join(dataDir, KEYS_FILE)
  const masterFile = path.join(dataDir, MASTER_KEY_FILE)
  let master: Buffer | null = null
  let cache: { ino: number; mtimeMs: number; size: number; file: KeyFile } | null = null

  function envKey(): { id: string; secret: string } | null {
    const id = env.LOUPE_ACCESS_KEY_ID?.trim()
    const secret = env.LOUPE_ACCESS_KEY_SECRET?.trim()
    return id && secret ? { id, secret } : null
  }

  function masterKey(create: boolean): Buffer | null {
    if (master) return master
    try {
      const buf = fs.readFileSync(masterFile)
      if (buf.length !== 32) {
        throw new EngineError(
          'KeyStoreCorrupt',
          `The AccessKey master key file ${masterFile} is damaged.`,
          { httpStatus: 500 },
        )
      }
      tightenMode(masterFile)
      master = buf
      return master
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
    }
    if (!create) return null
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 })
    const key = crypto.randomBytes(32)
    try {
      fs.writeFileSync(masterFile, key, { mode: 0o600, flag: 'wx' })
      fs.chmodSync(masterFile, 0o600)
      master = key
    } catch (e) {
      // Another process created it first: use theirs.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
      master = null
      return masterKey(false)
    }
    return master
  }

  function readFile(): KeyFile {
    let st: fs.Stats
    try {
      st = fs.statSync(keysFile)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, keys: [] }
      throw e
    }
    if (cache && cache.ino === st.ino && cache.mtimeMs === st.mtimeMs && cache.size === st.size) {
      return cache.file
    }
    const parsed = JSON.parse(fs.readFileSync(keysFile, 'utf8')) as KeyFile
    if (!parsed || !Array.isArray(parsed.keys)) {
      throw new EngineError('KeyStoreCorrupt', `The AccessKey file ${keysFile} is damaged.`, {
        httpStatus: 500,
      })
    }
    cache = { ino: st.ino, mtimeMs: st.mtimeMs, size: st.size, file: parsed }
    return parsed
  }

  function writeFile(file: KeyFile): void {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 })
    writeFileAtomic(keysFile, JSON.stringify(file, null, 2) + '\n', 0o600)
    cache = null
  }

  function decrypt(k: StoredKey): string | null {
    const mk = masterKey(false)
    if (!mk) return null
    try {
      const d = crypto.createDecipheriv('aes-256-gcm', mk, Buffer.from(k.iv, 'base64'))
      d.setAAD(Buffer.from(k.id, 'utf8'))
      d.setAuthTag(Buffer.from(k.tag, 'base64'))
      return Buffer.concat([d.update(Buffer.from(k.data, 'base64')), d.final()]).toString('utf8')
    } catch {
      return null
    }
  }

  return {
    async lookup(accessKeyId) {
      const e = envKey()
      if (e && e.id === accessKeyId) return { secret: e.secret }
      const k = readFile().keys.find((x) => x.id === accessKeyId)
      if (!k) return null
      const secret = decrypt(k)
      return secret === null ? null : { secret }
    },

    async create(o = {}) {
      const mk = masterKey(true)!
      const file = readFile()
      const e = envKey()
      let id: string
      do id = 'LPK' + randomBase62(21)
      while (file.keys.some((k) => k.id === id) || e?.id === id)
      const secret = randomBase62(30)
      const iv = crypto.randomBytes(12)
      const c = crypto.createCipheriv('aes-256-gcm', mk, iv)
      c.setAAD(Buffer.from(id, 'utf8'))
      const data = Buffer.concat([c.update(secret, 'utf8'), c.final()])
      const createdAt = Date.now()
      const stored: StoredKey = {
        id,
        createdAt,
        ...(o.description ? { description: o.description } : {}),
        iv: iv.toString('base64'),
        tag: c.getAuthTag().toString('base64'),
        data: data.toString('base64'),
        tail: secret.slice(-4),
      }
      writeFile({ version: 1, keys: [...file.keys, stored] })
      return {
        accessKeyId: id,
        accessKeySecret: secret,
        createdAt,
        ...(o.description ? { description: o.description } : {}),
      }
    },

    async list() {
      const out: AccessKeyInfo[] = []
      const e = envKey()
      if (e) {
        out.push({
          accessKeyId: e.id,
          source: 'env',
          createdAt: null,
          maskedSecret: maskSecret(e.secret),
        })
      }
      for (const k of readFile().keys) {
        out.push({
          accessKeyId: k.id,
          source: 'managed',
          createdAt: k.createdAt,
          maskedSecret: '*'.repeat(26) + k.tail,
          ...(k.description ? { description: k.description } : {}),
        })
      }
      return out
    },

    async revoke(accessKeyId) {
      const e = envKey()
      if (e && e.id === accessKeyId) {
        throw new EngineError(
          'KeyFromEnvironment',
          'This AccessKey comes from LOUPE_ACCESS_KEY_ID / LOUPE_ACCESS_KEY_SECRET and cannot be revoked here.',
          { hint: 'Unset the environment variables and restart the server.' },
        )
      }
      const file = readFile()
      const keys = file.keys.filter((k) => k.id !== accessKeyId)
      if (keys.length === file.keys.length) return false
      writeFile({ version: 1, keys })
      return true
    },
  }
}
