/**
 * The gallery-adapted space (issue 12): a whitening (dim → dim) on top of the shipped descriptor,
 * learned **without labels** from the gallery's own pictures — each sampled picture and an
 * augmented view of it (featurizer/augment.ts: another crop, scale, mirror, light, background, blur,
 * JPEG) are one class — and switched on only when the gallery's own measure says it helps:
 *
 * - **held-out views**: views of the pictures it did not learn from, searched against the sample,
 *   R@1 on their own picture, before → after;
 * - **own products**: each sampled picture whose product has another picture in the sample, as a
 *   query against the rest, R@1 on its product, before → after (the product ids are the only labels
 *   the engine has).
 *
 * Recommended when the held-out views improve and the own products do not get worse (measured in
 * bench/README.md, "Gallery-adapted whitening": this rule adopts it on COIL and general objects,
 * +12.5 % R@1 there, and refuses it on the grocery shelf gallery, where it hurts). A gallery without
 * products of several pictures has only the first signal, and the verdict says so.
 *
 * Stored vectors are never changed: a space is a projection kept beside them (space-store.ts).
 * Switching it on re-projects the in-memory index and every query (dim × dim multiply-adds, ≈ 0.05
 * ms), switching back drops it; searches and writes wait for the switch (a few seconds at 100,000
 * pictures). Scores stay cosine similarities in 0..1 (in the adapted space), identical pictures
 * still score 1. A space learned for another featurizer version is never applied.
 */
import { EngineError } from '../errors'
import { seededRandom } from '../../util/random'
import type { EngineContext } from './context'
import { augmentedView } from './featurizer/augment'
import { project, type Projection } from './featurizer/pca'
import { learnWhitening } from './featurizer/whitening'
import { loadIndex } from './load-index'
import { SpaceStore, type SpaceRow, type SpaceState } from './space-store'
import { VectorStore } from './vector-storage'

export type { SpaceState } from './space-store'

/** Ridge of the whitening (bench/README.md: 0.01-0.3 measured; 0.03 kept). */
export const SPACE_REG = 0.03
/** Pictures sampled at most (whole products); each is described once more (its view). */
export const SPACE_MAX_PICTURES = 2000
/** Fewer pictures with a stored copy than this: nothing to learn from. */
export const SPACE_MIN_PICTURES = 100
/** Pictures of one product taken at most (a product of 500 pictures does not fill the sample). */
const MAX_PER_PRODUCT = 20
/** Fewer own-product queries than this: that measure says nothing (null). */
export const MIN_OWN_QUERIES = 20

/** R@1 before and after, with the queries that changed. */
export interface Paired {
  queries: number
  before: number
  after: number
  better: number
  worse: number
}

export type SpaceReason =
  /** Views better, own products not worse. */
  | 'improves'
  /** Views better; no product with several pictures to check it against (a caveat). */
  | 'improvesViewsOnly'
  /** Own products matched each other less well after adapting. */
  | 'ownProductsWorse'
  /** The held-out views did not improve. */
  | 'viewsNotBetter'

export interface SpaceFigures {
  /** Pictures sampled, views described (failed views are left out), pictures learned from. */
  pictures: number
  views: number
  learnedFrom: number
  heldOutViews: Paired
  ownProducts: Paired | null
  recommended: boolean
  reason: SpaceReason
  learnMs: number
}

export interface SpaceInfo {
  id: number
  state: SpaceState
  fversion: string
  reg: number
  pictures: number
  createdAt: number
  modifiedAt: number
  figures: SpaceFigures | null
}

export interface SpaceStatus {
  active: SpaceInfo | null
  /** The newest spaces (up to 10), newest first. */
  spaces: SpaceInfo[]
  /** Pictures of the current featurizer with a stored copy (what a space can learn from). */
  pictures: number
  minPictures: number
}

const info = (r: SpaceRow): SpaceInfo => ({
  id: r.id,
  state: r.state,
  fversion: r.fversion,
  reg: r.reg,
  pictures: r.sample.length,
  createdAt: r.utcCreated,
  modifiedAt: r.utcModified,
  figures: (r.figures as SpaceFigures | null) ?? null,
})

