import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  createTokenStore,
  TOKENS_FILE,
  TOKENS_USED_FILE,
} from '../../../../electron/core/auth/tokens'
import { CoreError } from '../../../../electron/core/errors'
import { tempDir, walkFiles } from '../../../helpers/tmp'

describe('access token store', () => {
  const t = tempDir()
  afterAll(() => t.cleanup())

  it('keeps only the SHA-256 of a token, in a 0600 file, and shows the token once', () => {
    const store = createTokenStore(t.dir)
    const a = store.create({ name: 'alice laptop' })
    expect(a.token).toMatch(/^loupe_[A-Za-z0-9_-]{43}$/)
    // 32 random bytes.
    expect(Buffer.from(a.token.slice(6), 'base64url')).toHaveLength(32)
    expect(a).toMatchObject({ name: 'alice laptop', scope: 'full', lastUsedAt: null })
    const file = path.join(t.dir, TOKENS_FILE)
    if (process.platform !== 'win32') expect(fs.statSync(file).mode & 0o777).toBe(0o600)
    const text = fs.readFileSync(file, 'utf8')
    expect(text).not.toContain(a.token)
    expect(text).not.toContain(a.token.slice(6))
    expect(text).toContain(crypto.createHash('sha256').update(a.token).digest('hex'))
    // Nowhere on disk at all.
    for (const f of walkFiles(t.dir)) expect(fs.readFileSync(f, 'utf8')).not.toContain(a.token)
    // Listings never carry it.
    expect(JSON.stringify(store.list())).not.toContain(a.token)
    expect(store.list()).toEqual([
      { id: a.id, name: 'alice laptop', scope: 'full', createdAt: a.createdAt, lastUsedAt: null },
    ])
  })

  it('verifies the right token only, with its scope', () => {
    const store = createTokenStore(t.dir)
    const ro = store.create({ name: 'viewer', scope: 'read' })
    const full = store.list().find((x) => x.scope === 'full')!
    expect(store.verify(ro.token)).toMatchObject({ id: ro.id, scope: 'read' })
    expect(store.verify(ro.token + 'x')).toBeNull()
    expect(store.verify(ro.token.slice(0, -1))).toBeNull()
    expect(store.verify('')).toBeNull()
    expect(store.verify('x'.repeat(10_000))).toBeNull()
    // A flipped character anywhere is a different token.
    const flipped = ro.token.slice(0, 10) + (ro.token[10] === 'A' ? 'B' : 'A') + ro.token.slice(11)
    expect(store.verify(flipped)).toBeNull()
    expect(store.get(full.id)).toMatchObject({ scope: 'full' })
    // Two tokens are different and hash differently.
    const again = store.create({ scope: 'read' })
    expect(again.token).not.toBe(ro.token)
    expect(again.id).not.toBe(ro.id)
    expect(again.name).toMatch(/^token \d+$/)
  })

  it('records the last use in a separate 0600 file, never in tokens.json', () => {
    const store = createTokenStore(t.dir)
    const x = store.create({ name: 'touch me' })
    const before = fs.readFileSync(path.join(t.dir, TOKENS_FILE), 'utf8')
    store.touch(x.id, 1_700_000_000_000)
    expect(fs.readFileSync(path.join(t.dir, TOKENS_FILE), 'utf8')).toBe(before)
    expect(store.list().find((y) => y.id === x.id)?.lastUsedAt).toBe(1_700_000_000_000)
    if (process.platform !== 'win32') {
      expect(fs.statSync(path.join(t.dir, TOKENS_USED_FILE)).mode & 0o777).toBe(0o600)
    }
  })

  it('revokes: the token stops verifying, in this store and in another one on the same file', () => {
    const host = createTokenStore(t.dir)
    const cli = createTokenStore(t.dir)
    const x = cli.create({ name: 'to revoke' })
    expect(host.verify(x.token)?.id).toBe(x.id)
    expect(cli.revoke(x.id)).toBe(true)
    expect(host.verify(x.token)).toBeNull()
    expect(host.get(x.id)).toBeNull()
    expect(cli.revoke(x.id)).toBe(false)
    expect(host.list().some((y) => y.id === x.id)).toBe(false)
  })

  it('tightens a loosened file and reports a damaged one as TokenStoreCorrupt', () => {
    const d = tempDir()
    try {
      const store = createTokenStore(d.dir)
      const x = store.create()
      const file = path.join(d.dir, TOKENS_FILE)
      if (process.platform !== 'win32') {
        fs.chmodSync(file, 0o644)
        expect(store.verify(x.token)?.id).toBe(x.id)
        expect(fs.statSync(file).mode & 0o777).toBe(0o600)
      }
      fs.writeFileSync(file, '{"tokens": [{"id": "x"}]}')
      expect(() => store.list()).toThrow(CoreError)
      try {
        store.verify(x.token)
      } catch (e) {
        expect((e as CoreError).code).toBe('TokenStoreCorrupt')
      }
      fs.writeFileSync(file, 'not json')
      expect(() => store.create()).toThrow(/damaged/)
    } finally {
      d.cleanup()
    }
  })
})
