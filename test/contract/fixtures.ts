/**
 * The contract-test stack: a real local engine (SQLite in a temp dir, real featurizer) served by the
 * wire handler on 127.0.0.1, plus real images from /work/shared/datasets (read only).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { createLocalEngine, type LocalEngine } from '../../electron/core/engines/local/index'
import { createFeaturizer, type LocalFeaturizer } from '../../electron/core/engines/local/featurizer/index'
import { createWireHandler, type WireHandlerOptions } from '../../electron/core/engines/wire/server'
import { listen, type Listening } from '../unit/wire/sdk'

export const DATASETS = '/work/shared/datasets'
export const AK = 'LPKcontractKey0000000001'
export const SECRET = 'ContractSecret0123456789abcdef'
/** Characters that stress every encoding layer. */
export const ODD = `商品 编号!'()*&=+/ ~%`
/** The same for string attributes, which the cloud restricts (no backslash, ¥, $, & or %). */
export const STR_ODD = `红 色!'()*=+/ ~`

export function catalogue(i: number): Buffer {
  return fs.readFileSync(path.join(DATASETS, 'catalogue-hm', `item${String(i).padStart(4, '0')}.jpg`))
}

export function coil(obj: number, angle: number): Buffer {
  return fs.readFileSync(path.join(DATASETS, 'coil100-dev', `obj${obj}__${angle}.png`))
}

/**
 * A PNG of `targetBytes` (± a few KB): a real photo scaled up with fine noise, so it stays a
 * believable picture while PNG cannot compress it much.
 */
export async function bigPng(targetBytes: number): Promise<Buffer> {
  let side = Math.round(Math.sqrt(targetBytes / 3))
  for (let round = 0; round < 6; round++) {
    const base = await sharp(catalogue(3)).resize(side, side, { fit: 'fill' }).raw().toBuffer()
    let seed = 12345
    for (let i = 0; i < base.length; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      base[i] = Math.max(0, Math.min(255, base[i] + ((seed >> 16) % 41) - 20))
    }
    const png = await sharp(base, { raw: { width: side, height: side, channels: 3 } })
      .png({ compressionLevel: 9 })
      .toBuffer()
    const ratio = targetBytes / png.length
    if (Math.abs(1 - ratio) < 0.01 && png.length <= targetBytes) return png
    side = Math.floor(side * Math.sqrt(ratio) * 0.998)
  }
  throw new Error('could not size the big PNG')
}

export interface Stack {
  dir: string
  engine: LocalEngine
  featurizer: LocalFeaturizer
  server: Listening
  logs: string[]
  close(): Promise<void>
}

export async function startStack(
  opts: {
    capacity?: number
    extraInstances?: Record<string, { capacity?: number; qps?: number }>
    wire?: Partial<WireHandlerOptions>
  } = {},
): Promise<Stack> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-contract-'))
  const featurizer = createFeaturizer({ workers: 1 })
  const engines = new Map<string, LocalEngine>()
  const engine = await createLocalEngine({
    dir: path.join(dir, 'demo', 'engine'),
    name: 'demo',
    featurizer,
    capacity: opts.capacity ?? 10_000,
    batchRoot: path.join(dir, 'demo', 'batch'),
  })
  engines.set('demo', engine)
  for (const [name, o] of Object.entries(opts.extraInstances ?? {})) {
    engines.set(
      name,
      await createLocalEngine({
        dir: path.join(dir, name, 'engine'),
        name,
        featurizer,
        capacity: o.capacity,
        qps: o.qps,
      }),
    )
  }
  const logs: string[] = []
  const server = await listen(
    createWireHandler({
      resolveEngine: async (name) => engines.get(name) ?? null,
      keys: { lookup: async (id) => (id === AK ? { secret: SECRET } : null) },
      log: (l) => logs.push(l),
      ...opts.wire,
    }),
  )
  return {
    dir,
    engine,
    featurizer,
    server,
    logs,
    async close() {
      await server.close()
      for (const e of engines.values()) {
        await e.whenIdle()
        await e.close()
      }
      await featurizer.close()
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Poll until `fn` returns a truthy value (background tasks: dump, batch). */
export async function eventually<T>(fn: () => Promise<T | undefined | null | false>, ms = 30_000): Promise<T> {
  const until = Date.now() + ms
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > until) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 100))
  }
}