const pause = () => new Promise<void>((r) => setImmediate(r))

/** The vector as the index holds it: through the active space, if any. */
export function toSpace(ctx: EngineContext, v: Float32Array): Float32Array {
  return ctx.space ? project(ctx.space.projection, v) : v
}

export function createSpaces(ctx: EngineContext) {
  const { store, featurizer } = ctx
  const spaces = new SpaceStore(store.db)

  /** Pictures of the current featurizer with a stored copy: what a space can learn from. */
  const CANDIDATES = `FROM images i JOIN sources s ON s.image_id = i.id WHERE i.fversion = ?`

  /** Their ids and products, in id order. */
  function candidates(): { id: number; productId: string }[] {
    return store.db
      .prepare(`SELECT i.id AS id, i.product_id AS productId ${CANDIDATES} ORDER BY i.id`)
      .all(featurizer.version) as { id: number; productId: string }[]
  }

  /** Whole products in a seeded random order until `max` pictures (≤ MAX_PER_PRODUCT each). */
  function sample(max: number, seed: number): number[] {
    const byProduct = new Map<string, number[]>()
    for (const c of candidates()) {
      let l = byProduct.get(c.productId)
      if (!l) byProduct.set(c.productId, (l = []))
      l.push(c.id)
    }
    const products = [...byProduct.keys()]
    const r = seededRandom(seed)
    for (let i = products.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1))
      ;[products[i], products[j]] = [products[j], products[i]]
    }
    const out: number[] = []
    for (const p of products) {
      if (out.length >= max) break
      out.push(...byProduct.get(p)!.slice(0, Math.min(MAX_PER_PRODUCT, max - out.length)))
    }
    return out.sort((a, b) => a - b)
  }

  function row(id: number): SpaceRow {
    const r = spaces.get(id)
    if (!r) throw new EngineError('SpaceNotFound', `There is no adapted space ${id}.`)
    return r
  }

  /** Switches the index (and every query from now on) to `next`; calls wait meanwhile. */
  async function switchTo(next: { id: number; projection: Projection } | null): Promise<void> {
    if (ctx.switching) throw new EngineError('SpaceBusy', 'The adapted space is being switched.')
    const run = (async () => {
      ctx.space = next
      await loadIndex(store, ctx.index, {
        version: featurizer.version,
        dim: featurizer.dim,
        transform: (v) => toSpace(ctx, v),
      })
      spaces.activate(next?.id ?? null)
    })()
    ctx.switching = run
    try {
      await run
    } finally {
      ctx.switching = null
    }
  }

  return {
    /** The space the engine opened with (null: none, or one of another featurizer: retired). */
    opening(): { id: number; projection: Projection } | null {
      const a = spaces.active()
      if (!a) return null
      if (a.fversion !== featurizer.version || !a.projection || a.projection.k !== featurizer.dim) {
        spaces.setState(a.id, 'retired')
        ctx.log(`adapted space ${a.id} was learned for another picture model: switched off`)
        return null
      }
      return { id: a.id, projection: a.projection }
    },

    status(): SpaceStatus {
      const active = ctx.space ? spaces.get(ctx.space.id) : null
      return {
        active: active ? info(active) : null,
        spaces: spaces.list(10).map(info),
        pictures: store.db
          .prepare(`SELECT count(*) ${CANDIDATES}`)
          .pluck()
          .get(featurizer.version) as number,
        minPictures: SPACE_MIN_PICTURES,
      }
    },

    /** Starts a space: samples the pictures it learns from. */
    begin(o: { max?: number; reg?: number; seed?: number } = {}): SpaceInfo {
      const ids = sample(o.max ?? SPACE_MAX_PICTURES, o.seed ?? 12)
      if (ids.length < SPACE_MIN_PICTURES) {
        throw new EngineError(
          'SpaceTooFewPictures',
          `The gallery has ${ids.length} pictures with a stored copy; an adapted space needs at least ${SPACE_MIN_PICTURES}.`,
        )
      }
      return info(row(spaces.create(featurizer.version, o.reg ?? SPACE_REG, ids)))
    },

    get: (id: number) => info(row(id)),

    /** The sampled pictures whose view is not described yet. */
    undescribed(id: number): number[] {
      const r = row(id)
      const have = spaces.viewIds(id)
      return r.sample.filter((i) => !have.has(i))
    },

    /**
     * Describes one augmented view of each picture (the seed is the image id: a resumed job
     * describes the same views). A picture whose copy cannot be read or described is left out.
     */
    async describeViews(id: number, imageIds: number[], signal?: AbortSignal): Promise<number> {
      const r = row(id)
      if (r.state !== 'learning')
        throw new EngineError('SpaceNotReady', `Space ${id} is ${r.state}.`)
      let failed = 0
      for (const imageId of imageIds) {
        if (signal?.aborted || ctx.closed) break
        const src = store.source(imageId)
        let v: Float32Array | null = null
        if (src) {
          try {
            const view = await augmentedView(src.bytes, imageId * 16 + 1)
            const d = await featurizer.describe(view, {
              box: null,
              detect: ctx.serviceType !== 'fabric',
            })
            if (d.vector.length === featurizer.dim) v = d.vector
          } catch (e) {
            ctx.log(`adapted space ${id}: the view of image ${imageId} failed`, e)
          }
        }
        if (ctx.closed) break
        if (!v) failed++
        spaces.putView(id, imageId, v)
      }
      return failed
    },

    /** Learns the whitening from half the sample and measures it on the other half. */
    async learn(id: number): Promise<SpaceInfo> {
      const r = row(id)
      if (r.state !== 'learning')
        throw new EngineError('SpaceNotReady', `Space ${id} is ${r.state}.`)
      const t0 = performance.now()
      const views = spaces.views(id)
      const base = new Map<number, Float32Array>()
      const productOf = new Map<number, string>()
      for (const imageId of r.sample) {
        const s = store.vector(imageId)
        const img = store.getById(imageId)
        if (!s || !img || s.version !== featurizer.version) continue
        base.set(imageId, s.vector)
        productOf.set(imageId, img.productId)
      }
      const ids = r.sample.filter((i) => base.has(i))
      const position = new Map(ids.map((i, k) => [i, k]))
      // Learning half: even positions; the odd half's views measure it.
      const learns = new Set(ids.filter((_, i) => i % 2 === 0))
      const dim = featurizer.dim
      const rowsX: Float32Array[] = []
      const labels: number[] = []
      for (const i of ids) {
        if (!learns.has(i)) continue
        const v = views.get(i)
        if (!v) continue
        rowsX.push(base.get(i)!, v)
        labels.push(i, i)
      }
      if (rowsX.length / 2 < SPACE_MIN_PICTURES / 2) {
        spaces.fail(id, { error: 'SpaceTooFewPictures' })
        throw new EngineError(
          'SpaceTooFewPictures',
          `Only ${rowsX.length / 2} pictures and views could be described to learn from.`,
        )
      }
      const x = new Float32Array(rowsX.length * dim)
      rowsX.forEach((v, k) => x.set(v, k * dim))
      await pause()
      const p = learnWhitening(x, labels, rowsX.length, dim, { k: dim, reg: r.reg })
      await pause()
      const plain = ids.map((i) => base.get(i)!)
      const sample = {
        plain: sampleStore(plain, dim),
        adapted: sampleStore(
          plain.map((v) => project(p, v)),
          dim,
        ),
        n: ids.length,
      }
      const held = ids.filter((i) => !learns.has(i) && views.get(i))
      const heldOutViews = await paired(
        held.map((i) => views.get(i)!),
        held.map((i) => i),
        sample,
        ids,
        p,
        null,
      )
      const count = new Map<string, number>()
      for (const i of ids) count.set(productOf.get(i)!, (count.get(productOf.get(i)!) ?? 0) + 1)
      const own = ids.filter((i) => count.get(productOf.get(i)!)! > 1)
      const labelOf = ids.map((i) => productOf.get(i)!)
      const ownPaired = await paired(
        own.map((i) => base.get(i)!),
        own.map((i) => productOf.get(i)!),
        sample,
        labelOf,
        p,
        own.map((i) => position.get(i)!),
      )
      const ownProducts = ownPaired.queries >= MIN_OWN_QUERIES ? ownPaired : null
      const viewsBetter = heldOutViews.after > heldOutViews.before
      const reason: SpaceReason = !viewsBetter
        ? 'viewsNotBetter'
        : ownProducts && ownProducts.after < ownProducts.before
          ? 'ownProductsWorse'
          : ownProducts
            ? 'improves'
            : 'improvesViewsOnly'
      const figures: SpaceFigures = {
        pictures: r.sample.length,
        views: [...views.values()].filter(Boolean).length,
        learnedFrom: rowsX.length / 2,
        heldOutViews,
        ownProducts,
        recommended: reason === 'improves' || reason === 'improvesViewsOnly',
        reason,
        learnMs: Math.round(performance.now() - t0),
      }
      spaces.finish(id, p, figures)
      return info(row(id))
    },

    /** Switches a learned space on (not recommended ones only with `force`). */
    async apply(id: number, o: { force?: boolean } = {}): Promise<SpaceInfo> {
      const r = row(id)
      const f = r.figures as SpaceFigures | null
      if (
        !r.projection ||
        !f ||
        (r.state !== 'candidate' && r.state !== 'retired' && r.state !== 'active') ||
        r.fversion !== featurizer.version ||
        r.projection.k !== featurizer.dim
      ) {
        throw new EngineError(
          'SpaceNotReady',
          `Adapted space ${id} is ${r.state}${r.fversion !== featurizer.version ? ' (another picture model)' : ''}.`,
        )
      }
      if (!f.recommended && !o.force) {
        throw new EngineError(
          'SpaceNotRecommended',
          `Adapted space ${id} is not recommended (${f.reason}).`,
        )
      }
      if (ctx.space?.id !== id) await switchTo({ id, projection: r.projection })
      return info(row(id))
    },

    /** Back to the plain descriptor. */
    async revert(): Promise<void> {
      if (ctx.space) await switchTo(null)
    },
  }
}

