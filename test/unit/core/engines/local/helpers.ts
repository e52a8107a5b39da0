import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { EngineError } from '../../../../../electron/core/engines/errors'
import {
  createLocalEngine,
  type LocalEngine,
  type LocalEngineOptions,
} from '../../../../../electron/core/engines/local/index'
import { createFeaturizer } from '../../../../../electron/core/engines/local/featurizer/index'
import type { Featurizer } from '../../../../../electron/core/engines/local/featurizer/types'
import { CATALOGUE_DIR, catalogueBytes } from '../../../../helpers/images'

/** Real store photos: view 0 … 4 of product 0 … 29 (test/fixtures/grocery). */
export { productPhoto } from '../../../../helpers/photos'

/** Folder of the generated catalogue pictures item0000.jpg … (218 × 255 product JPEGs). */
export const CATALOGUE = CATALOGUE_DIR

/** The n-th catalogue picture (generated 218 × 255 product JPEG on white). */
export function catalogue(n: number): Buffer {
  return catalogueBytes(n)
}

export interface Harness {
  root: string
  dir: string
  featurizer: Featurizer
  engine: LocalEngine
  open(extra?: Partial<LocalEngineOptions>): Promise<LocalEngine>
  cleanup(): Promise<void>
}

/** A temp profile folder with an `engine/` dir, the real featurizer (in-process) and an engine. */
export async function harness(extra: Partial<LocalEngineOptions> = {}): Promise<Harness> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-'))
  const dir = path.join(root, 'engine')
  const featurizer = createFeaturizer({ workers: 0 })
  const opened: LocalEngine[] = []
  const h: Harness = {
    root,
    dir,
    featurizer,
    engine: undefined as unknown as LocalEngine,
    async open(more = {}) {
      const e = await createLocalEngine({ dir, name: 'test', featurizer, ...extra, ...more })
      opened.push(e)
      return e
    },
    async cleanup() {
      for (const e of opened) await e.close()
      await featurizer.close()
      fs.rmSync(root, { recursive: true, force: true })
    },
  }
  h.engine = await h.open()
  return h
}

/** Awaits `p` and returns the EngineError it rejects with (fails if it resolves or throws else). */
export async function rejection(p: Promise<unknown>): Promise<EngineError> {
  try {
    await p
  } catch (e) {
    if (e instanceof EngineError) return e
    throw new Error(`expected an EngineError, got ${String(e)}`)
  }
  throw new Error('expected the call to be rejected')
}

export const REQUEST_ID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/

/** A solid-colour PNG of the given size. */
export function solidPng(
  width: number,
  height: number,
  rgb = { r: 200, g: 40, b: 40 },
): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: rgb } })
    .png()
    .toBuffer()
}
