import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Engine } from '../../../../../electron/core/engines/types'
import {
  createKeyStore,
  KEYS_FILE,
  MASTER_KEY_FILE,
} from '../../../../../electron/core/engines/wire/keys'
import { createWireHandler } from '../../../../../electron/core/engines/wire/server'
import { recordingEngine } from './recording-engine'
import { listen, makeClient, sdk, sdkError } from './sdk'

let dir: string
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-keys-'))
})
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true })
})

const mode = (f: string) => fs.statSync(f).mode & 0o777

describe('createKeyStore', () => {
  it('creates a key whose secret is shown once and found by lookup', async () => {
    const store = createKeyStore(dir, { env: {} })
    const k = await store.create({ description: 'CI pipeline' })
    expect(k.accessKeyId).toMatch(/^LPK[A-Za-z0-9]{21}$/)
    expect(k.accessKeySecret).toMatch(/^[A-Za-z0-9]{30}$/)
    expect(await store.lookup(k.accessKeyId)).toEqual({ secret: k.accessKeySecret })
    expect(await store.lookup('LPKunknown')).toBeNull()

    const list = await store.list()
    expect(list).toEqual([
      {
        accessKeyId: k.accessKeyId,
        source: 'managed',
        createdAt: k.createdAt,
        maskedSecret: '*'.repeat(26) + k.accessKeySecret.slice(-4),
        description: 'CI pipeline',
      },
    ])
    expect(JSON.stringify(list)).not.toContain(k.accessKeySecret)
  })

  it('stores secrets encrypted, in 0600 files, under a 256-bit master key', async () => {
    const store = createKeyStore(dir, { env: {} })
    const a = await store.create()
    const b = await store.create()
    expect(a.accessKeyId).not.toBe(b.accessKeyId)
    expect(a.accessKeySecret).not.toBe(b.accessKeySecret)
    const keysFile = path.join(dir, KEYS_FILE)
    const masterFile = path.join(dir, MASTER_KEY_FILE)
    expect(mode(keysFile)).toBe(0o600)
    expect(mode(masterFile)).toBe(0o600)
    expect(fs.readFileSync(masterFile)).toHaveLength(32)
    const text = fs.readFileSync(keysFile, 'utf8')
    expect(text).not.toContain(a.accessKeySecret)
    expect(text).not.toContain(b.accessKeySecret)
    expect(text).toContain(a.accessKeyId)
  })

  it('a ciphertext moved to another id, or a wrong master key, does not decrypt', async () => {
    const store = createKeyStore(dir, { env: {} })
    const a = await store.create()
    const b = await store.create()
    const keysFile = path.join(dir, KEYS_FILE)
    const file = JSON.parse(fs.readFileSync(keysFile, 'utf8'))
    // Swap the encrypted payloads: the id is authenticated data, so neither opens.
    const [x, y] = file.keys
    ;[x.data, y.data, x.iv, y.iv, x.tag, y.tag] = [y.data, x.data, y.iv, x.iv, y.tag, x.tag]
    fs.writeFileSync(keysFile, JSON.stringify(file))
    const fresh = createKeyStore(dir, { env: {} })
    expect(await fresh.lookup(a.accessKeyId)).toBeNull()
    expect(await fresh.lookup(b.accessKeyId)).toBeNull()

    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-keys-'))
    try {
      fs.copyFileSync(keysFile, path.join(other, KEYS_FILE))
      fs.writeFileSync(path.join(other, MASTER_KEY_FILE), Buffer.alloc(32, 1), { mode: 0o600 })
      expect(await createKeyStore(other, { env: {} }).lookup(a.accessKeyId)).toBeNull()
    } finally {
      fs.rmSync(other, { recursive: true, force: true })
    }
  })

  it('revoke removes a key; a second store (another process) sees creations and revocations', async () => {
    const server = createKeyStore(dir, { env: {} })
    const cli = createKeyStore(dir, { env: {} })
    expect(await server.lookup('LPKnone')).toBeNull()
    const k = await cli.create()
    expect(await server.lookup(k.accessKeyId)).toEqual({ secret: k.accessKeySecret })
    expect(await cli.revoke(k.accessKeyId)).toBe(true)
    expect(await server.lookup(k.accessKeyId)).toBeNull()
    expect(await cli.revoke(k.accessKeyId)).toBe(false)
    expect(await server.list()).toEqual([])
  })

  it('serves the environment key, lists it masked and refuses to revoke it', async () => {
    const env = { LOUPE_ACCESS_KEY_ID: 'envKeyId', LOUPE_ACCESS_KEY_SECRET: 'envSecretValue9876' }
    const store = createKeyStore(dir, { env })
    expect(await store.lookup('envKeyId')).toEqual({ secret: 'envSecretValue9876' })
    const list = await store.list()
    expect(list).toEqual([
      {
        accessKeyId: 'envKeyId',
        source: 'env',
        createdAt: null,
        maskedSecret: '**************9876',
      },
    ])
    await expect(store.revoke('envKeyId')).rejects.toMatchObject({ code: 'KeyFromEnvironment' })
    expect(await store.lookup('envKeyId')).not.toBeNull()
    expect(fs.existsSync(path.join(dir, MASTER_KEY_FILE))).toBe(false)
  })

  it('tightens a master key file left readable by others', async () => {
    const store = createKeyStore(dir, { env: {} })
    const k = await store.create()
    const masterFile = path.join(dir, MASTER_KEY_FILE)
    fs.chmodSync(masterFile, 0o644)
    expect(await createKeyStore(dir, { env: {} }).lookup(k.accessKeyId)).not.toBeNull()
    expect(mode(masterFile)).toBe(0o600)
  })

  it('authenticates the official SDK on the wire server; a revoked key gets 404', async () => {
    const store = createKeyStore(dir, { env: {} })
    const k = await store.create()
    const { engine } = recordingEngine()
    const srv = await listen(
      createWireHandler({
        resolveEngine: async (n) => (n === 'demo' ? (engine as Engine) : null),
        keys: store,
      }),
    )
    try {
      const c = makeClient({
        port: srv.port,
        accessKeyId: k.accessKeyId,
        accessKeySecret: k.accessKeySecret,
      })
      const ok = await c.detail(new sdk.DetailRequest({ instanceName: 'demo' }))
      expect(ok.statusCode).toBe(200)
      await store.revoke(k.accessKeyId)
      const e = await sdkError(c.detail(new sdk.DetailRequest({ instanceName: 'demo' })))
      expect(e.code).toBe('InvalidAccessKeyId.NotFound')
      expect(e.statusCode).toBe(404)
    } finally {
      await srv.close()
    }
  })
})
