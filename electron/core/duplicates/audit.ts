/**
 * The audit as a job of the persistent queue (kind `duplicate-audit`, one item per step, run one at
 * a time so the Jobs panel shows its progress):
 *
 *   embed:<from>   cloud only: the local model describes a slice of the cache's thumbnails
 *                  (vectors kept in duplicates.db, so a resumed audit does not describe them again)
 *   partition      the vectors are read (local engine: its stored vectors, page by page) and cut
 *                  into cells (pairs.ts)
 *   scan:<k>       the pairs of one share of the cells are compared; pairs ≥ the floor are stored
 *
 * The vectors and cells live in memory for the audit's duration (one audit per profile at a time);
 * a host restarted mid-audit rebuilds them (the same seed gives the same cells) and goes on with
 * the shares not done yet. CPU work is sliced: the core answers other calls meanwhile.
 */
import fs from 'node:fs'
import type { EngineRegistry } from '../engines/registry'
import type { Featurizer } from '../engines/local/featurizer/types'
import type { StoredVectorRow } from '../engines/local/index'
import type { Galleries } from '../galleries'
import type { HandlerContext, ItemRecord, JobHandler } from '../jobs/types'
import { JobFailure } from '../jobs/queue'
import { cellWork, marginFor, partition, scanCells, vectorSet, type VectorSet } from './pairs'
import { phashPairs, phashSimilarity } from './phash-pairs'
import { hamming, normalizePhash } from '../gallery/phash'
import { keyText, type DuplicateStore, type Key, type PairRow } from './store'

export const AUDIT_KIND = 'duplicate-audit'
/** Shares of the cells (scan items). */
export const SCAN_SHARES = 32
/** Thumbnails described per embed item (cloud). */
export const EMBED_SLICE = 100
/** Pairs kept at most: beyond, the threshold is too low for a useful review. */
export const MAX_PAIRS = 2_000_000
/** Vectors read from the engine per page. */
const PAGE = 512

export interface AuditParams {
  auditId: number
  floor: number
  acrossOnly: boolean
  approximate: boolean
}

export type AuditItem =
  | { step: 'embed'; from: number; to: number }
  | { step: 'partition' }
  | {
      step: 'scan'
      share: number
    }

interface AuditState {
  auditId: number
  set: VectorSet
  keys: Key[]
  /** The cache's perceptual hash of each picture (null: unknown). */
  phash: (string | null)[]
  product: Int32Array
  shares: Int32Array[][]
  seen: Set<number>
  pairs: number
}

/** The local engine's vectors, where the profile's engine has them. */
interface VectorSource {
  vectorPage(afterId: number, limit: number): StoredVectorRow[]
  descriptor: { version: string; dim: number }
}

export interface AuditDeps {
  engines: EngineRegistry
  galleries: Galleries
  featurizer: () => Featurizer
  /** The profile's duplicates store, for the time of `fn`. */
  withStore<T>(profile: string, fn: (s: DuplicateStore) => T): T
  /** Items of the job still to run (pending + running). */
  unfinished(jobId: number): number
  /** The audit's last share was scanned. */
  onFinished?(profile: string, auditId: number, jobId: number): void
}

export function vectorSource(engine: unknown): VectorSource | null {
  const e = engine as Partial<VectorSource>
  return typeof e.vectorPage === 'function' && e.descriptor ? (e as VectorSource) : null
}

/** The items of a new audit's job. */
export function auditItems(pictures: number | null) {
  const items: { key: string; payload: AuditItem }[] = []
  if (pictures !== null) {
    for (let from = 0; from < pictures; from += EMBED_SLICE) {
      items.push({
        key: `embed:${from}`,
        payload: { step: 'embed', from, to: Math.min(pictures, from + EMBED_SLICE) },
      })
    }
  }
  items.push({ key: 'partition', payload: { step: 'partition' } })
  for (let share = 0; share < SCAN_SHARES; share++) {
    items.push({ key: `scan:${share}`, payload: { step: 'scan', share } })
  }
  return items
}

