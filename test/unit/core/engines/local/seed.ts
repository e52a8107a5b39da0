/** Engine folders filled with synthetic vectors, as a previous run would have left them. */
import path from 'node:path'
import { Store } from '../../../../../electron/core/engines/local/store'
import type { Featurizer } from '../../../../../electron/core/engines/local/featurizer/types'

function rng(seed: number) {
  let s = seed
  return () => (s = (s * 48271) % 2147483647) / 2147483647
}

/** A unit vector of `dim` pseudo-random components. */
function unit(dim: number, r: () => number): Float32Array {
  const v = new Float32Array(dim)
  let n = 0
  for (let i = 0; i < dim; i++) n += (v[i] = r() - 0.5) ** 2
  const k = 1 / Math.sqrt(n)
  for (let i = 0; i < dim; i++) v[i] *= k
  return v
}

/**
 * An engine folder whose store holds `n` images with synthetic vectors written straight into it
 * (as a previous run of the engine would have left them), plus `stale` images described by
 * another featurizer version.
 */
export function seedStore(
  dir: string,
  f: Pick<Featurizer, 'dim' | 'version'>,
  n: number,
  stale = 0,
) {
  const store = new Store(path.join(dir, 'engine.db'))
  const r = rng(7)
  const vectors = new Map<string, Float32Array>()
  store.tx(() => {
    for (let i = 0; i < n + stale; i++) {
      const vector = unit(f.dim, r)
      const isStale = i >= n
      const picName = `${i}.jpg`
      if (!isStale) vectors.set(picName, vector)
      store.upsert(
        {
          productId: `P${i % 97}`,
          picName,
          categoryId: i % 3,
          customContent: null,
          intAttr: i % 10,
          intAttr2: null,
          intAttr3: null,
          intAttr4: null,
          strAttr: i % 2 ? 'odd' : 'even',
          strAttr2: null,
          strAttr3: null,
          strAttr4: null,
          region: null,
          width: 200,
          height: 200,
          vector,
          fversion: isStale ? 'an-older-featurizer' : f.version,
          source: null,
        },
        1_700_000_000_000 + i,
      )
    }
  })
  store.close()
  return vectors
}