export type Spaces = ReturnType<typeof createSpaces>

/** The sample's vectors in the index's buffer, every slot a candidate (scanned by its kernel). */
function sampleStore(vs: Float32Array[], dim: number): VectorStore {
  const store = new VectorStore(dim, vs.length, { quantize: false })
  store.ensure(Math.max(16, vs.length), 0)
  vs.forEach((v, i) => {
    store.set(i, v)
    store.cand[i] = i
  })
  return store
}

/** The best slot for `q` other than `skip` (ties: the lower slot). */
function best(store: VectorStore, n: number, q: Float32Array, skip: number): number {
  store.score(q, n)
  let b = -Infinity
  let at = -1
  for (let j = 0; j < n; j++) {
    if (j !== skip && store.sims[j] > b) {
      b = store.sims[j]
      at = j
    }
  }
  return at
}

/**
 * R@1 of each query against the sample, before (plain vectors) and after (adapted): the best
 * other picture's label equals the query's. `self[k]`: the query's own position in the sample
 * (left out of its own search), or none for views.
 */
async function paired(
  queries: Float32Array[],
  want: unknown[],
  sample: { plain: VectorStore; adapted: VectorStore; n: number },
  label: unknown[],
  p: Projection,
  self: number[] | null,
): Promise<Paired> {
  let before = 0
  let after = 0
  let better = 0
  let worse = 0
  for (let k = 0; k < queries.length; k++) {
    const skip = self ? self[k] : -1
    const b = label[best(sample.plain, sample.n, queries[k], skip)] === want[k] ? 1 : 0
    const a =
      label[best(sample.adapted, sample.n, project(p, queries[k]), skip)] === want[k] ? 1 : 0
    before += b
    after += a
    if (a > b) better++
    if (b > a) worse++
    if (k % 50 === 49) await pause()
  }
  const n = queries.length
  return {
    queries: n,
    before: n ? before / n : 0,
    after: n ? after / n : 0,
    better,
    worse,
  }
}
