import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createFeaturizer } from '../../../../../electron/core/engines/local/featurizer/index'
import type {
  Box,
  DescribeOptions,
  Featurizer,
} from '../../../../../electron/core/engines/local/featurizer/types'
import {
  createLocalEngine,
  type LocalEngine,
} from '../../../../../electron/core/engines/local/index'
import type { Auction } from '../../../../../electron/core/engines/types'
import { catalogue } from './helpers'

/**
 * The real featurizer's descriptor widened to 320 dimensions (a fixed linear map), so the engine
 * stores int8 vectors in memory and re-scores its best hits with the float32 vectors in SQLite.
 */
function widened(base: Featurizer, dim: number): Featurizer {
  const widen = (x: Float32Array) => {
    const v = new Float32Array(dim)
    for (let i = 0; i < dim; i++) {
      const j = i % base.dim
      v[i] = x[j] * (1 + ((i * 7) % 5) / 10)
    }
    let s = 0
    for (const y of v) s += y * y
    for (let i = 0; i < dim; i++) v[i] /= Math.sqrt(s)
    return v
  }
  return {
    version: `${base.version}+wide${dim}`,
    dim,
    detect: (b) => base.detect(b),
    async embed(b: Buffer, box?: Box | null) {
      const e = await base.embed(b, box)
      return { ...e, vector: widen(e.vector) }
    },
    async describe(b: Buffer, o: DescribeOptions) {
      const d = await base.describe(b, o)
      return { ...d, vector: widen(d.vector) }
    },
    close: async () => {},
  }
}

describe('local engine with large descriptors (int8 in memory, exact re-scoring)', () => {
  let root: string
  let base: Featurizer
  let engine: LocalEngine
  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-'))
    base = createFeaturizer({ workers: 0 })
    engine = await createLocalEngine({
      dir: path.join(root, 'engine'),
      name: 'wide',
      featurizer: widened(base, 320),
    })
    for (let i = 0; i < 60; i++) {
      await engine.addImage({
        productId: `p${i % 25}`,
        picName: `${i}.jpg`,
        picContent: catalogue(100 + i),
        intAttr: i,
        crop: false,
      })
    }
  })
  afterAll(async () => {
    await engine.close()
    await base.close()
    fs.rmSync(root, { recursive: true, force: true })
  })

  it('finds an identical picture with an exact score of 1', async () => {
    const s = await engine.searchImageByPic({ picContent: catalogue(117), crop: false, num: 5 })
    expect(s.auctions[0].picName).toBe('17.jpg')
    expect(s.auctions[0].score).toBeCloseTo(1, 5)
    const byName = await engine.searchImageByName({ productId: 'p17', picName: '17.jpg', num: 1 })
    expect(byName.auctions[0].score).toBeCloseTo(1, 5)
  })

  it('ranks exactly by the float32 scores within the re-scored window and pages concatenate', async () => {
    const q = { picContent: catalogue(130), crop: false }
    const big = await engine.searchImageByPic({ ...q, num: 60 })
    for (let i = 1; i < big.auctions.length; i++) {
      expect(big.auctions[i].score).toBeLessThanOrEqual(big.auctions[i - 1].score + 1e-6)
    }
    const pages: Auction[] = []
    for (let start = 0; start < 60; start += 9) {
      pages.push(
        ...(await engine.searchImageByPic({ ...q, start, num: Math.min(9, 60 - start) })).auctions,
      )
    }
    expect(pages.map((a) => a.picName)).toEqual(big.auctions.map((a) => a.picName))
    const filtered = await engine.searchImageByPic({ ...q, num: 10, filter: 'int_attr >= 50' })
    expect(filtered.auctions.map((a) => a.intAttr).every((x) => (x as number) >= 50)).toBe(true)
    expect(filtered.head.docsFound).toBe(10)
  })
})