export function createAuditHandler(
  d: AuditDeps,
): JobHandler<AuditItem, unknown, void> & { drop(profile: string): void } {
  /** The state of the audit running now, per profile. */
  const states = new Map<string, { auditId: number; state: Promise<AuditState> }>()

  /** The vectors to compare, straight into the kernel's buffer (grown by doubling). */
  async function readVectors(profile: string, p: AuditParams, signal: AbortSignal) {
    const keys: Key[] = []
    let missing = 0
    let set: VectorSet | null = null
    const put = (k: Key, v: Float32Array) => {
      set ??= vectorSet(v.length, 1024)
      if (keys.length >= set.store.capacity) set.store.ensure(set.store.capacity * 2, keys.length)
      set.store.set(keys.length, v)
      keys.push({ productId: k.productId, picName: k.picName })
      set.n = keys.length
    }
    if (p.approximate) {
      const version = d.featurizer().version
      d.withStore(profile, (s) => {
        for (let from = 0; ; from += 1000) {
          const rows = s.pictures(p.auditId, from, from + 1000)
          if (!rows.length) break
          for (const r of rows) {
            const v = r.thumbnail ? s.thumbVector(r, r.thumbnail, version) : null
            if (v) put(r, v)
            else missing++
          }
        }
      })
      return { keys, set: set ?? vectorSet(d.featurizer().dim, 0), missing }
    }
    const src = vectorSource(await d.engines.get(profile))
    if (!src) throw new JobFailure('DuplicateAuditNeedsVectors', 'The engine keeps no vectors.')
    for (let after = 0; ;) {
      if (signal.aborted) throw signal.reason
      const rows = src.vectorPage(after, PAGE)
      for (const r of rows) {
        put(r, r.vector)
        after = r.rowId
      }
      if (rows.length < PAGE) break
      await new Promise((r) => setImmediate(r))
    }
    return { keys, set: set ?? vectorSet(src.descriptor.dim, 0), missing }
  }

  async function build(profile: string, p: AuditParams, signal: AbortSignal): Promise<AuditState> {
    const { keys, set, missing } = await readVectors(profile, p, signal)
    const codes = new Map<string, number>()
    const product = Int32Array.from(keys, (k) => {
      let c = codes.get(k.productId)
      if (c === undefined) codes.set(k.productId, (c = codes.size))
      return c
    })
    d.withStore(profile, (s) => s.setAudit(p.auditId, { pictures: keys.length, missing }))
    const phash = phashesOf(profile, keys)
    const cells = await partition(set, { signal, seed: p.auditId, margin: marginFor(p.floor) })
    cells.sort((a, b) => cellWork(b) - cellWork(a))
    const shares: Int32Array[][] = Array.from({ length: SCAN_SHARES }, () => [])
    cells.forEach((c, i) => shares[i % SCAN_SHARES].push(c))
    const st: AuditState = {
      auditId: p.auditId,
      set,
      keys,
      phash,
      product,
      shares,
      seen: new Set(),
      pairs: 0,
    }
    // Pairs of (nearly) the same perceptual hash, whatever their descriptors say.
    const found: PairRow[] = []
    const n = keys.length
    phashPairs(phash, p.floor, (i, j, bits) => {
      if (p.acrossOnly && product[i] === product[j]) return
      const sim = Math.min(1, Math.max(set.store.dot(j, set.store.get(i)), phashSimilarity(bits)))
      if (sim < p.floor) return
      st.seen.add(i * n + j)
      found.push({ a: keys[i], b: keys[j], sim })
    })
    st.pairs += found.length
    d.withStore(profile, (s) => {
      if (s.audit(p.auditId)) s.addPairs(p.auditId, found)
    })
    return st
  }

  /** The gallery cache's perceptual hashes of the audited pictures. */
  function phashesOf(profile: string, keys: Key[]): (string | null)[] {
    const g = d.galleries.get(profile)
    const byKey = new Map<string, string>()
    for (let offset = 0; ; offset += 1000) {
      const page = g.query({ sort: 'productId', order: 'asc', limit: 1000, offset })
      for (const i of page.items) {
        try {
          if (i.phash) byKey.set(keyText(i), normalizePhash(i.phash))
        } catch {
          // not a hash: the descriptors alone judge this picture
        }
      }
      if (page.items.length < 1000) break
    }
    return keys.map((k) => byKey.get(keyText(k)) ?? null)
  }

  function stateOf(profile: string, p: AuditParams, signal: AbortSignal): Promise<AuditState> {
    const cur = states.get(profile)
    if (cur && cur.auditId === p.auditId) return cur.state
    const state = build(profile, p, signal)
    states.set(profile, { auditId: p.auditId, state })
    // A failed build (cancelled, engine gone) is built again by the next item.
    state.catch(() => {
      if (states.get(profile)?.state === state) states.delete(profile)
    })
    return state
  }

  async function embed(profile: string, item: { from: number; to: number }, p: AuditParams) {
    const featurizer = d.featurizer()
    const gallery = d.galleries.get(profile)
    const rows = d.withStore(profile, (s) => s.pictures(p.auditId, item.from, item.to))
    for (const r of rows) {
      if (!r.thumbnail) continue
      const known = d.withStore(profile, (s) => s.thumbVector(r, r.thumbnail!, featurizer.version))
      if (known) continue
      let bytes: Buffer
      try {
        bytes = fs.readFileSync(gallery.thumbnailPath(r.thumbnail))
      } catch {
        continue // counted as missing when the vectors are read
      }
      const { vector } = await featurizer.embed(bytes)
      d.withStore(profile, (s) => s.putThumbVector(r, r.thumbnail!, featurizer.version, vector))
    }
  }

  async function scan(profile: string, share: number, p: AuditParams, ctx: HandlerContext) {
    const st = await stateOf(profile, p, ctx.signal)
    const found: PairRow[] = []
    const { keys, product, phash } = st
    await scanCells(
      st.set,
      st.shares[share],
      p.floor,
      (i, j, cos) => {
        const hi = phash[i]
        const hj = phash[j]
        const sim = hi && hj ? Math.max(cos, phashSimilarity(hamming(hi, hj))) : cos
        found.push({ a: keys[i], b: keys[j], sim: Math.min(1, sim) })
      },
      {
        seen: st.seen,
        skip: p.acrossOnly ? (i, j) => product[i] === product[j] : undefined,
        signal: ctx.signal,
      },
    )
    st.pairs += found.length
    if (st.pairs > MAX_PAIRS) {
      throw new JobFailure(
        'DuplicateAuditTooManyPairs',
        `More than ${MAX_PAIRS} pairs of pictures are at least ${p.floor} similar: raise the threshold.`,
      )
    }
    d.withStore(profile, (s) => {
      // Written only while the audit is the profile's last one (a new scan replaces it).
      if (s.audit(p.auditId)) s.addPairs(p.auditId, found)
    })
    if (d.unfinished(ctx.jobId) <= 1) {
      d.withStore(profile, (s) => s.setAudit(p.auditId, { finishedAt: Date.now() }))
      states.delete(profile)
      d.onFinished?.(profile, p.auditId, ctx.jobId)
    }
    return { pairs: found.length }
  }

  return {
    /** Frees the profile's audit in memory (its job was cancelled or replaced). */
    drop: (profile: string) => void states.delete(profile),
    opClass: () => 'none',
    async run(item: ItemRecord<AuditItem>, ctx) {
      const p = ctx.params as AuditParams
      const it = item.payload
      if (it.step === 'embed') {
        await embed(ctx.profile, it, p)
        return null
      }
      if (it.step === 'partition') {
        const st = await stateOf(ctx.profile, p, ctx.signal)
        return { pictures: st.keys.length }
      }
      return scan(ctx.profile, it.share, p, ctx)
    },
    describe: (item) => ({ source: item.key }),
  }
}
