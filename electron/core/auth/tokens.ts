import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { CoreError } from '../errors'
import { writeFileAtomic } from '../util/fsx'

/**
 * Access tokens of the headless host's remote mode (`loupe serve --host …`): who may sign in to
 * the UI and the contract over HTTP. A token is 32 random bytes (base64url, prefixed `loupe_`),
 * shown once when it is created; the store keeps only its SHA-256 and compares in constant time.
 * Each token has a scope: `read` (search, gallery browsing, viewing jobs and tasks) or `full`.
 *
 * Files in `dataDir` (both 0600): `tokens.json` — the tokens, written only by `loupe tokens …`
 * and by `loupe serve` when it creates the first one — and `tokens-used.json`, when each was last
 * used, written only by the host (so a host never writes back a token the CLI just revoked).
 * Not a method of the contract: a browser must not be able to mint tokens.
 */
export type TokenScope = 'read' | 'full'
export const TOKEN_SCOPES: readonly TokenScope[] = ['read', 'full']

export interface TokenInfo {
  id: string
  name: string
  scope: TokenScope
  /** ms since the epoch */
  createdAt: number
  /** ms since the epoch of the last sign-in with it, or null */
  lastUsedAt: number | null
}

export interface CreatedToken extends TokenInfo {
  /** Shown once: the store keeps only its hash. */
  token: string
}

interface StoredToken {
  id: string
  name: string
  scope: TokenScope
  createdAt: number
  /** SHA-256 of the token, hex */
  hash: string
}

interface TokenFile {
  version: 1
  tokens: StoredToken[]
}

export const TOKENS_FILE = 'tokens.json'
export const TOKENS_USED_FILE = 'tokens-used.json'
export const TOKEN_PREFIX = 'loupe_'
const ID_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789'

export interface TokenStore {
  readonly file: string
  create(opts?: { name?: string; scope?: TokenScope }): CreatedToken
  list(): TokenInfo[]
  /** False when no token has this id. */
  revoke(id: string): boolean
  /** The token a secret belongs to (constant-time comparison), or null. */
  verify(secret: string): TokenInfo | null
  /** The token of this id as the file says now (re-read when it changed), or null when revoked. */
  get(id: string): TokenInfo | null
  /** Records a sign-in with the token (in `tokens-used.json`). */
  touch(id: string, at?: number): void
}

function sha256(s: string): Buffer {
  return crypto.createHash('sha256').update(s, 'utf8').digest()
}

function newId(): string {
  let out = ''
  for (const b of crypto.randomBytes(10)) out += ID_ALPHABET[b % ID_ALPHABET.length]
  return out
}

export function createTokenStore(dataDir: string): TokenStore {
  const file = path.join(dataDir, TOKENS_FILE)
  const usedFile = path.join(dataDir, TOKENS_USED_FILE)
  let cache: { key: string; data: TokenFile } | null = null

  function corrupt(why: string): CoreError {
    return new CoreError('TokenStoreCorrupt', `The access token file ${file} is damaged: ${why}`, {
      details: { file },
    })
  }

  function read(): TokenFile {
    let st: fs.Stats
    try {
      st = fs.statSync(file)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, tokens: [] }
      throw e
    }
    const key = `${st.ino}:${st.mtimeMs}:${st.size}:${st.ctimeMs}`
    if (cache?.key === key) return cache.data
    let parsed: unknown
    try {
      parsed = JSON.parse(fs.readFileSync(file, 'utf8'))
    } catch (e) {
      throw corrupt((e as Error).message)
    }
    const tokens = (parsed as Partial<TokenFile> | null)?.tokens
    if (!Array.isArray(tokens)) throw corrupt('no list of tokens')
    const valid = tokens.filter(
      (t): t is StoredToken =>
        !!t &&
        typeof t.id === 'string' &&
        typeof t.hash === 'string' &&
        /^[0-9a-f]{64}$/.test(t.hash) &&
        (t.scope === 'read' || t.scope === 'full'),
    )
    if (valid.length !== tokens.length) throw corrupt('an entry is malformed')
    // Keep the file private even when someone loosened it.
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      try {
        fs.chmodSync(file, 0o600)
      } catch {
        /* best effort */
      }
    }
    cache = { key, data: { version: 1, tokens: valid } }
    return cache.data
  }

  function write(data: TokenFile): void {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 })
    writeFileAtomic(file, JSON.stringify(data, null, 2) + '\n', 0o600)
    cache = null
  }

  function used(): Record<string, number> {
    try {
      const o = JSON.parse(fs.readFileSync(usedFile, 'utf8')) as unknown
      return o && typeof o === 'object' ? (o as Record<string, number>) : {}
    } catch {
      return {}
    }
  }

  function info(t: StoredToken, lastUsed: Record<string, number>): TokenInfo {
    const at = lastUsed[t.id]
    return {
      id: t.id,
      name: t.name,
      scope: t.scope,
      createdAt: t.createdAt,
      lastUsedAt: typeof at === 'number' ? at : null,
    }
  }

  return {
    file,
    create(o = {}) {
      const data = read()
      let id: string
      do id = newId()
      while (data.tokens.some((t) => t.id === id))
      const token = TOKEN_PREFIX + crypto.randomBytes(32).toString('base64url')
      const stored: StoredToken = {
        id,
        name: (o.name ?? '').trim() || `token ${data.tokens.length + 1}`,
        scope: o.scope ?? 'full',
        createdAt: Date.now(),
        hash: sha256(token).toString('hex'),
      }
      write({ version: 1, tokens: [...data.tokens, stored] })
      return { ...info(stored, {}), token }
    },
    list() {
      const lastUsed = used()
      return read().tokens.map((t) => info(t, lastUsed))
    },
    revoke(id) {
      const data = read()
      const tokens = data.tokens.filter((t) => t.id !== id)
      if (tokens.length === data.tokens.length) return false
      write({ version: 1, tokens })
      return true
    },
    verify(secret) {
      if (typeof secret !== 'string' || secret.length > 512) return null
      const h = sha256(secret.trim())
      let found: StoredToken | null = null
      // Every stored hash is compared (no early exit), each comparison in constant time.
      for (const t of read().tokens) {
        if (crypto.timingSafeEqual(h, Buffer.from(t.hash, 'hex')) && !found) found = t
      }
      return found ? info(found, used()) : null
    },
    get(id) {
      const t = read().tokens.find((x) => x.id === id)
      return t ? info(t, {}) : null
    },
    touch(id, at = Date.now()) {
      const lastUsed = used()
      lastUsed[id] = at
      for (const k of Object.keys(lastUsed))
        if (!read().tokens.some((t) => t.id === k)) delete lastUsed[k]
      try {
        writeFileAtomic(usedFile, JSON.stringify(lastUsed) + '\n', 0o600)
      } catch {
        /* the last-used time is informative only */
      }
    },
  }
}
