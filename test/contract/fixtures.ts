/**
 * The contract-test stack: a real local engine (SQLite in a temp dir, real featurizer) served by the
 * wire handler on 127.0.0.1, plus pictures: generated catalogue pictures (test/helpers/images.ts)
 * and real store photos shipped in test/fixtures/grocery (test/helpers/photos.ts).
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { createLocalEngine, type LocalEngine } from '../../electron/core/engines/local/index'
import {
  createFeaturizer,
  type LocalFeaturizer,
} from '../../electron/core/engines/local/featurizer/index'
import { createWireHandler, type WireHandlerOptions } from '../../electron/core/engines/wire/server'
import { listen, type Listening } from '../unit/core/engines/wire/sdk'
import { catalogueBytes } from '../helpers/images'
import { productPhoto } from '../helpers/photos'

export const AK = 'LPKcontractKey0000000001'
export const SECRET = 'ContractSecret0123456789abcdef'
/** Characters that stress every encoding layer. */
export const ODD = `商品 编号!'()*&=+/ ~%`
/** The same for string attributes, which the cloud restricts (no backslash, ¥, $, & or %). */
export const STR_ODD = `红 色!'()*=+/ ~`

/** Catalogue picture i (a generated 218 × 255 product JPEG). */
export function catalogue(i: number): Buffer {
  return catalogueBytes(i)
}

/** A real store photo (product 0 … 29, view 0 … 4) as PNG bytes. */
export function photoPng(product: number, view: number): Promise<Buffer> {
  return sharp(productPhoto(product, view)).png().toBuffer()
}

/**
 * A PNG of just under `targetBytes`: a real photo scaled up, with as much pixel noise as it takes
 * (found by bisection) for PNG to land at that size.
 */
export async function bigPng(targetBytes: number): Promise<Buffer> {
  const side = Math.round(Math.sqrt(targetBytes / 3) * 1.06)
  const photo = await sharp(catalogue(3)).resize(side, side, { fit: 'fill' }).raw().toBuffer()
  const noise = crypto.randomBytes(photo.length)
  const encode = (amp: number) => {
    const px = Buffer.alloc(photo.length)
    for (let i = 0; i < px.length; i++) {
      px[i] = Math.max(0, Math.min(255, photo[i] + Math.round(((noise[i] - 128) * amp) / 128)))
    }
    return sharp(px, { raw: { width: side, height: side, channels: 3 } })
      .png({ compressionLevel: 1, adaptiveFiltering: false })
      .toBuffer()
  }
  let lo = 0
  let hi = 48
  let best: Buffer | null = null
  for (let round = 0; round < 12; round++) {
    const amp = (lo + hi) / 2
    const png = await encode(amp)
    if (png.length > targetBytes) hi = amp
    else {
      lo = amp
      best = png
      if (png.length >= targetBytes * 0.99) return png
    }
  }
  if (best && best.length >= targetBytes * 0.97) return best
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
export async function eventually<T>(
  fn: () => Promise<T | undefined | null | false>,
  ms = 30_000,
): Promise<T> {
  const until = Date.now() + ms
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > until) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 100))
  }
}
